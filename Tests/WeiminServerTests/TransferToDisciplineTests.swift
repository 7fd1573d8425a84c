import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

/// The sealed-report findings over HTTP on a seeded demo: the ordinary number series shows no sealed cases, sealed
/// words are read by the discipline role only with a `read_sealed` event (case page, export), 转纪委 from the API
/// and the console, and the audit noticing a case row edited in the database.
@Suite("Sealed cases over HTTP: numbering, audited reads, 转纪委, audit of case rows")
struct TransferToDisciplineTests {
    func session(_ services: AppServices, _ username: String) async throws -> (cookie: HTTPFields, csrf: String) {
        let viewer = try #require(try await services.staff.user(named: username))
        let s = try await SignInStore(database: services.database, cipher: services.cipher, staff: services.staff).startSession(
            for: viewer, secondFactorDone: true)
        return ([.cookie: "weimin_session=\(s.cookie)"], s.csrf)
    }

    func token(_ services: AppServices, _ user: String) async throws -> String {
        guard let v = try await services.staff.authenticate(username: user, password: DemoApp.password) else {
            throw HTTPError(.unauthorized)
        }
        return try await services.staff.issueToken(for: v).token
    }

    func form(_ fields: [(String, String)]) -> ByteBuffer {
        ByteBuffer(
            string: fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(
                separator: "&"))
    }

    func reads(_ services: AppServices, _ id: UUID? = nil) async throws -> Int {
        var q = SQLQueryString("SELECT COUNT(*) AS n FROM case_events WHERE action = 'read_sealed'")
        if let id { q += " AND case_id = \(bind: id)" }
        return try await services.database.sql.raw(q).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    static let everything = CaseVisibility(regionPrefix: "433125", departmentID: nil, includeSealed: true, onlySealed: false)

    @Test(
        "demo: ordinary numbers run without gaps, sealed cases have their own series, no report words in clear, the chain matches every row",
        arguments: Backend.available)
    func demoNumbering(backend: Backend) async throws {
        let services = try await DemoApp.services(backend)
        let all = try await services.cases.cases(CaseQuery(perPage: 200), visibility: Self.everything).items
        let sealed = all.filter(\.sealed)
        let ordinary = all.filter { !$0.sealed }.map(\.number.sequence).sorted()
        #expect(!sealed.isEmpty && sealed.allSatisfy { $0.number.series == .sealed && $0.number.description.contains("-JJ-") })
        #expect(ordinary == Array(1...ordinary.count), "gaps in the ordinary series")
        #expect(sealed.map(\.number.sequence).sorted() == Array(1...sealed.count))
        // The demo's sealed reports' own words are nowhere in cases or the search index.
        for words in ["低保评审", "救灾的物资", "危房改造钱", "亲属违规", "优亲厚友", "危改报名"] {
            let hits =
                try await services.database.sql.raw(
                    """
                    SELECT COUNT(*) AS n FROM cases c LEFT JOIN case_search s ON s.case_id = c.id
                    WHERE c.sealed = \(bind: true) AND (c.title LIKE \(bind: "%\(words)%") OR c.summary LIKE \(bind: "%\(words)%") OR s.body LIKE \(bind: "%\(words)%"))
                    """
                ).first()?.decode(column: "n", as: Int.self) ?? 0
            #expect(hits == 0, "\(words) in clear")
        }
        let report = try await AuditLedger(database: services.database).verifyAll()
        #expect(report.breaks.isEmpty && report.mismatches.isEmpty, "\(report.mismatches)")
    }

    @Test(
        "the discipline role's case page, /sealed route and export show sealed words, each with a read_sealed event; others never",
        arguments: Backend.available)
    func auditedReads(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let sealed = try #require(
            try await services.cases.cases(CaseQuery(perPage: 200), visibility: Self.everything).items.first(where: \.sealed))
        let words = try #require(
            try await SealedReportStore(database: services.database, cipher: services.cipher)
                .reveal(
                    [sealed],
                    to: Viewer(
                        userID: UUID(), username: "probe", displayName: "probe", role: .discipline, region: RegionCode("433125")!,
                        departmentID: nil), purpose: "测试"
                ).first)
        #expect(words.title != SealedWords.title)
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            let jj = try await session(services, "jijian")
            let before = try await reads(services, sealed.id)
            let page = try await client.execute(uri: "/cases/\(sealed.number)", method: .get, headers: jj.cookie)
            #expect(page.status == .ok && String(buffer: page.body).contains(words.title))
            #expect(try await reads(services, sealed.id) == before + 1, "the case page showed sealed words without a read_sealed event")

            let api = try await client.get("/api/v1/cases/\(sealed.number)/sealed", token: try await token(services, "jijian"))
            let apiTitle = try api.json()["title"] as? String
            #expect(api.status == .ok && apiTitle == words.title)
            #expect(try await reads(services, sealed.id) == before + 2)

            let sealedCount = try await services.cases.cases(CaseQuery(perPage: 200), visibility: Self.everything).items.filter(\.sealed)
                .count
            let total = try await reads(services)
            let csv = try await client.execute(uri: "/exports/cases.csv", method: .get, headers: jj.cookie)
            #expect(csv.status == .ok && String(buffer: csv.body).contains(words.title))
            #expect(try await reads(services) == total + sealedCount, "every exported sealed case is a recorded read")

            // The operator's export and pages hold no sealed case and no read is recorded for them.
            let op = try await session(services, "shouli")
            let opCSV = try await client.execute(uri: "/exports/cases.csv", method: .get, headers: op.cookie)
            #expect(!String(buffer: opCSV.body).contains(words.title) && !String(buffer: opCSV.body).contains("-JJ-"))
            #expect(try await client.execute(uri: "/cases/\(sealed.number)", method: .get, headers: op.cookie).status == .notFound)
            #expect(try await reads(services) == total + sealedCount)
        }
    }

    @Test(
        "转纪委 over the API: the handler seals the case, learns no sealed number, and it vanishes for everyone but the commission",
        arguments: Backend.available)
    func transferOverAPI(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let village = RegionCode("433125111201")!  // 大白岩村, whose admin is dabaiyan
        let group = try #require(try await services.groups.groups(within: village, page: 1, perPage: 1).items.first)
        let words = "村支书把修路的钱挪去盖自家房子了"
        let opened = try await services.caseStore.open(
            NewCase(
                county: RegionCode("433125")!, township: village.townshipCode, village: village, groupID: group.id,
                category: .service, title: "修路款去向", summary: words),
            actor: .system, at: Date(), workflow: services.workflow)
        let n = opened.number.description
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            let op = try await token(services, "shouli")
            let secretary = try await token(services, "dabaiyan")
            let jijian = try await token(services, "jijian")
            func act(_ token: String, _ json: String) async throws -> (HTTPResponse.Status, [String: Any]) {
                let r = try await client.execute(
                    uri: "/api/v1/cases/\(n)/actions", method: .post,
                    headers: [.authorization: "Bearer \(token)", .contentType: "application/json"], body: ByteBuffer(string: json))
                return (r.status, (try? r.json()) ?? [:])
            }
            // Before: the accused village secretary reads it, and the operator is offered 转纪委.
            #expect(try await client.get("/api/v1/cases/\(n)", token: secretary).status == .ok)
            let offered = try await client.get("/api/v1/cases/\(n)", token: op).json()
            #expect(((offered["case"] as? [String: Any])?["allowed_actions"] as? [String])?.contains("transfer_discipline") == true)
            #expect(try await act(secretary, #"{"action":"transfer_discipline","reason":"x"}"#).0 == .forbidden)
            #expect(try await act(op, #"{"action":"transfer_discipline"}"#).0 == .badRequest, "a reason is required")

            #expect(try await act(op, #"{"action":"accept","note":"已受理"}"#).0 == .ok)
            let (status, body) = try await act(op, #"{"action":"transfer_discipline","reason":"实为反映村支书问题","accused":"大白岩村支书"}"#)
            #expect(status == .ok)
            #expect(
                body["number"] as? String == n && body["sealed"] as? Bool == true && (body["allowed_actions"] as? [String])?.isEmpty == true
            )
            #expect(!"\(body)".contains("-JJ-") && !"\(body)".contains("修路"))

            for user in [op, secretary, try await token(services, "duban"), try await token(services, "changtanhe")] {
                #expect(try await client.get("/api/v1/cases/\(n)", token: user).status == .notFound)
            }
            let found = try await client.get("/api/v1/cases/\(n)", token: jijian)
            #expect(found.status == .ok)
            let sealedNumber = try #require((try found.json()["case"] as? [String: Any])?["number"] as? String)
            #expect(sealedNumber.contains("-JJ-"))
            let events = (try found.json()["events"] as? [[String: Any]]) ?? []
            let transfer = try #require(events.first { $0["action"] as? String == "transfer_discipline" })
            // Who had it before (the operator who accepted it) and its old number are on the record.
            #expect(transfer["actor"] as? String == "shouli")
            #expect((transfer["note"] as? String)?.contains("经手人员：shouli") == true && (transfer["note"] as? String)?.contains(n) == true)
            let material = try await client.get("/api/v1/cases/\(sealedNumber)/sealed", token: jijian).json()
            #expect(material["summary"] as? String == words && material["accused"] as? String == "大白岩村支书")
            #expect((material["recused"] as? [String])?.contains { $0.hasPrefix("dabaiyan") } == true)
            let report = try await AuditLedger(database: services.database).verifyAll()
            #expect(report.breaks.isEmpty && report.mismatches.isEmpty)
        }
    }

    @Test("转纪委 from the console case page: a confirmed form, then the case is gone for the township cadre", arguments: Backend.available)
    func transferFromConsole(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let township = RegionCode("433125111")!  // 长潭河乡, changtanhe's
        let c = try #require(
            try await services.cases.cases(
                CaseQuery(states: [.accepted, .dispatched, .inProgress], townshipCode: township, perPage: 50),
                visibility: Self.everything
            ).items.first { !$0.sealed })
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            let cadre = try await session(services, "changtanhe")
            let page = String(buffer: try await client.execute(uri: "/cases/\(c.number)", method: .get, headers: cadre.cookie).body)
            #expect(page.contains("value=\"transfer_discipline\"") && page.contains("确定转纪委"))
            let headers = cadre.cookie + [.contentType: "application/x-www-form-urlencoded"]
            let done = try await client.execute(
                uri: "/cases/\(c.number)/act", method: .post, headers: headers,
                body: form([("action", "transfer_discipline"), ("note", "群众反映的是村干部问题"), ("_csrf", cadre.csrf)]))
            #expect(done.status == .seeOther || done.status == .found)
            #expect(done.headers[.location] == "/cases")
            #expect(try await client.execute(uri: "/cases/\(c.number)", method: .get, headers: cadre.cookie).status == .notFound)
            let after = try #require(try await services.caseStore.find(number: c.number))
            #expect(after.sealed && after.number.series == .sealed)
            let jj = try await session(services, "jijian")
            let sealedPage = try await client.execute(uri: "/cases/\(c.number)", method: .get, headers: jj.cookie)
            #expect(sealedPage.status == .ok && String(buffer: sealedPage.body).contains(after.number.description))
        }
    }

    @Test("the audit notices a case row edited in the database on the demo", arguments: Backend.available)
    func rowEditOnDemo(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let c = try #require(
            try await services.cases.cases(CaseQuery(states: [.inProgress], perPage: 1), visibility: Self.everything).items.first)
        let ledger = AuditLedger(database: services.database)
        #expect(try await ledger.verifyAll().mismatches.isEmpty)
        try await services.database.sql.raw("UPDATE cases SET state = 'closed', summary = '已办结' WHERE id = \(bind: c.id)").run()
        let report = try await ledger.verifyAll()
        #expect(report.mismatches.map(\.number) == [c.number.description])
        #expect(report.mismatches.first?.fields == ["状态", "内容摘要"])
    }
}

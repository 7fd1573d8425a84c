import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import WeiminApp
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

/// The workbench leads to the work: what a township cadre and a co-handling department see, time left in each limit's own
/// clock, every row and order a link, and supervision a page at a time.
@Suite("Workbench: a township's urgent cases, co-handling with its own record, links, limits in their own time, supervision paged")
struct WorkbenchTests {
    func session(_ services: AppServices, _ username: String) async throws -> HTTPFields {
        let viewer = try #require(try await services.staff.user(named: username))
        let s = try await SignInStore(database: services.database, cipher: services.cipher, staff: services.staff).startSession(
            for: viewer, secondFactorDone: true)
        return [.cookie: "weimin_session=\(s.cookie)"]
    }

    @Test(
        "a township cadre sees the township's urgent case and the one it co-handles, records its part, and each row links to its case",
        arguments: Backend.available)
    func township(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let cadre = try #require(try await services.staff.user(named: "changtanhe"))
        let township = cadre.region
        let village = try #require(try await services.regions.regions(level: .village, within: township).first).code
        let zhujian = try #require(try await services.staff.user(named: "zhujian"))
        let now = Date()

        // A fire at night: urgent, still at the centre (the cadre has nothing to do on it but must know).
        let fire = try await services.caseStore.open(
            NewCase(
                county: RegionCode("433125")!, township: township, village: village, groupID: nil, category: .service, urgency: .urgent,
                title: "着火了，屋里还有老人", summary: "着火了，屋里还有老人没出来", responseDueAt: now.addingTimeInterval(18 * 60 + 30)),
            actor: .system, at: now)
        // A case 县住建局 leads and the township government co-handles.
        let shared = try await services.caseStore.open(
            NewCase(
                county: RegionCode("433125")!, township: township, village: village, groupID: nil, category: .service,
                title: "危房加固", summary: "危房需要加固"),
            actor: .system, at: now)
        let centre = try #require(try await services.staff.user(named: "shouli"))
        let townshipGovernment = try #require(
            try await services.departments.departments(county: RegionCode("433125")!).first { $0.code == township.rawValue })
        _ = try await services.actOnCase.run(.accept(note: ""), on: shared.number, by: centre, at: now)
        _ = try await services.actOnCase.run(
            .dispatch(lead: try #require(zhujian.departmentID), coHandlers: [townshipGovernment.id], note: ""), on: shared.number,
            by: centre, at: now)

        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            let cookie = try await session(services, "changtanhe")
            let html = String(buffer: try await client.execute(uri: "/workbench", method: .get, headers: cookie).body)
            let urgentTable = try #require(html.range(of: "id=\"township-urgent\"")).upperBound
            let coTable = try #require(html.range(of: "id=\"co-handled\"")).upperBound
            #expect(html[urgentTable...].contains("href=\"/cases/\(fire.number)\""), "the township's urgent case, linked")
            #expect(html[coTable...].contains("href=\"/cases/\(shared.number)\""), "the co-handled case, linked")
            // The urgent answer runs at any hour: minutes on the clock, whatever the time of day.
            #expect(html.contains("剩 18 分钟") || html.contains("剩 17 分钟"))

            // The co-handler records its part; someone outside the case cannot.
            let body = ByteBuffer(string: #"{"action": "record_progress", "note": "乡里已派人到现场查看，配合住建局"}"#)
            let recorded = try await client.execute(
                uri: "/api/v1/cases/\(shared.number)/actions", method: .post,
                headers: [.authorization: try await DemoApp.auth("changtanhe", services), .contentType: "application/json"], body: body)
            #expect(recorded.status == .ok)
            let refused = try await client.execute(
                uri: "/api/v1/cases/\(fire.number)/actions", method: .post,
                headers: [.authorization: try await DemoApp.auth("changtanhe", services), .contentType: "application/json"], body: body)
            #expect(refused.status == .forbidden || refused.status == .conflict)
            let record = String(buffer: try await client.execute(uri: "/cases/\(shared.number)", method: .get, headers: cookie).body)
            #expect(record.contains("乡里已派人到现场查看"))

            // The supervision list: a page, a total, links.
            let supervision = try await client.execute(
                uri: "/api/v1/supervision?per_page=1", method: .get, headers: [.authorization: try await DemoApp.auth("duban", services)])
            #expect(supervision.status == .ok)
            let page = try JSONSerialization.jsonObject(with: Data(String(buffer: supervision.body).utf8)) as? [String: Any]
            #expect(page?["per_page"] as? Int == 1 && (page?["items"] as? [Any])?.count ?? 0 <= 1 && page?["total"] is Int)
            #expect(
                try await client.execute(
                    uri: "/api/v1/supervision?per_page=0", method: .get,
                    headers: [.authorization: try await DemoApp.auth("duban", services)]
                ).status == .badRequest)
            let listed = try await client.execute(uri: "/supervision", method: .get, headers: try await session(services, "duban"))
            #expect(listed.status == .ok && String(buffer: listed.body).contains("<h1>督办"))
            #expect(try await client.execute(uri: "/supervision?level=x", method: .get, headers: cookie).status == .badRequest)
        }
    }
}

@Suite("Readable pages: names instead of codes, the trend without weeks to come")
struct ReadablePagesTests {
    @Test("early in a month the trend has eight weeks ending with this one; the case page names departments, co-handlers and people")
    func readable() async throws {
        let services = try await DemoApp.make(.sqlite)
        defer { Task { await services.shutdown() } }
        let lingdao = try #require(try await services.staff.user(named: "lingdao"))
        let web = WebSession(cookie: "", csrf: "", viewer: lingdao, secondFactorDone: true)
        var cal = Calendar(identifier: .iso8601)
        cal.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        // Thursday 3 December 2026: four Mondays of December are still to come.
        let now = try #require(cal.date(from: DateComponents(year: 2026, month: 12, day: 3, hour: 10)))
        let month = try #require(DashboardController.month("2026-12", now: now))
        let page = try await DashboardController(services: services).page(viewer: lingdao, web: web, month: month, now: now)
        #expect(page.weeks.count == 8)
        let thisWeek = cal.dateInterval(of: .weekOfYear, for: now)!.start
        let f = DateFormatter()
        f.timeZone = cal.timeZone
        f.dateFormat = "M/d"
        #expect(page.weeks.last?.label == f.string(from: thisWeek) && page.weeks.allSatisfy { $0.x + 40 <= 500 })

        // A dispatched case with a co-handler: the page says who leads, who helps, and who did what, by name.
        let centre = try #require(try await services.staff.user(named: "shouli"))
        let all = CaseVisibility(regionPrefix: "433125", departmentID: nil, includeSealed: false, onlySealed: false)
        let fresh = try #require(try await services.cases.cases(CaseQuery(states: [.new], perPage: 1), visibility: all).items.first)
        let departments = try await services.departments.departments(county: RegionCode("433125")!)
        let water = try #require(departments.first { $0.code == "slj" }), roads = try #require(departments.first { $0.code == "jtj" })
        _ = try await services.actOnCase.run(.accept(note: ""), on: fresh.number, by: centre, at: Date())
        _ = try await services.actOnCase.run(
            .dispatch(lead: water.id, coHandlers: [roads.id], note: "请核实"), on: fresh.number, by: centre, at: Date())
        let detail = try #require(try await services.cases.detail(number: fresh.number, visibility: centre.caseVisibility))
        let casePage = try await CasePageController(services: services).page(
            detail, viewer: centre, web: WebSession(cookie: "", csrf: "", viewer: centre, secondFactorDone: true), done: nil,
            error: nil)
        #expect(casePage.department == water.name && casePage.coHandlers == roads.name)
        // A case without co-handlers shows no empty 协办 row.
        let alone = try #require(try await services.cases.cases(CaseQuery(states: [.new], perPage: 1), visibility: all).items.first)
        let alonePage = try await CasePageController(services: services).page(
            try #require(try await services.cases.detail(number: alone.number, visibility: centre.caseVisibility)), viewer: centre,
            web: WebSession(cookie: "", csrf: "", viewer: centre, secondFactorDone: true), done: nil, error: nil)
        #expect(alonePage.coHandlers == nil)
        let dispatch = try #require(casePage.events.first { $0.action.hasPrefix("派单") })
        #expect(dispatch.action == "派单 → \(water.name)" && dispatch.actor == "\(centre.displayName)（受理员）")
        #expect(!casePage.events.contains { $0.actor == "shouli" || $0.actor == "system" })
    }
}

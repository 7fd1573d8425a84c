import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

@Suite("Console pages: the ledger with search and filters, the case page and its actions, by role")
struct ConsolePagesTests {
    /// A signed-in browser session for a demo user (the sign-in itself is tested in ConsoleSignInTests).
    func session(_ services: AppServices, _ username: String) async throws -> (cookie: HTTPFields, csrf: String) {
        let viewer = try #require(try await services.staff.user(named: username))
        let s = try await SignInStore(database: services.database, cipher: services.cipher, staff: services.staff).startSession(
            for: viewer, secondFactorDone: true)
        return ([.cookie: "weimin_session=\(s.cookie)"], s.csrf)
    }

    func form(_ fields: [(String, String)]) -> ByteBuffer {
        ByteBuffer(
            string: fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(
                separator: "&"))
    }

    @Test(
        "the ledger finds cases by Chinese words and filters, pages, keeps sealed cases to the discipline role; the API takes q too",
        arguments: Backend.available)
    func ledger(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        // A case whose words we know, to search for.
        let sample = try #require(
            try await services.cases.cases(
                CaseQuery(states: [.inProgress], perPage: 1),
                visibility: CaseVisibility(regionPrefix: "433125", departmentID: nil, includeSealed: true, onlySealed: false)
            ).items.first)
        let word = String(sample.title.prefix(3))
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            #expect(try await client.execute(uri: "/cases", method: .get).headers[.location] == "/login")
            let op = try await session(services, "shouli")
            let all = try await client.execute(uri: "/cases", method: .get, headers: op.cookie)
            let allHTML = String(buffer: all.body)
            #expect(all.status == .ok && allHTML.contains("工单台账") && allHTML.contains("共 "))
            #expect(!allHTML.contains("badge\">密封"), "no sealed case in the operator's ledger")

            let search = try await client.execute(
                uri: "/cases?q=\(word.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", method: .get, headers: op.cookie)
            let html = String(buffer: search.body)
            #expect(search.status == .ok && html.contains(sample.number.description), "searching “\(word)” finds \(sample.number)")
            // Every row found contains the word (a search that matched everything would pass the line above).
            let found = try await services.cases.cases(
                CaseQuery(text: word, perPage: 200),
                visibility: CaseVisibility(regionPrefix: "433125", departmentID: nil, includeSealed: true, onlySealed: false)
            ).items
            #expect(
                !found.isEmpty && found.allSatisfy { "\($0.number) \($0.title) \($0.summary)".lowercased().contains(word.lowercased()) })
            // A two-character word cannot use the trigram index; it is matched on the case rows, with the same result.
            let county = CaseVisibility(regionPrefix: "433125", departmentID: nil, includeSealed: true, onlySealed: false)
            let short = String(sample.title.prefix(2))
            let shortFound = try await services.cases.cases(CaseQuery(text: short, perPage: 200), visibility: county).items
            #expect(shortFound.contains { $0.id == sample.id })
            #expect(shortFound.allSatisfy { "\($0.number) \($0.title) \($0.summary)".lowercased().contains(short.lowercased()) })
            let mixed = try await services.cases.cases(CaseQuery(text: "\(word) \(short)", perPage: 200), visibility: county).items
            #expect(mixed.contains { $0.id == sample.id } && mixed.count <= found.count)
            // Counting can stop early: the total is then a lower bound and the page says "more than".
            var capped = CaseQuery(perPage: 5)
            capped.countLimit = 7
            let few = try await services.cases.cases(capped, visibility: county)
            #expect(few.total == 7 && few.totalIsAtLeast && few.items.count == 5)
            capped.countLimit = 100_000
            let exact = try await services.cases.cases(capped, visibility: county)
            #expect(!exact.totalIsAtLeast && exact.total > 7)
            let none = try await client.execute(
                uri: "/cases?q=%E5%92%A9%E5%92%A9%E4%B8%8D%E5%AD%98%E5%9C%A8", method: .get, headers: op.cookie)
            #expect(String(buffer: none.body).contains("没有符合条件的工单"))
            // Filters combine; a bad one is explained on the page.
            let filtered = try await client.execute(
                uri:
                    "/cases?state=in_progress&category=\(sample.category.rawValue)&q=\(word.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                method: .get, headers: op.cookie)
            #expect(String(buffer: filtered.body).contains(sample.number.description))
            let bad = try await client.execute(uri: "/cases?state=flying", method: .get, headers: op.cookie)
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("state 参数无效"))
            let page2 = try await client.execute(uri: "/cases?page=2&per_page=10", method: .get, headers: op.cookie)
            #expect(String(buffer: page2.body).contains("第 11–20 件"))

            let jj = try await session(services, "jijian")
            #expect(String(buffer: try await client.execute(uri: "/cases", method: .get, headers: jj.cookie).body).contains("badge\">密封"))

            let api = try await client.execute(
                uri: "/api/v1/cases?q=\(word.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", method: .get,
                headers: [.authorization: try await DemoApp.auth("shouli", services)])
            #expect(api.status == .ok && String(buffer: api.body).contains(sample.number.description))
        }
    }

    @Test(
        "the case page shows the conversation, deadlines and record; the operator dispatches from it; a leader only reads",
        arguments: Backend.available)
    func casePage(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let accepted = try #require(
            try await services.cases.cases(
                CaseQuery(states: [.accepted], perPage: 50),
                visibility: CaseVisibility(regionPrefix: "433125", departmentID: nil, includeSealed: true, onlySealed: false)
            ).items
                .first { !$0.sealed && $0.groupID != nil })
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            let op = try await session(services, "shouli")
            let page = try await client.execute(uri: "/cases/\(accepted.number)", method: .get, headers: op.cookie)
            let html = String(buffer: page.body)
            #expect(page.status == .ok && html.contains("群聊原文") && html.contains("办理记录") && html.contains("时限"))
            #expect(html.contains("value=\"dispatch\"") && html.contains("办结期限"))

            let headers = op.cookie + [.contentType: "application/x-www-form-urlencoded"]
            // Without the page's token: refused, nothing done.
            let forged = try await client.execute(
                uri: "/cases/\(accepted.number)/act", method: .post, headers: headers,
                body: form([("action", "dispatch"), ("department", "jtj"), ("_csrf", "nope")]))
            #expect(forged.status == .forbidden)
            #expect(try await services.caseStore.find(number: accepted.number)?.state == .accepted)
            // A wrong department is explained.
            let wrongDept = try await client.execute(
                uri: "/cases/\(accepted.number)/act", method: .post, headers: headers,
                body: form([("action", "dispatch"), ("department", "nosuch"), ("_csrf", op.csrf)]))
            #expect(wrongDept.status == .badRequest && String(buffer: wrongDept.body).contains("部门 nosuch 不存在"))
            let ok = try await client.execute(
                uri: "/cases/\(accepted.number)/act", method: .post, headers: headers,
                body: form([("action", "dispatch"), ("department", "jtj"), ("note", "请交通局处理"), ("_csrf", op.csrf)]))
            #expect(ok.status == .seeOther && ok.headers[.location] == "/cases/\(accepted.number)?done=dispatch")
            let after = try await client.execute(uri: ok.headers[.location]!, method: .get, headers: op.cookie)
            let afterHTML = String(buffer: after.body)
            #expect(afterHTML.contains("已派单") && afterHTML.contains("交通运输局") && afterHTML.contains("请交通局处理"))
            #expect(try await services.caseStore.find(number: accepted.number)?.state == .dispatched)

            // The department then sees it on its workbench and may sign for it; the leader may not act.
            let dept = try await session(services, "jiaotong")
            #expect(
                String(buffer: try await client.execute(uri: "/workbench", method: .get, headers: dept.cookie).body).contains(
                    accepted.number.description))
            let leader = try await session(services, "lingdao")
            let view = try await client.execute(uri: "/cases/\(accepted.number)", method: .get, headers: leader.cookie)
            #expect(view.status == .ok && String(buffer: view.body).contains("您当前不能对此工单进行操作"))
            let refused = try await client.execute(
                uri: "/cases/\(accepted.number)/act", method: .post,
                headers: leader.cookie + [.contentType: "application/x-www-form-urlencoded"],
                body: form([("action", "start"), ("_csrf", leader.csrf)]))
            #expect(refused.status == .forbidden)
            // A village admin from elsewhere cannot even open it.
            let sealedCase = try #require(
                try await services.cases.cases(
                    CaseQuery(perPage: 200),
                    visibility: CaseVisibility(regionPrefix: "433125", departmentID: nil, includeSealed: true, onlySealed: false)
                ).items.first { $0.sealed })
            #expect(try await client.execute(uri: "/cases/\(sealedCase.number)", method: .get, headers: op.cookie).status == .notFound)
        }
    }
}

extension ConsolePagesTests {
    @Test(
        "the dashboard shows counts, trend, departments and the month's assessment; a supervisor's 核减 is audited and listed for all",
        arguments: [Backend.sqlite])
    func dashboard(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        let target = try #require(
            try await services.cases.cases(
                CaseQuery(states: [.inProgress], perPage: 50),
                visibility: CaseVisibility(regionPrefix: "433125", departmentID: nil, includeSealed: false, onlySealed: false)
            ).items.first)
        try await app.test(.router) { client in
            // The county sets the weights (admin or supervisor); the dashboard says which are in force.
            let weights = #"{"response": 0.25, "on_time": 0.25, "satisfaction": 0.25, "coverage": 0.25}"#
            #expect(
                try await client.execute(
                    uri: "/api/v1/settings/assessment-weights", method: .put,
                    headers: [.authorization: try await DemoApp.auth("lingdao", services), .contentType: "application/json"],
                    body: ByteBuffer(string: weights)
                ).status == .forbidden)
            #expect(
                try await client.execute(
                    uri: "/api/v1/settings/assessment-weights", method: .put,
                    headers: [.authorization: try await DemoApp.auth("duban", services), .contentType: "application/json"],
                    body: ByteBuffer(string: #"{"response": 2, "on_time": 0, "satisfaction": 0, "coverage": 0}"#)
                ).status == .badRequest)
            #expect(
                try await client.execute(
                    uri: "/api/v1/settings/assessment-weights", method: .put,
                    headers: [.authorization: try await DemoApp.auth("duban", services), .contentType: "application/json"],
                    body: ByteBuffer(string: weights)
                ).status == .ok)
            let leader = try await session(services, "lingdao")
            let page = try await client.execute(uri: "/dashboard", method: .get, headers: leader.cookie)
            #expect(String(buffer: page.body).contains("响应率 25%、按时办结率 25%、满意率 25%、覆盖率 25%"))
            let html = String(buffer: page.body)
            #expect(page.status == .ok && html.contains("领导驾驶舱") && html.contains("assessment-townships") && html.contains("<svg"))
            #expect(html.contains("长潭河乡") && html.contains("按时办结率"))
            #expect(try await client.execute(uri: "/dashboard?month=2026-13", method: .get, headers: leader.cookie).status == .badRequest)

            // Only a supervisor may exclude, with a reason.
            let op = try await session(services, "shouli")
            let denied = try await client.execute(
                uri: "/cases/\(target.number)/exclude", method: .post,
                headers: op.cookie + [.contentType: "application/x-www-form-urlencoded"],
                body: form([("reason", "无理诉求"), ("_csrf", op.csrf)]))
            #expect(denied.status == .forbidden)
            let sup = try await session(services, "duban")
            let empty = try await client.execute(
                uri: "/cases/\(target.number)/exclude", method: .post,
                headers: sup.cookie + [.contentType: "application/x-www-form-urlencoded"],
                body: form([("reason", " "), ("_csrf", sup.csrf)]))
            #expect(empty.status == .badRequest)
            let ok = try await client.execute(
                uri: "/cases/\(target.number)/exclude", method: .post,
                headers: sup.cookie + [.contentType: "application/x-www-form-urlencoded"],
                body: form([("reason", "诉求人要求为他人违规办理，不合理"), ("_csrf", sup.csrf)]))
            #expect(ok.status == .seeOther)
            let again = try await client.execute(
                uri: "/cases/\(target.number)/exclude", method: .post,
                headers: sup.cookie + [.contentType: "application/x-www-form-urlencoded"],
                body: form([("reason", "再次"), ("_csrf", sup.csrf)]))
            #expect(again.status == .conflict)
            let listed = String(buffer: try await client.execute(uri: "/dashboard", method: .get, headers: leader.cookie).body)
            #expect(listed.contains(target.number.description) && listed.contains("违规办理"))
            let record = String(buffer: try await client.execute(uri: "/cases/\(target.number)", method: .get, headers: op.cookie).body)
            #expect(record.contains("核减") && record.contains("诉求人要求为他人违规办理"))
        }
        #expect(
            try await AuditLedger(database: services.database).verifyAll().breaks.isEmpty, "the exclusion is a link in the case's chain")
    }
}

extension PythonClients {
    static let openpyxl: Bool = importable("openpyxl")
}

extension ConsolePagesTests {
    @Test(
        "exports: the filtered ledger and the monthly assessment as CSV (BOM) and as xlsx that openpyxl reads, sealed cases only for discipline",
        .enabled(if: PythonClients.openpyxl || PythonClients.required, "needs pip install openpyxl"), arguments: [Backend.sqlite])
    func exports(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let visible = CaseVisibility(regionPrefix: "433125", departmentID: nil, includeSealed: false, onlySealed: false)
        let inProgress = try await services.cases.cases(CaseQuery(states: [.inProgress], perPage: 1), visibility: visible).total
        try await app.test(.router) { client in
            #expect(try await client.execute(uri: "/exports/cases.csv", method: .get).status == .unauthorized)
            let op = try await session(services, "shouli")
            let csv = try await client.execute(uri: "/exports/cases.csv?state=in_progress", method: .get, headers: op.cookie)
            let bytes = Array(csv.body.readableBytesView)
            #expect(csv.status == .ok && bytes.starts(with: [0xEF, 0xBB, 0xBF]), "UTF-8 with a BOM")
            #expect(csv.headers[.contentDisposition]?.contains("filename*=UTF-8''") == true)
            let lines = String(decoding: bytes.dropFirst(3), as: UTF8.self).split(separator: "\r\n")
            #expect(lines.first?.hasPrefix("工单编号,受理时间,类别,状态") == true && lines.count == inProgress + 1)
            #expect(try await client.execute(uri: "/exports/cases.pdf", method: .get, headers: op.cookie).status == .notFound)

            let xlsx = try await client.execute(uri: "/exports/cases.xlsx?state=in_progress", method: .get, headers: op.cookie)
            #expect(xlsx.status == .ok && Array(xlsx.body.readableBytesView.prefix(2)) == [0x50, 0x4B])
            let ledgerFile = dir.appendingPathComponent("ledger.xlsx")
            try Data(xlsx.body.readableBytesView).write(to: ledgerFile)
            let jj = try await session(services, "jijian")
            let sealedFile = dir.appendingPathComponent("sealed.xlsx")
            try Data(try await client.execute(uri: "/exports/cases.xlsx", method: .get, headers: jj.cookie).body.readableBytesView).write(
                to: sealedFile)
            let opAll = dir.appendingPathComponent("op-all.xlsx")
            try Data(try await client.execute(uri: "/exports/cases.xlsx", method: .get, headers: op.cookie).body.readableBytesView).write(
                to: opAll)
            let report = dir.appendingPathComponent("assessment.xlsx")
            let assessment = try await client.execute(uri: "/exports/assessment.xlsx", method: .get, headers: op.cookie)
            #expect(assessment.status == .ok)
            try Data(assessment.body.readableBytesView).write(to: report)
            let assessmentCSV = String(
                decoding: Array(
                    try await client.execute(uri: "/exports/assessment.csv", method: .get, headers: op.cookie).body.readableBytesView
                ).dropFirst(3), as: UTF8.self)
            #expect(assessmentCSV.hasPrefix("类型,排名,乡镇") && assessmentCSV.contains("\r\n乡镇,") && assessmentCSV.contains("\r\n部门,"))

            // A real reader: openpyxl opens each file and reads the cells back.
            let script = """
                import json, sys, datetime, openpyxl
                out = {}
                wb = openpyxl.load_workbook(sys.argv[1])
                ws = wb.active
                out["title"] = ws.title
                out["header"] = [c.value for c in ws[1]]
                out["rows"] = ws.max_row - 1
                out["created_is_date"] = isinstance(ws["B2"].value, datetime.datetime)
                out["width_a"] = ws.column_dimensions["A"].width
                out["frozen"] = ws.freeze_panes
                sealed = lambda p: sum(1 for r in openpyxl.load_workbook(p).active.iter_rows(min_row=2, values_only=True) if r[13] == "是")
                out["sealed_jijian"] = sealed(sys.argv[2])
                out["sealed_operator"] = sealed(sys.argv[3])
                rep = openpyxl.load_workbook(sys.argv[4])
                out["sheets"] = rep.sheetnames
                out["township_header"] = [c.value for c in rep["乡镇"][1]]
                out["townships"] = rep["乡镇"].max_row - 1
                print(json.dumps(out, ensure_ascii=False))
                """
            let (status, output) = try await run(
                "/usr/bin/env", ["python3", "-c", script, ledgerFile.path, sealedFile.path, opAll.path, report.path])
            #expect(status == 0, "\(output)")
            // The last line is the JSON (a reader's warnings, if any, come before it).
            let json = output.split(separator: "\n").last.map(String.init) ?? ""
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(output)")
            #expect(parsed["title"] as? String == "工单台账")
            #expect((parsed["header"] as? [String])?.prefix(3) == ["工单编号", "受理时间", "类别"])
            #expect(parsed["rows"] as? Int == inProgress)
            #expect(parsed["created_is_date"] as? Bool == true, "dates are dates, not text")
            #expect((parsed["width_a"] as? Double ?? 0) >= 20)
            #expect(parsed["frozen"] as? String == "A2")
            #expect((parsed["sealed_jijian"] as? Int ?? 0) > 0 && parsed["sealed_operator"] as? Int == 0)
            #expect(parsed["sheets"] as? [String] == ["乡镇", "部门", "村", "核减清单"])
            #expect((parsed["township_header"] as? [String])?.contains("按时办结率%") == true && parsed["townships"] as? Int == 12)
        }
    }
}

extension ConsolePagesTests {
    @Test(
        "the groups page lists every group in scope with its coverage; the centre registers a quarantined group and its messages join it",
        arguments: [Backend.sqlite])
    func groups(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let (_, token) = try await IngestStore(database: services.database, cipher: services.cipher).addSource(
            county: RegionCode("433125")!, kind: "generic", name: "测试")
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            let posted = try await client.execute(
                uri: "/api/v1/messages", method: .post, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                body: IngestAPITests.body(IngestAPITests.message(id: "gq1", group: "newgroup@chatroom")))
            #expect(posted.status == .ok)
            let op = try await session(services, "shouli")
            let page = String(buffer: try await client.execute(uri: "/groups", method: .get, headers: op.cookie).body)
            #expect(page.contains("村级群组") && page.contains("覆盖率") && page.contains("newgroup@chatroom"))
            let rows = page.components(separatedBy: "<tr class=").count - 1
            #expect(rows == 36, "12 townships × 3 villages, one group each")
            #expect(page.contains("class=\"missing\">缺"), "the demo has groups without a police officer")

            // A village admin sees only their own village's group and no quarantine.
            let village = try await session(services, "dabaiyan")
            let own = String(buffer: try await client.execute(uri: "/groups", method: .get, headers: village.cookie).body)
            #expect(own.components(separatedBy: "<tr class=").count - 1 == 1 && !own.contains("newgroup@chatroom"))
            let denied = try await client.execute(
                uri: "/groups/register", method: .post, headers: village.cookie + [.contentType: "application/x-www-form-urlencoded"],
                body: form([
                    ("platform", "wechat"), ("external_id", "newgroup@chatroom"), ("village", "433125111201"), ("_csrf", village.csrf),
                ]))
            #expect(denied.status == .forbidden)

            let before = try await services.messages.count()
            let ok = try await client.execute(
                uri: "/groups/register", method: .post, headers: op.cookie + [.contentType: "application/x-www-form-urlencoded"],
                body: form([
                    ("platform", "wechat"), ("external_id", "newgroup@chatroom"), ("name", "新建村民群"), ("village", "433125111202"),
                    ("_csrf", op.csrf),
                ]))
            #expect(ok.status == .seeOther && ok.headers[.location] == "/groups?registered=1")
            #expect(try await services.messages.count() == before + 1)
            let after = String(buffer: try await client.execute(uri: "/groups", method: .get, headers: op.cookie).body)
            #expect(after.contains("新建村民群") && !after.contains("<code>newgroup@chatroom</code>"))
        }
    }
}

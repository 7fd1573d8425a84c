import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

@Suite("Closed-loop actions over the API")
struct CaseActionsAPITests {
    @Test("a case's whole life through POST /api/v1/cases/{number}/actions, with every refusal explained", arguments: Backend.available)
    func wholeLife(backend: Backend) async throws {
        // A private demo: this test changes cases, the shared one must stay as seeded.
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let county = RegionCode("433125")!
        let group = try #require(try await services.groups.groups(within: RegionCode("433125111201")!, page: 1, perPage: 1).items.first)
        let opened = try await services.caseStore.open(
            NewCase(
                county: county, township: RegionCode("433125111"), village: RegionCode("433125111201"), groupID: group.id,
                category: .service, title: "组里自来水停了", summary: "我们组停水三天了"),
            actor: .system, at: Date(), workflow: services.workflow)
        let n = opened.number.description
        func token(_ user: String) async throws -> String {
            guard let v = try await services.staff.authenticate(username: user, password: DemoApp.password) else {
                throw HTTPError(.unauthorized)
            }
            return try await services.staff.issueToken(for: v).token
        }
        let op = try await token("shouli")
        let zjj = try await token("zhujian")
        let jtj = try await token("jiaotong")
        let duban = try await token("duban")
        let leader = try await token("lingdao")
        let discipline = try await token("jijian")
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)

        try await app.test(.router) { client in
            func act(_ token: String, _ json: String) async throws -> (HTTPResponse.Status, [String: Any]) {
                let r = try await client.execute(
                    uri: "/api/v1/cases/\(n)/actions", method: .post,
                    headers: [.authorization: "Bearer \(token)", .contentType: "application/json"], body: ByteBuffer(string: json))
                return (r.status, (try? r.json()) ?? [:])
            }
            func message(_ body: [String: Any]) -> String { (body["error"] as? [String: Any])?["message"] as? String ?? "" }

            // Refusals before anything happens.
            var (status, body) = try await act(leader, #"{"action":"accept"}"#)
            #expect(status == .forbidden)
            #expect(message(body).contains("只能查看"))
            (status, body) = try await act(op, #"{"action":"fly"}"#)
            #expect(status == .badRequest && message(body).contains("未知的操作"))
            (status, _) = try await act(op, "not json")
            #expect(status == .badRequest)
            (status, body) = try await act(op, #"{"action":"dispatch","department":"zjj"}"#)
            #expect(status == .conflict && message(body).contains("待受理"))

            (status, body) = try await act(op, #"{"action":"accept","note":"已受理"}"#)
            #expect(status == .ok)
            #expect(body["state"] as? String == "accepted")
            #expect(body["time_limit"] as? String == "5个工作日")
            #expect((body["time_limit_source"] as? String)?.contains("12345") == true)
            #expect(body["due_at"] as? String != nil && body["responded_at"] as? String != nil)

            (status, body) = try await act(op, #"{"action":"dispatch","department":"nosuch"}"#)
            #expect(status == .badRequest && message(body).contains("nosuch"))
            (status, body) = try await act(op, #"{"action":"dispatch","department":"zjj","co_departments":["jtj"],"note":"住建局主办，交通局协办"}"#)
            #expect(status == .ok && body["state"] as? String == "dispatched")
            #expect((body["co_department_ids"] as? [String])?.count == 1)

            // The co-handler sees it but only the lead department acts.
            #expect(try await client.get("/api/v1/cases/\(n)", token: jtj).status == .ok)
            (status, body) = try await act(jtj, #"{"action":"start"}"#)
            #expect(status == .forbidden && message(body).contains("主办部门"))
            (status, body) = try await act(zjj, #"{"action":"start","note":"已签收"}"#)
            #expect(status == .ok && body["state"] as? String == "in_progress")

            // Extension: capped, approved by a supervisor after the villager is told.
            (status, _) = try await act(zjj, #"{"action":"request_extension","limit":"20wd","reason":"需采购"}"#)
            #expect(status == .badRequest)
            (status, body) = try await act(zjj, #"{"action":"request_extension","limit":"5wd","reason":"需采购水管"}"#)
            #expect(status == .ok && body["extension_requested"] as? String == "5个工作日")
            let dueBefore = body["due_at"] as? String
            (status, _) = try await act(zjj, #"{"action":"decide_extension","approve":true,"villager_notified":true}"#)
            #expect(status == .forbidden)
            (status, body) = try await act(duban, #"{"action":"decide_extension","approve":true}"#)
            #expect(status == .badRequest && message(body).contains("告知群众"))
            (status, body) = try await act(duban, #"{"action":"decide_extension","approve":true,"villager_notified":true,"note":"同意延期"}"#)
            #expect(status == .ok && body["extensions"] as? Int == 1)
            #expect(body["due_at"] as? String != dueBefore)

            (status, body) = try await act(zjj, #"{"action":"resolve","reply":"  "}"#)
            #expect(status == .badRequest && message(body).contains("答复"))
            (status, body) = try await act(zjj, #"{"action":"resolve","reply":"水管已修复，已恢复供水"}"#)
            #expect(status == .ok && body["state"] as? String == "resolved")

            (status, _) = try await act(op, #"{"action":"review"}"#)
            #expect(status == .badRequest)
            (status, body) = try await act(op, #"{"action":"review","satisfaction":"unsatisfied","note":"水压还是小"}"#)
            #expect(status == .ok && body["last_review"] as? String == "unsatisfied")
            (status, body) = try await act(op, #"{"action":"close"}"#)
            #expect(status == .conflict && message(body).contains("重办"))
            (status, body) = try await act(duban, #"{"action":"reopen","reason":"群众不满意，重办"}"#)
            #expect(status == .ok && body["state"] as? String == "dispatched")
            #expect(body["extensions"] as? Int == 0)

            let detail = try await client.get("/api/v1/cases/\(n)", token: op).json()
            let actions = (detail["events"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(
                actions == ["open", "accept", "dispatch", "start", "request_extension", "decide_extension", "resolve", "review", "reopen"])
            let actors = (detail["events"] as? [[String: Any]] ?? []).compactMap { $0["actor"] as? String }
            #expect(actors == ["system", "shouli", "shouli", "zhujian", "zhujian", "duban", "zhujian", "shouli", "duban"])

            // A sealed case cannot be acted on, or even found, by the centre.
            let sealedList = try await client.get("/api/v1/cases?per_page=200", token: discipline).json()
            let sealedNumber = try #require(
                (sealedList["items"] as? [[String: Any]] ?? []).first { $0["sealed"] as? Bool == true }?["number"] as? String)
            let r = try await client.execute(
                uri: "/api/v1/cases/\(sealedNumber)/actions", method: .post,
                headers: [.authorization: "Bearer \(op)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"action":"accept"}"#))
            #expect(r.status == .notFound)
            #expect(
                try await client.execute(
                    uri: "/api/v1/cases/\(n)/actions", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"action":"accept"}"#)
                ).status == .unauthorized)
        }
    }
}

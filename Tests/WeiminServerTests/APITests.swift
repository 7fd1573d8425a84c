import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import WeiminCore
import WeiminPersistence
@testable import WeiminServer

@Suite("JSON API on the demo data")
struct APITests {
    @Test("healthz answers 200 once ready", arguments: Backend.available)
    func health(backend: Backend) async throws {
        try await DemoApp.app(backend).test(.router) { client in
            let r = try await client.execute(uri: "/healthz", method: .get)
            #expect(r.status == .ok)
            #expect(r.text == "ok\n")
        }
    }

    @Test("the address opened in a browser shows a Chinese page, not an error")
    func home() async throws {
        try await DemoApp.app(.sqlite).test(.router) { client in
            let r = try await client.execute(uri: "/", method: .get)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType]?.contains("text/html") == true)
            #expect(r.text.contains("为民 Weimin") && r.text.contains("/api/v1/cases"))
        }
    }

    @Test("without credentials, with a bad token or a wrong password: 401 with a reason")
    func unauthenticated() async throws {
        try await DemoApp.app(.sqlite).test(.router) { client in
            let none = try await client.get("/api/v1/cases", token: nil)
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate] != nil)
            #expect(try (none.json()["error"] as? [String: Any])?["message"] as? String != nil)
            #expect(try await client.get("/api/v1/cases", token: "wm_not-a-real-token").status == .unauthorized)
            let wrong = try await client.execute(
                uri: "/api/v1/cases", method: .get, headers: [.authorization: "Basic " + Data("shouli:nope".utf8).base64EncodedString()])
            #expect(wrong.status == .unauthorized)
            #expect(
                try await client.execute(uri: "/api/v1/cases", method: .get, headers: [.authorization: "Digest x"]).status == .unauthorized)
            #expect(
                try await client.execute(uri: "/api/v1/cases", method: .get, headers: [.authorization: "Basic !!!"]).status == .badRequest)
            let basic = try await client.execute(
                uri: "/api/v1/cases?per_page=1", method: .get,
                headers: [.authorization: "Basic " + Data("shouli:\(DemoApp.password)".utf8).base64EncodedString()])
            #expect(basic.status == .ok)
        }
    }

    @Test("sign in returns a token that identifies the user; sign out revokes it")
    func sessions() async throws {
        try await DemoApp.app(.sqlite).test(.router) { client in
            let bad = try await client.execute(
                uri: "/api/v1/sessions", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{not json"))
            #expect(bad.status == .badRequest)
            let wrong = try await client.execute(
                uri: "/api/v1/sessions", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"username":"shouli","password":"wrong-password"}"#))
            #expect(wrong.status == .unauthorized)
            let ok = try await client.execute(
                uri: "/api/v1/sessions", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"username":"lingdao","password":"\#(DemoApp.password)"}"#))
            #expect(ok.status == .created)
            let token = try #require(try ok.json()["token"] as? String)
            let me = try await client.get("/api/v1/me", token: token)
            #expect(me.status == .ok)
            #expect(try me.json()["role"] as? String == "leader")
            #expect(try me.json()["role_name"] as? String == "领导")
            let out = try await client.execute(uri: "/api/v1/sessions", method: .delete, headers: [.authorization: "Bearer \(token)"])
            #expect(out.status == .noContent)
            #expect(try await client.get("/api/v1/me", token: token).status == .unauthorized)
        }
    }

    /// Every route as every role and as nobody.
    @Test("authorization matrix: every route × every role", arguments: Backend.available)
    func matrix(backend: Backend) async throws {
        let services = try await DemoApp.services(backend)
        let anyCase = try await services.cases.cases(
            CaseQuery(perPage: 1),
            visibility: Viewer(
                userID: UUID(), username: "x", displayName: "x", role: .supervisor, region: RegionCode("433125")!, departmentID: nil
            ).caseVisibility
        ).items[0]
        // A group every demo account's scope contains (大白岩村, in 长潭河乡).
        let dabaiyanGroup = try #require(
            try await services.groups.groups(within: RegionCode("433125111201")!, page: 1, perPage: 1).items.first)
        let routes: [(String, Resource?)] = [
            ("/api/v1/me", nil), ("/api/v1/regions", .regions), ("/api/v1/groups", .groups), ("/api/v1/departments", .departments),
            ("/api/v1/groups/\(dabaiyanGroup.id)/members", .groups), ("/api/v1/cases", .cases), ("/api/v1/cases/\(anyCase.number)", .cases),
        ]
        try await DemoApp.app(backend).test(.router) { client in
            for (uri, _) in routes {
                #expect(try await client.get(uri, token: nil).status == .unauthorized, "\(uri) without credentials")
            }
            for role in Role.allCases {
                let token = try await DemoApp.token(demoUserForRole[role]!, backend)
                for (uri, resource) in routes {
                    let status = try await client.get(uri, token: token).status
                    var expected: HTTPResponse.Status =
                        (resource == .cases && role == .admin)
                        ? .forbidden : (resource.map { Access.mayRead(role, $0) } ?? true ? .ok : .forbidden)
                    // A case outside the viewer's scope or department looks like no case at all.
                    if uri.contains("/cases/") && expected == .ok && ![Role.intakeOperator, .supervisor, .leader].contains(role) {
                        expected = status == .ok ? .ok : .notFound
                    }
                    #expect(status == expected, "\(role) GET \(uri) → \(status), expected \(expected)")
                }
            }
        }
    }

    /// The write and special routes as every role and as nobody. The POST closes an already closed case, so
    /// nothing changes: roles that may close get 409 (state), roles that may not act 403, roles that cannot
    /// see the case 404.
    @Test("authorization matrix: actions, sealed material and supervision × every role", arguments: Backend.available)
    func writeMatrix(backend: Backend) async throws {
        let services = try await DemoApp.services(backend)
        let allInCounty = Viewer(
            userID: UUID(), username: "x", displayName: "x", role: .supervisor, region: RegionCode("433125")!, departmentID: nil
        ).caseVisibility
        let closed = try #require(
            try await services.cases.cases(CaseQuery(states: [.closed], perPage: 1), visibility: allInCounty).items.first)
        let expectedClose: [Role: HTTPResponse.Status] = [
            .intakeOperator: .conflict, .supervisor: .conflict, .leader: .forbidden, .admin: .forbidden, .discipline: .forbidden,
            .departmentHandler: closed.departmentID == nil ? .notFound : .forbidden,
            .townshipCadre: closed.townshipCode?.rawValue == "433125111" ? .forbidden : .notFound,
            .villageAdmin: closed.villageCode?.rawValue == "433125111201" ? .forbidden : .notFound,
        ]
        try await DemoApp.app(backend).test(.router) { client in
            let body = ByteBuffer(string: #"{"action":"close"}"#)
            #expect(
                try await client.execute(
                    uri: "/api/v1/cases/\(closed.number)/actions", method: .post, headers: [.contentType: "application/json"], body: body
                ).status == .unauthorized)
            #expect(try await client.get("/api/v1/supervision", token: nil).status == .unauthorized)
            for role in Role.allCases {
                let token = try await DemoApp.token(demoUserForRole[role]!, backend)
                let r = try await client.execute(
                    uri: "/api/v1/cases/\(closed.number)/actions", method: .post,
                    headers: [.authorization: "Bearer \(token)", .contentType: "application/json"], body: body)
                var expected = expectedClose[role]!
                // A handler sees only its own department's cases: another department's case is not found.
                if role == .departmentHandler, expected == .forbidden,
                    closed.departmentID != (try await services.staff.user(named: "zhujian"))?.departmentID
                {
                    expected = .notFound
                }
                #expect(r.status == expected, "\(role) POST close → \(r.status), expected \(expected)")
                let sup = try await client.get("/api/v1/supervision", token: token).status
                #expect(sup == (role == .admin ? .forbidden : .ok), "\(role) GET supervision → \(sup)")
                let sealed = try await client.get("/api/v1/cases/\(closed.number)/sealed", token: token).status
                #expect(sealed == (role == .admin ? .forbidden : .notFound), "\(role) GET sealed on an open case → \(sealed)")
            }
        }
    }

    @Test("the case list filters and pages, and refuses bad filters with a message", arguments: Backend.available)
    func caseFilters(backend: Backend) async throws {
        let token = try await DemoApp.token("shouli", backend)
        try await DemoApp.app(backend).test(.router) { client in
            let all = try await client.get("/api/v1/cases?per_page=200", token: token).json()
            let total = try #require(all["total"] as? Int)
            #expect(total >= 100)
            let inProgress = try await client.get("/api/v1/cases?state=in_progress&per_page=200", token: token).json()
            let items = try #require(inProgress["items"] as? [[String: Any]])
            #expect(!items.isEmpty)
            #expect(items.allSatisfy { $0["state"] as? String == "in_progress" && $0["state_name"] as? String == "办理中" })
            let two = try await client.get("/api/v1/cases?state=new,accepted&category=service&per_page=200", token: token).json()
            #expect(
                (two["items"] as? [[String: Any]])?.allSatisfy {
                    ["new", "accepted"].contains($0["state"] as? String) && $0["category"] as? String == "service"
                } == true)
            let overdue = try await client.get("/api/v1/cases?overdue=true&per_page=200", token: token).json()
            #expect((overdue["items"] as? [[String: Any]])?.allSatisfy { $0["overdue"] as? Bool == true } == true)
            let township = try await client.get("/api/v1/cases?township=433125111&per_page=200", token: token).json()
            #expect((township["items"] as? [[String: Any]])?.allSatisfy { $0["township_code"] as? String == "433125111" } == true)
            let page2 = try await client.get("/api/v1/cases?per_page=10&page=2&sort=number", token: token).json()
            #expect(
                (page2["items"] as? [[String: Any]])?.first?["number"] as? String
                    == "433125-\(Calendar.current.component(.year, from: Date()))-000011")
            #expect(page2["page_count"] as? Int == (total + 9) / 10)

            for (bad, word) in [
                ("state=finished", "state"), ("category=roads", "category"), ("per_page=0", "per_page"), ("page=x", "page"),
                ("township=12", "township"), ("from=yesterday", "from"), ("sort=random", "sort"), ("overdue=maybe", "overdue"),
                ("department=zjj", "department"),
            ] {
                let r = try await client.get("/api/v1/cases?\(bad)", token: token)
                #expect(r.status == .badRequest, "\(bad)")
                let message = try (r.json()["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(message.contains(word), "message for \(bad): \(message)")
            }
        }
    }

    @Test("a case comes with its messages and its hash-chained history", arguments: Backend.available)
    func caseDetail(backend: Backend) async throws {
        let token = try await DemoApp.token("shouli", backend)
        try await DemoApp.app(backend).test(.router) { client in
            let list = try await client.get("/api/v1/cases?state=closed&per_page=1", token: token).json()
            let number = try #require((list["items"] as? [[String: Any]])?.first?["number"] as? String)
            let detail = try await client.get("/api/v1/cases/\(number)", token: token).json()
            let events = try #require(detail["events"] as? [[String: Any]])
            #expect(events.first?["action"] as? String == "open")
            #expect(events.first?["action_name"] as? String == "立案")
            #expect(events.last?["to_state"] as? String == "closed")
            for (a, b) in zip(events, events.dropFirst()) {
                #expect(b["previous_hash"] as? String == a["hash"] as? String)
            }
            #expect(!(detail["messages"] as? [[String: Any]] ?? []).isEmpty)
            // A closed case takes no more steps; it can still be sealed (转纪委) if it turns out to be a report about a cadre.
            #expect((detail["case"] as? [String: Any])?["allowed_actions"] as? [String] == ["transfer_discipline"])
            #expect(try await client.get("/api/v1/cases/433125-2026", token: token).status == .badRequest)
            #expect(try await client.get("/api/v1/cases/433125-2026-999999", token: token).status == .notFound)
        }
    }

    @Test("sealed reports: only the discipline role can list or open them", arguments: Backend.available)
    func sealed(backend: Backend) async throws {
        try await DemoApp.app(backend).test(.router) { client in
            let discipline = try await DemoApp.token("jijian", backend)
            let all = try await client.get("/api/v1/cases?per_page=200", token: discipline).json()
            let sealed = (all["items"] as? [[String: Any]] ?? []).filter { $0["sealed"] as? Bool == true }.compactMap {
                $0["number"] as? String
            }
            #expect(!sealed.isEmpty)
            for user in ["shouli", "duban", "lingdao", "dabaiyan", "changtanhe", "zhujian"] {
                let token = try await DemoApp.token(user, backend)
                let list = try await client.get("/api/v1/cases?per_page=200", token: token).json()
                #expect(
                    (list["items"] as? [[String: Any]] ?? []).allSatisfy { $0["sealed"] as? Bool == false }, "\(user) listed a sealed case")
                for n in sealed {
                    #expect(try await client.get("/api/v1/cases/\(n)", token: token).status == .notFound, "\(user) opened sealed \(n)")
                }
            }
            let detail = try await client.get("/api/v1/cases/\(sealed[0])", token: discipline)
            #expect(detail.status == .ok)
            // Even for discipline, the original words are not in the ordinary case JSON.
            #expect((try detail.json()["messages"] as? [Any])?.isEmpty == true)
            #expect(((try detail.json()["case"] as? [String: Any])?["summary"] as? String)?.hasPrefix("（密封件") == true)
        }
    }

    @Test("the sealed material route: discipline only, and each read lands in the history", arguments: Backend.available)
    func sealedMaterial(backend: Backend) async throws {
        try await DemoApp.app(backend).test(.router) { client in
            let discipline = try await DemoApp.token("jijian", backend)
            let all = try await client.get("/api/v1/cases?per_page=200", token: discipline).json()
            let number = try #require(
                (all["items"] as? [[String: Any]] ?? []).first { $0["sealed"] as? Bool == true }?["number"] as? String)
            for user in ["shouli", "duban", "lingdao", "dabaiyan", "changtanhe", "zhujian"] {
                #expect(
                    try await client.get("/api/v1/cases/\(number)/sealed", token: try await DemoApp.token(user, backend)).status
                        == .notFound, "\(user)")
            }
            // Administrators may read no case at all, sealed or not: 403 whether or not it exists.
            #expect(
                try await client.get("/api/v1/cases/\(number)/sealed", token: try await DemoApp.token("admin", backend)).status
                    == .forbidden)
            #expect(try await client.get("/api/v1/cases/\(number)/sealed", token: nil).status == .unauthorized)
            let before = ((try await client.get("/api/v1/cases/\(number)", token: discipline).json())["events"] as? [Any])?.count ?? 0
            let r = try await client.get("/api/v1/cases/\(number)/sealed", token: discipline)
            #expect(r.status == .ok)
            let body = try r.json()
            #expect((body["reporter_name"] as? String)?.isEmpty == false)
            #expect((body["original_text"] as? String)?.isEmpty == false)
            #expect(!(body["messages"] as? [Any] ?? []).isEmpty)
            let events = (try await client.get("/api/v1/cases/\(number)", token: discipline).json())["events"] as? [[String: Any]] ?? []
            #expect(events.count == before + 1)
            #expect(events.last?["action"] as? String == "read_sealed" && events.last?["actor"] as? String == "jijian")
        }
    }

    @Test("scope: a department sees its own cases, a township its own, a village admin its village")
    func scope() async throws {
        let services = try await DemoApp.services(.sqlite)
        let zjj = try #require(try await services.departments.departments(county: RegionCode("433125")!).first { $0.code == "zjj" })
        try await DemoApp.app(.sqlite).test(.router) { client in
            let handler = try await client.get("/api/v1/cases?per_page=200", token: try await DemoApp.token("zhujian", .sqlite)).json()
            let hItems = handler["items"] as? [[String: Any]] ?? []
            #expect(!hItems.isEmpty)
            #expect(hItems.allSatisfy { $0["department_id"] as? String == zjj.id.uuidString })
            let township = try await client.get("/api/v1/cases?per_page=200", token: try await DemoApp.token("changtanhe", .sqlite)).json()
            #expect((township["items"] as? [[String: Any]] ?? []).allSatisfy { $0["township_code"] as? String == "433125111" })
            let village = try await client.get("/api/v1/cases?per_page=200", token: try await DemoApp.token("dabaiyan", .sqlite)).json()
            #expect((village["items"] as? [[String: Any]] ?? []).allSatisfy { $0["village_code"] as? String == "433125111201" })
            // Filtering into another region returns nothing rather than widening the scope.
            let other = try await client.get("/api/v1/cases?township=433125100", token: try await DemoApp.token("changtanhe", .sqlite))
                .json()
            #expect(other["total"] as? Int == 0)
        }
    }

    @Test("regions, groups and members within scope")
    func regionsAndGroups() async throws {
        try await DemoApp.app(.sqlite).test(.router) { client in
            let op = try await DemoApp.token("shouli", .sqlite)
            let townships = try await client.get("/api/v1/regions?level=township", token: op).json()
            let names = (townships["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(names.count == 12)
            #expect(names.contains("长潭河乡") && names.contains("迁陵镇"))
            let children = try await client.get("/api/v1/regions?parent=433125111", token: op).json()
            #expect((children["items"] as? [[String: Any]] ?? []).contains { $0["name"] as? String == "大白岩村" })
            #expect(try await client.get("/api/v1/regions?level=city", token: op).status == .badRequest)
            let cadre = try await DemoApp.token("changtanhe", .sqlite)
            #expect(try await client.get("/api/v1/regions?parent=433125100", token: cadre).status == .forbidden)

            let groups = try await client.get("/api/v1/groups?per_page=100", token: op).json()
            let items = groups["items"] as? [[String: Any]] ?? []
            #expect(groups["total"] as? Int == 36)
            #expect(items.contains { $0["has_police"] as? Bool == false })
            #expect(items.allSatisfy { $0["has_township_cadre"] as? Bool == true && !($0["admins"] as? [String] ?? []).isEmpty })
            let gid = try #require(items.first?["id"] as? String)
            let members = try await client.get("/api/v1/groups/\(gid)/members", token: op).json()
            #expect((members["items"] as? [[String: Any]] ?? []).count >= 10)
            let mine = try await client.get("/api/v1/groups", token: cadre).json()
            #expect(mine["total"] as? Int == 3)
            #expect(try await client.get("/api/v1/groups?region=433125100", token: cadre).status == .forbidden)
        }
    }

    @Test("real HTTP on loopback serves the ledger")
    func live() async throws {
        let token = try await DemoApp.token("duban", .sqlite)
        try await DemoApp.app(.sqlite).test(.live) { client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let r = try await client.get("/api/v1/cases?per_page=5", token: token)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType]?.contains("application/json") == true)
            #expect(try (r.json()["items"] as? [Any])?.count == 5)
        }
    }
}

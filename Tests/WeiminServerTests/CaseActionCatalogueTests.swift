import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

/// One table of case actions (`CaseActionCatalogue`): the API, the console and the words all expose the same set.
/// (The CLI has no case-action commands, so nothing to compare there.)
@Suite("Case action catalogue: one set for the API, the console and the words")
struct CaseActionCatalogueTests {
    static let names = CaseActionCatalogue.all.map(\.name)

    /// A valid value for each kind of field, as JSON.
    static func sample(_ field: CaseActionField, mergeInto: String) -> Any {
        switch field.kind {
        case .text: return "测试说明"
        case .department: return "zjj"
        case .departments: return ["jtj"]
        case .caseNumber: return mergeInto
        case .satisfaction: return "satisfied"
        case .category: return "petition"
        case .timeLimit: return "5wd"
        case .decision: return false
        case .confirmation: return true
        case .usernames: return [String]()
        }
    }

    @Test("the table is the list: names unique, CaseCommand.allNames and CoreStrings read it, every entry parses and has a console form")
    func table() async throws {
        #expect(Set(Self.names).count == Self.names.count)
        #expect(CaseCommand.allNames == Self.names)
        for entry in CaseActionCatalogue.all {
            #expect(CoreStrings.commandName(entry.name) == entry.label)
            #expect(!entry.roles.isEmpty && entry.fields.filter { $0.name == "note" }.count == 1, "\(entry.name)")
            // The parser turns the entry's required fields into the command of the same name.
            var body: [String: Any] = ["action": entry.name]
            for f in entry.fields where f.required { body[f.name] = Self.sample(f, mergeInto: "433125-2026-000001") }
            let request = try APIJSON.decoder.decode(CaseActionRequest.self, from: JSONSerialization.data(withJSONObject: body))
            let command = try await request.command(department: { _ in UUID() }, mergeTarget: { _ in UUID() })
            #expect(command.name == entry.name)
            #expect(CaseActionCatalogue.entry(for: command) == entry)
            // The console's form asks for what the table says.
            let form = CasePageController.form(entry.name)
            #expect(form.label == entry.label && form.confirm == entry.confirm)
            #expect(form.noteLabel == entry.note.label && form.noteRequired == entry.note.required, "\(entry.name)")
            #expect(form.department == (entry.field(.department) != nil) && form.category == (entry.field(.category) != nil))
            #expect(form.satisfaction == (entry.field(.satisfaction) != nil) && form.into == (entry.field(.caseNumber) != nil))
            #expect(form.limit == (entry.field(.timeLimit) != nil) && form.approve == (entry.field(.decision) != nil))
        }
        await #expect(throws: CaseOperationError.self) {
            try await CaseActionRequest(action: "fly").command(department: { _ in UUID() }, mergeTarget: { _ in UUID() })
        }
    }

    @Test(
        "the API takes every entry with its required fields and refuses one without them, or a name not in the table; allowed_actions and the console's forms agree",
        arguments: Backend.available)
    func overHTTP(backend: Backend) async throws {
        // A private demo: this test changes cases.
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let county = RegionCode("433125")!
        let group = try #require(try await services.groups.groups(within: RegionCode("433125111201")!, page: 1, perPage: 1).items.first)
        @Sendable func open() async throws -> String {
            try await services.caseStore.open(
                NewCase(
                    county: county, township: RegionCode("433125111"), village: RegionCode("433125111201"), groupID: group.id,
                    category: .service, title: "组里自来水停了", summary: "我们组停水三天了"),
                actor: .system, at: Date(), workflow: services.workflow
            ).number.description
        }
        var issued: [Role: String] = [:]
        for (role, user) in demoUserForRole where role != .admin {
            let v = try #require(try await services.staff.authenticate(username: user, password: DemoApp.password))
            issued[role] = try await services.staff.issueToken(for: v).token
        }
        let tokens = issued
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            func act(_ n: String, _ role: Role, _ body: [String: Any]) async throws -> (HTTPResponse.Status, String) {
                let r = try await client.execute(
                    uri: "/api/v1/cases/\(n)/actions", method: .post,
                    headers: [.authorization: "Bearer \(tokens[role]!)", .contentType: "application/json"],
                    body: ByteBuffer(string: String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)))
                let message = ((try? r.json())?["error"] as? [String: Any])?["message"] as? String ?? ""
                return (r.status, message)
            }
            let other = try await open()
            for entry in CaseActionCatalogue.all {
                // Each on a new case, sent by the intake operator (who sees it, so the parser runs): taken by the parser,
                // whatever the workflow then says (done, 403 for another role's action, 409 in this state).
                let n = try await open()
                let role = Role.intakeOperator
                var body: [String: Any] = ["action": entry.name]
                for f in entry.fields where f.required { body[f.name] = Self.sample(f, mergeInto: other) }
                let (status, message) = try await act(n, role, body)
                #expect(status != .badRequest, "\(entry.name) by \(role): \(status.code) \(message)")
                // Without a required choice (not free text, which the workflow asks for), the parser refuses it.
                for f in entry.fields where f.required && f.kind != .text {
                    var without = body
                    without[f.name] = nil
                    let (s, m) = try await act(n, role, without)
                    #expect(s == .badRequest && m.contains(f.name), "\(entry.name) without \(f.name): \(s.code) \(m)")
                }
            }
            let n = try await open()
            let (status, message) = try await act(n, .intakeOperator, ["action": "fly"])
            #expect(status == .badRequest && message.contains("未知的操作"))
            #expect(Self.names.allSatisfy { message.contains($0) })

            // allowed_actions only names table entries, and the console shows a form for each of them, and only them.
            var consoles: [Role: HTTPFields] = [:]
            for role in [Role.intakeOperator, .departmentHandler, .supervisor, .townshipCadre, .discipline, .leader] {
                let viewer = try #require(try await services.staff.user(named: demoUserForRole[role]!))
                let s = try await SignInStore(database: services.database, cipher: services.cipher, staff: services.staff).startSession(
                    for: viewer, secondFactorDone: true)
                consoles[role] = [.cookie: "weimin_session=\(s.cookie)"]
            }
            var seen: Set<String> = []
            func compare(_ n: String) async throws {
                for (role, cookie) in consoles {
                    let detail = try await client.get("/api/v1/cases/\(n)", token: tokens[role]!)
                    guard detail.status == .ok else { continue }
                    let allowed = try #require((try detail.json()["case"] as? [String: Any])?["allowed_actions"] as? [String])
                    #expect(Set(allowed).isSubset(of: Self.names), "\(role): \(allowed)")
                    let page = try await client.execute(uri: "/cases/\(n)", method: .get, headers: cookie).text
                    let forms = Self.names.filter { page.contains(#"name="action" value="\#($0)""#) }
                    #expect(Set(forms) == Set(allowed), "\(role) on \(n): console \(forms), API \(allowed)")
                    for name in allowed {
                        if let confirm = CaseActionCatalogue.entry(named: name)?.confirm {
                            #expect(page.contains(#"data-confirm="\#(confirm)""#), "\(name)")
                        }
                    }
                    seen.formUnion(allowed)
                }
            }
            try await compare(n)
            for (role, body) in [
                (Role.intakeOperator, ["action": "accept"]), (.intakeOperator, ["action": "dispatch", "department": "zjj"]),
                (.departmentHandler, ["action": "start"]), (.departmentHandler, ["action": "resolve", "reply": "已修复"]),
            ] {
                let (s, m) = try await act(n, role, body)
                #expect(s == .ok, "\(body): \(m)")
                try await compare(n)
            }
            #expect(seen.isSuperset(of: ["accept", "dispatch", "start", "resolve", "review", "transfer_discipline"]), "\(seen.sorted())")
        }
    }
}

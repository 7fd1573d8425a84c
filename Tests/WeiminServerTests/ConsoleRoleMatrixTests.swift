import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

/// Every console page, and the actions kept to one role, for every demo role: what each may open, and what it is refused
/// (403 for a page the role has no business on, 404 for a case it may not know exists).
@Suite("Console pages by role: who may open what")
struct ConsoleRoleMatrixTests {
    static let users = ["shouli", "zhujian", "changtanhe", "dabaiyan", "duban", "jijian", "lingdao", "admin"]

    func session(_ services: AppServices, _ username: String) async throws -> (cookie: HTTPFields, csrf: String) {
        let viewer = try #require(try await services.staff.user(named: username))
        let s = try await SignInStore(database: services.database, cipher: services.cipher, staff: services.staff).startSession(
            for: viewer, secondFactorDone: true)
        return ([.cookie: "weimin_session=\(s.cookie)"], s.csrf)
    }

    @Test("each role's status for each page, and cases inside and outside its scope", arguments: Backend.available)
    func matrix(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let all = CaseVisibility(regionPrefix: "433125", departmentID: nil, includeSealed: true, onlySealed: false)
        let cases = try await services.cases.cases(CaseQuery(perPage: 200), visibility: all).items
        let village = try #require(try await services.staff.user(named: "dabaiyan")).region
        let township = try #require(try await services.staff.user(named: "changtanhe")).region
        let department = try #require(try await services.staff.user(named: "zhujian")).departmentID
        let inVillage = try #require(cases.first { !$0.sealed && $0.villageCode == village })
        let elsewhere = try #require(
            cases.first {
                !$0.sealed && $0.townshipCode != village.townshipCode && $0.townshipCode != township && $0.departmentID != department
            })
        let sealed = try #require(cases.first { $0.sealed })

        // Expected status per page, in the order of `users`.
        let ok = HTTPResponse.Status.ok, no = HTTPResponse.Status.forbidden, gone = HTTPResponse.Status.notFound
        let villageTownshipSeen: HTTPResponse.Status = village.townshipCode == township ? ok : gone
        let villageDeptSeen: HTTPResponse.Status = inVillage.departmentID == department ? ok : gone
        let expected: [(String, [HTTPResponse.Status])] = [
            ("/workbench", [ok, ok, ok, ok, ok, ok, ok, ok]),
            ("/cases", [ok, ok, ok, ok, ok, ok, ok, no]),
            ("/cases/\(inVillage.number)", [ok, villageDeptSeen, villageTownshipSeen, ok, ok, ok, ok, no]),
            ("/cases/\(elsewhere.number)", [ok, gone, gone, gone, ok, ok, ok, no]),
            ("/cases/\(sealed.number)", [gone, gone, gone, gone, gone, ok, gone, no]),
            ("/supervision", [ok, ok, ok, ok, ok, ok, ok, no]),
            ("/dashboard", [ok, ok, ok, ok, ok, ok, ok, ok]),
            ("/groups", [ok, ok, ok, ok, ok, ok, ok, ok]),
            ("/duty", [ok, no, ok, no, ok, no, ok, ok]),
            ("/account", [ok, ok, ok, ok, ok, ok, ok, ok]),
            ("/admin/users", [no, no, no, no, no, no, no, ok]),
            ("/exports/cases.csv", [ok, ok, ok, ok, ok, ok, ok, no]),
            ("/exports/assessment.csv", [ok, ok, ok, ok, ok, ok, ok, ok]),
        ]
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            var cookies: [String: HTTPFields] = [:], csrf: [String: String] = [:]
            for u in Self.users { (cookies[u], csrf[u]) = try await session(services, u) }
            var wrong: [String] = []
            for (path, statuses) in expected {
                // Signed out, every page sends the browser to the sign-in page; a download (also an API) answers 401.
                let out = try await client.execute(uri: path, method: .get)
                #expect(
                    path.hasPrefix("/exports/") ? out.status == .unauthorized : out.headers[.location]?.hasPrefix("/login") == true,
                    "\(path) signed out")
                for (u, want) in zip(Self.users, statuses) {
                    let got = try await client.execute(uri: path, method: .get, headers: cookies[u]!).status
                    if got != want { wrong.append("\(u) \(path): \(got.code), expected \(want.code)") }
                }
            }
            #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")

            // Actions kept to one role, each sent with the sender's own valid form token.
            var refused: [String] = []
            for u in Self.users {
                var headers = cookies[u]!
                headers[.contentType] = "application/x-www-form-urlencoded"
                let unlock = try await client.execute(
                    uri: "/admin/users/shouli/unlock", method: .post, headers: headers,
                    body: ByteBuffer(string: "_csrf=\(csrf[u]!)"))
                if (unlock.status == .forbidden) != (u != "admin") { refused.append("\(u) unlock: \(unlock.status.code)") }
                let register = try await client.execute(
                    uri: "/groups/register", method: .post, headers: headers,
                    body: ByteBuffer(string: "_csrf=\(csrf[u]!)"))
                let mayRegister = u == "shouli" || u == "admin"
                if (register.status == .forbidden) == mayRegister { refused.append("\(u) register group: \(register.status.code)") }
            }
            #expect(refused.isEmpty, "\(refused.joined(separator: "\n"))")

            // A sealed case's export rows go to the discipline role only.
            let operatorCSV = String(
                buffer: try await client.execute(uri: "/exports/cases.csv", method: .get, headers: cookies["shouli"]!).body)
            let disciplineCSV = String(
                buffer: try await client.execute(uri: "/exports/cases.csv", method: .get, headers: cookies["jijian"]!).body)
            #expect(!operatorCSV.contains(sealed.number.description) && disciplineCSV.contains(sealed.number.description))
        }
    }
}

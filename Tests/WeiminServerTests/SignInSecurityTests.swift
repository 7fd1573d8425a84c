import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdOTP
import HummingbirdTesting
import Testing
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

/// One sign-in for the console, API tokens and HTTP Basic, tried over real HTTP on loopback as a guesser would.
@Suite("Sign-in: one lock, one throttle and one second-factor rule for console, API token and Basic")
struct SignInSecurityTests {
    struct Client {
        let client: any TestClientProtocol

        func token(_ user: String, _ password: String, code: String? = nil, ip: String? = nil) async throws -> TestResponse {
            var body: [String: String] = ["username": user, "password": password]
            if let code { body["code"] = code }
            var headers: HTTPFields = [.contentType: "application/json"]
            if let ip { headers[HTTPField.Name("X-Real-IP")!] = ip }
            return try await client.execute(
                uri: "/api/v1/sessions", method: .post, headers: headers,
                body: ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: body))))
        }

        func basic(_ path: String, _ user: String, _ password: String) async throws -> TestResponse {
            let auth = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
            return try await client.execute(uri: path, method: .get, headers: [.authorization: auth])
        }

        func bearer(_ path: String, _ response: TestResponse) async throws -> TestResponse {
            let token = try #require(try response.json()["token"] as? String)
            return try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer \(token)"])
        }
    }

    static let password = DemoApp.password

    func live<T: Sendable>(_ services: AppServices, _ body: @escaping @Sendable (Client) async throws -> T) async throws -> T {
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        return try await app.test(.live) { client in try await body(Client(client: client)) }
    }

    func enrol(_ services: AppServices, _ user: String) async throws -> (id: UUID, secret: String) {
        let viewer = try #require(try await services.staff.user(named: user))
        let secret = try await services.signIn.beginEnrolment(viewer.userID)
        try await services.signIn.confirmEnrolment(viewer.userID)
        return (viewer.userID, secret)
    }

    func code(_ secret: String, _ offset: TimeInterval = 0) -> String {
        String(format: "%06d", TOTP(secret: secret).compute(date: Date().addingTimeInterval(offset)))
    }

    @Test(
        "five wrong passwords through the API lock the account for the API, Basic and the console; a console lock stops the API",
        arguments: Backend.available)
    func sharedLock(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        try await live(services) { c in
            for i in 1...4 { #expect(try await c.token("shouli", "wrong-\(i)").status == .unauthorized) }
            #expect(try await c.token("shouli", "wrong-5").status == .tooManyRequests)
            let right = try await c.token("shouli", Self.password)
            #expect(right.status == .tooManyRequests && right.headers[.retryAfter] != nil, "locked for tokens")
            #expect(try await c.basic("/api/v1/me", "shouli", Self.password).status == .tooManyRequests, "locked for Basic")
            guard case .locked = try await services.signIn.passwordStep(username: "shouli", password: Self.password) else {
                Issue.record("the console still signs in")
                return
            }
            // Basic failures count too, and a lock from the console's form holds for the API.
            for _ in 1...5 { _ = try await c.basic("/api/v1/me", "lingdao", "nope") }
            #expect(try await c.token("lingdao", Self.password).status == .tooManyRequests)
            for _ in 1...5 { _ = try await services.signIn.passwordStep(username: "jiaotong", password: "nope") }
            #expect(try await c.token("jiaotong", Self.password).status == .tooManyRequests)
            #expect(try await c.basic("/api/v1/me", "jiaotong", Self.password).status == .tooManyRequests)
        }
    }

    @Test(
        "supervisor, discipline and admin get no token or Basic access from a password alone; a code works once; code failures are not reset by a password",
        arguments: Backend.available)
    func secondFactor(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        try await live(services) { c in
            // Not set up yet: the console is where it is done.
            let first = try await c.token("jijian", Self.password)
            #expect(first.status == .forbidden && first.text.contains("双因素"))
            #expect(try await c.basic("/api/v1/cases", "jijian", Self.password).status == .unauthorized)
            #expect(try await c.basic("/api/v1/me", "jijian", Self.password).status == .unauthorized)
            let (_, secret) = try await enrol(services, "jijian")
            let noCode = try await c.token("jijian", Self.password)
            #expect(noCode.status == .unauthorized && noCode.text.contains("code"))
            #expect(try await c.basic("/api/v1/cases", "jijian", Self.password).status == .unauthorized, "Basic cannot carry a code")
            let now = code(secret)
            let ok = try await c.token("jijian", Self.password, code: now)
            #expect(ok.status == .created)
            #expect(try await c.bearer("/api/v1/cases", ok).status == .ok)
            let replay = try await c.token("jijian", Self.password, code: now)
            #expect(replay.status == .unauthorized && replay.text.contains("已使用过"), "the same code twice")
            // An older step than the one used is refused too (no going back to a code seen earlier).
            #expect(try await c.token("jijian", Self.password, code: code(secret, -30)).status == .unauthorized)

            // Code guessing: four wrong codes, then the right password alone, then one more wrong code locks.
            let (_, dubanSecret) = try await enrol(services, "duban")
            let wrong = String(format: "%06d", (Int(code(dubanSecret))! + 500_000) % 1_000_000)
            for _ in 1...4 { #expect(try await c.token("duban", Self.password, code: wrong).status == .unauthorized) }
            #expect(try await c.token("duban", Self.password).status == .unauthorized, "password alone: asked for the code")
            #expect(try await c.basic("/api/v1/me", "duban", Self.password).status == .unauthorized)
            #expect(try await c.token("duban", Self.password, code: wrong).status == .tooManyRequests, "the fifth wrong code locks")
            #expect(try await c.token("duban", Self.password, code: code(dubanSecret)).status == .tooManyRequests, "locked means locked")
        }
    }

    @Test(
        "a temporary password must be changed before the API opens; unknown names and wrong passwords read alike and both lock; an address is throttled",
        arguments: Backend.available)
    func mustChangeAndEnumeration(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let temporary = try await services.signIn.resetPassword(username: "zhujian")
        try await live(services) { c in
            let temp = try await c.token("zhujian", temporary)
            #expect(temp.status == .forbidden && temp.text.contains("修改密码"))
            #expect(try await c.basic("/api/v1/me", "zhujian", temporary).status == .forbidden)

            let unknown = try await c.token("no-such-user", "guess-1", ip: "203.0.113.7")
            let known = try await c.token("shuili", "guess-1", ip: "203.0.113.7")
            #expect(unknown.status == known.status && unknown.text == known.text, "one answer for both")
            #expect(!unknown.text.contains("再错"))
            for i in 2...5 {
                _ = try await c.token("no-such-user", "guess-\(i)", ip: "203.0.113.7")
                _ = try await c.token("shuili", "guess-\(i)", ip: "203.0.113.7")
            }
            let lockedUnknown = try await c.token("no-such-user", "guess-6", ip: "203.0.113.8")
            let lockedKnown = try await c.token("shuili", "guess-6", ip: "203.0.113.8")
            #expect(lockedUnknown.status == .tooManyRequests && lockedKnown.status == .tooManyRequests)
            #expect(lockedUnknown.text == lockedKnown.text, "a lock does not tell which names exist")

            // Twenty failures from one address, over many names: that address waits, others do not.
            for i in 0..<20 { _ = try await c.token("name-\(i)", "x", ip: "203.0.113.9") }
            #expect(try await c.token("shouli", Self.password, ip: "203.0.113.9").status == .tooManyRequests)
            #expect(try await c.token("shouli", Self.password, ip: "203.0.113.10").status == .created)
        }
    }
}

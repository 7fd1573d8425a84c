import Foundation
import Hummingbird
import HummingbirdOTP
import HummingbirdTesting
import Testing
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

/// Cookies as a browser keeps them, for the router tests.
private struct Browser {
    var cookies: [String: String] = [:]

    mutating func take(_ r: TestResponse) {
        for header in r.headers[values: .setCookie] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { cookies[pair[0]] = pair[1].isEmpty ? nil : pair[1] } else if pair.count == 1 { cookies[pair[0]] = nil }
            if header.contains("Max-Age=0") { cookies[pair[0]] = nil }
        }
    }

    var header: HTTPFields {
        cookies.isEmpty ? [:] : [.cookie: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")]
    }

    static func field(_ name: String, in html: String) -> String? {
        guard let r = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[r.upperBound...].prefix { $0 != "\"" })
    }
}

@Suite("The console's sign-in: password, lock, TOTP, CSRF, sessions; the workbench by role")
struct ConsoleSignInTests {
    func form(_ fields: [String: String]) -> ByteBuffer {
        ByteBuffer(
            string: fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(
                separator: "&"))
    }

    @Test("sign in with a password, see the workbench, sign out; forms without the CSRF token are refused", arguments: Backend.available)
    func password(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            var browser = Browser()
            #expect(try await client.execute(uri: "/workbench", method: .get).headers[.location] == "/login")
            let page = try await client.execute(uri: "/login", method: .get)
            #expect(page.status == .ok && String(buffer: page.body).contains("登录为民工作台"))
            let loginCookie = try #require(page.headers[values: .setCookie].first { $0.hasPrefix("weimin_login=") })
            #expect(loginCookie.contains("HttpOnly") && loginCookie.contains("SameSite=Strict"))
            browser.take(page)
            let csrf = try #require(Browser.field("_csrf", in: String(buffer: page.body)))
            let headers: HTTPFields = browser.header + [.contentType: "application/x-www-form-urlencoded"]

            // No token, or another page's token: refused before the password is even looked at.
            let forged = try await client.execute(
                uri: "/login", method: .post, headers: headers,
                body: form(["username": "shouli", "password": "weimin-demo-2026", "_csrf": "x"]))
            #expect(forged.status == .forbidden)
            let wrong = try await client.execute(
                uri: "/login", method: .post, headers: headers, body: form(["username": "shouli", "password": "nope", "_csrf": csrf]))
            #expect(wrong.status == .unauthorized && String(buffer: wrong.body).contains("用户名或密码错误"))
            #expect(!String(buffer: wrong.body).contains("再错"), "no count of tries left: it told which names exist")

            let ok = try await client.execute(
                uri: "/login", method: .post, headers: headers,
                body: form(["username": "shouli", "password": "weimin-demo-2026", "_csrf": csrf]))
            #expect(ok.status == .seeOther && ok.headers[.location] == "/workbench")
            let sessionCookie = try #require(ok.headers[values: .setCookie].first { $0.hasPrefix("weimin_session=") })
            #expect(sessionCookie.contains("HttpOnly") && sessionCookie.contains("SameSite=Strict") && !sessionCookie.contains("Max-Age=0"))
            browser.take(ok)
            let bench = try await client.execute(uri: "/workbench", method: .get, headers: browser.header)
            let html = String(buffer: bench.body)
            #expect(bench.status == .ok && html.contains("待我办理") && html.contains("待人工判断的群消息") && html.contains("受理"))
            #expect(bench.headers[.cacheControl] == "no-store")
            #expect(html.contains("433125-"), "the operator's new cases are listed")

            let token = try #require(Browser.field("_csrf", in: html))
            let formHeaders: HTTPFields = browser.header + [.contentType: "application/x-www-form-urlencoded"]
            #expect(
                try await client.execute(uri: "/logout", method: .post, headers: formHeaders, body: form(["_csrf": "wrong"])).status
                    == .forbidden)
            let out = try await client.execute(uri: "/logout", method: .post, headers: formHeaders, body: form(["_csrf": token]))
            #expect(out.status == .seeOther)
            // The old cookie no longer opens anything.
            #expect(try await client.execute(uri: "/workbench", method: .get, headers: formHeaders).headers[.location] == "/login")
        }
    }

    @Test("five wrong passwords lock the account for 15 minutes, even with the right one", arguments: [Backend.sqlite])
    func lock(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let store = SignInStore(database: services.database, cipher: services.cipher, staff: services.staff)
        for i in 1...4 { #expect(try await store.passwordStep(username: "jiaotong", password: "bad\(i)") == .wrong) }
        guard case .locked(let until) = try await store.passwordStep(username: "jiaotong", password: "bad5") else {
            Issue.record("not locked after 5 failures")
            return
        }
        #expect(until.timeIntervalSinceNow > 14 * 60 && until.timeIntervalSinceNow <= 15 * 60)
        guard case .locked = try await store.passwordStep(username: "jiaotong", password: "weimin-demo-2026") else {
            Issue.record("the right password opened a locked account")
            return
        }
        // After the lock the right password works again; an administrator can also lift it.
        guard
            case .accepted(_, .none) = try await store.passwordStep(
                username: "jiaotong", password: "weimin-demo-2026", at: until.addingTimeInterval(1))
        else {
            Issue.record("still locked after 15 minutes")
            return
        }
    }

    @Test(
        "a supervisor must set up TOTP: the secret is shown once, a wrong code is refused, the right one signs in",
        arguments: [Backend.sqlite])
    func totp(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let store = SignInStore(database: services.database, cipher: services.cipher, staff: services.staff)
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            var browser = Browser()
            let page = try await client.execute(uri: "/login", method: .get)
            browser.take(page)
            let csrf = try #require(Browser.field("_csrf", in: String(buffer: page.body)))
            let ok = try await client.execute(
                uri: "/login", method: .post, headers: browser.header + [.contentType: "application/x-www-form-urlencoded"],
                body: form(["username": "duban", "password": "weimin-demo-2026", "_csrf": csrf]))
            #expect(ok.headers[.location] == "/login/code")
            browser.take(ok)
            // Half signed in: no page but the code page.
            #expect(try await client.execute(uri: "/workbench", method: .get, headers: browser.header).headers[.location] == "/login/code")
            let enrol = try await client.execute(uri: "/login/code", method: .get, headers: browser.header)
            let html = String(buffer: enrol.body)
            #expect(enrol.status == .ok && html.contains("设置双因素认证") && html.contains("otpauth://totp/"))
            let token = try #require(Browser.field("_csrf", in: html))
            let viewer = try #require(try await services.staff.user(named: "duban"))
            let secret = try #require(try await store.totp(viewer.userID)).secret
            let headers = browser.header + [.contentType: "application/x-www-form-urlencoded"]
            let right = TOTP(secret: secret).compute()
            let wrongCode = String(format: "%06d", (right + 1) % 1_000_000)
            let bad = try await client.execute(
                uri: "/login/code", method: .post, headers: headers, body: form(["code": wrongCode, "_csrf": token]))
            #expect(bad.status == .unauthorized && String(buffer: bad.body).contains("验证码不正确"))
            let good = try await client.execute(
                uri: "/login/code", method: .post, headers: headers,
                body: form(["code": String(format: "%06d", TOTP(secret: secret).compute()), "_csrf": token]))
            #expect(good.status == .seeOther && good.headers[.location] == "/workbench")
            let bench = try await client.execute(uri: "/workbench", method: .get, headers: browser.header)
            #expect(bench.status == .ok && String(buffer: bench.body).contains("督办"))
            #expect(try await store.totp(viewer.userID)?.confirmed == true)
        }
        #expect(SignInController.base32("12345678901234567890") == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "RFC 6238's test key")
    }
}

extension ConsoleSignInTests {
    @Test(
        "password change checks the current one and ends other sessions; an admin resets a password (must be changed), unlocks, resets TOTP; others may not",
        arguments: [Backend.sqlite])
    func account(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let store = SignInStore(database: services.database, cipher: services.cipher, staff: services.staff)
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        @Sendable func session(_ user: String) async throws -> (HTTPFields, String, String) {
            let v = try #require(try await services.staff.user(named: user))
            let s = try await store.startSession(for: v, secondFactorDone: true)
            return ([.cookie: "weimin_session=\(s.cookie)", .contentType: "application/x-www-form-urlencoded"], s.csrf, s.cookie)
        }
        try await app.test(.router) { client in
            let (mine, csrf, _) = try await session("jiaotong")
            let (other, _, _) = try await session("jiaotong")
            let wrong = try await client.execute(
                uri: "/account/password", method: .post, headers: mine,
                body: form(["current": "nope", "new": "a-new-password-1", "confirm": "a-new-password-1", "_csrf": csrf]))
            #expect(wrong.status == .badRequest && String(buffer: wrong.body).contains("当前密码不正确"))
            let mismatch = try await client.execute(
                uri: "/account/password", method: .post, headers: mine,
                body: form(["current": "weimin-demo-2026", "new": "a-new-password-1", "confirm": "other", "_csrf": csrf]))
            #expect(mismatch.status == .badRequest)
            let ok = try await client.execute(
                uri: "/account/password", method: .post, headers: mine,
                body: form(["current": "weimin-demo-2026", "new": "a-new-password-1", "confirm": "a-new-password-1", "_csrf": csrf]))
            #expect(ok.status == .seeOther)
            #expect(try await client.execute(uri: "/workbench", method: .get, headers: mine).status == .ok, "this session stays")
            #expect(
                try await client.execute(uri: "/workbench", method: .get, headers: other).headers[.location] == "/login", "the other ends")
            #expect(try await services.staff.authenticate(username: "jiaotong", password: "a-new-password-1") != nil)

            // Only the administrator manages accounts.
            let (op, opCSRF, _) = try await session("shouli")
            #expect(try await client.execute(uri: "/admin/users", method: .get, headers: op).status == .forbidden)
            #expect(
                try await client.execute(
                    uri: "/admin/users/jiaotong/reset-password", method: .post, headers: op, body: form(["_csrf": opCSRF])
                ).status == .forbidden)
            let (admin, adminCSRF, _) = try await session("admin")
            let list = String(buffer: try await client.execute(uri: "/admin/users", method: .get, headers: admin).body)
            #expect(list.contains("jiaotong") && list.contains("重置密码"))
            let reset = try await client.execute(
                uri: "/admin/users/jiaotong/reset-password", method: .post, headers: admin, body: form(["_csrf": adminCSRF]))
            let html = String(buffer: reset.body)
            let temporary = try #require(html.range(of: "临时密码：").map { String(html[$0.upperBound...].prefix(12)) })
            #expect(try await services.staff.authenticate(username: "jiaotong", password: temporary) != nil)
            #expect(
                try await client.execute(uri: "/workbench", method: .get, headers: mine).headers[.location] == "/login",
                "sessions ended by the reset")
            // Signed in with the temporary password, every page leads to the account page until it is changed.
            let (fresh, _, _) = try await session("jiaotong")
            #expect(try await client.execute(uri: "/workbench", method: .get, headers: fresh).headers[.location] == "/account?must=1")
            #expect(try await client.execute(uri: "/account", method: .get, headers: fresh).status == .ok)

            // Unlock and TOTP reset.
            let duban = try #require(try await services.staff.user(named: "duban"))
            for _ in 0..<5 { _ = try await store.passwordStep(username: "duban", password: "bad") }
            #expect(try await store.lockedUntil(duban.userID) != nil)
            _ = try await client.execute(uri: "/admin/users/duban/unlock", method: .post, headers: admin, body: form(["_csrf": adminCSRF]))
            #expect(try await store.lockedUntil(duban.userID) == nil)
            _ = try await store.beginEnrolment(duban.userID)
            try await store.confirmEnrolment(duban.userID)
            _ = try await client.execute(
                uri: "/admin/users/duban/reset-totp", method: .post, headers: admin, body: form(["_csrf": adminCSRF]))
            #expect(try await store.totp(duban.userID) == nil)
        }
    }
}

import Foundation
import Metrics
import Hummingbird
import HTTPTypes
import HummingbirdOTP
import WeiminCore
import WeiminPersistence

/// The console's sign-in: password, then a TOTP code where the role requires it or the user set one up,
/// with a 15-minute lock after 5 wrong passwords or 5 wrong codes (counted apart), and sign-out. The same
/// `SignInStore` steps serve API tokens and HTTP Basic.
struct SignInController {
    let services: AppServices
    let signIn: SignInStore
    let views = WebViews.shared

    struct LoginForm: Decodable {
        let username: String?
        let password: String?
        let _csrf: String?
    }

    struct CodeForm: Decodable {
        let code: String?
        let _csrf: String?
    }

    struct LoginPage {
        let chrome: PageChrome
        let csrf: String
        let username: String
        let error: String?
        let notice: String?
    }

    struct SecondFactorPage {
        let chrome: PageChrome
        let csrf: String
        let enrol: Bool
        let secret: String
        let otpauth: String
        let error: String?
    }

    func addRoutes(to router: RouterGroup<WeiminRequestContext>) {
        router.get("login") { request, context -> Response in
            if context.viewer != nil { return WebViews.redirect("/workbench") }
            return loginPage(request: request, username: "", error: nil, notice: request.uri.queryParameters["out"] != nil ? "已退出登录。" : nil)
        }

        router.post("login") { request, context -> Response in
            let form = try await decode(LoginForm.self, request, context)
            // Login CSRF: the form must carry the token set in a cookie when the page was shown.
            guard let expected = WebCookies.value(WebCookies.loginCSRF, in: request), form._csrf == expected else {
                return loginPage(request: request, username: form.username ?? "", error: "页面已过期，请重新输入后登录。", status: .forbidden)
            }
            let username = (form.username ?? "").trimmingCharacters(in: .whitespaces)
            guard !username.isEmpty, let password = form.password, !password.isEmpty else {
                return loginPage(request: request, username: username, error: "请输入用户名和密码。", status: .badRequest)
            }
            let step = try await signIn.passwordStep(username: username, password: password, address: context.clientAddress(request))
            SignInMetrics.count(channel: "console", step)
            switch step {
            case .locked(let until):
                return loginPage(request: request, username: username, error: Self.lockedMessage(until), status: .tooManyRequests)
            case .throttled(let until):
                return loginPage(request: request, username: username, error: SignInMessages.throttled(until), status: .tooManyRequests)
            case .wrong:
                return loginPage(
                    request: request, username: username,
                    error: "用户名或密码错误。连续 \(SignInStore.maxFailures) 次错误将锁定 15 分钟。", status: .unauthorized)
            case .accepted(let viewer, let factor):
                let session = try await signIn.startSession(for: viewer, secondFactorDone: factor == .none)
                var headers = HTTPFields()
                headers.append(HTTPField(name: .setCookie, value: WebCookies.set(WebCookies.session, session.cookie, request: request)))
                headers.append(HTTPField(name: .setCookie, value: WebCookies.clear(WebCookies.loginCSRF, request: request)))
                return WebViews.redirect(factor == .none ? "/workbench" : "/login/code", headers: headers)
            }
        }

        router.get("login/code") { request, context -> Response in
            guard let web = context.web else { return WebViews.redirect("/login") }
            if web.secondFactorDone { return WebViews.redirect("/workbench") }
            return try await codePage(web, error: nil)
        }

        router.post("login/code") { request, context -> Response in
            guard let web = context.web else { return WebViews.redirect("/login") }
            let form = try await decode(CodeForm.self, request, context)
            guard form._csrf == web.csrf else { return try await codePage(web, error: "页面已过期，请重新输入。", status: .forbidden) }
            if let until = try await signIn.lockedUntil(web.viewer.userID) {
                try await signIn.endSession(cookie: web.cookie)
                return loginPage(
                    request: request, username: web.viewer.username, error: Self.lockedMessage(until), status: .tooManyRequests)
            }
            let code = (form.code ?? "").filter { $0 != " " }
            switch try await signIn.verifyCode(web.viewer.userID, code: code, enrolling: true) {
            case .accepted:
                try await signIn.completeSecondFactor(cookie: web.cookie, user: web.viewer.userID)
                return WebViews.redirect("/workbench")
            case .locked(let until):
                SignInMetrics.record("console", "locked")
                try await signIn.endSession(cookie: web.cookie)
                return loginPage(
                    request: request, username: web.viewer.username, error: Self.lockedMessage(until), status: .tooManyRequests)
            case .wrong(let left):
                SignInMetrics.record("console", "wrong_code")
                return try await codePage(
                    web, error: "验证码不正确或已使用过（再错 \(left) 次将锁定 15 分钟）。请等待下一个验证码，并确认手机时间准确。",
                    status: .unauthorized)
            case .notSetUp:
                return try await codePage(web, error: nil)
            }
        }

        router.post("logout") { request, context -> Response in
            guard let web = context.web else { return WebViews.redirect("/login") }
            let form = try await decode(CodeForm.self, request, context)
            guard form._csrf == web.csrf else { throw HTTPError(.forbidden, message: "页面已过期，请刷新后再退出") }
            try await signIn.endSession(cookie: web.cookie)
            return WebViews.redirect("/login?out=1", headers: [.setCookie: WebCookies.clear(WebCookies.session, request: request)])
        }
    }

    func loginPage(request: Request, username: String, error: String?, notice: String? = nil, status: HTTPResponse.Status = .ok) -> Response
    {
        let token = SignInStore.randomToken()
        return views.render(
            "login",
            LoginPage(chrome: PageChrome(session: nil, current: "login"), csrf: token, username: username, error: error, notice: notice),
            status: status, headers: [.setCookie: WebCookies.set(WebCookies.loginCSRF, token, request: request, maxAge: 3600)])
    }

    func codePage(_ web: WebSession, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let existing = try await signIn.totp(web.viewer.userID)
        let enrol = existing?.confirmed != true
        let secret = enrol ? try await signIn.beginEnrolment(web.viewer.userID) : ""
        let otpauth = enrol ? TOTP(secret: secret).createAuthenticatorURL(label: web.viewer.username, issuer: "为民 Weimin") : ""
        return views.render(
            "second-factor",
            SecondFactorPage(
                chrome: PageChrome(session: web, current: "login"), csrf: web.csrf, enrol: enrol,
                secret: enrol ? Self.grouped(Self.base32(secret)) : "",
                otpauth: otpauth, error: error), status: status)
    }

    func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: WeiminRequestContext) async throws -> T {
        let body = try await request.body.collect(upTo: 64 * 1024)
        do {
            return try URLEncodedFormDecoder().decode(T.self, from: String(buffer: body))
        } catch {
            throw HTTPError(.badRequest, message: "表单内容无法识别，请刷新页面后重试")
        }
    }

    static func lockedMessage(_ until: Date) -> String { SignInMessages.locked(until) }

    /// The key as authenticator apps take it when typed: Base32 of the secret's bytes (what HummingbirdOTP's
    /// otpauth address carries).
    static func base32(_ secret: String) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var out = "", buffer = 0, bits = 0
        for byte in secret.utf8 {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return out
    }

    static func grouped(_ s: String) -> String {
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && i % 4 == 0 { out.append(" ") }
            out.append(c)
        }
        return out
    }
}

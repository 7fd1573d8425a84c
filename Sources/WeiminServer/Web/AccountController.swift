import Foundation
import Hummingbird
import HummingbirdOTP
import Logging
import WeiminCore
import WeiminPersistence

/// 我的账号: change one's password, set up TOTP (optional for most roles); and for administrators, the staff
/// list with password reset (a temporary password shown once, to be changed at the next sign-in), unlock
/// and TOTP reset.
struct AccountController {
    let services: AppServices
    let signIn: SignInStore
    let views = WebViews.shared

    struct AccountPage {
        let chrome: PageChrome
        let displayName: String
        let username: String
        let roleName: String
        let lastSignIn: String
        let secondFactor: Bool
        let secondFactorRequired: Bool
        let csrf: String
        let notice: String?
        let error: String?
        let enrol: Bool
        let secret: String
        let otpauth: String
        let minimumLength: Int
    }

    struct UserRow {
        let username: String
        let displayName: String
        let roleName: String
        let locked: String?
        let secondFactor: Bool
        let lastSignIn: String
    }

    struct UsersPage {
        let chrome: PageChrome
        let users: [UserRow]
        let csrf: String
        let notice: String?
        let error: String?
    }

    func addRoutes(to router: RouterGroup<WeiminRequestContext>) {
        router.get("account") { request, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            let q = request.uri.queryParameters
            let notice =
                q["must"] != nil
                ? "管理员已重置您的密码，请先设置新密码。"
                : q["changed"] != nil
                    ? "密码已修改，其他设备上的登录已退出。"
                    : q["totp"] != nil ? "双因素认证已启用，下次登录需要输入验证码。" : nil
            return try await accountPage(viewer, web, notice: notice, error: nil)
        }

        router.post("account/password") { request, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            let form = try await WebForm.fields(request)
            guard form["_csrf"] == web.csrf else {
                return try await accountPage(viewer, web, notice: nil, error: "页面已过期，请刷新后再试。", status: .forbidden)
            }
            let new = form["new"] ?? ""
            guard new == form["confirm"] else {
                return try await accountPage(viewer, web, notice: nil, error: "两次输入的新密码不一致。", status: .badRequest)
            }
            do {
                try await signIn.changePassword(viewer, current: form["current"] ?? "", new: new, keeping: web.cookie)
            } catch let e as StaffError {
                return try await accountPage(viewer, web, notice: nil, error: e.description, status: .badRequest)
            }
            services.logger.info("password changed", metadata: ["user": "\(viewer.username)"])
            return WebViews.redirect("/account?changed=1")
        }

        router.get("account/totp") { _, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            return try await accountPage(viewer, web, notice: nil, error: nil, enrol: true)
        }

        router.post("account/totp") { request, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            let form = try await WebForm.fields(request)
            guard form["_csrf"] == web.csrf else {
                return try await accountPage(viewer, web, notice: nil, error: "页面已过期，请刷新后再试。", status: .forbidden)
            }
            guard let totp = try await signIn.totp(viewer.userID), !totp.confirmed else { return WebViews.redirect("/account") }
            _ = totp
            switch try await signIn.verifyCode(viewer.userID, code: (form["code"] ?? "").filter { $0 != " " }, enrolling: true) {
            case .accepted:
                return WebViews.redirect("/account?totp=1")
            case .locked(let until):
                return try await accountPage(viewer, web, notice: nil, error: SignInMessages.locked(until), status: .tooManyRequests)
            case .wrong, .notSetUp:
                return try await accountPage(viewer, web, notice: nil, error: "验证码不正确，请确认手机时间准确后重试。", status: .badRequest, enrol: true)
            }
        }

        router.get("admin/users") { _, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            guard viewer.role == .admin else { throw HTTPError(.forbidden, message: "只有系统管理员可以管理账号") }
            return try await usersPage(web, notice: nil, error: nil)
        }

        router.post("admin/users/:username/:action") { request, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            guard viewer.role == .admin else { throw HTTPError(.forbidden, message: "只有系统管理员可以管理账号") }
            let form = try await WebForm.fields(request)
            guard form["_csrf"] == web.csrf else {
                return try await usersPage(web, notice: nil, error: "页面已过期，请刷新后再试。", status: .forbidden)
            }
            let username = try context.parameters.require("username")
            let action = try context.parameters.require("action")
            guard let target = try await services.staff.user(named: username) else {
                return try await usersPage(web, notice: nil, error: "用户 \(username) 不存在", status: .notFound)
            }
            let notice: String
            switch action {
            case "reset-password":
                let temporary = try await signIn.resetPassword(username: username)
                // Shown once, on this page only; never logged.
                notice = "已重置 \(target.displayName) 的密码。临时密码：\(temporary)（只显示这一次，请当面或电话告知本人，登录后须立即修改）"
            case "unlock":
                try await signIn.unlock(target.userID)
                notice = "已解除 \(target.displayName) 的锁定。"
            case "reset-totp":
                try await signIn.unlock(target.userID, resetSecondFactor: true)
                notice = "已重置 \(target.displayName) 的双因素认证，下次登录时需重新设置。"
            default:
                return try await usersPage(web, notice: nil, error: "未知的操作", status: .badRequest)
            }
            services.logger.notice(
                "account administration", metadata: ["admin": "\(viewer.username)", "user": "\(username)", "action": "\(action)"])
            return try await usersPage(web, notice: notice, error: nil)
        }
    }

    func accountPage(
        _ viewer: Viewer, _ web: WebSession, notice: String?, error: String?, status: HTTPResponse.Status = .ok, enrol: Bool = false
    ) async throws -> Response {
        let summary = try await signIn.summary(viewer.userID)
        var secret = "", otpauth = ""
        let enrolling = enrol && !summary.secondFactor
        if enrolling {
            let raw = try await signIn.beginEnrolment(viewer.userID)
            secret = SignInController.grouped(SignInController.base32(raw))
            otpauth = TOTP(secret: raw).createAuthenticatorURL(label: viewer.username, issuer: "为民 Weimin")
        }
        return views.render(
            "account",
            AccountPage(
                chrome: PageChrome(session: web, current: "account"), displayName: viewer.displayName, username: viewer.username,
                roleName: CoreStrings.roleName(viewer.role), lastSignIn: summary.lastSignInAt.map(WebFormat.time) ?? "—",
                secondFactor: summary.secondFactor, secondFactorRequired: SignInStore.requiresSecondFactor(viewer.role), csrf: web.csrf,
                notice: notice, error: error, enrol: enrolling, secret: secret, otpauth: otpauth,
                minimumLength: StaffDirectory.minimumPasswordLength),
            status: status)
    }

    func usersPage(_ web: WebSession, notice: String?, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        var rows: [UserRow] = []
        for u in try await services.staff.list() {
            let s = try await signIn.summary(u.userID)
            rows.append(
                UserRow(
                    username: u.username, displayName: u.displayName, roleName: CoreStrings.roleName(u.role),
                    locked: s.lockedUntil.map { "锁定至 \(WebFormat.time($0))" }, secondFactor: s.secondFactor,
                    lastSignIn: s.lastSignInAt.map(WebFormat.time) ?? "—"))
        }
        return views.render(
            "users",
            UsersPage(chrome: PageChrome(session: web, current: "admin"), users: rows, csrf: web.csrf, notice: notice, error: error),
            status: status)
    }
}

import Foundation
import Metrics
import Hummingbird
import HTTPTypes
import WeiminCore
import WeiminPersistence

/// Identifies the caller from `Authorization: Bearer wm_…` (a token from POST /api/v1/sessions) or
/// `Authorization: Basic …` (for scripts and curl). It never refuses an anonymous request by itself: routes decide,
/// through `requireViewer`, so a public route stays public and every other one says why it refused. Basic goes
/// through the same sign-in as the console (lock, address throttle, must-change rule); accounts with a second factor
/// cannot use it, since a header cannot carry a one-time code.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = WeiminRequestContext
    let staff: StaffDirectory
    let signIn: SignInStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            if header.hasPrefix("Bearer wms_") {
                // A source token for ingestion: the ingest routes check it themselves.
            } else if header.hasPrefix("Bearer ") {
                let token = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
                guard let viewer = try await staff.viewer(forToken: token) else {
                    SignInMetrics.record("api", "invalid_token")
                    throw HTTPError(.unauthorized, message: "令牌无效或已过期，请重新登录")
                }
                context.viewer = viewer
            } else if header.hasPrefix("Basic ") {
                guard let data = Data(base64Encoded: String(header.dropFirst("Basic ".count))),
                    let pair = String(data: data, encoding: .utf8), let colon = pair.firstIndex(of: ":")
                else { throw HTTPError(.badRequest, message: "Authorization 头格式错误") }
                let user = String(pair[..<colon])
                let password = String(pair[pair.index(after: colon)...])
                switch try await signIn.apiSignIn(username: user, password: password, code: nil, address: context.clientAddress(request)) {
                case .success(let viewer): context.viewer = viewer
                case .failure(.codeRequired), .failure(.secondFactorNotSetUp):
                    throw HTTPError(.unauthorized, message: "此账号须使用双因素认证，不能用 Basic 认证：请用 POST /api/v1/sessions 提交用户名、密码和验证码（code）换取令牌")
                case .failure(let refusal): throw SignInRefusalError(refusal).httpError
                }
            } else {
                throw HTTPError(.unauthorized, message: "不支持的认证方式：请使用 Bearer 令牌或 Basic 用户名密码")
            }
        }
        return try await next(request, context)
    }
}

/// The API's answer for each way a sign-in is refused. Unknown names and wrong passwords read the same.
struct SignInRefusalError {
    let refusal: SignInStore.APIRefusal
    init(_ refusal: SignInStore.APIRefusal) {
        self.refusal = refusal
        SignInMetrics.count(channel: "api", refusal)
    }

    var httpError: HTTPError {
        switch refusal {
        case .wrong:
            return HTTPError(.unauthorized, message: "用户名或密码错误。连续 \(SignInStore.maxFailures) 次错误将锁定 15 分钟。")
        case .locked(let until):
            return HTTPError(.tooManyRequests, headers: Self.retryAfter(until), message: SignInMessages.locked(until))
        case .throttled(let until):
            return HTTPError(.tooManyRequests, headers: Self.retryAfter(until), message: SignInMessages.throttled(until))
        case .codeRequired:
            return HTTPError(.unauthorized, message: "此账号须使用双因素认证：请在请求中同时提交验证码（code，身份验证器上的 6 位数字）")
        case .wrongCode(let left):
            return HTTPError(.unauthorized, message: "验证码不正确或已使用过（再错 \(left) 次将锁定 15 分钟）。请等待下一个验证码，并确认手机时间准确。")
        case .secondFactorNotSetUp:
            return HTTPError(.forbidden, message: "此账号须先设置双因素认证：请先登录为民工作台，按页面提示绑定身份验证器，再使用接口")
        case .mustChangePassword:
            return HTTPError(.forbidden, message: "此账号的密码为管理员重置的临时密码：请先登录为民工作台修改密码，再使用接口")
        }
    }

    static func retryAfter(_ until: Date) -> HTTPFields {
        [.retryAfter: String(max(1, Int(until.timeIntervalSinceNow.rounded(.up))))]
    }
}

/// Words for locks, shared by the console and the API.
enum SignInMessages {
    static func locked(_ until: Date) -> String {
        let minutes = max(1, Int((until.timeIntervalSinceNow / 60).rounded(.up)))
        return "连续输错次数过多，账号已锁定，请 \(minutes) 分钟后再试；如需立即解锁，请联系系统管理员。"
    }

    static func throttled(_ until: Date) -> String {
        let minutes = max(1, Int((until.timeIntervalSinceNow / 60).rounded(.up)))
        return "此网络地址登录失败次数过多，请 \(minutes) 分钟后再试。"
    }
}

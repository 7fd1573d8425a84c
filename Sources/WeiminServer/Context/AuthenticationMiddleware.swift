import Foundation
import Hummingbird
import WeiminCore
import WeiminPersistence

/// Identifies the caller from `Authorization: Bearer wm_…` (a token from POST /api/v1/sessions) or
/// `Authorization: Basic …` (for scripts and curl). It never refuses by itself: routes decide, through
/// `requireViewer`, so a public route stays public and every other one says why it refused.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = WeiminRequestContext
    let staff: StaffDirectory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            if header.hasPrefix("Bearer wms_") {
                // A source token for ingestion: the ingest routes check it themselves.
            } else if header.hasPrefix("Bearer ") {
                let token = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
                guard let viewer = try await staff.viewer(forToken: token) else {
                    throw HTTPError(.unauthorized, message: "令牌无效或已过期，请重新登录")
                }
                context.viewer = viewer
            } else if header.hasPrefix("Basic ") {
                guard let data = Data(base64Encoded: String(header.dropFirst("Basic ".count))),
                    let pair = String(data: data, encoding: .utf8), let colon = pair.firstIndex(of: ":")
                else { throw HTTPError(.badRequest, message: "Authorization 头格式错误") }
                let user = String(pair[..<colon])
                let password = String(pair[pair.index(after: colon)...])
                guard let viewer = try await staff.authenticate(username: user, password: password) else {
                    throw HTTPError(.unauthorized, message: "用户名或密码错误")
                }
                context.viewer = viewer
            } else {
                throw HTTPError(.unauthorized, message: "不支持的认证方式：请使用 Bearer 令牌或 Basic 用户名密码")
            }
        }
        return try await next(request, context)
    }
}

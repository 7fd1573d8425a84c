import Foundation
import Hummingbird
import HTTPTypes
import WeiminCore
import WeiminPersistence

/// A signed-in browser: the cookie (to end the session), the CSRF token every form must carry, and whether
/// the second factor is still owed (then only the code page may be used).
public struct WebSession: Sendable {
    public var cookie: String
    public var csrf: String
    public var viewer: Viewer
    public var secondFactorDone: Bool
}

/// Reads the session cookie on console pages. Like the API's middleware it never refuses by itself; pages
/// send the browser to the sign-in page when there is no session.
struct WebSessionMiddleware: RouterMiddleware {
    typealias Context = WeiminRequestContext
    let signIn: SignInStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let cookie = WebCookies.value(WebCookies.session, in: request), let s = try await signIn.session(cookie: cookie) {
            context.web = WebSession(cookie: cookie, csrf: s.csrf, viewer: s.viewer, secondFactorDone: s.secondFactorDone)
            if s.secondFactorDone {
                context.viewer = s.viewer
                // A password an administrator reset must be replaced before anything else.
                let path = request.uri.path
                if s.mustChangePassword && path != "/account" && path != "/logout" && !path.hasPrefix("/static/") {
                    return WebViews.redirect("/account?must=1")
                }
            }
        }
        var response = try await next(request, context)
        // Console pages are personal and change with every action: never cached, never framed.
        response.headers[.cacheControl] = "no-store"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        return response
    }
}

enum WebCookies {
    static let session = "weimin_session"
    static let loginCSRF = "weimin_login"

    static func value(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if kv.count == 2, kv[0] == name { return kv[1] }
            }
        }
        return nil
    }

    /// HttpOnly (scripts cannot read it), SameSite=Strict (other sites cannot send it), Secure behind HTTPS.
    static func set(_ name: String, _ value: String, request: Request, maxAge: Int? = nil) -> String {
        var c = "\(name)=\(value); Path=/; HttpOnly; SameSite=Strict"
        if let maxAge { c += "; Max-Age=\(maxAge)" }
        if request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https" || request.uri.scheme == .https { c += "; Secure" }
        return c
    }

    static func clear(_ name: String, request: Request) -> String { set(name, "", request: request, maxAge: 0) }
}

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
        if let refusal = Self.crossSiteRefusal(request) {
            var response = refusal
            Self.addPageHeaders(&response)
            return response
        }
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
        Self.addPageHeaders(&response)
        return response
    }

    /// No script but our own file, no inline script or style, no plug-ins, no framing, forms only to us: a
    /// string that slips past escaping still cannot run.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    static func addPageHeaders(_ response: inout Response) {
        // Console pages are personal and change with every action: never cached, never framed.
        response.headers[.cacheControl] = "no-store"
        response.headers[HTTPField.Name("Content-Security-Policy")!] = contentSecurityPolicy
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
    }

    /// A state-changing request whose `Origin` (or, without one, `Referer`) names another site is refused
    /// before it reaches a form handler — a second wall behind the CSRF token and SameSite cookies.
    /// Browsers send `Origin` on every POST; a request with neither header (curl, old clients) still needs the token.
    static func crossSiteRefusal(_ request: Request) -> Response? {
        guard ![.get, .head, .options].contains(request.method) else { return nil }
        let host = request.headers[HTTPField.Name("X-Forwarded-Host")!] ?? request.head.authority
        let claimed: String?
        if let origin = request.headers[HTTPField.Name("Origin")!] {
            claimed = origin
        } else if let referer = request.headers[.referer] {
            claimed = referer
        } else {
            return nil
        }
        if let claimed, let host, Self.authority(of: claimed)?.lowercased() == host.lowercased() { return nil }
        let text = "请求来自其他网站（\(claimed ?? "null")），已拒绝。请直接在为民工作台页面上操作。"
        return Response(
            status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// `host[:port]` of an absolute http(s) URL, or nil (`null`, other schemes, garbage).
    static func authority(of url: String) -> String? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        return String(authority)
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

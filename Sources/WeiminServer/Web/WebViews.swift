import Foundation
import Hummingbird
import Mustache
import WeiminCore

/// The console's Mustache templates (Resources/Views), read once. Pages inherit `layout`; the words on them
/// are the console's strings table.
struct WebViews: Sendable {
    let library: MustacheLibrary

    /// The name every template selects on its first line (`{{% CONTENT_TYPE: WEIMIN_HTML}}`): swift-mustache's
    /// own HTML escaping looks at whole grapheme clusters and lets `"\u{0600}<"` through; ours goes by scalar.
    static let contentTypeName = "WEIMIN_HTML"
    static let pragma = "{{% CONTENT_TYPE: \(contentTypeName)}}"

    struct ScalarHTML: MustacheContentType {
        func escapeText(_ text: String) -> String { Escape.html(text) }
    }

    static let shared: WebViews = {
        // Registered before any template is parsed: the parser resolves the pragma's name when it reads it.
        MustacheContentTypes.register(ScalarHTML(), named: contentTypeName)
        var library = MustacheLibrary()
        if let dir = Bundle.module.url(forResource: "Views", withExtension: nil),
            let files = try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
        {
            for f in files where f.pathExtension == "mustache" {
                if let text = try? String(contentsOf: f, encoding: .utf8) {
                    // A broken template is a build mistake; the page test for it fails loudly.
                    try? library.register(text, named: f.deletingPathExtension().lastPathComponent)
                }
            }
        }
        return WebViews(library: library)
    }()

    static var stylesheet: String { asset("weimin", "css") }
    static var script: String { asset("weimin", "js") }

    static func asset(_ name: String, _ ext: String) -> String {
        Bundle.module.url(forResource: "Views/\(name)", withExtension: ext).flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? ""
    }

    func render(_ name: String, _ object: Any, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        let html = library.render(object, withTemplate: name) ?? "<!doctype html><p>页面模板 \(name) 缺失（安装不完整）</p>"
        var h = headers
        h[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func redirect(_ to: String, headers: HTTPFields = [:]) -> Response {
        var h = headers
        h[.location] = to
        return Response(status: .seeOther, headers: h)
    }
}

/// What every page's layout needs: who is signed in, the CSRF token for forms, the navigation.
struct PageChrome {
    let signedIn: Bool
    let displayName: String
    let roleName: String
    let csrf: String
    let nav: [NavItem]

    struct NavItem {
        let href: String
        let label: String
        let current: Bool
    }

    init(session: WebSession?, current: String) {
        signedIn = session?.secondFactorDone == true
        displayName = session?.viewer.displayName ?? ""
        roleName = session.map { CoreStrings.roleName($0.viewer.role) } ?? ""
        csrf = session?.csrf ?? ""
        nav =
            signedIn
            ? [
                NavItem(href: "/workbench", label: "工作台", current: current == "workbench"),
                NavItem(href: "/cases", label: "台账", current: current == "cases"),
                NavItem(href: "/supervision", label: "督办", current: current == "supervision"),
                NavItem(href: "/dashboard", label: "驾驶舱", current: current == "dashboard"),
                NavItem(href: "/groups", label: "群组", current: current == "groups"),
            ]
                + (session.map { DutyPageController.maySee($0.viewer.role) } == true
                    ? [NavItem(href: "/duty", label: "值班", current: current == "duty")] : [])
                + (session?.viewer.role == .admin ? [NavItem(href: "/admin/users", label: "账号管理", current: current == "admin")] : []) : []
    }
}

extension WeiminRequestContext {
    /// The signed-in console user and session, or nil (then `signInPath` says where to go).
    func console() -> (viewer: Viewer, web: WebSession)? {
        guard let viewer, let web else { return nil }
        return (viewer, web)
    }

    /// The sign-in page, or the code page when only the second factor is owed.
    var signInPath: String { web != nil ? "/login/code" : "/login" }
}

/// Form fields of an `application/x-www-form-urlencoded` body (`+` is a space), at most 64 KB.
enum WebForm {
    static func fields(_ request: Request) async throws -> [String: String] {
        parse(String(buffer: try await request.body.collect(upTo: 64 * 1024)))
    }

    static func parse(_ raw: String) -> [String: String] {
        var out: [String: String] = [:]
        for part in raw.split(separator: "&") {
            let kv = part.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            if kv.count == 2 { out[kv[0]] = kv[1] } else if kv.count == 1 { out[kv[0]] = "" }
        }
        return out
    }
}

/// How times read on console pages and in exports' names: Beijing time, "11月27日 09:30".
enum WebFormat {
    static func time(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "zh_CN")
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        f.dateFormat = "M月d日 HH:mm"
        return f.string(from: d)
    }
}

extension CaseOperationError {
    /// The HTTP status for each kind of refusal (the API and the console agree).
    var status: HTTPResponse.Status {
        switch self {
        case .notFound: return .notFound
        case .forbidden: return .forbidden
        case .invalid: return .badRequest
        case .conflict: return .conflict
        }
    }
}

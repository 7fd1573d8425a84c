import Foundation
import Hummingbird
import WeiminCore

/// The input rules for what every route reads as text: query parameters and console form fields. A control
/// character (NUL above all: PostgreSQL refuses it, SQLite hides what follows) is answered 400 naming the
/// field, before any route or database sees it. JSON bodies of the API are checked here too; the batch API and the
/// platform callbacks check theirs where they are parsed.
struct InputRulesMiddleware: RouterMiddleware {
    typealias Context = WeiminRequestContext
    /// Console forms are small; the routes themselves read at most 64 KB.
    static let maxFormBody = 64 * 1024

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        if let query = request.uri.query, !query.isEmpty {
            try Self.check(InputRules.formPairs(query[...]), kind: "参数")
        }
        if [.post, .put, .patch].contains(request.method),
            request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true
        {
            // Collected once and put back: the route reads the same bytes.
            let body = try await request.collectBody(upTo: Self.maxFormBody)
            try Self.check(InputRules.formPairs(String(buffer: body)[...]), kind: "表单字段")
        }
        if [.post, .put, .patch].contains(request.method),
            request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true,
            // The batch API and the platform callbacks check their own fields, naming item and field.
            !request.uri.path.hasPrefix("/api/v1/messages"), !request.uri.path.hasPrefix("/ingest/"),
            let length = request.headers[.contentLength].flatMap({ Int($0) }), length <= Self.maxJSONBody
        {
            let body = try await request.collectBody(upTo: Self.maxJSONBody)
            // Not JSON: the route says so in its own words.
            if let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView), options: [.fragmentsAllowed]) {
                try Self.checkJSON(json, path: "", depth: 0)
            }
        }
        return try await next(request, context)
    }

    /// JSON bodies of the API (case actions, notices, templates, settings, sign-in) up to the size `request.decode` reads.
    static let maxJSONBody = 2 * 1024 * 1024

    static func checkJSON(_ value: Any, path: String, depth: Int) throws {
        guard depth < 32 else { return }
        func fail(_ error: InputRules.Violation) -> HTTPError { HTTPError(.badRequest, message: "\(error)") }
        switch value {
        case let s as String:
            do { try InputRules.check(s, field: path.isEmpty ? "请求体" : "字段 \(path)") } catch { throw fail(error) }
        case let d as [String: Any]:
            for (k, v) in d {
                do { try InputRules.check(k, field: "字段名") } catch { throw fail(error) }
                try checkJSON(v, path: path.isEmpty ? k : "\(path).\(k)", depth: depth + 1)
            }
        case let a as [Any]:
            for (i, v) in a.enumerated() { try checkJSON(v, path: "\(path)[\(i)]", depth: depth + 1) }
        default: break
        }
    }

    static func check(_ pairs: [(name: String, value: String?)], kind: String) throws {
        for (name, value) in pairs {
            let shown = String(name.unicodeScalars.filter { !InputRules.isForbidden($0) }.prefix(40).map(Character.init))
            do {
                try InputRules.check(name, field: "\(kind)名")
                try InputRules.check(value ?? "", field: "\(kind) \(shown)")
            } catch {
                throw HTTPError(.badRequest, message: "\(error)")
            }
        }
    }
}

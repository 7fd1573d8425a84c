import Foundation
import Hummingbird
import WeiminCore

/// The input rules for what every route reads as text: query parameters and console form fields. A control
/// character (NUL above all: PostgreSQL refuses it, SQLite hides what follows) is answered 400 naming the
/// field, before any route or database sees it. JSON and platform bodies are checked where they are parsed.
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
        return try await next(request, context)
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

import Foundation
import Hummingbird
import WeiminPersistence

/// `GET /healthz` is liveness: 200 while the process answers and its database does. `GET /readyz` is readiness for
/// a load balancer or an integrator's monitor: 200 only when the database answers, the schema is the one this binary
/// expects, the triage model is loaded and every background service has run recently; otherwise 503 with what is
/// wrong, one line each.
struct HealthController {
    let services: AppServices

    func addRoutes(to router: Router<WeiminRequestContext>) {
        let database = services.database
        router.get("/healthz") { _, _ -> Response in
            do {
                try await database.ping()
                return Self.text(.ok, "ok\n")
            } catch {
                return Self.text(.serviceUnavailable, "database unavailable\n")
            }
        }
        router.get("/readyz") { _, _ -> Response in
            let problems = await readinessProblems()
            guard problems.isEmpty else {
                var response = Self.text(.serviceUnavailable, "not ready\n" + problems.map { "- \($0)\n" }.joined())
                response.headers[.retryAfter] = "10"
                return response
            }
            return Self.text(.ok, "ready\nweimin \(WeiminVersion.release), schema \(WeiminVersion.schema)\n")
        }
    }

    func readinessProblems(now: Date = Date()) async -> [String] {
        var problems: [String] = []
        do {
            try await services.database.ping()
            do { try await services.database.requireCurrentSchema() } catch {
                problems.append("数据库结构不是本程序所需的版本（schema \(WeiminVersion.schema)）：请运行 weimin migrate。\(error)")
            }
        } catch {
            problems.append("数据库无响应 database unavailable")
        }
        return problems + services.health.problems(now: now)
    }

    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: .init(string: body)))
    }
}

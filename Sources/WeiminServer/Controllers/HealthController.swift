import Hummingbird
import WeiminPersistence

/// `GET /healthz`: 200 once the server takes traffic and its database answers; 503 otherwise.
struct HealthController {
    let database: WeiminDatabase

    func addRoutes(to router: Router<WeiminRequestContext>) {
        router.get("/healthz") { _, _ -> Response in
            do {
                try await database.ping()
                return Response(
                    status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: .init(string: "ok\n")))
            } catch {
                return Response(
                    status: .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                    body: .init(byteBuffer: .init(string: "database unavailable\n")))
            }
        }
    }
}

import Foundation
import Hummingbird
import Logging
import Metrics
import Synchronization

/// What inner middleware learned about a request, for the request log outside them (contexts are copied inward).
public final class RequestTrace: Sendable {
    private let who = Mutex<UUID?>(nil)
    public var staff: UUID? {
        get { who.withLock { $0 } }
        set { who.withLock { $0 = newValue } }
    }
}

/// One log line per request — method, route pattern, status, milliseconds, staff id — and the HTTP metrics. Never
/// the query string or the body: tokens of bridges travel in query strings, and bodies carry villagers' words.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = WeiminRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status.code, since: started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(request, context, status: status, since: started)
            throw error
        }
    }

    func record(_ request: Request, _ context: Context, status: Int, since started: ContinuousClock.Instant) {
        let took = ContinuousClock.now - started
        // The pattern (/api/v1/cases/{id}), not the path: ids would make every case its own series.
        let route = context.endpointPath ?? "unmatched"
        let method = request.method.rawValue
        Counter(label: "weimin_http_requests_total", dimensions: [("method", method), ("route", route), ("status", "\(status)")])
            .increment()
        Timer(label: "weimin_http_request_duration_seconds", dimensions: [("method", method), ("route", route)]).record(duration: took)
        let ms = Double(took.components.seconds) * 1000 + Double(took.components.attoseconds) / 1e15
        var metadata: Logger.Metadata = [
            "method": "\(method)", "route": "\(route)", "status": "\(status)", "ms": "\(String(format: "%.1f", ms))",
        ]
        if let staff = context.trace.staff { metadata["staff"] = "\(staff)" }
        logger.info("request", metadata: metadata)
    }
}

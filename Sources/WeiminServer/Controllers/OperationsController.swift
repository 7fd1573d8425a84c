import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Prometheus
import Synchronization
import WeiminPersistence

/// `GET /metrics` (Prometheus text) and `GET /api/v1/openapi.json` (the API's contract).
///
/// Metrics say how many cases each township has open and how sign-ins fail: they are answered only to this machine
/// (a Prometheus agent beside Weimin) or to a scraper that sends `Authorization: Bearer` with `metrics.token`
/// (`WEIMIN_METRICS_TOKEN`). A request relayed by a local reverse proxy carries X-Forwarded-For or X-Real-IP and is
/// not "this machine".
struct OperationsController {
    let services: AppServices

    func addRoutes(to router: Router<WeiminRequestContext>) {
        let services = services
        router.get("/metrics") { request, context -> Response in
            guard Self.mayScrape(request, context, token: services.config.metricsToken) else {
                return Response(
                    status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"],
                    body: .init(
                        byteBuffer: .init(
                            string:
                                "指标只对本机或携带 metrics.token（WEIMIN_METRICS_TOKEN）的请求开放 metrics are served to loopback or with the metrics token\n"
                        )))
            }
            await Self.refreshGauges(services)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: services.metrics.exposition())))
        }
        router.get("/api/v1/openapi.json") { _, _ -> Response in
            guard let document = Self.openAPIDocument else { throw HTTPError(.notFound, message: "接口说明文件缺失（安装不完整）") }
            return Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "max-age=300"],
                body: .init(byteBuffer: ByteBuffer(bytes: document)))
        }
    }

    static let openAPIDocument: [UInt8]? = Bundle.module.url(forResource: "openapi", withExtension: "json")
        .flatMap { try? Data(contentsOf: $0) }.map { [UInt8]($0) }

    static func mayScrape(_ request: Request, _ context: WeiminRequestContext, token: String?) -> Bool {
        if let token, !token.isEmpty, let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            let given = Data(header.dropFirst("Bearer ".count).utf8)
            // Compare digests, so the time taken says nothing about how much of the token matched.
            return Data(SHA256.hash(data: given)) == Data(SHA256.hash(data: Data(token.utf8)))
        }
        let relayed = ["X-Forwarded-For", "X-Real-IP", "Forwarded"].contains { request.headers[HTTPField.Name($0)!] != nil }
        guard let peer = context.peerAddress, !relayed else { return false }
        return peer == "127.0.0.1" || peer == "::1" || peer.hasPrefix("127.")
    }

    static let seenTownships = Mutex<Set<String>>([])

    /// Gauges read at scrape time: outbox by status, open and overdue cases by township.
    static func refreshGauges(_ services: AppServices) async {
        let registry = services.metrics.registry
        // A round trip through the pool at scrape time: when connections are scarce, the wait shows here first.
        let started = ContinuousClock.now
        let answered = (try? await services.database.ping()) != nil
        let took = ContinuousClock.now - started
        registry.makeGauge(
            name: "weimin_db_roundtrip_seconds", labels: [],
            help: "Seconds to take a pooled connection and run SELECT 1 at the last scrape (pool wait included)"
        ).set(Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18)
        registry.makeGauge(name: "weimin_db_up", labels: [], help: "1 when the database answered at the last scrape")
            .set(answered ? 1.0 : 0.0)
        guard let readings = try? await OperationsReadings(database: services.database).read() else { return }
        for status in Set(["pending", "claimed", "sending", "uncertain", "unbound", "failed", "delivered"]).union(readings.outbox.keys) {
            registry.makeGauge(
                name: "weimin_outbox_items", labels: [("status", status)], help: "Outbox items by status (pending is the backlog)"
            ).set(Double(readings.outbox[status] ?? 0))
        }
        // A township whose last open case closed must read 0, not its last count.
        let townships = seenTownships.withLock { seen in
            seen.formUnion(readings.open.keys)
            return seen
        }
        for township in townships {
            let n = readings.open[township] ?? 0
            registry.makeGauge(name: "weimin_cases_open", labels: [("township", township)], help: "Open cases by township code")
                .set(Double(n))
            registry.makeGauge(
                name: "weimin_cases_overdue", labels: [("township", township)], help: "Open cases past their deadline by township code"
            ).set(Double(readings.overdue[township] ?? 0))
        }
    }
}

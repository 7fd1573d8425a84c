import Foundation
import Logging
import OTel
import ServiceLifecycle

/// Optional tracing: with `tracing.endpoint` set, each request becomes a span exported over OTLP/HTTP to the
/// county's collector (Jaeger, Tempo, an OpenTelemetry Collector). Metrics stay with Prometheus (`/metrics`) and logs
/// on standard error, so only traces are bootstrapped here.
public enum Tracing {
    static let redactedQueryParameters: Set<String> = [
        "token", "access_token", "key", "q", "msg_signature", "signature", "sign", "nonce", "timestamp", "echostr",
    ]

    /// The exporter's background service, or nil when tracing is off.
    public static func service(config: WeiminConfig, logger: Logger) throws -> (any Service)? {
        guard let endpoint = config.tracingEndpoint else { return nil }
        var otel = OTel.Configuration.default
        otel.serviceName = "weimin"
        otel.resourceAttributes = ["service.version": WeiminVersion.release]
        otel.metrics.enabled = false
        otel.logs.enabled = false
        otel.traces.exporter = .otlp
        otel.traces.otlpExporter.protocol = .httpProtobuf
        otel.traces.otlpExporter.endpoint = endpoint
        otel.diagnosticLogger = .custom(logger)
        otel.diagnosticLogLevel = .warning
        logger.info("tracing on", metadata: ["endpoint": "\(endpoint)"])
        return try OTel.bootstrap(configuration: otel)
    }
}

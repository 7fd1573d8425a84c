import CoreMetrics
import Foundation
import Metrics
import Prometheus
import Synchronization
import WeiminCore
import WeiminPersistence

/// The process's metrics, in Prometheus's text format at `GET /metrics`. Code everywhere records through the
/// swift-metrics API (`Counter`, `Timer`, `Gauge` with a `weimin_` label); the factory bootstrapped here keeps them in
/// one registry. swift-metrics is bootstrapped once per process, so this is one shared instance.
public final class WeiminMetrics: Sendable {
    public static let shared = WeiminMetrics()

    public let registry: PrometheusCollectorRegistry
    private let bootstrapped: Bool

    private init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Seconds from a message stored to its decision, and from a pass to the commit: minutes matter for the first.
        factory.durationHistogramBuckets["weimin_triage_lag_seconds"] = [
            .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30),
            .seconds(60), .seconds(300), .seconds(1800), .seconds(7200),
        ]
        factory.durationHistogramBuckets["weimin_ingest_commit_seconds"] = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5),
        ]
        bootstrapped = MetricsBootstrap.once(factory)
        if bootstrapped { Self.startAtZero() }
        // Which build answers, for dashboards that span an upgrade.
        registry.makeGauge(
            name: "weimin_build_info", labels: [("version", WeiminVersion.release), ("schema", "\(WeiminVersion.schema)")],
            help: "The running release and database schema (always 1)"
        ).set(1.0)
    }

    /// Counters appear at their first event otherwise: a restart would hide the first events from rate(), and an
    /// alert on a burst of wrong passwords just after a restart would never fire. The known series start at 0.
    static func startAtZero() {
        for source in IngestStore.kinds {
            for outcome in ["stored", "duplicate", "quarantined", "echo", "refused"] {
                Counter(label: "weimin_messages_total", dimensions: [("source", source), ("outcome", outcome)]).increment(by: 0)
            }
        }
        for channel in ["api", "console"] {
            for reason in ["wrong", "locked", "throttled", "wrong_code", "not_allowed", "invalid_token"] {
                Counter(label: "weimin_signin_refused_total", dimensions: [("channel", channel), ("reason", reason)]).increment(by: 0)
            }
        }
        for category in Category.allCases where category.isActionable {
            Counter(label: "weimin_cases_opened_total", dimensions: [("category", category.rawValue)]).increment(by: 0)
        }
        for kind in Robot.Kind.allCases {
            for result in ["delivered", "retried", "failed", "refused"] {
                Counter(label: "weimin_outbox_sends_total", dimensions: [("platform", kind.rawValue), ("result", result)]).increment(by: 0)
            }
        }
    }

    /// The registry's text, with gauges read from the database just before (`refresh`).
    public func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 * 1024)
        registry.emit(into: &buffer)
        return buffer
    }

    /// Whether swift-metrics reports here (false only when something else bootstrapped it first).
    public var recording: Bool { bootstrapped }
}

/// swift-metrics' bootstrap may run once per process.
private enum MetricsBootstrap {
    static let done = Mutex(false)

    static func once(_ factory: PrometheusMetricsFactory) -> Bool {
        done.withLock { done in
            guard !done else { return false }
            MetricsSystem.bootstrap(factory)
            done = true
            return true
        }
    }
}

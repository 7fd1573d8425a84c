import Foundation
import Metrics
import Logging
import ServiceLifecycle
import WeiminApp
import WeiminCore
import WeiminPersistence

/// The deadline scan (跟踪督办), every minute by default. Safe with several instances on one database:
/// a lease lets one instance scan at a time, and every order is unique per case clock and rung.
public struct SupervisionService: Service {
    let store: SupervisionStore
    let policy: SupervisionPolicy
    let interval: Duration
    let now: @Sendable () -> Date
    let holder: String
    let logger: Logger
    let health: ServiceHealth

    public init(services: AppServices, interval: Duration = .seconds(60), now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = services.supervision
        self.policy = SupervisionPolicy(calendar: services.workflow.calendar, rules: services.workflow.rules)
        self.interval = interval
        self.now = now
        self.holder = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        self.logger = services.logger
        self.health = services.health
    }

    public func scanOnce() async throws -> SupervisionStore.ScanResult {
        // The lease outlives one interval a little, so a crashed holder is replaced within two.
        let seconds = Double(interval.components.seconds) * 1.5 + 5
        return try await ScanSupervision(store: store, policy: policy).run(now: now(), holder: holder, leaseSeconds: seconds)
    }

    public func run() async throws {
        // Graceful shutdown cancels the sleep; that is the normal end of this service, not an error (SIGTERM exits 0).
        try await endingQuietlyOnShutdown {
            try await cancelWhenGracefulShutdown {
                var lastCalendarCheck = Date.distantPast
                while !Task.isCancelled {
                    // Once a day: from November, remind that next year's holiday calendar is missing.
                    if now().timeIntervalSince(lastCalendarCheck) > 86400 {
                        lastCalendarCheck = now()
                        let today = policy.calendar.local(lastCalendarCheck).date
                        if let year = policy.calendar.holidays.missingNextYear(today: today) {
                            logger.warning("尚未导入 \(year) 年节假日安排：国务院公布后请运行 weimin calendar load \(year).json")
                        }
                    }
                    do {
                        let r = try await scanOnce()
                        if r.ran, !r.issued.isEmpty {
                            logger.info(
                                "supervision scan",
                                metadata: [
                                    "cases": "\(r.casesChecked)", "warnings": "\(r.issued[.warning] ?? 0)",
                                    "orders": "\(r.issued[.order] ?? 0)", "notices": "\(r.issued[.notice] ?? 0)",
                                ])
                        }
                        for (kind, n) in r.issued where n > 0 {
                            Counter(label: "weimin_supervision_issued_total", dimensions: [("kind", "\(kind)")]).increment(by: n)
                        }
                        health.passed("supervision")
                    } catch {
                        logger.error("supervision scan failed", metadata: ["error": "\(String(reflecting: error))"])
                        health.failed("supervision", error: "\(error)")
                    }
                    try await Task.sleep(for: interval)
                }
            }
        }
    }
}

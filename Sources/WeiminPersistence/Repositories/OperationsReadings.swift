import Foundation
import SQLKit
import WeiminCore

/// What `/metrics` reads from the database at each scrape: a few grouped counts, cheap with the existing indexes.
public struct OperationsReadings: Sendable {
    let database: WeiminDatabase

    public init(database: WeiminDatabase) {
        self.database = database
    }

    public struct Readings: Sendable {
        /// Outbox items by platform-neutral status (pending, sending, delivered, failed, unbound…).
        public var outbox: [String: Int] = [:]
        /// Open cases, and those of them past their deadline, by township code ("county" for county-level cases).
        public var open: [String: Int] = [:]
        public var overdue: [String: Int] = [:]
    }

    public func read(now: Date = Date()) async throws -> Readings {
        var readings = Readings()
        for r in try await database.sql.raw("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status").all() {
            readings.outbox[try r.decode(column: "status", as: String.self)] = try r.decode(column: "n", as: Int.self)
        }
        let open = CaseState.allCases.filter(\.isOpen).map(\.rawValue)
        // A suspended case's clock is stopped: it is open, never overdue.
        let running = open.filter { $0 != CaseState.suspended.rawValue }
        let rows = try await database.sql.raw(
            """
            SELECT township_code,
                   COUNT(*) AS n,
                   SUM(CASE WHEN due_at IS NOT NULL AND due_at < \(bind: now) AND state IN (\(binds: running)) THEN 1 ELSE 0 END) AS late
            FROM cases WHERE state IN (\(binds: open)) GROUP BY township_code
            """
        ).all()
        for r in rows {
            // County-level cases have no township; an empty label would vanish in Prometheus.
            let township = try r.decode(column: "township_code", as: String?.self) ?? "county"
            readings.open[township, default: 0] += try r.decode(column: "n", as: Int.self)
            readings.overdue[township, default: 0] += try r.decode(column: "late", as: Int?.self) ?? 0
        }
        return readings
    }
}

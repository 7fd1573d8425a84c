import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// A supervision order as the API shows it.
public struct SupervisionOrder: Sendable, Codable, Hashable {
    public var id: UUID
    public var level: SupervisionLevel
    public var step: String
    public var caseNumber: String?
    public var departmentID: UUID?
    public var townshipCode: String?
    public var dueAt: Date?
    public var overdueMinutes: Int
    public var message: String
    /// Who it is addressed to, in words: the department, the township leader, the leading group.
    public var recipients: String
    public var issuedAt: Date
}

/// The supervision scan's reads and writes (leases, watched cases, orders exactly once); the scan itself is the
/// `ScanSupervision` use case (WeiminApp).
public struct SupervisionStore: Sendable {
    let database: WeiminDatabase

    public init(database: WeiminDatabase) { self.database = database }

    public struct ScanResult: Sendable, Equatable {
        /// False when another instance holds the lease: this one did nothing.
        public var ran: Bool
        public var casesChecked: Int
        public var issued: [SupervisionLevel: Int]

        public init(ran: Bool, casesChecked: Int, issued: [SupervisionLevel: Int]) {
            self.ran = ran
            self.casesChecked = casesChecked
            self.issued = issued
        }
    }

    /// Takes (or renews) a named lease until `until`; true if this holder has it. One statement, so two
    /// instances racing for it cannot both win, on SQLite or PostgreSQL.
    public func acquireLease(_ name: String, holder: String, now: Date, for seconds: TimeInterval) async throws -> Bool {
        let until = now.addingTimeInterval(seconds)
        let rows = try await database.sql.raw(
            """
            INSERT INTO service_leases (name, holder, until) VALUES (\(bind: name), \(bind: holder), \(bind: until))
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
            WHERE service_leases.until < \(bind: now) OR service_leases.holder = excluded.holder
            RETURNING holder
            """
        ).all()
        return !rows.isEmpty
    }

    /// Gives a lease back early, so the next instance need not wait for it to run out.
    public func releaseLease(_ name: String, holder: String, at now: Date) async throws {
        try await database.sql.raw("UPDATE service_leases SET until = \(bind: now) WHERE name = \(bind: name) AND holder = \(bind: holder)")
            .run()
    }

    /// Runs `body` while holding the named lease, and gives it back after (also when `body` throws); nil
    /// when another instance holds it.
    public func withLease<T: Sendable>(
        _ name: String, holder: String, now: Date, for seconds: TimeInterval,
        _ body: () async throws -> T
    ) async throws -> T? {
        guard try await acquireLease(name, holder: holder, now: now, for: seconds) else { return nil }
        do {
            let result = try await body()
            try await releaseLease(name, holder: holder, at: now)
            return result
        } catch {
            try? await releaseLease(name, holder: holder, at: now)
            throw error
        }
    }

    /// Cases the scan looks at, by number after `number` (keyset paging: stable while rows change under it): every open
    /// case, petitions waiting for 复查/复核, and acceptances not yet notified.
    public func watchedCases(after number: String, limit: Int = 500) async throws -> [Case] {
        let open = CaseState.allCases.filter(\.isOpen).map(\.rawValue)
        return try await CaseModel.query(on: database.db)
            .filter(\.$number > number)
            .group(.or) { g in
                g.filter(\.$state ~~ open)
                g.filter(\.$petitionStage ~~ [PetitionStage.reviewRequested.rawValue, PetitionStage.recheckRequested.rawValue])
                g.group(.and) { $0.filter(\.$acceptanceDueAt != nil).filter(\.$acceptanceNotifiedAt == nil) }
            }
            .sort(\.$number).limit(limit).all().map { try $0.toCore() }
    }

    /// The dedupe keys of the orders already issued for these cases.
    public func issuedKeys(caseIDs: [UUID]) async throws -> Set<String> {
        Set(try await SupervisionOrderModel.query(on: database.db).filter(\.$caseID ~~ caseIDs).all().map(\.dedupeKey))
    }

    public func departmentNames() async throws -> [UUID: String] {
        Dictionary(uniqueKeysWithValues: try await DepartmentModel.query(on: database.db).all().map { ($0.id!, $0.name) })
    }

    /// Townships' names by code, for the words of an order ("长潭河乡主要负责人", not a code).
    public func townshipNames() async throws -> [String: String] {
        Dictionary(try await RegionModel.query(on: database.db).filter(\.$level == "township").all().map { ($0.id ?? "", $0.name) }) {
            a, _ in a
        }
    }

    /// An order on a case, as the scan decided it.
    public struct CaseOrder: Sendable {
        public var finding: SupervisionFinding
        public var key: String
        public var recipients: String
        public var eventNote: String
        /// Template values for the group's `supervision` message, or nil when the group is told nothing.
        public var groupValues: [String: String]?

        public init(finding: SupervisionFinding, key: String, recipients: String, eventNote: String, groupValues: [String: String]?) {
            self.finding = finding
            self.key = key
            self.recipients = recipients
            self.eventNote = eventNote
            self.groupValues = groupValues
        }
    }

    /// Stores one order, its case event and (when there are group values) the group's message in one transaction;
    /// false if the order already existed or the case changed under it (the next scan retries).
    public func issue(_ order: CaseOrder, on c: Case, at now: Date) async throws -> Bool {
        let f = order.finding
        do {
            return try await database.writing { db in
                let inserted = try await Self.insertOrder(
                    on: db as! any SQLDatabase, county: c.countyCode.rawValue, township: c.townshipCode?.rawValue, caseID: c.id,
                    department: c.departmentID, level: f.level, step: f.step, key: order.key, dueAt: f.dueAt,
                    overdueMinutes: f.overdueMinutes,
                    message: f.message, recipients: order.recipients, at: now)
                guard inserted, let row = try await CaseModel.find(c.id, on: db), let number = CaseNumber(row.number) else { return false }
                try await CaseStore.appendEvent(
                    caseRow: row, number: number, actor: .system, action: "supervise", from: nil, to: nil,
                    note: order.eventNote, at: now, on: db)
                if let values = order.groupValues, let group = row.groupID {
                    let text = try await CaseReplies.templates(on: db).render(.supervision, values)
                    try await OutboxStore.enqueue(
                        on: db, county: row.countyCode, groupID: group, causeKey: "supervise:\(order.key)", kind: .supervision,
                        caseID: row.id, text: text, at: now)
                }
                return true
            }
        } catch {
            // A concurrent change to the case (its event sequence) wins; the next scan retries this one.
            return false
        }
    }

    /// This month's 督办单 on handling clocks, by department (what a department 通报 counts).
    public func handlingOrdersByDepartment(since: Date) async throws -> [UUID: (county: String, count: Int)] {
        let orders = try await SupervisionOrderModel.query(on: database.db)
            .filter(\.$level == SupervisionLevel.order.rawValue).filter(\.$step == DeadlineStep.handling.rawValue)
            .filter(\.$issuedAt >= since).filter(\.$departmentID != nil).all()
        return Dictionary(grouping: orders, by: { $0.departmentID! }).mapValues { (county: $0[0].countyCode, count: $0.count) }
    }

    /// A department's 通报 (no case); false if this month's was already issued.
    public func issueDepartmentNotice(
        county: String, department: UUID, key: String, message: String, recipients: String,
        at now: Date
    ) async throws -> Bool {
        try await Self.insertOrder(
            on: database.sql, county: county, township: nil, caseID: nil, department: department, level: .notice,
            step: .handling, key: key, dueAt: nil, overdueMinutes: 0, message: message, recipients: recipients, at: now)
    }

    /// Inserts an order unless its dedupe key exists; true if this call stored it.
    static func insertOrder(
        on sql: any SQLDatabase, county: String, township: String?, caseID: UUID?, department: UUID?, level: SupervisionLevel,
        step: DeadlineStep, key: String, dueAt: Date?, overdueMinutes: Int, message: String, recipients: String, at now: Date
    ) async throws -> Bool {
        try await !sql.raw(
            """
            INSERT INTO supervision_orders (id, county_code, township_code, case_id, department_id, level, step, dedupe_key, due_at, overdue_minutes, message, recipients, issued_at)
            VALUES (\(bind: UUID()), \(bind: county), \(bind: township), \(bind: caseID), \(bind: department), \(bind: level.rawValue),
                    \(bind: step.rawValue), \(bind: key), \(bind: dueAt), \(bind: overdueMinutes), \(bind: message), \(bind: recipients), \(bind: now))
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id
            """
        ).all().isEmpty
    }

    /// Orders the viewer should see, newest first: handlers their department's, township cadres their township's,
    /// supervisors and leaders all in scope; an order about a case only if the viewer may see that case (sealed cases'
    /// orders only for discipline, recusals respected). Visibility is in the SQL, so pages are full and `total` exact.
    public func orders(for v: Viewer, level: SupervisionLevel? = nil, page: Int = 1, perPage: Int = 50) async throws
        -> WeiminCore.Page<SupervisionOrder>
    {
        let sql = database.sql
        var w = SQLQueryString(" WHERE 1 = 1")
        switch v.region.scopePrefix.count {
        case 6:
            w.appendInterpolation(unsafeRaw: " AND county_code = ")
            w.appendInterpolation(bind: v.region.rawValue)
        case 9, 12:
            w.appendInterpolation(unsafeRaw: " AND township_code = ")
            w.appendInterpolation(bind: v.region.townshipCode?.rawValue ?? v.region.rawValue)
        default:
            w.appendInterpolation(unsafeRaw: " AND county_code >= ")
            w.appendInterpolation(bind: v.region.scopePrefix)
            w.appendInterpolation(unsafeRaw: " AND county_code < ")
            w.appendInterpolation(bind: ScopeFilter.upperBound(of: v.region.scopePrefix))
        }
        if v.role == .departmentHandler {
            w.appendInterpolation(unsafeRaw: " AND department_id = ")
            w.appendInterpolation(bind: v.departmentID ?? UUID())
        }
        if let level {
            w.appendInterpolation(unsafeRaw: " AND level = ")
            w.appendInterpolation(bind: level.rawValue)
        }
        w.appendInterpolation(unsafeRaw: " AND (case_id IS NULL OR case_id IN (SELECT id FROM cases")
        w += FluentCaseRepository.ledgerWhere(CaseQuery(), v.caseVisibility, sqlite: sql.dialect.name == "sqlite")
        w.appendInterpolation(unsafeRaw: "))")

        var count = SQLQueryString("SELECT COUNT(*) AS n FROM supervision_orders")
        count += w
        let total = try await sql.raw(count).first()?.decode(column: "n", as: Int.self) ?? 0
        let per = min(max(perPage, 1), CaseQuery.maxPerPage)
        let page = max(page, 1)
        var select = SQLQueryString("SELECT id FROM supervision_orders")
        select += w
        select.appendInterpolation(unsafeRaw: " ORDER BY issued_at DESC, id LIMIT \(per) OFFSET \((page - 1) * per)")
        let ids = try await sql.raw(select).all().map { try $0.decode(column: "id", as: UUID.self) }
        let db = database.db
        let rows = ids.isEmpty ? [] : try await SupervisionOrderModel.query(on: db).filter(\.$id ~~ ids).all()
        let byID = Dictionary(rows.map { ($0.id!, $0) }) { a, _ in a }
        let caseIDs = rows.compactMap(\.caseID)
        let numbers =
            caseIDs.isEmpty
            ? [:] : Dictionary(try await CaseModel.query(on: db).filter(\.$id ~~ caseIDs).all().map { ($0.id!, $0.number) }) { a, _ in a }
        let items = ids.compactMap { byID[$0] }.map { r in
            SupervisionOrder(
                id: r.id!, level: SupervisionLevel(rawValue: r.level) ?? .warning, step: r.step,
                caseNumber: r.caseID.flatMap { numbers[$0] },
                departmentID: r.departmentID, townshipCode: r.townshipCode, dueAt: r.dueAt, overdueMinutes: r.overdueMinutes,
                message: r.message, recipients: r.recipients, issuedAt: r.issuedAt)
        }
        return WeiminCore.Page(items: items, page: page, perPage: per, total: total)
    }

    /// The newest `limit` orders the viewer should see (the workbench's short list).
    public func orders(for v: Viewer, level: SupervisionLevel? = nil, limit: Int) async throws -> [SupervisionOrder] {
        try await orders(for: v, level: level, page: 1, perPage: limit).items
    }
}

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

/// Runs the supervision scan and stores what it finds, exactly once.
public struct SupervisionStore: Sendable {
    let database: WeiminDatabase

    public init(database: WeiminDatabase) { self.database = database }

    public struct ScanResult: Sendable, Equatable {
        /// False when another instance holds the lease: this one did nothing.
        public var ran: Bool
        public var casesChecked: Int
        public var issued: [SupervisionLevel: Int]
    }

    /// Takes (or renews) a named lease until `until`; true if this holder has it. One statement, so two
    /// instances racing for it cannot both win, on SQLite or PostgreSQL.
    public func acquireLease(_ name: String, holder: String, now: Date, for seconds: TimeInterval) async throws -> Bool {
        let until = now.addingTimeInterval(seconds)
        let rows = try await database.sql.raw("""
            INSERT INTO service_leases (name, holder, until) VALUES (\(bind: name), \(bind: holder), \(bind: until))
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
            WHERE service_leases.until < \(bind: now) OR service_leases.holder = excluded.holder
            RETURNING holder
            """).all()
        return !rows.isEmpty
    }

    /// Gives a lease back early, so the next instance need not wait for it to run out.
    public func releaseLease(_ name: String, holder: String, at now: Date) async throws {
        try await database.sql.raw("UPDATE service_leases SET until = \(bind: now) WHERE name = \(bind: name) AND holder = \(bind: holder)").run()
    }

    /// Runs `body` while holding the named lease, and gives it back after (also when `body` throws); nil
    /// when another instance holds it.
    public func withLease<T: Sendable>(_ name: String, holder: String, now: Date, for seconds: TimeInterval,
                                       _ body: () async throws -> T) async throws -> T? {
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

    /// One scan: every case with a running clock, every new rung stored with its case event and
    /// recipients, then department notices (三件超期).
    public func scan(policy: SupervisionPolicy, now: Date, holder: String, leaseSeconds: TimeInterval = 50) async throws -> ScanResult {
        guard try await acquireLease("supervision", holder: holder, now: now, for: leaseSeconds) else {
            return ScanResult(ran: false, casesChecked: 0, issued: [:])
        }
        var result = ScanResult(ran: true, casesChecked: 0, issued: [:])
        let db = database.db
        let open = CaseState.allCases.filter(\.isOpen).map(\.rawValue)
        let deptNames = Dictionary(uniqueKeysWithValues: try await DepartmentModel.query(on: db).all().map { ($0.id!, $0.name) })
        var lastNumber = ""
        while true {
            // Keyset paging by number: stable while rows change under us.
            let rows = try await CaseModel.query(on: db)
                .filter(\.$number > lastNumber)
                .group(.or) { g in
                    g.filter(\.$state ~~ open)
                    g.filter(\.$petitionStage ~~ [PetitionStage.reviewRequested.rawValue, PetitionStage.recheckRequested.rawValue])
                    g.group(.and) { $0.filter(\.$acceptanceDueAt != nil).filter(\.$acceptanceNotifiedAt == nil) }
                }
                .sort(\.$number).limit(500).all()
            guard let last = rows.last else { break }
            lastNumber = last.number
            result.casesChecked += rows.count
            let dueIDs = rows.compactMap(\.id)
            let existing = Set(try await SupervisionOrderModel.query(on: db).filter(\.$caseID ~~ dueIDs).all().map(\.dedupeKey))
            for row in rows {
                let c = try row.toCore()
                for f in policy.findings(for: c, at: now) {
                    let key = "case:\(c.id.uuidString):\(f.step.rawValue):\(f.level.rawValue):\(f.clockKey)"
                    guard !existing.contains(key) else { continue }
                    if try await record(f, key: key, case: row, departmentName: c.departmentID.flatMap { deptNames[$0] }, at: now) {
                        result.issued[f.level, default: 0] += 1
                    }
                }
            }
        }
        let notices = try await departmentNotices(policy: policy, now: now, names: deptNames)
        if notices > 0 { result.issued[.notice, default: 0] += notices }
        return result
    }

    /// Stores one finding and its case event in one transaction; false if it already existed.
    func record(_ f: SupervisionFinding, key: String, case row: CaseModel, departmentName: String?, at now: Date) async throws -> Bool {
        guard let number = CaseNumber(row.number) else { return false }
        var recipients: [String] = []
        if let departmentName { recipients.append(departmentName) }
        if let t = row.townshipCode { recipients.append("乡镇主要负责人（\(t)）") }
        if f.level == .notice { recipients.append("县领导小组") }
        if recipients.isEmpty { recipients.append("县受理中心") }
        let to = recipients.joined(separator: "、")
        do {
            return try await database.db.transaction { db in
                let inserted = try await Self.insertOrder(
                    on: db as! any SQLDatabase, county: row.countyCode, township: row.townshipCode, caseID: row.id, department: row.departmentID,
                    level: f.level, step: f.step, key: key, dueAt: f.dueAt, overdueMinutes: f.overdueMinutes, message: f.message, recipients: to, at: now)
                guard inserted else { return false }
                try await CaseStore.appendEvent(
                    caseRow: row, number: number, actor: .system, action: "supervise", from: nil, to: nil,
                    note: "\(f.level.chineseName)：\(f.message)（送：\(to)）", at: now, on: db)
                try await Self.tellGroup(f, key: key, case: row, departmentName: departmentName, on: db, at: now)
                return true
            }
        } catch {
            // A concurrent change to the case (its event sequence) wins; the next scan retries this one.
            return false
        }
    }

    /// A 督办单 or 通报 on a villager's case is also said in the group it came from, so the villager sees
    /// the county chasing it (a 预警 is internal). Never for sealed cases.
    static func tellGroup(_ f: SupervisionFinding, key: String, case row: CaseModel, departmentName: String?, on db: any Database, at now: Date) async throws {
        guard f.level != .warning, !row.sealed, let group = row.groupID else { return }
        let text = try await CaseReplies.templates(on: db).render(.supervision, [
            "case_number": row.number, "title": row.title, "department": departmentName ?? "承办单位",
            "level": f.level == .order ? "超期督办" : "超期通报",
        ])
        try await OutboxStore.enqueue(
            on: db, county: row.countyCode, groupID: group, causeKey: "supervise:\(key)", kind: .supervision, caseID: row.id, text: text, at: now)
    }

    /// Inserts an order unless its dedupe key exists; true if this call stored it.
    static func insertOrder(
        on sql: any SQLDatabase, county: String, township: String?, caseID: UUID?, department: UUID?, level: SupervisionLevel,
        step: DeadlineStep, key: String, dueAt: Date?, overdueMinutes: Int, message: String, recipients: String, at now: Date
    ) async throws -> Bool {
        try await !sql.raw("""
            INSERT INTO supervision_orders (id, county_code, township_code, case_id, department_id, level, step, dedupe_key, due_at, overdue_minutes, message, recipients, issued_at)
            VALUES (\(bind: UUID()), \(bind: county), \(bind: township), \(bind: caseID), \(bind: department), \(bind: level.rawValue),
                    \(bind: step.rawValue), \(bind: key), \(bind: dueAt), \(bind: overdueMinutes), \(bind: message), \(bind: recipients), \(bind: now))
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id
            """).all().isEmpty
    }

    /// 通报 for a department whose overdue cases this month reach the threshold; once per department and month.
    func departmentNotices(policy: SupervisionPolicy, now: Date, names: [UUID: String]) async throws -> Int {
        let today = policy.calendar.local(now).date.components
        guard let monthStart = LocalDate(year: today.year, month: today.month, day: 1) else { return 0 }
        let from = policy.calendar.instant(monthStart, minute: 0)
        let orders = try await SupervisionOrderModel.query(on: database.db)
            .filter(\.$level == SupervisionLevel.order.rawValue).filter(\.$step == DeadlineStep.handling.rawValue)
            .filter(\.$issuedAt >= from).filter(\.$departmentID != nil).all()
        var issued = 0
        for (dept, list) in Dictionary(grouping: orders, by: { $0.departmentID! }) where list.count >= policy.departmentNoticeThreshold {
            let month = String(format: "%04d-%02d", today.year, today.month)
            let key = "dept:\(dept.uuidString):\(month)"
            let name = names[dept] ?? "部门"
            if try await Self.insertOrder(
                on: database.sql, county: list[0].countyCode, township: nil, caseID: nil, department: dept, level: .notice, step: .handling,
                key: key, dueAt: nil, overdueMinutes: 0, message: "\(name) \(month) 已有 \(list.count) 件工单超期，予以通报",
                recipients: "县领导小组、\(name)", at: now)
            {
                issued += 1
            }
        }
        return issued
    }

    /// Orders the viewer should see: handlers their department's, township cadres their township's,
    /// supervisors and leaders all in scope. Sealed cases' orders only for discipline.
    public func orders(for v: Viewer, level: SupervisionLevel? = nil, limit: Int = 100) async throws -> [SupervisionOrder] {
        let db = database.db
        let q = SupervisionOrderModel.query(on: db)
        switch v.region.scopePrefix.count {
        case 6: q.filter(\.$countyCode == v.region.rawValue)
        case 9, 12: q.filter(\.$townshipCode == (v.region.townshipCode?.rawValue ?? v.region.rawValue))
        default: q.filter(\.$countyCode >= v.region.scopePrefix).filter(\.$countyCode < ScopeFilter.upperBound(of: v.region.scopePrefix))
        }
        if v.role == .departmentHandler { q.filter(\.$departmentID == (v.departmentID ?? UUID())) }
        if let level { q.filter(\.$level == level.rawValue) }
        let rows = try await q.sort(\.$issuedAt, .descending).limit(limit * 2).all()
        let caseIDs = rows.compactMap(\.caseID)
        let cases = caseIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try await CaseModel.query(on: db).filter(\.$id ~~ caseIDs).all().map { ($0.id!, $0) })
        // Only sealed cases carry recusals, and only the discipline role sees them.
        let recused = v.caseVisibility.includeSealed
            ? Set(try await CaseRecusalModel.query(on: db).filter(\.$username == v.username).all().map(\.caseID)) : []
        return rows.compactMap { r -> SupervisionOrder? in
            if let cid = r.caseID {
                guard let c = cases[cid], let core = try? c.toCore(), v.caseVisibility.allows(core), !recused.contains(cid) else { return nil }
            }
            return SupervisionOrder(
                id: r.id!, level: SupervisionLevel(rawValue: r.level) ?? .warning, step: r.step, caseNumber: r.caseID.flatMap { cases[$0]?.number },
                departmentID: r.departmentID, townshipCode: r.townshipCode, dueAt: r.dueAt, overdueMinutes: r.overdueMinutes, message: r.message,
                recipients: r.recipients, issuedAt: r.issuedAt)
        }.prefix(limit).map { $0 }
    }
}

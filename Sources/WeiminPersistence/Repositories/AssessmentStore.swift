import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// The figures behind the dashboard and the monthly assessment, read with a few aggregate queries. Sealed
/// cases are never counted here: the dashboard is seen by everyone assessed.
public struct AssessmentStore: Sendable {
    let database: WeiminDatabase

    public init(database: WeiminDatabase) { self.database = database }

    static let weightsKey = "assessment.weights"

    /// The county's score weights (the defaults until an administrator sets them).
    public func weights() async throws -> AssessmentWeights {
        guard let raw = try await Settings.value(Self.weightsKey, on: database.sql),
            let w = try? JSONDecoder().decode(AssessmentWeights.self, from: Data(raw.utf8))
        else { return .defaults }
        return w
    }

    public func setWeights(_ w: AssessmentWeights, at now: Date = Date()) async throws {
        guard [w.response, w.onTime, w.satisfaction, w.coverage].allSatisfy({ $0 >= 0 && $0 <= 1 }),
            w.response + w.onTime + w.satisfaction + w.coverage > 0
        else { throw CaseOperationError.invalid(StoreMessages.Assessment.badWeights) }
        try await Settings.put(Self.weightsKey, String(decoding: try JSONEncoder().encode(w), as: UTF8.self), on: database.sql, at: now)
    }

    public struct Exclusion: Sendable {
        public var caseID: UUID
        public var number: String
        /// The units it relieves, as the list shows them.
        public var unit: String
        /// The handling units fixed when it was made (nil: made before units were kept, relieves every unit).
        public var units: [String]?
        public var reason: String
        public var actor: String
        public var at: Date

        public var scope: AssessmentExclusionScope { AssessmentExclusionScope(units: units.map(Set.init)) }
    }

    /// A case counts for a handling unit only once it was dispatched: before that, the department on the row is the
    /// one triage suggested, which has not been charged with anything.
    static let dispatched: SQLQueryString =
        "EXISTS (SELECT 1 FROM case_events de WHERE de.case_id = c.id AND de.action IN ('dispatch', 'reassign'))"

    /// Cases that can count in `month` (opened in it, due in it, resolved in it or answered a 回访 in it), with
    /// units' names, their co-handlers and the month's 回访 answers.
    public func cases(county: String, month: DateInterval) async throws -> [AssessedCase] {
        let sql = database.sql
        let inMonth: SQLQueryString = """
            c.county_code = \(bind: county) AND c.sealed = \(bind: false) AND c.created_at < \(bind: month.end)
            AND (c.created_at >= \(bind: month.start) OR c.due_at >= \(bind: month.start) OR c.resolved_at >= \(bind: month.start)
                 OR EXISTS (SELECT 1 FROM case_reviews rv WHERE rv.case_id = c.id AND rv.reviewed_at >= \(bind: month.start)
                            AND rv.reviewed_at < \(bind: month.end)))
            """
        var reviews: [UUID: [AssessedReview]] = [:]
        for r in try await sql.raw(
            """
            SELECT case_id, satisfaction, reviewed_at FROM case_reviews
            WHERE county_code = \(bind: county) AND reviewed_at >= \(bind: month.start) AND reviewed_at < \(bind: month.end)
            ORDER BY reviewed_at
            """
        ).all() {
            guard let s = Satisfaction(rawValue: try r.decode(column: "satisfaction", as: String.self)) else { continue }
            reviews[try r.decode(column: "case_id", as: UUID.self), default: []]
                .append(AssessedReview(s, at: try r.decode(column: "reviewed_at", as: Date.self)))
        }
        var coHandlers: [UUID: [String]] = [:]
        for r in try await sql.raw(
            """
            SELECT cd.case_id, d.name FROM case_departments cd JOIN departments d ON d.id = cd.department_id
            WHERE cd.case_id IN (SELECT c.id FROM cases c WHERE \(inMonth))
            """
        ).all() {
            coHandlers[try r.decode(column: "case_id", as: UUID.self), default: []].append(try r.decode(column: "name", as: String.self))
        }
        let rows = try await sql.raw(
            """
            SELECT c.id, c.number, t.name AS township, v.name AS village,
                   CASE WHEN \(Self.dispatched) THEN d.name END AS department,
                   c.created_at, c.response_due_at, c.responded_at, c.due_at, c.resolved_at
            FROM cases c LEFT JOIN regions t ON t.code = c.township_code LEFT JOIN regions v ON v.code = c.village_code
            LEFT JOIN departments d ON d.id = c.department_id
            WHERE \(inMonth)
            """
        ).all()
        return try rows.map { r in
            let id = try r.decode(column: "id", as: UUID.self)
            return AssessedCase(
                id: id, number: try r.decode(column: "number", as: String.self),
                township: try r.decode(column: "township", as: String?.self), village: try r.decode(column: "village", as: String?.self),
                department: try r.decode(column: "department", as: String?.self), coHandlers: coHandlers[id] ?? [],
                createdAt: try r.decode(column: "created_at", as: Date.self),
                responseDueAt: try r.decode(column: "response_due_at", as: Date?.self),
                respondedAt: try r.decode(column: "responded_at", as: Date?.self),
                dueAt: try r.decode(column: "due_at", as: Date?.self), resolvedAt: try r.decode(column: "resolved_at", as: Date?.self),
                reviews: reviews[id] ?? [])
        }
    }

    /// Every 回访 answer of these cases, oldest first (the export shows "不满意→满意" for a redone case).
    public func reviews(of caseIDs: [UUID]) async throws -> [UUID: [Satisfaction]] {
        var out: [UUID: [Satisfaction]] = [:]
        for chunk in stride(from: 0, to: caseIDs.count, by: 500).map({ Array(caseIDs[$0..<min($0 + 500, caseIDs.count)]) }) {
            for r in try await database.sql.raw(
                """
                SELECT case_id, satisfaction FROM case_reviews WHERE case_id IN (\(binds: chunk)) ORDER BY reviewed_at, event_sequence
                """
            ).all() {
                guard let s = Satisfaction(rawValue: try r.decode(column: "satisfaction", as: String.self)) else { continue }
                out[try r.decode(column: "case_id", as: UUID.self), default: []].append(s)
            }
        }
        return out
    }

    /// 覆盖率 per township and per village (by name): groups with both a police officer and a township cadre.
    public func coverage(county: String) async throws -> (townships: [String: Rate], villages: [String: Rate]) {
        let rows = try await database.sql.raw(
            """
            SELECT t.name AS township, v.name AS village,
                   (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id AND m.kind = 'police') AS police,
                   (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id AND m.kind = 'township_cadre') AS cadre
            FROM chat_groups g JOIN regions v ON v.code = g.village_code LEFT JOIN regions t ON t.code = g.township_code
            WHERE g.county_code = \(bind: county)
            """
        ).all()
        var townships: [String: Rate] = [:], villages: [String: Rate] = [:]
        for r in rows {
            let covered = try r.decode(column: "police", as: Int.self) > 0 && r.decode(column: "cadre", as: Int.self) > 0
            for (key, isTownship) in [
                (try r.decode(column: "township", as: String?.self), true), (try r.decode(column: "village", as: String?.self), false),
            ] {
                guard let key else { continue }
                var rate = (isTownship ? townships[key] : villages[key]) ?? Rate(0, 0)
                rate.denominator += 1
                if covered { rate.numerator += 1 }
                if isTownship { townships[key] = rate } else { villages[key] = rate }
            }
        }
        return (townships, villages)
    }

    /// 核减 in a county, newest first, with the unit each case counts for.
    public func exclusions(county: String, since: Date? = nil) async throws -> [Exclusion] {
        let sinceFilter: SQLQueryString = since.map { "AND x.excluded_at >= \(bind: $0)" } ?? ""
        return try await exclusions(where: "x.county_code = \(bind: county) \(sinceFilter)")
    }

    /// The case's 核减, if it has one.
    public func exclusion(caseID: UUID) async throws -> Exclusion? {
        try await exclusions(where: "x.case_id = \(bind: caseID)").first
    }

    private func exclusions(where filter: SQLQueryString) async throws -> [Exclusion] {
        try await database.sql.raw(
            """
            SELECT x.case_id, c.number, COALESCE(d.name, t.name, '') AS current_unit, t.name AS township, x.units, x.reason, x.actor,
                   x.excluded_at
            FROM assessment_exclusions x JOIN cases c ON c.id = x.case_id LEFT JOIN departments d ON d.id = c.department_id
            LEFT JOIN regions t ON t.code = c.township_code
            WHERE \(filter) ORDER BY x.excluded_at DESC
            """
        ).all().map {
            let units = try $0.decode(column: "units", as: String?.self).map { Self.decodeUnits($0) }
            let township = try $0.decode(column: "township", as: String?.self)
            // What it relieves: the handling units it was charged to, and always the place it came from.
            let shown: String
            switch units {
            case .none: shown = try $0.decode(column: "current_unit", as: String.self)
            case .some(let u) where u.isEmpty: shown = township ?? ""
            case .some(let u): shown = u.joined(separator: "、")
            }
            return Exclusion(
                caseID: try $0.decode(column: "case_id", as: UUID.self), number: try $0.decode(column: "number", as: String.self),
                unit: shown, units: units, reason: try $0.decode(column: "reason", as: String.self),
                actor: try $0.decode(column: "actor", as: String.self), at: try $0.decode(column: "excluded_at", as: Date.self))
        }
    }

    static func decodeUnits(_ raw: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(raw.utf8))) ?? []
    }

    /// A supervisor excludes a case from the rates; the reason goes into the case's audit chain in the same transaction.
    public func exclude(_ number: CaseNumber, reason: String, by viewer: Viewer, at now: Date = Date()) async throws {
        guard viewer.role == .supervisor else {
            throw CaseOperationError.forbidden(StoreMessages.Assessment.exclusionForbidden(viewer.role))
        }
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 1000 else {
            throw CaseOperationError.invalid(StoreMessages.Assessment.exclusionReasonRequired)
        }
        guard let row = try await CaseModel.query(on: database.db).filter(\.$number == number.description).first(), let id = row.id,
            row.scopeCode.hasPrefix(viewer.region.scopePrefix), !row.sealed
        else { throw CaseOperationError.notFound }
        try await database.writing { db in
            let sql = db as! any SQLDatabase
            let existing = try await sql.raw("SELECT case_id FROM assessment_exclusions WHERE case_id = \(bind: id)").first()
            guard existing == nil else { throw CaseOperationError.conflict(StoreMessages.Assessment.alreadyExcluded) }
            // The handling units it is charged to now: its lead once dispatched, and its co-handlers.
            let charged = try await sql.raw(
                """
                SELECT d.name FROM cases c JOIN departments d ON d.id = c.department_id WHERE c.id = \(bind: id) AND \(Self.dispatched)
                UNION SELECT d.name FROM case_departments cd JOIN departments d ON d.id = cd.department_id WHERE cd.case_id = \(bind: id)
                """
            ).all().map { try $0.decode(column: "name", as: String.self) }
            let units = String(decoding: try JSONEncoder().encode(Array(Set(charged)).sorted()), as: UTF8.self)
            try await sql.raw(
                """
                INSERT INTO assessment_exclusions (case_id, county_code, reason, actor, excluded_at, units)
                VALUES (\(bind: id), \(bind: row.countyCode), \(bind: trimmed), \(bind: viewer.username), \(bind: now), \(bind: units))
                """
            ).run()
            try await CaseStore.appendEvent(
                caseRow: row, number: number, actor: AuditActor(viewer), action: "assessment_exclusion", from: nil, to: nil,
                note: StoreMessages.CaseEvents.excluded(reason: trimmed), at: now, on: db)
        }
    }

    /// Counts for the dashboard: by category and by township (opened in the window), by week, and open and
    /// overdue by department now.
    public struct Counts: Sendable {
        public var byCategory: [(String, Int)] = []
        public var byTownship: [(String, Int)] = []
        public var byWeek: [(Date, Int)] = []
        public var byDepartment: [(name: String, open: Int, overdue: Int)] = []
    }

    /// The weekly trend runs from `weeksFrom` to `weeksTo` (this week's end: never a week still to come).
    public func counts(county: String, from: Date, to: Date, weeksFrom: Date, weeksTo: Date? = nil, now: Date = Date()) async throws
        -> Counts
    {
        let weeksTo = weeksTo ?? to
        let sql = database.sql
        var out = Counts()
        out.byCategory = try await sql.raw(
            """
            SELECT category, COUNT(*) AS n FROM cases WHERE county_code = \(bind: county) AND sealed = \(bind: false)
              AND created_at >= \(bind: from) AND created_at < \(bind: to) GROUP BY category ORDER BY n DESC
            """
        ).all().map { (try $0.decode(column: "category", as: String.self), try $0.decode(column: "n", as: Int.self)) }
        out.byTownship = try await sql.raw(
            """
            SELECT COALESCE(t.name, \(bind: StoreMessages.Assessment.noTownship)) AS name, COUNT(*) AS n
            FROM cases c LEFT JOIN regions t ON t.code = c.township_code
            WHERE c.county_code = \(bind: county) AND c.sealed = \(bind: false) AND c.created_at >= \(bind: from) AND c.created_at < \(bind: to)
            GROUP BY 1 ORDER BY n DESC
            """
        ).all().map { (try $0.decode(column: "name", as: String.self), try $0.decode(column: "n", as: Int.self)) }
        let created = try await sql.raw(
            """
            SELECT created_at FROM cases WHERE county_code = \(bind: county) AND sealed = \(bind: false) AND created_at >= \(bind: weeksFrom) AND created_at < \(bind: weeksTo)
            """
        ).all().map { try $0.decode(column: "created_at", as: Date.self) }
        var weeks: [Date: Int] = [:]
        var day = weeksFrom
        while day < weeksTo {
            weeks[day] = 0
            day = day.addingTimeInterval(7 * 86400)
        }
        for c in created {
            let index = Int(c.timeIntervalSince(weeksFrom) / (7 * 86400))
            let start = weeksFrom.addingTimeInterval(Double(index) * 7 * 86400)
            weeks[start, default: 0] += 1
        }
        out.byWeek = weeks.keys.sorted().map { ($0, weeks[$0]!) }
        let open = CaseState.allCases.filter(\.isOpen).map(\.rawValue)
        out.byDepartment = try await sql.raw(
            """
            SELECT COALESCE(d.name, \(bind: StoreMessages.Assessment.noDepartment)) AS name, COUNT(*) AS open,
                   SUM(CASE WHEN c.due_at < \(bind: now) AND c.state <> 'suspended' THEN 1 ELSE 0 END) AS overdue
            FROM cases c LEFT JOIN departments d ON d.id = c.department_id
            WHERE c.county_code = \(bind: county) AND c.sealed = \(bind: false) AND c.state IN (\(binds: open))
            GROUP BY 1 ORDER BY overdue DESC, open DESC
            """
        ).all().map {
            (
                try $0.decode(column: "name", as: String.self), try $0.decode(column: "open", as: Int.self),
                try $0.decode(column: "overdue", as: Int?.self) ?? 0
            )
        }
        return out
    }
}

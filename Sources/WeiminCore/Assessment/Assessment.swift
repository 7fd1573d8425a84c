import Foundation

/// One 回访 answer, kept even when the case is redone (重办) and answered again.
public struct AssessedReview: Sendable, Hashable {
    public var satisfaction: Satisfaction
    public var at: Date

    public init(_ satisfaction: Satisfaction, at: Date) {
        self.satisfaction = satisfaction
        self.at = at
    }
}

/// What assessment needs to know of one case (docs/assessment.md).
public struct AssessedCase: Sendable, Hashable {
    public var id: UUID
    public var number: String
    public var township: String?
    public var village: String?
    /// The lead handling unit (a department, or a township government), only once the case was dispatched to it: a
    /// department triage merely suggested has not been charged with anything.
    public var department: String?
    /// Units that co-handle the case (协办), by name.
    public var coHandlers: [String]
    public var createdAt: Date
    public var responseDueAt: Date?
    public var respondedAt: Date?
    public var dueAt: Date?
    public var resolvedAt: Date?
    /// Every 回访 answer, oldest first.
    public var reviews: [AssessedReview]

    public init(
        id: UUID, number: String, township: String?, village: String?, department: String?, coHandlers: [String] = [],
        createdAt: Date, responseDueAt: Date?, respondedAt: Date?, dueAt: Date?, resolvedAt: Date?, reviews: [AssessedReview] = []
    ) {
        self.id = id
        self.number = number
        self.township = township
        self.village = village
        self.department = department
        self.coHandlers = coHandlers
        self.createdAt = createdAt
        self.responseDueAt = responseDueAt
        self.respondedAt = respondedAt
        self.dueAt = dueAt
        self.resolvedAt = resolvedAt
        self.reviews = reviews
    }
}

/// How a unit answers for a case in the assessment.
public enum AssessedPart: Sendable, Hashable {
    /// The township or village the case came from: all three case rates.
    case place
    /// The lead handling unit: all three case rates.
    case lead
    /// A co-handler: 按时办结率 and 满意率 (the lead answers the villager, so 响应率 is the lead's alone).
    case coHandler
}

/// A 核减: the case leaves the rates of the place it came from and of the handling units it was charged to when it was
/// excluded (`units`; nil for an exclusion recorded before units were kept: every unit).
public struct AssessmentExclusionScope: Sendable, Hashable {
    public var units: Set<String>?

    public init(units: Set<String>?) { self.units = units }

    func relieves(_ unit: String, as part: AssessedPart) -> Bool {
        part == .place || units == nil || units!.contains(unit)
    }
}

/// How the four rates weigh in the score; the county sets them (they need not add up to 1: they are scaled).
public struct AssessmentWeights: Sendable, Hashable, Codable {
    public var response: Double
    public var onTime: Double
    public var satisfaction: Double
    public var coverage: Double

    public init(response: Double = 0.3, onTime: Double = 0.4, satisfaction: Double = 0.2, coverage: Double = 0.1) {
        self.response = response
        self.onTime = onTime
        self.satisfaction = satisfaction
        self.coverage = coverage
    }

    public static let defaults = AssessmentWeights()
}

/// A rate with what it was computed from, so a table can show "18 / 20" beside "90.0%".
public struct Rate: Sendable, Hashable {
    public var numerator: Int
    public var denominator: Int
    public var value: Double? { denominator == 0 ? nil : Double(numerator) / Double(denominator) }

    public init(_ numerator: Int, _ denominator: Int) {
        self.numerator = numerator
        self.denominator = denominator
    }
}

public struct AssessmentRow: Sendable, Hashable {
    public var unit: String
    public var response: Rate
    public var onTime: Rate
    public var satisfaction: Rate
    /// Groups with both a police officer and a township cadre (nil for departments, which have no groups).
    public var coverage: Rate?
    /// 0–100: the weighted mean of the rates that exist (a unit with no cases due is not punished for it).
    public var score: Double?
    public var rank: Int?
}

/// The monthly assessment (docs/assessment.md, with hand-computed examples): per unit — township, village or
/// handling unit — for one month:
/// - 响应率: cases opened in the month, first answered by their response deadline — counted once answered or once that
///   deadline has passed (a case opened an hour ago and not yet due to be answered is not a failure);
/// - 按时办结率: cases whose handling deadline fell in the month and has passed, or that were resolved, resolved by it;
/// - 满意率: 回访 answers given in the month that were 满意 or 基本满意 — every answer, so a 不满意 stays in its month
///   when the case is redone and later answered 满意;
/// - 覆盖率: groups with a police officer and a township cadre in them.
/// A 核减 takes the case out of the rates of the units it relieves (`AssessmentExclusionScope`).
public enum Assessment {
    /// Rows for units that answer for a case as its place (township, village).
    public static func rows(
        cases: [AssessedCase], month: DateInterval, unit: (AssessedCase) -> String?, units: [String] = [],
        coverage: [String: Rate] = [:], excluded: Set<UUID> = [], weights: AssessmentWeights = .defaults, now: Date = Date()
    ) -> [AssessmentRow] {
        rows(
            cases: cases, month: month, charged: { c in unit(c).map { [($0, .place)] } ?? [] }, units: units, coverage: coverage,
            exclusions: Dictionary(uniqueKeysWithValues: excluded.map { ($0, AssessmentExclusionScope(units: nil)) }), weights: weights,
            now: now)
    }

    /// Handling units: each case counts for its lead (once dispatched) and for its co-handlers.
    public static func handlingUnits(_ c: AssessedCase) -> [(String, AssessedPart)] {
        var out: [(String, AssessedPart)] = c.department.map { [($0, .lead)] } ?? []
        for co in Set(c.coHandlers).sorted() where co != c.department { out.append((co, .coHandler)) }
        return out
    }

    /// Rows for any units: `charged` says which units answer for a case, and how.
    public static func rows(
        cases: [AssessedCase], month: DateInterval, charged: (AssessedCase) -> [(String, AssessedPart)], units: [String] = [],
        coverage: [String: Rate] = [:], exclusions: [UUID: AssessmentExclusionScope] = [:], weights: AssessmentWeights = .defaults,
        now: Date = Date()
    ) -> [AssessmentRow] {
        var response: [String: Rate] = [:], onTime: [String: Rate] = [:], satisfaction: [String: Rate] = [:]
        for u in units {
            response[u] = Rate(0, 0)
            onTime[u] = Rate(0, 0)
            satisfaction[u] = Rate(0, 0)
        }
        func count(_ rates: inout [String: Rate], _ u: String, met: Bool) {
            var r = rates[u] ?? Rate(0, 0)
            r.denominator += 1
            if met { r.numerator += 1 }
            rates[u] = r
        }
        for c in cases {
            for (u, part) in charged(c) {
                if let x = exclusions[c.id], x.relieves(u, as: part) { continue }
                if part != .coHandler, month.contains(c.createdAt), let due = c.responseDueAt, c.respondedAt != nil || due <= now {
                    count(&response, u, met: c.respondedAt.map { $0 <= due } ?? false)
                }
                // Only deadlines already passed count: a case due later this month is not yet late.
                if let due = c.dueAt, month.contains(due), due <= now || c.resolvedAt != nil {
                    count(&onTime, u, met: c.resolvedAt.map { $0 <= due } ?? false)
                }
                for review in c.reviews where month.contains(review.at) {
                    count(&satisfaction, u, met: review.satisfaction != .unsatisfied)
                }
            }
        }
        let all = Set(response.keys).union(onTime.keys).union(satisfaction.keys).union(coverage.keys)
        var rows = all.map { u in
            AssessmentRow(
                unit: u, response: response[u] ?? Rate(0, 0), onTime: onTime[u] ?? Rate(0, 0),
                satisfaction: satisfaction[u] ?? Rate(0, 0), coverage: coverage[u], score: nil, rank: nil)
        }
        for i in rows.indices { rows[i].score = score(rows[i], weights) }
        rows.sort { a, b in
            switch (a.score, b.score) {
            case let (x?, y?) where x != y: return x > y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.unit < b.unit
            }
        }
        // Equal scores share a rank (1, 2, 2, 4).
        var previous: (Double, Int)?
        for i in rows.indices {
            guard let s = rows[i].score else { continue }
            if let (p, r) = previous, abs(p - s) < 1e-9 { rows[i].rank = r } else { rows[i].rank = i + 1 }
            previous = (s, rows[i].rank!)
        }
        return rows
    }

    public static func score(_ row: AssessmentRow, _ w: AssessmentWeights) -> Double? {
        var total = 0.0, weight = 0.0
        for (rate, wi) in [
            (row.response.value, w.response), (row.onTime.value, w.onTime), (row.satisfaction.value, w.satisfaction),
            (row.coverage?.value, w.coverage),
        ] {
            guard let v = rate, wi > 0 else { continue }
            total += v * wi
            weight += wi
        }
        return weight == 0 ? nil : total / weight * 100
    }
}

import Foundation

/// What assessment needs to know of one case (docs/domain.md §5).
public struct AssessedCase: Sendable, Hashable {
    public var id: UUID
    public var number: String
    public var township: String?
    public var village: String?
    public var department: String?
    public var createdAt: Date
    public var responseDueAt: Date?
    public var respondedAt: Date?
    public var dueAt: Date?
    public var resolvedAt: Date?
    public var review: Satisfaction?
    public var reviewedAt: Date?

    public init(
        id: UUID, number: String, township: String?, village: String?, department: String?, createdAt: Date, responseDueAt: Date?,
        respondedAt: Date?, dueAt: Date?, resolvedAt: Date?, review: Satisfaction?, reviewedAt: Date?
    ) {
        self.id = id
        self.number = number
        self.township = township
        self.village = village
        self.department = department
        self.createdAt = createdAt
        self.responseDueAt = responseDueAt
        self.respondedAt = respondedAt
        self.dueAt = dueAt
        self.resolvedAt = resolvedAt
        self.review = review
        self.reviewedAt = reviewedAt
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

/// The monthly assessment (docs/domain.md §5): per unit — township, village or department — for one month:
/// - 响应率: cases opened in the month, first answered by their response deadline — counted once answered or once that
///   deadline has passed (a case opened an hour ago and not yet due to be answered is not a failure);
/// - 按时办结率: cases whose handling deadline fell in the month, resolved by it;
/// - 满意率: reviews in the month that were 满意 or 基本满意;
/// - 覆盖率: groups with a police officer and a township cadre in them.
/// Cases a supervisor excluded (核减) count in none of the rates.
public enum Assessment {
    public static func rows(
        cases: [AssessedCase], month: DateInterval, unit: (AssessedCase) -> String?, units: [String] = [],
        coverage: [String: Rate] = [:], excluded: Set<UUID> = [], weights: AssessmentWeights = .defaults, now: Date = Date()
    ) -> [AssessmentRow] {
        var response: [String: Rate] = [:], onTime: [String: Rate] = [:], satisfaction: [String: Rate] = [:]
        for u in units {
            response[u] = Rate(0, 0)
            onTime[u] = Rate(0, 0)
            satisfaction[u] = Rate(0, 0)
        }
        for c in cases where !excluded.contains(c.id) {
            guard let u = unit(c) else { continue }
            if month.contains(c.createdAt), let due = c.responseDueAt, c.respondedAt != nil || due <= now {
                var r = response[u] ?? Rate(0, 0)
                r.denominator += 1
                if let at = c.respondedAt, at <= due { r.numerator += 1 }
                response[u] = r
            }
            // Only deadlines already passed count: a case due later this month is not yet late.
            if let due = c.dueAt, month.contains(due), due <= now || c.resolvedAt != nil {
                var r = onTime[u] ?? Rate(0, 0)
                r.denominator += 1
                if let at = c.resolvedAt, at <= due { r.numerator += 1 }
                onTime[u] = r
            }
            if let review = c.review, let at = c.reviewedAt, month.contains(at) {
                var r = satisfaction[u] ?? Rate(0, 0)
                r.denominator += 1
                if review != .unsatisfied { r.numerator += 1 }
                satisfaction[u] = r
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

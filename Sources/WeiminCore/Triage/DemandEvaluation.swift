import Foundation

/// How triage's whole decision does on labelled messages, measured the way the desk feels it (issue: no demand
/// silently dropped). A message reaches a person when it opens or joins a case or waits in 待确认 (undecided); it is
/// silently dropped only when decided `none` with enough confidence.
///
/// - demand recall: of the messages that need action (gold category not `none`), the share that reach a person;
/// - workload: of all messages, the share a person must look at;
/// - cadre recall: of the reports about cadres, the share flagged (sealed for the discipline commission), and how many
///   messages that are not reports were flagged.
public struct DemandEvaluation: Sendable, Codable, Equatable {
    /// One message's gold labels and what triage decided.
    public struct Outcome: Sendable {
        public var goldCategory: String
        public var goldCadre: Bool?
        public var decision: TriageDecision

        public init(goldCategory: String, goldCadre: Bool?, decision: TriageDecision) {
            self.goldCategory = goldCategory
            self.goldCadre = goldCadre
            self.decision = decision
        }
    }

    /// One point of the trade-off: with `noneAbove` = τ, what share of demands reaches a person and at what workload.
    public struct Point: Sendable, Codable, Equatable {
        public var noneAbove: Double
        public var demandRecall: Double
        public var workload: Double
    }

    public var count: Int
    public var demandRecall: Double
    public var workload: Double
    /// Needs action but silently dropped: the number the desk must keep near zero.
    public var dropped: Int
    public var cadreRecall: Double?
    public var cadreFalseFlags: Int?
    /// Category of the full decision (undecided messages count as triage's best guess).
    public var category: EvaluationReport

    public init(_ outcomes: [Outcome]) {
        count = outcomes.count
        let needs = outcomes.filter { $0.goldCategory != Category.none.rawValue }
        let reaching = outcomes.filter { Self.reachesPerson($0.decision) }
        dropped = needs.filter { !Self.reachesPerson($0.decision) }.count
        demandRecall = needs.isEmpty ? 1 : Double(needs.count - dropped) / Double(needs.count)
        workload = outcomes.isEmpty ? 0 : Double(reaching.count) / Double(outcomes.count)
        let reports = outcomes.filter { $0.goldCadre == true }
        if outcomes.contains(where: { $0.goldCadre != nil }) {
            cadreRecall = reports.isEmpty ? nil : Double(reports.filter(\.decision.reportsCadre).count) / Double(reports.count)
            cadreFalseFlags = outcomes.filter { $0.goldCadre == false && $0.decision.reportsCadre }.count
        }
        category = EvaluationReport(gold: outcomes.map(\.goldCategory), predicted: outcomes.map(\.decision.category.rawValue))
    }

    /// A person sees the message: it opens or joins a case, or waits undecided.
    public static func reachesPerson(_ d: TriageDecision) -> Bool { d.category.isActionable || d.undecided }

    /// The trade-off curve over `noneAbove`, from one pass: a message decided `none` by the model with probability p
    /// is silent under τ exactly when p ≥ max(τ, decideAbove); everything else reaches a person as decided.
    public static func curve(_ outcomes: [Outcome], decideAbove: Double, thresholds: [Double]) -> [Point] {
        let needs = outcomes.filter { $0.goldCategory != Category.none.rawValue }.count
        return thresholds.map { t in
            var reach = 0
            var reachNeeds = 0
            for o in outcomes {
                let d = o.decision
                let silent = d.category == .none && d.categoryScore >= max(t, decideAbove)
                if !silent {
                    reach += 1
                    if o.goldCategory != Category.none.rawValue { reachNeeds += 1 }
                }
            }
            return Point(
                noneAbove: t, demandRecall: needs == 0 ? 1 : Double(reachNeeds) / Double(needs),
                workload: outcomes.isEmpty ? 0 : Double(reach) / Double(outcomes.count))
        }
    }

    /// The lowest-workload point that keeps demand recall at or above `target` (the highest τ is the safest when
    /// several tie on workload, so the first such point from the strict end is taken).
    public static func choose(_ curve: [Point], target: Double) -> Point? {
        curve.filter { $0.demandRecall >= target }.min { ($0.workload, -$0.noneAbove) < ($1.workload, -$1.noneAbove) }
    }

    public static let thresholds: [Double] = stride(from: 0.45, through: 0.995, by: 0.005).map { ($0 * 1000).rounded() / 1000 }
}

import Foundation

/// The handling clock of a case and what has happened to it: suspension (the clock stops) and
/// extension (延期: requested by the department, approved by a supervisor, told to the villager).
public struct CaseClock: Sendable, Hashable, Codable {
    public var ruleID: String?
    public var limit: TimeLimit?
    public var startedAt: Date?
    public var suspendedAt: Date?
    /// While suspended: working minutes (working limits) or seconds (calendar/elapsed limits) left.
    public var remaining: Double?
    public var extensionRequested: TimeLimit?
    public var extensionReason: String?
    /// Extensions granted so far; only one is allowed.
    public var extensions: Int

    public init(
        ruleID: String? = nil, limit: TimeLimit? = nil, startedAt: Date? = nil, suspendedAt: Date? = nil,
        remaining: Double? = nil, extensionRequested: TimeLimit? = nil, extensionReason: String? = nil, extensions: Int = 0
    ) {
        self.ruleID = ruleID
        self.limit = limit
        self.startedAt = startedAt
        self.suspendedAt = suspendedAt
        self.remaining = remaining
        self.extensionRequested = extensionRequested
        self.extensionReason = extensionReason
        self.extensions = extensions
    }
}

/// Where a petition stands after its handling opinion: 复查 then 复核, each requested within 30 days
/// and decided within 30 days (信访工作条例 arts. 35–36). The 复核 opinion is final.
public enum PetitionStage: String, Sendable, Hashable, Codable, CaseIterable {
    case none
    case reviewRequested = "review_requested"
    case reviewDecided = "review_decided"
    case recheckRequested = "recheck_requested"
    case recheckDecided = "recheck_decided"
}

public struct PetitionProgress: Sendable, Hashable, Codable {
    public var stage: PetitionStage
    /// When the current stage's decision is due, or until when the next request may be made.
    public var dueAt: Date?
    public var stageAt: Date?

    public init(stage: PetitionStage = .none, dueAt: Date? = nil, stageAt: Date? = nil) {
        self.stage = stage
        self.dueAt = dueAt
        self.stageAt = stageAt
    }
}

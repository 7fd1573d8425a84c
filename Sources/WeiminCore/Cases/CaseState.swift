/// Where a case stands in the closed loop (docs/domain.md §2.3). Raw values are stored and exposed by the API.
public enum CaseState: String, CaseIterable, Codable, Sendable, Hashable {
    case new
    case accepted
    case dispatched
    case inProgress = "in_progress"
    case resolved
    case reviewed
    case closed
    case declined
    case merged
    case returned
    case suspended

    /// No action leads out of these states.
    public var isTerminal: Bool {
        switch self {
        case .closed, .declined, .merged: return true
        default: return false
        }
    }

    /// A case is open while someone still owes the villager something.
    public var isOpen: Bool {
        switch self {
        case .new, .accepted, .dispatched, .inProgress, .returned, .suspended: return true
        case .resolved, .reviewed, .closed, .declined, .merged: return false
        }
    }

    /// States a suspended case may return to when it resumes: the clock only stops while work is under way.
    public var canBeSuspended: Bool {
        switch self {
        case .accepted, .dispatched, .inProgress: return true
        default: return false
        }
    }
}

/// Every operation of the closed loop that changes a case's state (docs/domain.md §2.4).
/// Payloads (reasons, departments, reply text) live with the operation, not here: the state machine only
/// needs to know what kind of step is being taken.
public enum CaseAction: Sendable, Hashable, Codable {
    /// 受理: the centre takes the demand on.
    case accept
    /// 不予受理: refused, with a reason given to the villager.
    case decline
    /// 合并: folded into a surviving case (this one ends as `merged`).
    case merge
    /// 派单: sent to a lead department (and optional co-handlers).
    case dispatch
    /// 签收: the department acknowledges and starts work.
    case start
    /// 退回: the department says the case is not its business.
    case returnToCentre
    /// 改派: the centre sends a returned case elsewhere.
    case reassign
    /// 挂起: waiting for the villager; the clock stops.
    case suspend
    /// 恢复: back to the state it was suspended from.
    case resume
    /// 办结: answered or done, with a reply to the villager.
    case resolve
    /// 回访: the villager's satisfaction recorded.
    case review(Satisfaction)
    /// 重办: an unsatisfied review sends the case back to the department with a new clock.
    case reopen
    /// 归档.
    case close

    /// Stable name used in the audit record and the API.
    public var name: String {
        switch self {
        case .accept: return "accept"
        case .decline: return "decline"
        case .merge: return "merge"
        case .dispatch: return "dispatch"
        case .start: return "start"
        case .returnToCentre: return "return"
        case .reassign: return "reassign"
        case .suspend: return "suspend"
        case .resume: return "resume"
        case .resolve: return "resolve"
        case .review: return "review"
        case .reopen: return "reopen"
        case .close: return "close"
        }
    }

    /// One representative of every action, for exhaustive tests and the API's list of operations.
    public static let all: [CaseAction] = [
        .accept, .decline, .merge, .dispatch, .start, .returnToCentre, .reassign, .suspend, .resume, .resolve,
        .review(.satisfied), .review(.basicallySatisfied), .review(.unsatisfied), .reopen, .close,
    ]
}

/// The lifecycle of a case as seen by the state machine: its state, where a suspension returns to,
/// and the last satisfaction answer (an unsatisfied review is what allows 重办).
public struct CaseStatus: Sendable, Hashable, Codable {
    public var state: CaseState
    /// Set while `state == .suspended`: the state `resume` returns to.
    public var resumeState: CaseState?
    public var lastReview: Satisfaction?

    public init(state: CaseState, resumeState: CaseState? = nil, lastReview: Satisfaction? = nil) {
        self.state = state
        self.resumeState = resumeState
        self.lastReview = lastReview
    }

    public static let initial = CaseStatus(state: .new)
}

public struct TransitionError: Error, Sendable, Hashable, CustomStringConvertible {
    public let action: CaseAction
    public let from: CaseState
    public let reason: String

    public var description: String { reason }
}

/// The closed loop as a pure function: given where a case stands and what someone wants to do,
/// either the new status or a refusal that says why. Nothing here knows about storage or roles.
public enum CaseStateMachine {
    public static func apply(_ action: CaseAction, to status: CaseStatus) throws(TransitionError) -> CaseStatus {
        let state = status.state
        func refuse(_ why: String) -> TransitionError {
            TransitionError(action: action, from: state, reason: why)
        }
        if state.isTerminal {
            // The state's own name may already say 已 (已归档, 已合并): say "工单状态为…" rather than "工单已已归档".
            let name = CoreStrings.stateName(state)
            throw refuse("工单\(name.hasPrefix("已") ? name : "状态为" + name)，不能再\(CoreStrings.actionName(action))")
        }
        var next = status
        switch (action, state) {
        case (.accept, .new):
            next.state = .accepted
        case (.decline, .new), (.decline, .accepted), (.decline, .returned):
            next.state = .declined
        case (.merge, .new), (.merge, .accepted), (.merge, .returned):
            next.state = .merged
        case (.dispatch, .accepted):
            next.state = .dispatched
        case (.start, .dispatched):
            next.state = .inProgress
        case (.returnToCentre, .dispatched), (.returnToCentre, .inProgress):
            next.state = .returned
        case (.reassign, .returned):
            next.state = .dispatched
        case (.suspend, let s) where s.canBeSuspended:
            next.state = .suspended
            next.resumeState = s
        case (.resume, .suspended):
            guard let back = status.resumeState, back.canBeSuspended else {
                throw refuse("挂起前的状态未知，无法恢复")
            }
            next.state = back
            next.resumeState = nil
        // The centre may answer a simple question itself (即办件) straight after accepting it.
        case (.resolve, .accepted), (.resolve, .inProgress):
            next.state = .resolved
        case (.review(let answer), .resolved):
            next.state = .reviewed
            next.lastReview = answer
        case (.reopen, .reviewed):
            guard status.lastReview == .unsatisfied else {
                throw refuse("只有群众回访不满意的工单才能重办")
            }
            next.state = .dispatched
            next.lastReview = nil
        case (.close, .reviewed):
            guard status.lastReview != .unsatisfied else {
                throw refuse("群众不满意，须先重办，不能直接归档")
            }
            next.state = .closed
        default:
            throw refuse("工单当前为“\(CoreStrings.stateName(state))”，不能\(CoreStrings.actionName(action))")
        }
        return next
    }

    /// The actions that would succeed from `status`, in the order a console shows them.
    public static func allowedActions(from status: CaseStatus) -> [CaseAction] {
        CaseAction.all.filter { (try? apply($0, to: status)) != nil }
    }
}

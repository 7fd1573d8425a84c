import Foundation

/// A closed-loop operation with what it needs (docs/domain.md §2.4, §3.3). Departments are given by id; the
/// server resolves codes before asking the workflow.
public enum CaseCommand: Sendable, Hashable {
    case accept(note: String)
    case decline(reason: String)
    case merge(into: UUID, note: String)
    case dispatch(lead: UUID, coHandlers: [UUID], note: String)
    case returnToCentre(reason: String)
    case reassign(lead: UUID, coHandlers: [UUID], note: String)
    case start(note: String)
    case suspend(reason: String)
    case resume(note: String)
    case resolve(reply: String)
    case review(Satisfaction, note: String)
    case reopen(reason: String)
    case close(note: String)
    /// 延期申请 by the lead department, within the rule's cap.
    case requestExtension(TimeLimit, reason: String)
    /// 延期审批: the approver decides; approval requires that the villager was told the reason.
    case decideExtension(approve: Bool, villagerNotified: Bool, note: String)
    /// 受理告知: a petitioner (or named reporter) told whether the matter is accepted.
    case notifyAcceptance(note: String)
    /// 复查 / 复核 requested by the petitioner (the first request is 复查, the second 复核).
    case requestReview(note: String)
    /// 复查 / 复核 opinion issued.
    case decideReview(note: String)
    /// 改类: the centre files the case under another function. Kept as a correction for `weimin model retrain`.
    case reclassify(Category, note: String)
    /// 非诉求: triage opened a case for a message that asks for nothing (chit-chat, thanks). It is closed
    /// as declined without a word in the group, and kept as a correction (category none) for retraining.
    case dismiss(note: String)
    /// 转纪委: a case that is really a report about a cadre, which triage missed, is sealed at once and moves to
    /// the discipline commission: words encrypted, a sealed-series number, the accused and the source group's
    /// admins recused (docs/domain.md §4.1–§4.2). `accused` is who the report is about (kept encrypted); `accusedUsernames`
    /// their staff accounts, if any.
    case transferToDiscipline(accused: String?, accusedUsernames: [String], note: String)
    /// 记录办理情况: the lead or a co-handler (协办) records its part in the case's record; nothing is said in the group.
    case recordProgress(note: String)
    /// 发布辟谣: on a 舆情 case, the county's answer to a rumour, said in the case's group (and kept in its record).
    case publishRebuttal(text: String)

    /// The state-machine step this command takes, if it changes state.
    public var transition: CaseAction? {
        switch self {
        case .accept: return .accept
        case .decline, .dismiss: return .decline
        case .merge: return .merge
        case .dispatch: return .dispatch
        case .returnToCentre: return .returnToCentre
        case .reassign: return .reassign
        case .start: return .start
        case .suspend: return .suspend
        case .resume: return .resume
        case .resolve: return .resolve
        case .review(let s, _): return .review(s)
        case .reopen: return .reopen
        case .close: return .close
        case .requestExtension, .decideExtension, .notifyAcceptance, .requestReview, .decideReview, .reclassify, .transferToDiscipline,
            .recordProgress, .publishRebuttal:
            return nil
        }
    }

    /// Stable name for the audit record and the API.
    public var name: String {
        switch self {
        case .requestExtension: return "request_extension"
        case .decideExtension: return "decide_extension"
        case .notifyAcceptance: return "notify_acceptance"
        case .requestReview: return "request_review"
        case .decideReview: return "decide_review"
        case .reclassify: return "reclassify"
        case .dismiss: return "dismiss"
        case .transferToDiscipline: return "transfer_discipline"
        case .recordProgress: return "record_progress"
        case .publishRebuttal: return "publish_rebuttal"
        default: return transition!.name
        }
    }

    public var note: String {
        switch self {
        case .accept(let n), .decline(let n), .merge(_, let n), .dispatch(_, _, let n), .returnToCentre(let n), .reassign(_, _, let n),
            .start(let n), .suspend(let n), .resume(let n), .resolve(let n), .review(_, let n), .reopen(let n), .close(let n),
            .requestExtension(_, let n), .decideExtension(_, _, let n), .notifyAcceptance(let n), .requestReview(let n),
            .decideReview(let n),
            .reclassify(_, let n), .dismiss(let n), .transferToDiscipline(_, _, let n), .recordProgress(let n), .publishRebuttal(let n):
            return n
        }
    }

    /// Every command's name, in the catalogue's order.
    public static var allNames: [String] { CaseActionCatalogue.all.map(\.name) }
}

/// Why an operation was refused; the server maps each kind to an HTTP status.
public enum CaseOperationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The case does not exist for this viewer (also when it exists but must stay unseen).
    case notFound
    case forbidden(String)
    /// The payload is wrong (missing reason, bad department, limit over the cap…).
    case invalid(String)
    /// Not possible in the case's current state or timing.
    case conflict(String)

    public var description: String {
        switch self {
        case .notFound: return "工单不存在或无权查看"
        case .forbidden(let s), .invalid(let s), .conflict(let s): return s
        }
    }
}

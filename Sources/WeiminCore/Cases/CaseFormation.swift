import Foundation

/// Forming cases by hand: the centre opens a case from any message triage left undecided (or decided wrongly), and
/// splits a case that holds two demands. Triage forms most cases; these are how a person mends what it got wrong.
public enum CaseFormation {
    /// The acceptance centre forms cases (as it accepts and dispatches them).
    public static func authorize(_ v: Viewer) throws(CaseOperationError) {
        guard v.role == .intakeOperator else { throw .forbidden("只有受理员可以从消息立案或拆分工单") }
    }

    /// What a message must be for a case to be opened from it.
    public static func checkOpen(kind: MessageKind, openCaseNumber: String?, sealed: Bool, category: Category) throws(CaseOperationError) {
        guard category.isActionable else { throw .invalid("请选择五类事项之一（立案即认为是诉求）") }
        guard !sealed else { throw .notFound }
        guard ![.system, .event].contains(kind) else { throw .invalid("系统消息或群事件不能立案") }
        if let n = openCaseNumber { throw .conflict("这条消息已在办理中的工单 \(n) 里；如是另一件事，请在该工单上拆分") }
    }

    /// A split moves some of a case's messages to a new case; at least one must stay, and each must be the case's.
    public static func checkSplit(moving: [Int], linked: [Int], state: CaseState, sealed: Bool) throws(CaseOperationError) {
        guard !sealed else { throw .conflict("密封件不能拆分") }
        guard state.isOpen else { throw .conflict("已办结或已关闭的工单不能拆分") }
        guard !moving.isEmpty else { throw .invalid("请选择要拆出的消息（message_ids）") }
        let unknown = Set(moving).subtracting(linked)
        guard unknown.isEmpty else { throw .invalid("消息 \(unknown.sorted().map(String.init).joined(separator: "、")) 不在此工单中") }
        guard Set(linked).subtracting(moving).count >= 1 else { throw .invalid("不能把全部消息拆出：原工单至少保留一条") }
    }
}

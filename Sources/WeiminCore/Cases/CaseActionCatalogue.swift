import Foundation

/// One field an action's request or form takes.
public struct CaseActionField: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// Free text. The note field also answers to `reason` and `reply` in the API (`CaseActionRequest.text`).
        case text
        /// A department code of the case's county (`GET /api/v1/departments`).
        case department
        /// A list of department codes (co-handlers). API only.
        case departments
        /// A case number the user may see (merge target).
        case caseNumber
        /// `satisfied`, `basically_satisfied` or `unsatisfied`.
        case satisfaction
        /// One of the five actionable categories.
        case category
        /// A time limit such as `5wd` or `30d`.
        case timeLimit
        /// true or false: a decision.
        case decision
        /// true or false: a confirmation that something was done (unset is false).
        case confirmation
        /// A list of staff usernames. API only.
        case usernames
    }

    /// The key as the API's JSON takes it (snake case).
    public let name: String
    public let label: String
    public let required: Bool
    public let kind: Kind

    public init(_ name: String, _ label: String, required: Bool = false, kind: Kind) {
        self.name = name
        self.label = label
        self.required = required
        self.kind = kind
    }
}

/// One case action: its wire name, its label, who may use it, what it asks for, and what the user confirms first.
public struct CaseActionEntry: Sendable, Hashable {
    /// The name the API (`POST /api/v1/cases/{number}/actions`), the console and the audit record use.
    public let name: String
    /// 中文名, for buttons, lists and the record.
    public let label: String
    /// The roles that may use it on an ordinary case. `CaseWorkflow.authorize` reads this and adds what each role
    /// needs besides (its own department or township, the case's state); sealed reports are the discipline
    /// commission's alone, every action.
    public let roles: Set<Role>
    /// What it takes, in form order. The note (free text) is last.
    public let fields: [CaseActionField]
    /// Asked before sending (the console's `data-confirm`): where the village group will hear of it, or where the
    /// action cannot be undone.
    public let confirm: String?

    /// The free-text field.
    public var note: CaseActionField { fields.first { $0.name == "note" }! }

    public func field(_ kind: CaseActionField.Kind) -> CaseActionField? { fields.first { $0.kind == kind } }
}

/// Every case action, in one table: the API's parser, the console's forms and labels, `CoreStrings.commandName`,
/// `CaseCommand.allNames` and the workflow's role checks (hence `allowed_actions`) all read it.
public enum CaseActionCatalogue {
    private static let intake: Set<Role> = [.intakeOperator]
    private static let handlers: Set<Role> = [.departmentHandler, .townshipCadre]

    private static func note(_ label: String = "说明（可不填）", required: Bool = false) -> CaseActionField {
        CaseActionField("note", label, required: required, kind: .text)
    }

    private static let department = CaseActionField("department", "主办部门", required: true, kind: .department)
    private static let coDepartments = CaseActionField("co_departments", "协办部门", kind: .departments)

    public static let all: [CaseActionEntry] = [
        CaseActionEntry(name: "accept", label: "受理", roles: intake, fields: [note()], confirm: nil),
        CaseActionEntry(
            name: "decline", label: "不予受理", roles: intake, fields: [note("不予受理的理由（将告知群众）", required: true)],
            confirm: "确定不予受理？理由会发到群里。"),
        CaseActionEntry(
            name: "merge", label: "合并", roles: intake,
            fields: [CaseActionField("into", "合并到工单编号", required: true, kind: .caseNumber), note()], confirm: nil),
        CaseActionEntry(name: "dispatch", label: "派单", roles: intake, fields: [department, coDepartments, note()], confirm: nil),
        CaseActionEntry(name: "return", label: "退回", roles: handlers, fields: [note("退回理由", required: true)], confirm: nil),
        CaseActionEntry(name: "reassign", label: "改派", roles: intake, fields: [department, coDepartments, note()], confirm: nil),
        CaseActionEntry(name: "start", label: "签收", roles: handlers, fields: [note()], confirm: nil),
        // The centre may suspend, resume and answer a simple matter itself (即办件) before dispatching it.
        CaseActionEntry(name: "suspend", label: "挂起", roles: handlers.union(intake), fields: [note("挂起原因", required: true)], confirm: nil),
        CaseActionEntry(name: "resume", label: "恢复", roles: handlers.union(intake), fields: [note()], confirm: nil),
        CaseActionEntry(
            name: "resolve", label: "办结", roles: handlers.union(intake), fields: [note("答复群众的内容（将发到群里）", required: true)],
            confirm: "确定办结？答复会发到群里。"),
        CaseActionEntry(
            name: "review", label: "回访", roles: [.intakeOperator, .townshipCadre],
            fields: [CaseActionField("satisfaction", "群众评价", required: true, kind: .satisfaction), note()], confirm: nil),
        CaseActionEntry(
            name: "reopen", label: "重办", roles: [.intakeOperator, .supervisor], fields: [note("重办原因", required: true)], confirm: nil),
        CaseActionEntry(name: "close", label: "归档", roles: [.intakeOperator, .supervisor], fields: [note()], confirm: nil),
        CaseActionEntry(
            name: "request_extension", label: "申请延期", roles: handlers,
            fields: [CaseActionField("limit", "延期时长", required: true, kind: .timeLimit), note("延期理由（将告知群众）", required: true)],
            confirm: nil),
        CaseActionEntry(
            name: "decide_extension", label: "审批延期", roles: [.supervisor],
            fields: [
                CaseActionField("approve", "审批", required: true, kind: .decision),
                CaseActionField("villager_notified", "已将延期理由告知群众", kind: .confirmation), note(),
            ],
            confirm: nil),
        CaseActionEntry(name: "notify_acceptance", label: "受理告知", roles: intake, fields: [note("告知内容", required: true)], confirm: nil),
        CaseActionEntry(name: "request_review", label: "复查申请", roles: intake, fields: [note()], confirm: nil),
        CaseActionEntry(
            name: "decide_review", label: "复查意见", roles: handlers.union([.intakeOperator, .supervisor]),
            fields: [note("复查（复核）意见", required: true)], confirm: nil),
        CaseActionEntry(
            name: "reclassify", label: "改类", roles: intake,
            fields: [CaseActionField("category", "改为类别", required: true, kind: .category), note("改类原因", required: true)], confirm: nil),
        CaseActionEntry(
            name: "dismiss", label: "非诉求", roles: intake, fields: [note()],
            confirm: "确定这条不是诉求？工单将关闭，群里不会收到消息。"),
        // The lead and every co-handler record their part; only the record hears it.
        CaseActionEntry(
            name: "record_progress", label: "记录办理情况", roles: handlers, fields: [note("办理情况（记入办理记录，群里不发）", required: true)],
            confirm: nil),
        CaseActionEntry(
            name: "publish_rebuttal", label: "发布辟谣", roles: handlers.union([.intakeOperator, .supervisor]),
            fields: [note("辟谣内容（将发到群里，请写明核实情况和权威来源）", required: true)],
            confirm: "确定发布辟谣？内容会发到群里。"),
        // Open to every handler and to the commission itself; never to a village admin (often the accused).
        CaseActionEntry(
            name: "transfer_discipline", label: "转纪委",
            roles: [.intakeOperator, .departmentHandler, .townshipCadre, .supervisor, .discipline],
            fields: [
                CaseActionField("accused", "被反映人", kind: .text), CaseActionField("accused_usernames", "被反映人账号", kind: .usernames),
                note("转纪委理由（仅纪委监委可见）", required: true),
            ],
            confirm: "确定转纪委？工单将立即密封、移交纪委监委并改用密封编号，您将不能再查看此工单。"),
    ]

    private static let byName: [String: CaseActionEntry] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    public static func entry(named name: String) -> CaseActionEntry? { byName[name] }

    public static func entry(for command: CaseCommand) -> CaseActionEntry { byName[command.name]! }

    /// Roles that handle cases. The others only read them, save that the commission may take a report (转纪委).
    public static let handlingRoles: Set<Role> = all.filter { $0.name != "transfer_discipline" }.reduce(into: []) { $0.formUnion($1.roles) }
}

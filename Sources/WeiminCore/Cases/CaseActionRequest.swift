import Foundation

/// A case action as the API's JSON body (`POST /api/v1/cases/{number}/actions`) or a console form sends it.
/// Only the fields the action takes (`CaseActionCatalogue`) are read.
public struct CaseActionRequest: Decodable, Sendable, Hashable {
    public let action: String
    public let note: String?
    public let reason: String?
    public let reply: String?
    public let department: String?
    public let coDepartments: [String]?
    public let satisfaction: String?
    public let into: String?
    public let limit: String?
    public let approve: Bool?
    public let villagerNotified: Bool?
    public let category: String?
    /// 转纪委: who the report is about (kept encrypted) and their staff accounts, to be recused.
    public let accused: String?
    public let accusedUsernames: [String]?

    public init(
        action: String, note: String? = nil, reason: String? = nil, reply: String? = nil, department: String? = nil,
        coDepartments: [String]? = nil, satisfaction: String? = nil, into: String? = nil, limit: String? = nil, approve: Bool? = nil,
        villagerNotified: Bool? = nil, category: String? = nil, accused: String? = nil, accusedUsernames: [String]? = nil
    ) {
        self.action = action
        self.note = note
        self.reason = reason
        self.reply = reply
        self.department = department
        self.coDepartments = coDepartments
        self.satisfaction = satisfaction
        self.into = into
        self.limit = limit
        self.approve = approve
        self.villagerNotified = villagerNotified
        self.category = category
        self.accused = accused
        self.accusedUsernames = accusedUsernames
    }

    /// The free text, whichever name the client used for it.
    public var text: String { reply ?? reason ?? note ?? "" }

    /// The command this request asks for. `department` turns a department code into its id (in the case's county)
    /// and throws if there is none; `mergeTarget` finds the id of a case the user may see, or nil. A missing or
    /// malformed field, or an unknown action, is `CaseOperationError.invalid`.
    public func command(
        department: (String) async throws -> UUID,
        mergeTarget: (CaseNumber) async throws -> UUID?
    ) async throws -> CaseCommand {
        guard CaseActionCatalogue.entry(named: action) != nil else {
            throw CaseOperationError.invalid("未知的操作 \(action)。可选：\(CaseCommand.allNames.joined(separator: ", "))")
        }
        switch action {
        case "accept": return .accept(note: text)
        case "decline": return .decline(reason: text)
        case "merge":
            guard let raw = into, let n = CaseNumber(raw), let target = try await mergeTarget(n) else {
                throw CaseOperationError.invalid("合并需要 into：保留的工单编号（须有权查看）")
            }
            return .merge(into: target, note: text)
        case "dispatch", "reassign":
            guard let code = self.department else { throw CaseOperationError.invalid("派单需要 department：主办部门代码") }
            let lead = try await department(code)
            var co: [UUID] = []
            for code in coDepartments ?? [] { co.append(try await department(code)) }
            return action == "dispatch"
                ? .dispatch(lead: lead, coHandlers: co, note: text) : .reassign(lead: lead, coHandlers: co, note: text)
        case "return": return .returnToCentre(reason: text)
        case "start": return .start(note: text)
        case "suspend": return .suspend(reason: text)
        case "resume": return .resume(note: text)
        case "resolve": return .resolve(reply: text)
        case "review":
            guard let raw = satisfaction, let s = Satisfaction(rawValue: raw) else {
                throw CaseOperationError.invalid("回访需要 satisfaction：satisfied（满意）、basically_satisfied（基本满意）或 unsatisfied（不满意）")
            }
            return .review(s, note: text)
        case "reopen": return .reopen(reason: text)
        case "close": return .close(note: text)
        case "request_extension":
            guard let raw = limit else { throw CaseOperationError.invalid("延期需要 limit，例如 \"5wd\"（5个工作日）或 \"30d\"（30日）") }
            do {
                return .requestExtension(try TimeLimit(parse: raw), reason: text)
            } catch {
                throw CaseOperationError.invalid("\(error)")
            }
        case "decide_extension":
            guard let approve else { throw CaseOperationError.invalid("延期审批需要 approve：true 或 false") }
            return .decideExtension(approve: approve, villagerNotified: villagerNotified ?? false, note: text)
        case "notify_acceptance": return .notifyAcceptance(note: text)
        case "request_review": return .requestReview(note: text)
        case "decide_review": return .decideReview(note: text)
        case "reclassify":
            guard let raw = category, let category = Category(rawValue: raw), category.isActionable else {
                throw CaseOperationError.invalid(
                    "改类需要 category：publicity（宣传教育）、disclosure（公示公开）、service（便民服务）、petition（信访举报）或 opinion（舆情管控）")
            }
            return .reclassify(category, note: text)
        case "dismiss": return .dismiss(note: text.isEmpty ? "非诉求（分诊误判）" : text)
        case "record_progress": return .recordProgress(note: text)
        case "publish_rebuttal": return .publishRebuttal(text: text)
        case "transfer_discipline":
            return .transferToDiscipline(accused: accused, accusedUsernames: accusedUsernames ?? [], note: text)
        default:
            // In the catalogue but not here: a new entry without its parsing.
            throw CaseOperationError.invalid("未知的操作 \(action)。可选：\(CaseCommand.allNames.joined(separator: ", "))")
        }
    }
}

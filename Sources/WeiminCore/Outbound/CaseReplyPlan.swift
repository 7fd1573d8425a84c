import Foundation

/// What the villager's group hears when a case changes, decided here and only here: which templates, with which
/// words filled in, and whether the villager is @-mentioned. Persistence reads the facts (who raised it, which
/// department) and writes what this plan says to the outbox, in the same transaction as the change.
/// Sealed cases never speak in the group (docs/domain.md §4); their reporter may get a private answer instead.
public struct CaseReplyPlan: Sendable, Equatable {
    public struct Reply: Sendable, Equatable {
        public var kind: OutboundKind
        /// Template values beyond the case's own (`note`, `reply`).
        public var values: [String: String]
        public var mentionVillager: Bool
    }

    public var replies: [Reply]
    /// Resolution also asks the villager how satisfied they are (a `satisfaction_requests` row follows).
    public var asksSatisfaction: Bool

    public static let none = CaseReplyPlan(replies: [], asksSatisfaction: false)

    /// The group messages for an unsealed case after `command`.
    /// - Parameters:
    ///   - department: the lead department's name, or the centre's when the case is still at the centre.
    ///   - deadline: the deadline as people say it (`CaseReplyPlan.spoken(_:)`).
    public static func group(for command: CaseCommand, department: String, deadline: String) -> CaseReplyPlan {
        func progress(_ note: String, mention: Bool) -> CaseReplyPlan {
            CaseReplyPlan(replies: [Reply(kind: .progress, values: ["note": note], mentionVillager: mention)], asksSatisfaction: false)
        }
        switch command {
        case .accept:
            return CaseReplyPlan(replies: [Reply(kind: .receipt, values: [:], mentionVillager: true)], asksSatisfaction: false)
        case .dispatch, .reassign:
            return progress("已转交\(department)办理，将于 \(deadline) 前答复。", mention: false)
        case .decline(let reason):
            return progress("不予受理：\(reason)", mention: true)
        case .reopen:
            return progress("回访不满意，已重新交办（重办），将于 \(deadline) 前答复。", mention: false)
        case .decideExtension(let approve, _, _) where approve:
            return progress("办理期限已延长至 \(deadline)。", mention: false)
        case .resolve(let reply):
            return CaseReplyPlan(
                replies: [
                    Reply(kind: .resolution, values: ["reply": reply], mentionVillager: true),
                    Reply(kind: .satisfaction, values: ["reply": reply], mentionVillager: true),
                ],
                asksSatisfaction: true)
        default:
            return .none
        }
    }

    /// The stage a sealed case's reporter is told of privately (acceptance and resolution only), or nil.
    public static func privateStage(for command: CaseCommand) -> String? {
        switch command {
        case .accept: return "受理"
        case .resolve: return "办结"
        default: return nil
        }
    }

    /// Where a case is before any department has it.
    public static let centreName = "县受理中心"

    /// "12月3日 17:30", Beijing time, as people say it; "规定期限" when there is none.
    public static func spoken(_ date: Date?) -> String {
        guard let date else { return "规定期限" }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let c = calendar.dateComponents([.month, .day, .hour, .minute], from: date)
        return String(format: "%d月%d日 %02d:%02d", c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }
}

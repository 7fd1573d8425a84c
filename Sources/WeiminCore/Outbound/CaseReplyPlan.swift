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
        /// Written to the villager alone (a bridge's private message), never into the group.
        public var toVillager: Bool = false
    }

    /// How a case's answers reach the villager.
    public enum Privacy: Sendable, Equatable {
        /// Said in the group, as every answer was.
        case open
        /// A private matter, and the group's bridge can write to the villager: the substance goes privately, the group
        /// hears that the case moved.
        case direct
        /// A private matter, and nothing can write to the villager alone: the group hears that the case moved and
        /// where to ask; the substance stays in the case's record for the village to pass on.
        case withheld
    }

    public var replies: [Reply]
    /// Resolution also asks the villager how satisfied they are (a `satisfaction_requests` row follows).
    public var asksSatisfaction: Bool

    public static let none = CaseReplyPlan(replies: [], asksSatisfaction: false)

    /// The messages for an unsealed case after `command`.
    /// - Parameters:
    ///   - department: the lead department's name, or the centre's when the case is still at the centre.
    ///   - deadline: the deadline as people say it (`CaseReplyPlan.spoken(_:)`).
    ///   - privacy: whether the substance (an answer, a reason) may be said in the group (`PrivateMatters`).
    ///   - canWriteToVillager: the group's bridge can write to the villager alone (a petition's acceptance notice is
    ///     the petitioner's, whatever the matter).
    ///   - extensionReason: the reason the handler gave when asking for more time, told with the new deadline.
    public static func group(
        for command: CaseCommand, department: String, deadline: String, privacy: Privacy = .open, canWriteToVillager: Bool = false,
        extensionReason: String? = nil, opinion: Bool = false, mergedInto: String? = nil
    ) -> CaseReplyPlan {
        // 舆情: a rumour is never quoted back, its spreader never @-mentioned or thanked, and nobody is asked to rate it.
        if opinion {
            switch command {
            case .accept:
                return CaseReplyPlan(replies: [Reply(kind: .opinionReceipt, values: [:], mentionVillager: false)], asksSatisfaction: false)
            case .publishRebuttal(let text):
                return CaseReplyPlan(
                    replies: [Reply(kind: .rebuttal, values: ["note": text], mentionVillager: false)], asksSatisfaction: false)
            case .resolve:
                return CaseReplyPlan(
                    replies: [Reply(kind: .progress, values: ["note": "已核实办结，结果以官方发布为准。"], mentionVillager: false)],
                    asksSatisfaction: false)
            default:
                var plan = group(
                    for: command, department: department, deadline: deadline, privacy: privacy, extensionReason: extensionReason)
                plan.replies = plan.replies.filter { $0.kind != .satisfaction && !$0.toVillager }.map {
                    var r = $0
                    r.mentionVillager = false
                    return r
                }
                plan.asksSatisfaction = false
                return plan
            }
        }
        func progress(_ note: String, mention: Bool) -> Reply {
            Reply(kind: .progress, values: ["note": note], mentionVillager: mention)
        }
        func privately(_ note: String) -> Reply {
            Reply(kind: .privateAnswer, values: ["note": note], mentionVillager: false, toVillager: true)
        }
        /// The substance to the villager alone, or in the group, as `privacy` says; `neutral` is what the group hears
        /// instead, and `withheld` what it hears when nothing can reach the villager alone.
        func said(_ substance: String, neutral: String, withheld: String, mention: Bool) -> [Reply] {
            switch privacy {
            case .open: return [progress(substance, mention: mention)]
            case .direct: return [privately(substance), progress(neutral, mention: true)]
            case .withheld: return [progress(withheld, mention: true)]
            }
        }
        func plan(_ replies: [Reply], asks: Bool = false) -> CaseReplyPlan { CaseReplyPlan(replies: replies, asksSatisfaction: asks) }
        let askVillage = "涉及个人信息，不在群内公布，请与村委会联系了解。"
        switch command {
        case .accept:
            return plan([Reply(kind: .receipt, values: [:], mentionVillager: true)])
        case .dispatch, .reassign:
            return plan([progress("已转交\(department)办理，将于 \(deadline) 前答复。", mention: false)])
        case .decline(let reason):
            return plan(
                said("不予受理：\(reason)", neutral: "经审核不予受理，理由已私信告知您。", withheld: "经审核不予受理。理由" + askVillage, mention: true))
        case .merge:
            // Each villager whose demand joined another case hears where it went.
            return plan([progress("与编号 \(mergedInto ?? "另一工单") 的同一事项合并办理，办理进展和答复请关注该编号。", mention: true)])
        case .reopen:
            return plan([progress("回访不满意，已重新交办（重办），将于 \(deadline) 前答复。", mention: false)])
        case .suspend(let reason):
            return plan(
                said(
                    "暂缓办理（计时暂停）。原因：\(reason)", neutral: "暂缓办理（计时暂停），原因已私信告知您。", withheld: "暂缓办理（计时暂停）。原因" + askVillage,
                    mention: true))
        case .resume:
            return plan([progress("恢复办理，将于 \(deadline) 前答复。", mention: false)])
        case .decideExtension(let approve, _, _) where approve:
            let reason = extensionReason.map { "理由：\($0)" } ?? ""
            return plan(
                said(
                    "办理期限已延长至 \(deadline)。" + reason, neutral: "办理期限已延长至 \(deadline)，理由已私信告知您。",
                    withheld: "办理期限已延长至 \(deadline)。延期理由" + askVillage, mention: false))
        case .notifyAcceptance(let note):
            // A petition's acceptance notice is the petitioner's: privately wherever the bridge can.
            if canWriteToVillager || privacy == .direct {
                return plan([privately("受理告知：\(note)"), progress("已向反映人告知受理情况。", mention: true)])
            }
            return plan(said("受理告知：\(note)", neutral: "", withheld: "已作出受理决定，告知内容" + askVillage, mention: true))
        case .resolve(let reply):
            let satisfaction = Reply(kind: .satisfaction, values: ["reply": reply], mentionVillager: true)
            switch privacy {
            case .open:
                return plan([Reply(kind: .resolution, values: ["reply": reply], mentionVillager: true), satisfaction], asks: true)
            case .direct:
                return plan([privately("已办结：\(reply)"), progress("已办结，答复内容已私信告知您。", mention: true), satisfaction], asks: true)
            case .withheld:
                return plan([progress("已办结。答复内容" + askVillage, mention: true), satisfaction], asks: true)
            }
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

    /// What a 舆情 case is called in its group, instead of its words.
    public static let opinionTitle = "群里反映的情况"

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

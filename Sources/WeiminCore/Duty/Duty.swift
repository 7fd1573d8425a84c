import Foundation

/// 值班: who answers for a county or a township at a given hour. An urgent case, or one with a real risk of
/// trouble, must reach a person at once — at night too — not wait in the centre's queue (docs/domain.md §3).
public enum DutyKind: String, Sendable, Codable, CaseIterable {
    /// 值班员: alerted first.
    case duty
    /// 带班领导: alerted when the duty cadre has not acknowledged in time.
    case leader
}

/// One shift on the roster.
public struct DutyShift: Sendable, Hashable {
    public var id: UUID
    /// The county's or a township's code.
    public var region: RegionCode
    public var username: String
    public var kind: DutyKind
    public var startsAt: Date
    public var endsAt: Date

    public init(id: UUID, region: RegionCode, username: String, kind: DutyKind, startsAt: Date, endsAt: Date) {
        self.id = id
        self.region = region
        self.username = username
        self.kind = kind
        self.startsAt = startsAt
        self.endsAt = endsAt
    }
}

/// An alert sent to the person on duty about one case.
public struct DutyAlert: Sendable, Hashable {
    public var id: UUID
    public var caseID: UUID
    public var caseNumber: String
    /// 1: the duty cadre; 2: escalated to the leader on duty.
    public var level: Int
    public var username: String
    public var text: String
    public var sentAt: Date
    public var escalateAt: Date?
    public var acknowledgedAt: Date?
    public var acknowledgedBy: String?
    /// Where the alert went beyond the console (the SMS gateway), and how that went.
    public var deliveredAt: Date?
    public var lastError: String?

    public init(
        id: UUID, caseID: UUID, caseNumber: String, level: Int, username: String, text: String, sentAt: Date, escalateAt: Date?,
        acknowledgedAt: Date? = nil, acknowledgedBy: String? = nil, deliveredAt: Date? = nil, lastError: String? = nil
    ) {
        self.id = id
        self.caseID = caseID
        self.caseNumber = caseNumber
        self.level = level
        self.username = username
        self.text = text
        self.sentAt = sentAt
        self.escalateAt = escalateAt
        self.acknowledgedAt = acknowledgedAt
        self.acknowledgedBy = acknowledgedBy
        self.deliveredAt = deliveredAt
        self.lastError = lastError
    }
}

/// What needs a duty alert, whom it goes to, and what it says.
public struct DutyPolicy: Sendable {
    /// An unacknowledged alert goes to the leader on duty after this long.
    public var escalateAfter: TimeInterval
    /// Risk at or above this alerts (2: a call to gather, a threat, a rumour spreading).
    public var riskAtLeast: Int

    public init(escalateAfter: TimeInterval = 15 * 60, riskAtLeast: Int = 2) {
        self.escalateAfter = escalateAfter
        self.riskAtLeast = riskAtLeast
    }

    /// Urgent, or risky enough, and still open; sealed reports go to the discipline commission, not the duty cadre.
    public func needsAlert(_ c: Case) -> Bool {
        !c.sealed && c.state.isOpen && (c.urgency == .urgent || c.opinionRisk >= riskAtLeast)
    }

    /// The regions whose roster answers for a case, nearest first: its township, then its county.
    public func regions(for c: Case) -> [RegionCode] {
        [c.townshipCode, c.countyCode].compactMap { $0 }
    }

    /// The shift that takes an alert of `level` for a case, from the shifts running now: for level 1 the duty cadre of
    /// the nearest region that has one; for level 2 the leader on duty of the nearest region that has one.
    public func recipient(level: Int, for c: Case, onDuty: [DutyShift], at now: Date) -> DutyShift? {
        let kind: DutyKind = level == 1 ? .duty : .leader
        for region in regions(for: c) {
            if let s = onDuty.filter({ $0.region == region && $0.kind == kind && $0.startsAt <= now && now < $0.endsAt })
                .min(by: { $0.startsAt < $1.startsAt })
            {
                return s
            }
        }
        // Nobody of that kind anywhere: a level-1 alert still goes to the leader, rather than to nobody.
        return level == 1 ? recipient(level: 2, for: c, onDuty: onDuty, at: now) : nil
    }

    /// The words of an alert: what, where, when, and that it waits for an acknowledgement.
    public func text(for c: Case, level: Int, place: String, at now: Date) -> String {
        let what = c.urgency == .urgent ? "紧急工单" : "舆情风险\(c.opinionRisk)级工单"
        let head = level == 1 ? "【值班提醒】" : "【值班升级】值班员 \(Int(escalateAfter / 60)) 分钟未确认，"
        return "\(head)\(place)\(what) \(c.number)：\(c.title)。请立即处置并在工作台确认收到。"
    }
}

/// Where an alert goes beyond the workbench: a private message through the county's own platform, and the SMS gateway.
/// (A personal-WeChat bridge's private send goes through the outbox, like every message to a group.)
public enum DutyChannel: String, Sendable, Codable, CaseIterable {
    /// The county's SMS gateway (`duty.webhook`).
    case sms
    /// A WeCom self-built application's message to the person's WeCom account (应用消息).
    case wecom
    /// A DingTalk internal application's work notice to the person's DingTalk account (工作通知).
    case dingtalk

    /// How a cadre names it.
    public var displayName: String {
        switch self {
        case .sms: return "短信"
        case .wecom: return "企业微信应用消息"
        case .dingtalk: return "钉钉工作通知"
        }
    }

    /// The channels an alert takes: every one the county has set up and the person can be reached on, in a fixed order.
    /// `accounts`: the person's account on each platform; `available`: the platforms the county has an application on.
    public static func route(smsGateway: Bool, accounts: [DutyChannel: String], available: Set<DutyChannel>) -> [(DutyChannel, String?)] {
        var out: [(DutyChannel, String?)] = []
        if smsGateway { out.append((.sms, nil)) }
        for channel in [DutyChannel.wecom, .dingtalk] where available.contains(channel) {
            if let account = accounts[channel], !account.isEmpty { out.append((channel, account)) }
        }
        return out
    }
}

import Foundation

/// Several messages are often one demand: the same villager typing in bursts, a quote-reply, a follow-up
/// ("还没修好"), neighbours adding "+1" / "我家也是", or the same complaint again in other words. They join one
/// case instead of opening many. `ThreadAttacher` decides from what the group said recently.
public struct ThreadMessage: Sendable, Hashable {
    public var id: Int
    public var sender: String
    public var sentAt: Date
    public var text: String
    /// The message it quotes, when the platform says so.
    public var quoteOf: Int?
    /// The case it is part of, if any.
    public var caseID: UUID?
    public init(id: Int, sender: String, sentAt: Date, text: String, quoteOf: Int? = nil, caseID: UUID? = nil) {
        self.id = id
        self.sender = sender
        self.sentAt = sentAt
        self.text = text
        self.quoteOf = quoteOf
        self.caseID = caseID
    }
}

/// An open case of the same group, as threading needs it.
public struct OpenCaseSummary: Sendable, Hashable {
    public var caseID: UUID
    public var originSender: String
    public var openedAt: Date
    public var lastActivity: Date
    public var text: String
    public var category: Category?
    /// The lead (or suggested) department's code.
    public var departmentCode: String?
    public init(
        caseID: UUID, originSender: String, openedAt: Date, lastActivity: Date, text: String, category: Category? = nil,
        departmentCode: String? = nil
    ) {
        self.caseID = caseID
        self.originSender = originSender
        self.openedAt = openedAt
        self.lastActivity = lastActivity
        self.text = text
        self.category = category
        self.departmentCode = departmentCode
    }
}

public enum ThreadDecision: Sendable, Hashable {
    /// Part of an existing case; the reason is shown on the case.
    case join(UUID, reason: String)
    /// A new demand: open a case.
    case open
    /// Nothing to do.
    case ignore
}

public struct ThreadAttacher: Sendable {
    public var sameSenderWindow: TimeInterval = 10 * 60
    public var supportWindow: TimeInterval = 2 * 3600
    public var followUpWindow: TimeInterval = 30 * 86400
    public var similarWindow: TimeInterval = 7 * 86400
    public var similarity = 0.5
    let hasher = MinHasher()

    public init() {}

    public static let followUps = [
        "还没修", "还没好", "还没人", "还是没", "怎么还", "咋还", "催一下", "催催", "有进展", "什么时候修", "什么时候能", "啥时候", "多久能", "有人管吗", "没人管", "没人来", "又坏了", "又停了",
        "又塌了",
    ]
    /// A non-actionable message this long or shorter, right after the same villager's demand, goes on with it.
    public static let continuationLength = 40

    /// The characters that carry a message's matter: Chinese characters without the function words, numbers and
    /// time words every message has ("我家也是，从昨天晚上到现在一滴水都没有" → 滴, 水).
    static func contentCharacters(_ text: String) -> Set<Character> {
        var t = text
        for phrase in supports { t = t.replacingOccurrences(of: phrase, with: "") }
        return Set(
            t.filter { ch in ch.unicodeScalars.first.map { (0x4E00...0x9FFF).contains($0.value) } == true && !stopCharacters.contains(ch) })
    }

    static let stopCharacters = Set("我你他她它们的了是在有也都就不没到从上下个这那和与及还很太又再吧呢啊吗呀哦么一二三四五六七八九十两几天年月日号今昨明前后现时候晚早中午点分家里组村说要去来过着给把被让得地")

    public static let supports = ["+1", "＋1", "我家也是", "我们家也是", "我们也是", "我也是", "同样", "一样的", "附议", "顶", "同问", "我们组也", "我家也", "也是这样"]

    /// `recent`: the group's messages of the last hours, oldest first; `open`: the group's open cases. `category` and
    /// `department` are what triage made of the message on its own, when it made anything.
    public func decide(
        _ m: ThreadMessage, actionable: Bool, recent: [ThreadMessage], open: [OpenCaseSummary], category: Category? = nil,
        department: String? = nil
    ) -> ThreadDecision {
        let openIDs = Set(open.map(\.caseID))
        // 1. A quote-reply to a message that belongs to an open case.
        if let q = m.quoteOf, let quoted = recent.first(where: { $0.id == q }), let c = quoted.caseID, openIDs.contains(c) {
            return .join(c, reason: "引用回复工单中的消息")
        }
        // 2. The same villager, minutes after a message that is in an open case — if it goes on with that demand: a short
        //    word or a detail, or a demand of the same kind. A different demand (低保 after a water cut) or a long
        //    forwarded notice is not a continuation, however soon it comes.
        if let prev = recent.last(where: {
            $0.sender == m.sender && $0.id != m.id && $0.caseID != nil && m.sentAt.timeIntervalSince($0.sentAt) <= sameSenderWindow
                && m.sentAt >= $0.sentAt
        }),
            let c = prev.caseID, openIDs.contains(c)
        {
            let theCase = open.first { $0.caseID == c }
            let sameKind =
                (category == nil || theCase?.category == nil || category == theCase?.category)
                && (department == nil || theCase?.departmentCode == nil || department == theCase?.departmentCode)
            if actionable ? sameKind : m.text.count <= Self.continuationLength {
                return .join(c, reason: "同一村民 \(max(1, Int(m.sentAt.timeIntervalSince(prev.sentAt) / 60))) 分钟内连续发言")
            }
        }
        let text = m.text
        let short = text.count <= 20
        // 3. A follow-up by the villager whose case it is.
        if Self.followUps.contains(where: { text.contains($0) }),
            let c = open.filter({ $0.originSender == m.sender && m.sentAt.timeIntervalSince($0.openedAt) <= followUpWindow })
                .max(by: { $0.lastActivity < $1.lastActivity })
        {
            return .join(c.caseID, reason: "村民追问办理进度")
        }
        // 4. Neighbours adding their voice ("+1", "我家也是，一滴水都没有") to the open case it answers: the one of the
        //    same department, then the one sharing its words, then the latest.
        let leading = Self.supports.contains { text.hasPrefix($0) }
        if (short && Self.supports.contains(where: { text.contains($0) })) || (leading && text.count <= 80) {
            let candidates = open.filter { m.sentAt.timeIntervalSince($0.lastActivity) <= supportWindow && m.sentAt >= $0.openedAt }
            let words = Self.contentCharacters(text)
            func score(_ c: OpenCaseSummary) -> (Int, Int, Date) {
                let sameDepartment = department != nil && department == c.departmentCode ? 1 : 0
                return (sameDepartment, words.intersection(Self.contentCharacters(c.text)).count, c.lastActivity)
            }
            if let c = candidates.max(by: { score($0) < score($1) }) {
                return .join(c.caseID, reason: "其他村民附和（\(text.prefix(10))）")
            }
        }
        guard actionable else { return .ignore }
        // 5. The same demand again, in other words.
        let sig = hasher.signature(text)
        var best: (OpenCaseSummary, Double)?
        for c in open where m.sentAt.timeIntervalSince(c.openedAt) <= similarWindow {
            let s = MinHasher.similarity(sig, hasher.signature(c.text))
            if s >= similarity, best == nil || s > best!.1 { best = (c, s) }
        }
        if let (c, s) = best { return .join(c.caseID, reason: "与工单内容相近（相似度 \(Int((s * 100).rounded()))%）") }
        return .open
    }
}

/// What Weimin says in the group, as templates the county can edit. Placeholders are `{name}`;
/// a template may only use the placeholders its kind provides, so an edit cannot leave `{typo}` in a
/// message sent to a thousand villagers.
public enum OutboundKind: String, CaseIterable, Codable, Sendable, Hashable {
    case receipt  // 受理回执
    case progress  // 办理进展
    case resolution  // 办结答复
    case satisfaction  // 满意度回访
    case supervision  // 督办通知
    case notice  // 公告 / 公示
    case privateReply = "private_reply"  // 对反映干部问题者的私信答复（仅私信，从不进群）
    case privateAnswer = "private_answer"  // 涉及个人隐私事项的私信答复（低保、看病、家事等，仅发给本人）
    case opinionReceipt = "opinion_receipt"  // 舆情（谣言）事项的回执：不复述内容、不@传播者
    case rebuttal  // 辟谣
    case dutyAlert = "duty_alert"  // 值班提醒（经个人微信桥私信发给值班人员本人）

    /// Notices and supervision read better with a bold heading where the robot renders markdown
    /// (WeCom, DingTalk); case replies stay plain text, which every client shows the same way.
    public var prefersMarkdown: Bool { self == .notice || self == .supervision || self == .rebuttal }
}

public struct MessageTemplates: Sendable, Equatable, Codable {
    public var texts: [OutboundKind: String]

    public static let defaults = MessageTemplates(texts: [
        .receipt: "【受理回执】{mention}您反映的“{title}”已受理，编号 {case_number}，由{department}办理，将于 {deadline} 前答复。",
        .progress: "【办理进展】编号 {case_number}“{title}”：{note}",
        .resolution: "【办结答复】{mention}您反映的“{title}”（编号 {case_number}）已办结：{reply}",
        .satisfaction: "【回访】{mention}请对编号 {case_number}“{title}”的办理结果评价，直接回复数字：1 满意 / 2 基本满意 / 3 不满意",
        .supervision: "【督办】编号 {case_number}“{title}”已{level}，请{department}抓紧办理并答复群众。",
        .notice: "【{notice_kind}】{title}\n{body}{objection}",
        .privateReply: "【私信答复】您反映的问题已{stage}（编号 {case_number}），将依规依纪处理，您的身份信息严格保密。如需补充，请直接联系县纪委监委（12388）。",
        .privateAnswer: "【私信答复】您反映的“{title}”（编号 {case_number}）{note}",
        .opinionReceipt: "【受理回执】编号 {case_number}：群里反映的情况已收到，正由{department}核实，核实结果将及时发布。请以官方发布的信息为准，不信谣、不传谣。",
        .rebuttal: "【辟谣】{note}",
        .dutyAlert: "{note}",
    ])

    /// The placeholders each kind may use.
    public static let placeholders: [OutboundKind: Set<String>] = [
        .receipt: ["mention", "title", "case_number", "department", "deadline"],
        .progress: ["title", "case_number", "note", "department"],
        .resolution: ["mention", "title", "case_number", "reply", "department"],
        .satisfaction: ["mention", "title", "case_number"],
        .supervision: ["title", "case_number", "level", "department"],
        .notice: ["notice_kind", "title", "body", "objection"],
        .privateReply: ["case_number", "stage"],
        .privateAnswer: ["title", "case_number", "note", "department"],
        .opinionReceipt: ["case_number", "department", "deadline"],
        .rebuttal: ["note", "case_number", "department"],
        .dutyAlert: ["note", "case_number"],
    ]

    public init(texts: [OutboundKind: String]) { self.texts = texts }

    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Checks an edited template: not empty, not too long for a robot (WeCom text ≤ 2048 bytes), and only
    /// known placeholders.
    public static func validate(_ text: String, for kind: OutboundKind) throws(Problem) {
        guard !text.trimmingCharacters().isEmpty else { throw Problem(description: "模板不能为空") }
        guard text.utf8.count <= 1500 else { throw Problem(description: "模板过长（最多约 500 个汉字），群机器人单条消息有长度限制") }
        let used = names(in: text)
        let allowed = placeholders[kind] ?? []
        let unknown = used.subtracting(allowed)
        guard unknown.isEmpty else {
            throw Problem(
                description:
                    "模板中有不认识的占位符：\(unknown.sorted().map { "{\($0)}" }.joined(separator: "、"))；可用：\(allowed.sorted().map { "{\($0)}" }.joined(separator: "、"))"
            )
        }
    }

    static func names(in text: String) -> Set<String> {
        var result: Set<String> = []
        var current: String?
        for ch in text {
            if ch == "{" {
                current = ""
            } else if ch == "}", let c = current {
                if !c.isEmpty { result.insert(c) }; current = nil
            } else if current != nil {
                current!.append(ch)
            }
        }
        return result
    }

    /// Fills in a template; values are inserted as given, placeholders without a value become empty.
    public func render(_ kind: OutboundKind, _ values: [String: String]) -> String {
        let template = texts[kind] ?? Self.defaults.texts[kind] ?? ""
        var out = ""
        var name: String?
        for ch in template {
            if ch == "{" { name = ""; continue }
            if ch == "}", let n = name { out += values[n] ?? ""; name = nil; continue }
            if name != nil { name!.append(ch) } else { out.append(ch) }
        }
        if let n = name { out += "{" + n }  // an unclosed brace is text
        return out
    }
}

import Foundation

/// A notice the county, a township or a village publishes to its groups (公示公开、宣传教育, docs/domain.md §6).
public enum NoticeKind: String, CaseIterable, Codable, Sendable, Hashable {
    case villageAffairs = "village_affairs"  // 村务公开
    case partyAffairs = "party_affairs"  // 党务公开
    case finance  // 财务公开
    case policy  // 政策宣传

    public var name: String {
        switch self {
        case .villageAffairs: return "村务公开"
        case .partyAffairs: return "党务公开"
        case .finance: return "财务公开"
        case .policy: return "政策宣传"
        }
    }
}

/// Who may publish notices, and to which groups: a village admin to the village's groups, a township
/// cadre to the township's, the acceptance centre and admins to the county's.
public enum NoticeAccess {
    public static func mayPublish(_ role: Role) -> Bool {
        [.villageAdmin, .townshipCadre, .intakeOperator, .admin].contains(role)
    }
}

/// Recognises an objection (异议) to a 公示 in what villagers write during the objection window.
/// Deliberately generous: a person reads every case it opens, and a missed objection is worse than one
/// extra case to decline.
public enum ObjectionDetector {
    static let phrases = [
        "异议", "有意见", "不同意", "不服", "不公平", "不公正", "不合理", "反对", "有问题", "不对", "不符合", "弄虚作假", "优亲厚友",
        "凭什么", "为什么他", "为什么她", "为什么我家", "为啥", "怎么评上", "怎么没有我", "没有公开", "暗箱", "造假", "虚报", "冒领", "要求重新",
    ]
    static let notObjection = ["没有异议", "无异议", "没意见", "没有意见", "同意", "支持"]

    public static func isObjection(_ text: String) -> Bool {
        let t = text.filter { !$0.isWhitespace }
        guard t.count >= 2 else { return false }
        // "没有异议" contains "异议": take the negations out first.
        var rest = t
        for n in notObjection { rest = rest.replacingOccurrences(of: n, with: "") }
        return phrases.contains { rest.contains($0) }
    }
}

/// What a notice becomes once checked: its words trimmed, when it goes out and, for a 公示, until when objections count.
public struct NoticePlan: Sendable, Hashable {
    public var title: String
    public var body: String
    public var publishAt: Date
    public var objectionUntil: Date?
}

/// The rules a notice must meet before it goes to any group, and the words the groups read. Every refusal says what to
/// change.
public enum NoticeRules {
    public static let maxGroups = 5000
    public static let maxAttachments = 20

    public static func plan(
        title: String, body: String, role: Role, groupCount: Int, disclosure: Bool, objectionDays: Int, attachmentNames: [String],
        files: [(name: String, bytes: Int)], maxFileBytes: Int, publishAt: Date?, now: Date
    ) throws(CaseOperationError) -> NoticePlan {
        guard NoticeAccess.mayPublish(role) else { throw .forbidden("\(CoreStrings.roleName(role))不能发布公告") }
        let title = title.trimmingCharacters(in: .whitespacesAndNewlines)
        let body = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty, title.count <= 100 else { throw .invalid("请填写标题（最多 100 字）") }
        guard !body.isEmpty, body.utf8.count <= 3000 else { throw .invalid("请填写正文（最多约 1000 字：群机器人单条消息有长度限制）") }
        guard groupCount > 0, groupCount <= maxGroups else { throw .invalid("请选择要发送的群（1–\(maxGroups) 个）") }
        guard !disclosure || (1...90).contains(objectionDays) else { throw .invalid("异议期应为 1–90 天") }
        let names = attachmentNames + files.map(\.name)
        guard names.count <= maxAttachments, names.allSatisfy({ !$0.isEmpty && $0.count <= 200 }) else {
            throw .invalid("附件最多 \(maxAttachments) 个，每个须有名称")
        }
        if let big = files.first(where: { $0.bytes > maxFileBytes || $0.bytes == 0 }) {
            throw .invalid("附件“\(big.name)”\(big.bytes == 0 ? "是空文件" : "超过 \(maxFileBytes / 1_048_576) MB，群机器人无法发送")")
        }
        let at = max(publishAt ?? now, now)
        guard at < now.addingTimeInterval(366 * 86400) else { throw .invalid("发布时间最多可预约一年以内") }
        return NoticePlan(
            title: title, body: body, publishAt: at,
            objectionUntil: disclosure ? at.addingTimeInterval(Double(objectionDays) * 86400) : nil)
    }

    /// The message each group receives: the county's `notice` template around the title, the body, what is attached
    /// (links by name and address, files "随后发送") and, for a 公示, until when and how to object.
    public static func groupText(
        _ plan: NoticePlan, kind: NoticeKind, disclosure: Bool, links: [(name: String, url: String?)], fileNames: [String],
        templates: MessageTemplates
    ) -> String {
        var text = plan.body
        let named = links.map { l in l.url.map { "\(l.name) \($0)" } ?? l.name } + fileNames.map { "\($0)（随后发送）" }
        if !named.isEmpty { text += "\n附件：" + named.joined(separator: "；") }
        return templates.render(
            .notice,
            [
                "notice_kind": disclosure ? "\(kind.name)·公示" : kind.name, "title": plan.title, "body": text,
                "objection": plan.objectionUntil.map { "\n公示期至 \(CaseReplyPlan.spoken($0))，如有异议请在群里回复，或向村委会反映。" } ?? "",
            ])
    }

    /// The line that goes with each attached file after the notice.
    public static func fileCaption(_ name: String) -> String { "【附件】\(name)" }
}

import Foundation

/// A notice the county, a township or a village publishes to its groups (公示公开、宣传教育, docs/domain.md §6).
public enum NoticeKind: String, CaseIterable, Codable, Sendable, Hashable {
    case villageAffairs = "village_affairs"   // 村务公开
    case partyAffairs = "party_affairs"       // 党务公开
    case finance                              // 财务公开
    case policy                               // 政策宣传

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

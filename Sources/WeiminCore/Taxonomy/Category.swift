/// The five functions of a village group (五大职能, docs/domain.md §1.3) plus `none` for messages that need nothing.
/// Stored as its raw string; the raw values are part of the API and the database, never rename them.
public enum Category: String, CaseIterable, Codable, Sendable, Hashable {
    case publicity
    case disclosure
    case service
    case petition
    case opinion
    case none

    /// Categories a case can be filed under; `none` messages are kept but never become cases.
    public static let actionable: [Category] = [.publicity, .disclosure, .service, .petition, .opinion]

    public var isActionable: Bool { self != .none }
}

public enum Urgency: String, CaseIterable, Codable, Sendable, Hashable {
    case normal
    case urgent
}

/// The villager's answer to the satisfaction check (回访).
public enum Satisfaction: String, CaseIterable, Codable, Sendable, Hashable {
    case satisfied
    case basicallySatisfied = "basically_satisfied"
    case unsatisfied

    /// 满意 and 基本满意 both count towards the satisfaction rate (docs/domain.md §5).
    public var countsAsSatisfied: Bool { self != .unsatisfied }
}

/// The chat platforms a group can live on. `wechat` means a personal-WeChat group reached through a bridge.
public enum Platform: String, CaseIterable, Codable, Sendable, Hashable {
    case wecom
    case dingtalk
    case wechat
    case feishu
    case other
}

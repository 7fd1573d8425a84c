import Foundation
import WeiminCore

/// A group's outbound robot, with its secrets decrypted for sending.
public struct Robot: Sendable, Hashable {
    public enum Kind: String, CaseIterable, Sendable {
        case wecomRobot = "wecom_robot"
        case dingtalkRobot = "dingtalk_robot"
        case feishuBot = "feishu_bot"
        case wechatbot
        case wcf
    }

    public var id: UUID
    public var groupID: UUID
    public var kind: Kind
    /// The webhook address (with its key or access token: a secret) or the bridge's base URL.
    public var endpoint: String
    /// The signing secret (DingTalk, Feishu) or the bridge's token.
    public var secret: String?
    /// Where a bridge sends: the room id or name; nil for webhooks, which are bound to one group.
    public var target: String?
    public var active: Bool
    public var failure: String?
}

/// One message waiting to go out.
public struct OutboxItem: Sendable, Hashable {
    public var id: Int
    public var countyCode: String
    public var groupID: UUID
    public var causeKey: String
    public var kind: OutboundKind
    public var caseID: UUID?
    public var noticeID: UUID?
    public var text: String
    public var mentions: [String]
    public var status: String
    public var attempts: Int
    public var lastError: String?
    /// A file sent as its own message (a notice's attachment).
    public var fileID: UUID?
    /// A private answer to one person (a sealed case's reporter): the recipient, still encrypted.
    var recipientCipher: String?
    public var isPrivate: Bool { recipientCipher != nil }
}

/// A file to send, as the robot receives it.
public struct OutboundFile: Sendable, Hashable {
    public var name: String
    public var contentType: String
    public var data: [UInt8]
    /// The stored file (`files`), for a download link where the robot cannot carry the file itself.
    public var id: UUID?
    public init(name: String, contentType: String, data: [UInt8], id: UUID? = nil) {
        self.name = name
        self.contentType = contentType
        self.data = data
        self.id = id
    }
}

/// An outbox item made ready to send: mentions resolved (a villager's mobile is decrypted only now, never
/// stored in clear), the private recipient opened, the file loaded.
public struct OutboundMessage: Sendable, Hashable {
    public var kind: OutboundKind
    public var text: String
    public var mentions: Mentions
    public var privateTo: String?
    public var file: OutboundFile?
    public init(kind: OutboundKind, text: String, mentions: Mentions = Mentions(), privateTo: String? = nil, file: OutboundFile? = nil) {
        self.kind = kind
        self.text = text
        self.mentions = mentions
        self.privateTo = privateTo
        self.file = file
    }
}

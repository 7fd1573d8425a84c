import FluentKit
import Foundation

final class IngestSourceModel: Model, @unchecked Sendable {
    static let schema = "ingest_sources"

    @ID(key: .id) var id: UUID?
    @Field(key: "county_code") var countyCode: String
    @Field(key: "kind") var kind: String
    @Field(key: "name") var name: String
    @OptionalField(key: "secrets_cipher") var secretsCipher: String?
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "active") var active: Bool
    @Field(key: "created_at") var createdAt: Date
    /// M029: the source's own bot accounts (comma-separated), learned or configured.
    @OptionalField(key: "self_ids") var selfIDs: String?

    init() {}
}

final class QuarantinedMessageModel: Model, @unchecked Sendable {
    static let schema = "quarantined_messages"

    @ID(key: .id) var id: UUID?
    @OptionalField(key: "source_id") var sourceID: UUID?
    @Field(key: "county_code") var countyCode: String
    @Field(key: "platform") var platform: String
    @Field(key: "group_external_id") var groupExternalID: String
    @Field(key: "group_name") var groupName: String
    @Field(key: "platform_message_id") var platformMessageID: String
    @Field(key: "sender_id") var senderID: String
    @Field(key: "sender_name") var senderName: String
    @Field(key: "kind") var kind: String
    @Field(key: "text") var text: String
    @Field(key: "sent_at") var sentAt: Date
    @Field(key: "received_at") var receivedAt: Date
    @Field(key: "reason") var reason: String
    @OptionalField(key: "attached_at") var attachedAt: Date?
    @OptionalField(key: "message_id") var messageID: Int?
    /// M029: why the message is Weimin's own, as in `messages.echo`.
    @OptionalField(key: "echo") var echo: String?

    init() {}
}

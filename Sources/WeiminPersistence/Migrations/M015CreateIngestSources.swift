import FluentKit

/// Where messages come from (a WeCom app, a DingTalk robot, a bridge, the generic API), each with its
/// own secrets (encrypted) and API token (hashed); and the quarantine for messages from groups nobody
/// has registered yet — kept with the reason, never dropped, attached when the group is registered.
struct M015CreateIngestSources: AsyncMigration {
    var name: String { "M015CreateIngestSources" }

    func prepare(on database: any Database) async throws {
        try await database.schema("ingest_sources")
            .id()
            .field("county_code", .string, .required, .references("regions", "code"))
            .field("kind", .string, .required)
            .field("name", .string, .required)
            .field("secrets_cipher", .string)
            .field("token_hash", .string, .required)
            .field("active", .bool, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
        try await database.schema("quarantined_messages")
            .id()
            .field("source_id", .uuid, .references("ingest_sources", "id"))
            .field("county_code", .string, .required)
            .field("platform", .string, .required)
            .field("group_external_id", .string, .required)
            .field("group_name", .string, .required)
            .field("platform_message_id", .string, .required)
            .field("sender_id", .string, .required)
            .field("sender_name", .string, .required)
            .field("kind", .string, .required)
            .field("text", .string, .required)
            .field("sent_at", .datetime, .required)
            .field("received_at", .datetime, .required)
            .field("reason", .string, .required)
            .field("attached_at", .datetime)
            .field("message_id", .int64)
            .unique(on: "platform", "group_external_id", "platform_message_id")
            .create()
        try await MigrationSupport.index(
            database, "quarantine_group", on: "quarantined_messages", "platform", "group_external_id", "attached_at")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("quarantined_messages").delete()
        try await database.schema("ingest_sources").delete()
    }
}

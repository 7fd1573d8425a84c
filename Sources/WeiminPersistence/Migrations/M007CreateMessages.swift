import FluentKit

/// Every group message, stored once: unique per platform + group + platform message id.
struct M007CreateMessages: AsyncMigration {
    var name: String { "M007CreateMessages" }

    func prepare(on database: any Database) async throws {
        try await database.schema("messages")
            .field("id", .int64, .identifier(auto: true))
            .field("county_code", .string, .required)
            .field("group_id", .uuid, .required, .references("chat_groups", "id"))
            .field("platform", .string, .required)
            .field("platform_message_id", .string, .required)
            .field("sender_id", .string, .required)
            .field("sender_name", .string, .required)
            .field("kind", .string, .required)
            .field("text", .string, .required)
            .field("sent_at", .datetime, .required)
            .field("received_at", .datetime, .required)
            .unique(on: "platform", "group_id", "platform_message_id")
            .create()
        try await MigrationSupport.index(database, "messages_group_sent", on: "messages", "group_id", "sent_at")
        try await MigrationSupport.index(database, "messages_county_sent", on: "messages", "county_code", "sent_at")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("messages").delete()
    }
}

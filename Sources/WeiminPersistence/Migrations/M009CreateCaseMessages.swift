import FluentKit

/// Which messages a case came from; a message may feed several cases only by explicit linking.
struct M009CreateCaseMessages: AsyncMigration {
    var name: String { "M009CreateCaseMessages" }

    func prepare(on database: any Database) async throws {
        try await database.schema("case_messages")
            .id()
            .field("case_id", .uuid, .required, .references("cases", "id", onDelete: .cascade))
            .field("message_id", .int64, .required, .references("messages", "id"))
            .field("county_code", .string, .required)
            .field("relation", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "case_id", "message_id")
            .create()
        try await MigrationSupport.index(database, "case_messages_message", on: "case_messages", "message_id")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("case_messages").delete()
    }
}

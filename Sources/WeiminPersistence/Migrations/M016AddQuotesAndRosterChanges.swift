import FluentKit

/// Quotes keep the platform id of the message they answer and, when it is stored, a link to it;
/// group members who leave are kept with the time they left (the roster's history stays readable).
struct M016AddQuotesAndRosterChanges: AsyncMigration {
    var name: String { "M016AddQuotesAndRosterChanges" }

    func prepare(on database: any Database) async throws {
        try await database.schema("messages")
            .field("quoted_platform_id", .string)
            .update()
        try await database.schema("messages")
            .field("quote_of", .int64)
            .update()
        try await database.schema("group_members")
            .field("left_at", .datetime)
            .update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("group_members").deleteField("left_at").update()
        try await database.schema("messages").deleteField("quote_of").update()
        try await database.schema("messages").deleteField("quoted_platform_id").update()
    }
}

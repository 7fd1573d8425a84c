import FluentKit

/// The append-only, hash-chained history of every case.
struct M010CreateCaseEvents: AsyncMigration {
    var name: String { "M010CreateCaseEvents" }

    func prepare(on database: any Database) async throws {
        try await database.schema("case_events")
            .field("id", .int64, .identifier(auto: true))
            .field("case_id", .uuid, .required, .references("cases", "id"))
            .field("county_code", .string, .required)
            .field("sequence", .int, .required)
            .field("occurred_at", .datetime, .required)
            .field("actor", .string, .required)
            .field("actor_role", .string, .required)
            .field("action", .string, .required)
            .field("from_state", .string)
            .field("to_state", .string)
            .field("note", .string, .required)
            .field("previous_hash", .string, .required)
            .field("hash", .string, .required)
            .unique(on: "case_id", "sequence")
            .create()
        try await MigrationSupport.index(database, "case_events_county_time", on: "case_events", "county_code", "occurred_at")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("case_events").delete()
    }
}

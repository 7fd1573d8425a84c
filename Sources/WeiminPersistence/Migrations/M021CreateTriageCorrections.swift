import FluentKit

/// What people decided about a triaged message: the category the centre filed it under (改类, 非诉求) and the
/// department it was sent to (派单, 改派), next to what triage suggested. `weimin model retrain` learns from it.
struct M021CreateTriageCorrections: AsyncMigration {
    var name: String { "M021CreateTriageCorrections" }

    func prepare(on database: any Database) async throws {
        try await database.schema("triage_corrections")
            .id()
            .field("county_code", .string, .required)
            .field("message_id", .int64, .required)
            .field("case_id", .uuid, .required)
            .field("field", .string, .required)
            .field("suggested", .string)
            .field("corrected", .string, .required)
            .field("changed", .bool, .required)
            .field("actor", .string, .required)
            .field("event_sequence", .int, .required)
            .field("corrected_at", .datetime, .required)
            .create()
        try await MigrationSupport.index(database, "triage_corrections_message", on: "triage_corrections", "message_id", "field")
        try await MigrationSupport.index(
            database, "triage_corrections_county_time", on: "triage_corrections", "county_code", "corrected_at")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("triage_corrections").delete()
    }
}

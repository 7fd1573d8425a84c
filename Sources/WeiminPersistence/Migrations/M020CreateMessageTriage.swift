import FluentKit

/// Triage decisions, one per stored text message, with the model version that made them and the case the
/// message opened or joined (and why, when it joined by threading).
struct M020CreateMessageTriage: AsyncMigration {
    var name: String { "M020CreateMessageTriage" }

    func prepare(on database: any Database) async throws {
        try await database.schema("message_triage")
            .field("message_id", .int64, .required)
            .field("county_code", .string, .required)
            .field("group_id", .uuid, .required)
            .field("category", .string, .required)
            .field("category_score", .double, .required)
            .field("department", .string)
            .field("urgency", .string, .required)
            .field("opinion_risk", .int, .required)
            .field("reports_cadre", .bool, .required)
            .field("undecided", .bool, .required)
            .field("reasons", .string, .required)
            .field("entities", .string, .required)
            .field("model_version", .string, .required)
            .field("case_id", .uuid)
            .field("thread_reason", .string)
            .field("decided_at", .datetime, .required)
            .unique(on: "message_id")
            .create()
        try await MigrationSupport.index(database, "message_triage_county_undecided", on: "message_triage", "county_code", "undecided")
        try await MigrationSupport.index(database, "message_triage_case", on: "message_triage", "case_id")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("message_triage").delete()
    }
}

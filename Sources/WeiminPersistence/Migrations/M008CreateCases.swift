import FluentKit

/// Cases (工单) and the per-county, per-year number sequence. The indexes serve the ledger's
/// filters: state, region, category, department, deadline and time.
struct M008CreateCases: AsyncMigration {
    var name: String { "M008CreateCases" }

    func prepare(on database: any Database) async throws {
        try await database.schema("cases")
            .id()
            .field("number", .string, .required)
            .field("county_code", .string, .required, .references("regions", "code"))
            .field("township_code", .string, .references("regions", "code"))
            .field("village_code", .string, .references("regions", "code"))
            .field("scope_code", .string, .required)
            .field("group_id", .uuid, .references("chat_groups", "id"))
            .field("category", .string, .required)
            .field("department_id", .uuid, .references("departments", "id"))
            .field("urgency", .string, .required)
            .field("state", .string, .required)
            .field("resume_state", .string)
            .field("last_review", .string)
            .field("sealed", .bool, .required)
            .field("title", .string, .required)
            .field("summary", .string, .required)
            .field("opinion_risk", .int, .required)
            .field("merged_into_id", .uuid, .references("cases", "id"))
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("response_due_at", .datetime)
            .field("due_at", .datetime)
            .field("resolved_at", .datetime)
            .field("closed_at", .datetime)
            .unique(on: "number")
            .create()
        try await MigrationSupport.index(database, "cases_county_state_created", on: "cases", "county_code", "state", "created_at")
        try await MigrationSupport.index(database, "cases_township_state", on: "cases", "township_code", "state")
        try await MigrationSupport.index(database, "cases_scope_created", on: "cases", "scope_code", "created_at")
        try await MigrationSupport.index(database, "cases_county_category", on: "cases", "county_code", "category")
        try await MigrationSupport.index(database, "cases_department_state", on: "cases", "department_id", "state")
        try await MigrationSupport.index(database, "cases_state_due", on: "cases", "state", "due_at")
        try await MigrationSupport.index(database, "cases_created", on: "cases", "created_at")

        try await database.schema("case_sequences")
            .field("id", .string, .identifier(auto: false))
            .field("next_value", .int, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("case_sequences").delete()
        try await database.schema("cases").delete()
    }
}

import FluentKit

/// 核减: cases a supervisor excluded from the assessment rates, with the reason (also in the case's audit
/// chain). The list is shown to everyone assessed.
struct M024CreateAssessmentExclusions: AsyncMigration {
    var name: String { "M024CreateAssessmentExclusions" }

    func prepare(on database: any Database) async throws {
        try await database.schema("assessment_exclusions")
            .field("case_id", .uuid, .identifier(auto: false), .references("cases", "id", onDelete: .cascade))
            .field("county_code", .string, .required)
            .field("reason", .string, .required)
            .field("actor", .string, .required)
            .field("excluded_at", .datetime, .required)
            .create()
        try await MigrationSupport.index(
            database, "assessment_exclusions_county", on: "assessment_exclusions", "county_code", "excluded_at")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("assessment_exclusions").delete()
    }
}

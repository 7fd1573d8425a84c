import FluentKit

/// Adds what the closed loop tracks beyond the state: the handling clock (rule, start, suspension,
/// extension), response and acceptance-notice times, the return window, the petition's 复查/复核
/// stage, an optimistic-concurrency version, and co-handling departments (协办).
/// One column per ALTER: SQLite adds a single column per statement.
struct M011AddCaseClocks: AsyncMigration {
    var name: String { "M011AddCaseClocks" }

    static let columns: [(String, DatabaseSchema.DataType)] = [
        ("version", .int),
        ("responded_at", .datetime),
        ("acceptance_due_at", .datetime),
        ("acceptance_notified_at", .datetime),
        ("return_due_at", .datetime),
        ("clock_rule", .string),
        ("clock_limit", .string),
        ("clock_started_at", .datetime),
        ("clock_suspended_at", .datetime),
        ("clock_remaining", .double),
        ("extension_requested", .string),
        ("extension_reason", .string),
        ("extensions", .int),
        ("petition_stage", .string),
        ("petition_due_at", .datetime),
        ("petition_stage_at", .datetime),
        // The audit chain's head: hash and length of the last event, so truncation is detectable.
        ("event_head", .string),
        ("event_count", .int),
    ]

    func prepare(on database: any Database) async throws {
        for (name, type) in Self.columns {
            try await database.schema("cases").field(.definition(name: .key(.string(name)), dataType: type, constraints: [])).update()
        }
        try await MigrationSupport.index(database, "cases_state_response_due", on: "cases", "state", "response_due_at")
        try await database.schema("case_departments")
            .id()
            .field("case_id", .uuid, .required, .references("cases", "id", onDelete: .cascade))
            .field("department_id", .uuid, .required, .references("departments", "id"))
            .field("county_code", .string, .required)
            .field("role", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "case_id", "department_id")
            .create()
        try await MigrationSupport.index(database, "case_departments_department", on: "case_departments", "department_id")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("case_departments").delete()
        try await MigrationSupport.dropIndex(database, "cases_state_response_due")
        for (name, _) in Self.columns.reversed() {
            try await database.schema("cases").deleteField(.key(.string(name))).update()
        }
    }
}

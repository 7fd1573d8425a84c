import FluentKit

/// A county's departments and its dispatch catalogue (派单目录): which matters go to whom.
struct M003CreateDepartments: AsyncMigration {
    var name: String { "M003CreateDepartments" }

    func prepare(on database: any Database) async throws {
        try await database.schema("departments")
            .id()
            .field("county_code", .string, .required, .references("regions", "code"))
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("active", .bool, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "county_code", "code")
            .create()
        try await database.schema("dispatch_entries")
            .id()
            .field("county_code", .string, .required, .references("regions", "code"))
            .field("category", .string, .required)
            .field("matter", .string, .required)
            .field("department_id", .uuid, .required, .references("departments", "id"))
            .field("keywords", .string, .required)
            .unique(on: "county_code", "matter")
            .create()
        try await MigrationSupport.index(database, "dispatch_entries_department", on: "dispatch_entries", "department_id")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("dispatch_entries").delete()
        try await database.schema("departments").delete()
    }
}

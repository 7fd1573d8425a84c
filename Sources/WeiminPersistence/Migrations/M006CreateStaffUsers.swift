import FluentKit

/// Staff accounts (bcrypt password hashes, role, region scope, department) and API tokens (hashed).
struct M006CreateStaffUsers: AsyncMigration {
    var name: String { "M006CreateStaffUsers" }

    func prepare(on database: any Database) async throws {
        try await database.schema("staff_users")
            .id()
            .field("username", .string, .required)
            .field("display_name", .string, .required)
            .field("password_hash", .string, .required)
            .field("role", .string, .required)
            .field("region_code", .string, .required, .references("regions", "code"))
            .field("county_code", .string)
            .field("department_id", .uuid, .references("departments", "id"))
            .field("active", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "username")
            .create()
        try await database.schema("api_tokens")
            .id()
            .field("user_id", .uuid, .required, .references("staff_users", "id", onDelete: .cascade))
            .field("token_hash", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("last_used_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
        try await MigrationSupport.index(database, "api_tokens_user", on: "api_tokens", "user_id")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("api_tokens").delete()
        try await database.schema("staff_users").delete()
    }
}

import FluentKit

/// The web console's sign-in: failed attempts and the lock they cause, the TOTP secret (encrypted) for two-factor
/// sign-in, and browser sessions (only a hash of the cookie is stored) with their CSRF token and idle time.
struct M022AddSignInSecurity: AsyncMigration {
    var name: String { "M022AddSignInSecurity" }

    func prepare(on database: any Database) async throws {
        try await database.schema("staff_sign_in")
            .field("user_id", .uuid, .identifier(auto: false), .references("staff_users", "id", onDelete: .cascade))
            .field("failed_count", .int, .required)
            .field("locked_until", .datetime)
            .field("totp_cipher", .string)
            .field("totp_confirmed_at", .datetime)
            .field("last_sign_in_at", .datetime)
            .field("must_change_password", .bool, .required)
            .create()
        try await database.schema("web_sessions")
            .field("id", .string, .identifier(auto: false))
            .field("user_id", .uuid, .required, .references("staff_users", "id", onDelete: .cascade))
            .field("csrf", .string, .required)
            .field("second_factor_done", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .create()
        try await MigrationSupport.index(database, "web_sessions_user", on: "web_sessions", "user_id")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("web_sessions").delete()
        try await database.schema("staff_sign_in").delete()
    }
}

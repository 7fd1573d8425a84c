import FluentKit

/// Key/value settings the server owns, e.g. the fingerprint of the data-encryption key.
struct M001CreateSystemSettings: AsyncMigration {
    var name: String { "M001CreateSystemSettings" }

    func prepare(on database: any Database) async throws {
        try await database.schema("system_settings")
            .field("key", .string, .identifier(auto: false))
            .field("value", .string, .required)
            .field("updated_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("system_settings").delete()
    }
}

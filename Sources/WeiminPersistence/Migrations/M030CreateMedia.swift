import FluentKit

/// The photos, voice notes, videos and files that come with messages (docs/protocols.md §6): one row per item, keyed
/// like its message (platform, the group's platform id, the message's platform id, and its place in the message) so
/// that an item of a quarantined message finds its message when the group is registered. The bytes live outside the
/// database, content-addressed by SHA-256 (`MediaFiles`); an item whose bytes must be fetched from the platform waits
/// here (`pending`) with what is needed to fetch it, and records each attempt.
struct M030CreateMedia: AsyncMigration {
    var name: String { "M030CreateMedia" }

    func prepare(on database: any Database) async throws {
        try await database.schema("media")
            .id()
            .field("county_code", .string, .required)
            .field("source_id", .uuid)
            .field("platform", .string, .required)
            .field("group_external_id", .string, .required)
            .field("platform_message_id", .string, .required)
            .field("ordinal", .int, .required)
            .field("message_id", .int64)
            .field("kind", .string, .required)
            .field("file_name", .string)
            .field("declared_type", .string)
            .field("content_type", .string)
            .field("sha256", .string)
            .field("size", .int64)
            .field("status", .string, .required)
            .field("failure", .string)
            .field("fetch_ref", .string)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime)
            .field("lease_until", .datetime)
            .field("created_at", .datetime, .required)
            .field("stored_at", .datetime)
            .field("erased_at", .datetime)
            .unique(on: "platform", "group_external_id", "platform_message_id", "ordinal")
            .create()
        try await MigrationSupport.index(database, "media_message", on: "media", "message_id")
        try await MigrationSupport.index(database, "media_due", on: "media", "status", "next_attempt_at")
        try await MigrationSupport.index(database, "media_sha", on: "media", "sha256")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("media").delete()
    }
}

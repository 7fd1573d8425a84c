import FluentKit

/// What answering in the group still lacked: files sent with notices (kept here, so a WeCom robot can
/// upload them with `upload_media`), private answers to a sealed case's reporter (the recipient stored
/// encrypted, never in clear beside the case number), and alerts for a group's admins when its robot
/// stops working or a send could not be confirmed.
struct M019AddOutboundFilesAndAlerts: AsyncMigration {
    var name: String { "M019AddOutboundFilesAndAlerts" }

    func prepare(on database: any Database) async throws {
        try await database.schema("files")
            .id()
            .field("county_code", .string, .required)
            .field("name", .string, .required)
            .field("content_type", .string, .required)
            .field("size", .int, .required)
            .field("sha256", .string, .required)
            .field("data", .data, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("outbox")
            .field("file_id", .uuid)
            .update()
        try await database.schema("outbox")
            .field("recipient_cipher", .string)
            .update()
        try await database.schema("alerts")
            .id()
            .field("county_code", .string, .required)
            .field("region_code", .string, .required)
            .field("group_id", .uuid)
            .field("kind", .string, .required)
            .field("message", .string, .required)
            .field("dedupe_key", .string, .required)
            .field("created_at", .datetime, .required)
            .field("resolved_at", .datetime)
            .field("resolved_by", .string)
            .unique(on: "dedupe_key")
            .create()
        try await MigrationSupport.index(database, "alerts_region_open", on: "alerts", "region_code", "resolved_at")
        // The satisfaction scan looks for questions past their follow-up time that nobody answered.
        try await MigrationSupport.index(
            database, "satisfaction_follow_up", on: "satisfaction_requests", "follow_up_at", "follow_up_due_at")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("alerts").delete()
        try await database.schema("outbox").deleteField("recipient_cipher").update()
        try await database.schema("outbox").deleteField("file_id").update()
        try await database.schema("files").delete()
    }
}

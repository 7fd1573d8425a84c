import FluentKit

/// Notices published to groups (公示公开、宣传教育): the notice, the groups it went to (delivery is in the
/// outbox, one message per group), and the objections raised during a 公示's window, each a case.
struct M018CreateNotices: AsyncMigration {
    var name: String { "M018CreateNotices" }

    func prepare(on database: any Database) async throws {
        try await database.schema("notices")
            .id()
            .field("county_code", .string, .required)
            .field("region_code", .string, .required)
            .field("author", .string, .required)
            .field("kind", .string, .required)
            .field("title", .string, .required)
            .field("body", .string, .required)
            .field("attachments", .string, .required)
            .field("disclosure", .bool, .required)
            .field("publish_at", .datetime, .required)
            .field("objection_until", .datetime)
            .field("created_at", .datetime, .required)
            .create()
        try await MigrationSupport.index(database, "notices_county_publish", on: "notices", "county_code", "publish_at")
        try await database.schema("notice_groups")
            .field("notice_id", .uuid, .required, .references("notices", "id", onDelete: .cascade))
            .field("group_id", .uuid, .required, .references("chat_groups", "id", onDelete: .cascade))
            .unique(on: "notice_id", "group_id")
            .create()
        try await MigrationSupport.index(database, "notice_groups_group", on: "notice_groups", "group_id")
        try await database.schema("notice_objections")
            .id()
            .field("notice_id", .uuid, .required, .references("notices", "id", onDelete: .cascade))
            .field("case_id", .uuid, .required, .references("cases", "id", onDelete: .cascade))
            .field("message_id", .int64, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "message_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("notice_objections").delete()
        try await database.schema("notice_groups").delete()
        try await database.schema("notices").delete()
    }
}

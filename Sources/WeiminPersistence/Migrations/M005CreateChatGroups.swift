import FluentKit

/// Village chat groups and their members (with who is admin, police, township cadre).
struct M005CreateChatGroups: AsyncMigration {
    var name: String { "M005CreateChatGroups" }

    func prepare(on database: any Database) async throws {
        try await database.schema("chat_groups")
            .id()
            .field("county_code", .string, .required, .references("regions", "code"))
            .field("township_code", .string, .required, .references("regions", "code"))
            .field("village_code", .string, .required, .references("regions", "code"))
            .field("platform", .string, .required)
            .field("external_id", .string, .required)
            .field("name", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "platform", "external_id")
            .create()
        try await MigrationSupport.index(database, "chat_groups_county_township", on: "chat_groups", "county_code", "township_code")
        try await MigrationSupport.index(database, "chat_groups_village", on: "chat_groups", "village_code")

        try await database.schema("group_members")
            .id()
            .field("group_id", .uuid, .required, .references("chat_groups", "id", onDelete: .cascade))
            .field("county_code", .string, .required)
            .field("person_id", .uuid, .references("people", "id", onDelete: .setNull))
            .field("platform_user_id", .string, .required)
            .field("display_name", .string, .required)
            .field("kind", .string, .required)
            .field("is_admin", .bool, .required)
            .field("joined_at", .datetime, .required)
            .unique(on: "group_id", "platform_user_id")
            .create()
        try await MigrationSupport.index(database, "group_members_person", on: "group_members", "person_id")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("group_members").delete()
        try await database.schema("chat_groups").delete()
    }
}

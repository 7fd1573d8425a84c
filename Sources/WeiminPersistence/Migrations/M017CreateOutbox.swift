import FluentKit

/// Answering in the group: each group's outbound robot (secrets encrypted), the outbox of messages to
/// deliver (written in the same transaction as their cause, unique per cause so nothing is sent twice),
/// the robots' recent sends (the 20-a-minute window, shared by every server instance), and the
/// satisfaction questions waiting for an answer.
struct M017CreateOutbox: AsyncMigration {
    var name: String { "M017CreateOutbox" }

    func prepare(on database: any Database) async throws {
        try await database.schema("robots")
            .id()
            .field("county_code", .string, .required)
            .field("group_id", .uuid, .required, .references("chat_groups", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("endpoint_cipher", .string, .required)
            .field("secret_cipher", .string)
            .field("target", .string)
            .field("active", .bool, .required)
            .field("failure", .string)
            .field("created_at", .datetime, .required)
            .unique(on: "group_id")
            .create()
        try await database.schema("robot_sends")
            .field("id", .int64, .identifier(auto: true))
            .field("robot_id", .uuid, .required, .references("robots", "id", onDelete: .cascade))
            .field("sent_at", .datetime, .required)
            .create()
        try await MigrationSupport.index(database, "robot_sends_robot_time", on: "robot_sends", "robot_id", "sent_at")
        try await database.schema("outbox")
            .field("id", .int64, .identifier(auto: true))
            .field("county_code", .string, .required)
            .field("group_id", .uuid, .required)
            .field("cause_key", .string, .required)
            .field("kind", .string, .required)
            .field("case_id", .uuid)
            .field("notice_id", .uuid)
            .field("text", .string, .required)
            .field("mentions", .string, .required)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("last_error", .string)
            .field("lease_owner", .string)
            .field("lease_until", .datetime)
            .field("created_at", .datetime, .required)
            .field("delivered_at", .datetime)
            .unique(on: "cause_key")
            .create()
        try await MigrationSupport.index(database, "outbox_due", on: "outbox", "status", "next_attempt_at")
        try await MigrationSupport.index(database, "outbox_group", on: "outbox", "group_id", "created_at")
        try await database.schema("satisfaction_requests")
            .id()
            .field("case_id", .uuid, .required, .references("cases", "id", onDelete: .cascade))
            .field("county_code", .string, .required)
            .field("group_id", .uuid, .required)
            .field("villager_id", .string, .required)
            .field("round", .int, .required)
            .field("asked_at", .datetime, .required)
            .field("answered_at", .datetime)
            .field("answer", .string)
            .field("follow_up_due_at", .datetime, .required)
            .field("follow_up_at", .datetime)
            .unique(on: "case_id", "round")
            .create()
        try await MigrationSupport.index(
            database, "satisfaction_open", on: "satisfaction_requests", "group_id", "villager_id", "answered_at")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("satisfaction_requests").delete()
        try await database.schema("outbox").delete()
        try await database.schema("robot_sends").delete()
        try await database.schema("robots").delete()
    }
}

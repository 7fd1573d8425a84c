import FluentKit

/// 值班: the roster of who is on duty for a county or township and when, and the alerts sent to them about urgent or
/// risky cases (with their escalation, acknowledgement and delivery to the county's SMS gateway).
struct M033CreateDuty: AsyncMigration {
    var name: String { "M033CreateDuty" }

    func prepare(on database: any Database) async throws {
        try await database.schema("duty_shifts")
            .id()
            .field("county_code", .string, .required)
            .field("region_code", .string, .required)
            .field("username", .string, .required)
            .field("kind", .string, .required)
            .field("starts_at", .datetime, .required)
            .field("ends_at", .datetime, .required)
            .field("created_by", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await MigrationSupport.index(database, "duty_shifts_region_time", on: "duty_shifts", "region_code", "ends_at")
        try await database.schema("duty_alerts")
            .id()
            .field("county_code", .string, .required)
            .field("case_id", .uuid, .required, .references("cases", "id", onDelete: .cascade))
            .field("level", .int, .required)
            .field("username", .string, .required)
            .field("text", .string, .required)
            .field("sent_at", .datetime, .required)
            .field("escalate_at", .datetime)
            .field("acknowledged_at", .datetime)
            .field("acknowledged_by", .string)
            .field("delivered_at", .datetime)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime)
            .field("last_error", .string)
            // One alert per case and level, however many instances scan.
            .unique(on: "case_id", "level")
            .create()
        try await MigrationSupport.index(database, "duty_alerts_user", on: "duty_alerts", "username", "acknowledged_at")
        try await MigrationSupport.index(database, "duty_alerts_escalate", on: "duty_alerts", "escalate_at")
    }

    func revert(on database: any Database) async throws {
        try await MigrationSupport.dropIndex(database, "duty_alerts_escalate")
        try await MigrationSupport.dropIndex(database, "duty_alerts_user")
        try await database.schema("duty_alerts").delete()
        try await MigrationSupport.dropIndex(database, "duty_shifts_region_time")
        try await database.schema("duty_shifts").delete()
    }
}

import FluentKit
import SQLKit

/// Each way a duty alert leaves the console (SMS gateway, WeCom application message, DingTalk work notice) is delivered
/// and retried on its own, so a platform that is down neither holds back nor repeats the others. Alerts not yet
/// delivered when this runs carry on as SMS deliveries (taken only where a gateway is configured).
struct M036CreateDutyDeliveries: AsyncMigration {
    var name: String { "M036CreateDutyDeliveries" }

    func prepare(on database: any Database) async throws {
        try await database.schema("duty_deliveries")
            .id()
            .field("alert_id", .uuid, .required, .references("duty_alerts", "id", onDelete: .cascade))
            .field("county_code", .string, .required)
            .field("channel", .string, .required)
            // The person's account on that platform (their own staff id, not a villager's).
            .field("address", .string)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("delivered_at", .datetime)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .unique(on: "alert_id", "channel")
            .create()
        try await MigrationSupport.index(database, "duty_deliveries_due", on: "duty_deliveries", "delivered_at", "next_attempt_at")
        try await (database as! any SQLDatabase).raw(
            """
            INSERT INTO duty_deliveries (id, alert_id, county_code, channel, attempts, next_attempt_at, created_at)
            SELECT id, id, county_code, 'sms', attempts, COALESCE(next_attempt_at, sent_at), sent_at FROM duty_alerts
            WHERE delivered_at IS NULL AND attempts < 10
            """
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await MigrationSupport.dropIndex(database, "duty_deliveries_due")
        try await database.schema("duty_deliveries").delete()
    }
}

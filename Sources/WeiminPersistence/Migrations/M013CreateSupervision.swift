import FluentKit

/// Supervision orders (预警 / 督办单 / 通报), the notifications they send, and the lease that lets one
/// server instance at a time run a background scan.
struct M013CreateSupervision: AsyncMigration {
    var name: String { "M013CreateSupervision" }

    func prepare(on database: any Database) async throws {
        try await database.schema("supervision_orders")
            .id()
            .field("county_code", .string, .required)
            .field("township_code", .string)
            .field("case_id", .uuid, .references("cases", "id"))
            .field("department_id", .uuid, .references("departments", "id"))
            .field("level", .string, .required)
            .field("step", .string, .required)
            /// Unique per case clock and rung (or per department and month): the exactly-once guarantee.
            .field("dedupe_key", .string, .required)
            .field("due_at", .datetime)
            .field("overdue_minutes", .int, .required)
            .field("message", .string, .required)
            .field("recipients", .string, .required)
            .field("issued_at", .datetime, .required)
            .unique(on: "dedupe_key")
            .create()
        try await MigrationSupport.index(database, "supervision_orders_county_issued", on: "supervision_orders", "county_code", "issued_at")
        try await MigrationSupport.index(
            database, "supervision_orders_department_issued", on: "supervision_orders", "department_id", "issued_at")
        try await MigrationSupport.index(database, "supervision_orders_case", on: "supervision_orders", "case_id")

        try await database.schema("service_leases")
            .field("name", .string, .identifier(auto: false))
            .field("holder", .string, .required)
            .field("until", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("service_leases").delete()
        try await database.schema("supervision_orders").delete()
    }
}

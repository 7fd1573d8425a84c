import FluentKit

/// Holiday calendars loaded by `weimin calendar load` after a release (next year's arrangement is
/// published by the State Council in the autumn). They override the bundled years.
struct M012CreateCalendarYears: AsyncMigration {
    var name: String { "M012CreateCalendarYears" }

    func prepare(on database: any Database) async throws {
        try await database.schema("calendar_years")
            .field("year", .int, .identifier(auto: false))
            .field("data", .string, .required)
            .field("loaded_at", .datetime, .required)
            .field("loaded_by", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("calendar_years").delete()
    }
}

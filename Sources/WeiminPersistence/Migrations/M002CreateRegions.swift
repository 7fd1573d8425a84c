import FluentKit

/// Prefecture → county → township → village, keyed by administrative code.
struct M002CreateRegions: AsyncMigration {
    var name: String { "M002CreateRegions" }

    func prepare(on database: any Database) async throws {
        try await database.schema("regions")
            .field("code", .string, .identifier(auto: false))
            .field("name", .string, .required)
            .field("level", .string, .required)
            .field("parent_code", .string, .references("regions", "code"))
            .field("county_code", .string)
            .field("created_at", .datetime, .required)
            .create()
        try await MigrationSupport.index(database, "regions_parent", on: "regions", "parent_code")
        try await MigrationSupport.index(database, "regions_county_level", on: "regions", "county_code", "level")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("regions").delete()
    }
}

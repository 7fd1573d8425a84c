import FluentKit

/// People known to a county. Clear phone and ID numbers are never stored: ciphertext, mask, keyed hash.
struct M004CreatePeople: AsyncMigration {
    var name: String { "M004CreatePeople" }

    func prepare(on database: any Database) async throws {
        try await database.schema("people")
            .id()
            .field("county_code", .string, .required, .references("regions", "code"))
            .field("village_code", .string, .references("regions", "code"))
            .field("name", .string, .required)
            .field("kind", .string, .required)
            .field("phone_cipher", .string)
            .field("phone_masked", .string)
            .field("phone_index", .string)
            .field("id_number_cipher", .string)
            .field("id_number_masked", .string)
            .field("created_at", .datetime, .required)
            .create()
        try await MigrationSupport.index(database, "people_county_village", on: "people", "county_code", "village_code")
        try await MigrationSupport.index(database, "people_phone_index", on: "people", "phone_index")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("people").delete()
    }
}

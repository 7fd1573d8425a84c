import FluentKit

/// A 核减 names the units it relieves, fixed when it is made: the handling units the case was charged to then (its
/// lead once dispatched, and its co-handlers). The list showed the case's current department instead — one triage
/// had only suggested, or one it was reassigned to later. Rows made before this keep NULL: they relieve every unit.
struct M032AddExclusionUnits: AsyncMigration {
    var name: String { "M032AddExclusionUnits" }

    func prepare(on database: any Database) async throws {
        try await database.schema("assessment_exclusions").field("units", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("assessment_exclusions").deleteField("units").update()
    }
}

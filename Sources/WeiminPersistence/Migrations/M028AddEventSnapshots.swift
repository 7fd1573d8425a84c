import FluentKit

/// Each audit event records what the case looked like after it (state, sealed flag, department, category,
/// number and hashes of the words), inside the event's hash. `weimin audit verify` compares the case row with
/// the last such record, so a row edited in the database without an event shows.
struct M028AddEventSnapshots: AsyncMigration {
    var name: String { "M028AddEventSnapshots" }

    func prepare(on database: any Database) async throws {
        try await database.schema("case_events").field(.definition(name: .key(.string("snapshot")), dataType: .string, constraints: []))
            .update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("case_events").deleteField("snapshot").update()
    }
}

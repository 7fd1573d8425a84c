import FluentKit

/// Indexes for the ledger on large counties, so a page is read in order instead of sorting every matching row
/// (`weimin bench ledger`): a county's, a township's and a village's cases newest first (what each level sees
/// by default), and a department's by deadline.
struct M025AddLedgerIndexes: AsyncMigration {
    var name: String { "M025AddLedgerIndexes" }

    func prepare(on database: any Database) async throws {
        try await MigrationSupport.index(database, "cases_county_created", on: "cases", "county_code", "created_at")
        try await MigrationSupport.index(database, "cases_township_created", on: "cases", "township_code", "created_at")
        try await MigrationSupport.index(database, "cases_village_created", on: "cases", "village_code", "created_at")
        try await MigrationSupport.index(database, "cases_department_due", on: "cases", "department_id", "due_at")
    }

    func revert(on database: any Database) async throws {
        try await MigrationSupport.dropIndex(database, "cases_county_created")
        try await MigrationSupport.dropIndex(database, "cases_township_created")
        try await MigrationSupport.dropIndex(database, "cases_village_created")
        try await MigrationSupport.dropIndex(database, "cases_department_due")
    }
}

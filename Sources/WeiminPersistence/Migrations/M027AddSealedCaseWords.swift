import FluentKit

/// Sealed cases keep their words (title and summary) encrypted with the data key, like the reporter's identity
/// in `sealed_reports`; the plain `title`/`summary` columns then hold only a placeholder. A case transferred to
/// the discipline commission (转纪委) gets a sealed-series number and keeps its old one in `former_number`, so
/// the discipline role can still find it by the old number and the audit chain stays verifiable.
/// One column per ALTER: SQLite adds a single column per statement.
struct M027AddSealedCaseWords: AsyncMigration {
    var name: String { "M027AddSealedCaseWords" }

    func prepare(on database: any Database) async throws {
        for name in ["title_cipher", "summary_cipher", "former_number"] {
            try await database.schema("cases").field(.definition(name: .key(.string(name)), dataType: .string, constraints: [])).update()
        }
        try await MigrationSupport.index(database, "cases_former_number", on: "cases", "former_number")
    }

    func revert(on database: any Database) async throws {
        try await MigrationSupport.dropIndex(database, "cases_former_number")
        for name in ["former_number", "summary_cipher", "title_cipher"] {
            try await database.schema("cases").deleteField(.string(name)).update()
        }
    }
}

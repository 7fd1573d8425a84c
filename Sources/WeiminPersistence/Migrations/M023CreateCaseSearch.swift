import FluentKit
import SQLKit

/// Chinese text search for the ledger: case number, title and summary, lower-cased, in a trigram index —
/// SQLite's FTS5 `trigram` tokenizer, PostgreSQL's pg_trgm — so `LIKE '%路灯坏%'` is answered from the
/// index on a million cases. Two-character words still work (by a scan of the search table, not of cases).
struct M023CreateCaseSearch: AsyncMigration {
    var name: String { "M023CreateCaseSearch" }

    func prepare(on database: any Database) async throws {
        let sql = MigrationSupport.sql(database)
        if sql.dialect.name == "sqlite" {
            try await sql.raw("CREATE VIRTUAL TABLE case_search USING fts5(case_id UNINDEXED, body, tokenize = 'trigram')").run()
        } else {
            try await sql.raw(
                "CREATE TABLE case_search (case_id UUID PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE, body TEXT NOT NULL)"
            ).run()
            // pg_trgm ships with PostgreSQL and is a trusted extension (a database owner may create it); without
            // it the search still works, by scanning.
            do {
                try await sql.raw("CREATE EXTENSION IF NOT EXISTS pg_trgm").run()
                try await sql.raw("CREATE INDEX case_search_trgm ON case_search USING gin (body gin_trgm_ops)").run()
            } catch {
                database.logger.warning("pg_trgm is not available; ledger text search will scan instead of using an index")
            }
        }
        try await sql.raw(
            """
            INSERT INTO case_search (case_id, body) SELECT id, LOWER(number || ' ' || title || ' ' || COALESCE(summary, '')) FROM cases
            """
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await MigrationSupport.sql(database).raw("DROP TABLE IF EXISTS case_search").run()
    }
}

import FluentKit
import Foundation
import SQLKit
import WeiminCore

extension WeiminDatabase {
    /// The tables whose row counts a backup records and a restore checks.
    public static let countedTables = ["messages", "cases", "case_events", "case_messages", "staff_users", "media"]

    /// A consistent copy of the embedded database at `path`, taken while the server keeps writing: SQLite's
    /// `VACUUM INTO` reads one snapshot in a single transaction and writes a compact, standalone file (no WAL).
    public func snapshotSQLite(to path: String) async throws {
        guard case .sqlite = location else { throw PersistenceError.configuration(StoreMessages.Backup.notSQLite) }
        guard !FileManager.default.fileExists(atPath: path) else { throw PersistenceError.configuration(StoreMessages.Backup.exists(path)) }
        try await sql.raw("VACUUM INTO \(bind: path)").run()
    }

    /// Row counts of `countedTables` (those that exist).
    public func rowCounts() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in Self.countedTables where try await tableExists(table) {
            let row = try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()
            counts[table] = try row?.decode(column: "n", as: Int.self) ?? 0
        }
        return counts
    }
}

extension WeiminDatabase {
    /// For `pg_dump --snapshot`: opens a repeatable-read transaction, exports its snapshot, counts the tables in it and
    /// runs `body` with the snapshot's name and the counts while the transaction stays open — so the dump and the
    /// counts describe the same moment, whatever is written meanwhile.
    public func withExportedSnapshot<T: Sendable>(
        _ body: @escaping @Sendable (_ snapshot: String, _ counts: [String: Int]) async throws -> T
    ) async throws -> T {
        guard case .postgres = location else { throw PersistenceError.configuration(StoreMessages.Backup.notPostgres) }
        return try await db.transaction { tx in
            let sql = tx as! any SQLDatabase
            try await sql.raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").run()
            let name = try await sql.raw("SELECT pg_export_snapshot() AS s").first()?.decode(column: "s", as: String.self) ?? ""
            var counts: [String: Int] = [:]
            for table in Self.countedTables {
                let exists = try await sql.raw(
                    "SELECT 1 AS x FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = \(bind: table)"
                ).first()
                guard exists != nil else { continue }
                counts[table] =
                    try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()?.decode(column: "n", as: Int.self) ?? 0
            }
            return try await body(name, counts)
        }
    }

    /// Whether a PostgreSQL database already holds Weimin tables (a restore must go into an empty one).
    public func hasWeiminSchema() async throws -> Bool {
        try await tableExists("_fluent_migrations")
    }
}

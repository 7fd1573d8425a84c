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

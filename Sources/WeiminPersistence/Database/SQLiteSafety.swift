import SQLKit
import WeiminCore

/// The settings an embedded SQLite database must run with: a message acknowledged to a platform
/// must survive a power cut, so WAL with `synchronous=FULL`; foreign keys keep the model honest;
/// a bounded busy timeout lets writers wait for each other instead of failing or spinning.
enum SQLiteSafety {
    static let busyTimeoutMilliseconds = 10_000

    static func configure(_ db: any SQLDatabase) async throws {
        let mode = try await db.raw("PRAGMA journal_mode = WAL").first()?.decode(column: "journal_mode", as: String.self)
        guard mode?.lowercased() == "wal" else {
            throw PersistenceError.unsafeDatabase(StoreMessages.Database.walUnavailable(mode: mode))
        }
        _ = try await db.raw("PRAGMA synchronous = FULL").all()
        _ = try await db.raw("PRAGMA foreign_keys = ON").all()
        // Performance, not safety: a 32 MB page cache per connection keeps the message indexes' hot pages
        // in memory as the table grows (SQLite's default is 2 MB).
        _ = try await db.raw("PRAGMA cache_size = -32768").all()
        _ = try await db.raw("PRAGMA temp_store = MEMORY").all()
        // Checkpoint the WAL every ~40 MB rather than every 4 MB: the same pages are written, with fewer syncs.
        _ = try await db.raw("PRAGMA wal_autocheckpoint = 10000").all()
        _ = try await db.raw(SQLQueryString("PRAGMA busy_timeout = \(unsafeRaw: String(busyTimeoutMilliseconds))")).all()
    }

    /// Reads the settings back: a build or file that silently ignores them must not be run on.
    static func verify(_ db: any SQLDatabase) async throws {
        func pragma(_ name: String) async throws -> String {
            guard let row = try await db.raw(SQLQueryString("PRAGMA \(unsafeRaw: name)")).first() else { return "" }
            if let s = try? row.decode(column: name, as: String.self) { return s }
            if let i = try? row.decode(column: name, as: Int.self) { return String(i) }
            if let first = row.allColumns.first, let i = try? row.decode(column: first, as: Int.self) { return String(i) }
            return ""
        }
        let journal = try await pragma("journal_mode").lowercased()
        let synchronous = try await pragma("synchronous")
        let foreignKeys = try await pragma("foreign_keys")
        let timeout = try await pragma("busy_timeout")
        var problems: [String] = []
        if journal != "wal" { problems.append(StoreMessages.Database.journalMode(journal)) }
        if synchronous != "2" && synchronous != "3" { problems.append(StoreMessages.Database.synchronous(synchronous)) }
        if foreignKeys != "1" { problems.append(StoreMessages.Database.foreignKeys(foreignKeys)) }
        if (Int(timeout) ?? 0) < 1000 { problems.append(StoreMessages.Database.busyTimeout(timeout)) }
        if !problems.isEmpty {
            throw PersistenceError.unsafeDatabase(StoreMessages.Database.unsafeSettings(problems))
        }
    }
}

import FluentKit
import Foundation
import SQLKit

/// A transaction a use case opens and hands to every repository it writes with, so the use case decides what commits
/// together while FluentKit stays behind the repositories.
public struct WriteTransaction: Sendable {
    let db: any Database
}

extension WeiminDatabase {
    /// Runs `body` in one transaction: everything written through the `WriteTransaction` commits or none of it does.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (WriteTransaction) async throws -> T) async throws -> T {
        try await writing { db in try await body(WriteTransaction(db: db)) }
    }
}

extension WeiminDatabase {
    /// A transaction that writes. On SQLite a transaction starts as a reader and becomes a writer at its first write;
    /// if another connection committed in between, that upgrade fails at once with "database is locked" (the busy
    /// timeout cannot help a stale snapshot). Taking the write lock with the first statement makes such a transaction
    /// wait its turn instead, as `BEGIN IMMEDIATE` would.
    public func writing<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let sqlite = !isPostgres
        return try await db.transaction { db in
            if sqlite { try await (db as! any SQLDatabase).raw("DELETE FROM system_settings WHERE 0").run() }
            return try await body(db)
        }
    }

    public var isPostgres: Bool {
        if case .postgres = location { return true }
        return false
    }
}

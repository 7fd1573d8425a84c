import FluentKit
import Foundation

/// A transaction a use case opens and hands to every repository it writes with, so the use case decides what commits
/// together while FluentKit stays behind the repositories.
public struct WriteTransaction: Sendable {
    let db: any Database
}

extension WeiminDatabase {
    /// Runs `body` in one transaction: everything written through the `WriteTransaction` commits or none of it does.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (WriteTransaction) async throws -> T) async throws -> T {
        try await db.transaction { db in try await body(WriteTransaction(db: db)) }
    }
}

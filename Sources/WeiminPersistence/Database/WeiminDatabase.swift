import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import WeiminCore

/// The open database: Fluent's `Databases` (a ServiceLifecycle service) plus the checks that make it
/// safe to run on. One code path for SQLite and PostgreSQL; only setup differs.
public final class WeiminDatabase: Sendable {
    public let location: DatabaseLocation
    public let databases: Databases
    let logger: Logger
    /// SQLite calls block a thread (including while waiting on another writer's lock), so each database
    /// gets its own pool, larger than its connection count: a waiting writer can never starve the one
    /// holding the lock.
    let threadPool: NIOThreadPool

    /// Opens (and for SQLite, creates) the database. Nothing is migrated here.
    public init(location: DatabaseLocation, logger: Logger) throws {
        self.location = location
        self.logger = logger
        let threadPool = NIOThreadPool(numberOfThreads: System.coreCount + 4)
        threadPool.start()
        self.threadPool = threadPool
        let databases = Databases(threadPool: threadPool, on: MultiThreadedEventLoopGroup.singleton)
        switch location {
        case .sqlite(let path):
            // Messages and sealed words live in this file: the folder and the database are the service account's alone.
            // SQLite gives -wal and -shm the mode of the database file, so creating it 0600 first covers all three.
            let fm = FileManager.default
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty, !fm.fileExists(atPath: dir) {
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
            if !fm.fileExists(atPath: path) {
                _ = fm.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            }
            for file in [path, path + "-wal", path + "-shm"] where fm.fileExists(atPath: file) {
                try? fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)  // an older install's 0644
            }
            // Under a burst on two cores, work waits for a connection rather than failing after 10 s.
            databases.use(.sqlite(.file(path), connectionPoolTimeout: .seconds(60), sqlLogLevel: nil), as: .sqlite)
        case .postgres(let url):
            var config: SQLPostgresConfiguration
            do {
                config = try SQLPostgresConfiguration(url: url)
            } catch {
                throw PersistenceError.configuration(StoreMessages.Database.malformedPostgresURL(DatabaseLocation.redact(url)))
            }
            config.searchPath = nil
            databases.use(
                .postgres(configuration: config, maxConnectionsPerEventLoop: 4, connectionPoolTimeout: .seconds(60), sqlLogLevel: .trace),
                as: .psql)
        }
        self.databases = databases
    }

    /// A database handle for one unit of work.
    public var db: any Database {
        databases.database(logger: logger, on: databases.eventLoopGroup.any())!
    }

    var sql: any SQLDatabase { db as! any SQLDatabase }

    public func shutdown() async {
        await databases.shutdownAsync()
        try? await threadPool.shutdownGracefully()
    }

    // MARK: Safety

    /// Sets and verifies the durability settings on every pooled SQLite connection; checks that
    /// PostgreSQL answers. Refuses (throws) when the database cannot be run safely.
    public func prepareConnections() async throws {
        switch location {
        case .sqlite:
            // One pooled connection per event loop: configure each of them explicitly.
            for loop in databases.eventLoopGroup.makeIterator() {
                guard let conn = databases.database(logger: logger, on: loop) as? any SQLDatabase else { continue }
                try await SQLiteSafety.configure(conn)
                try await SQLiteSafety.verify(conn)
            }
        case .postgres:
            do {
                _ = try await sql.raw("SELECT 1 AS ok").all()
            } catch {
                throw PersistenceError.configuration(
                    StoreMessages.Database.postgresUnreachable(location.description, error: String(reflecting: error)))
            }
        }
    }

    // MARK: Migrations

    func migrator() -> Migrator {
        let migrations = Migrations()
        migrations.add(WeiminMigrations.all)
        return Migrator(
            databases: databases, migrations: migrations, logger: logger, on: databases.eventLoopGroup.any(), migrationLogLevel: .debug)
    }

    /// Applies pending migrations; returns the names applied (empty when the schema is current).
    @discardableResult
    public func migrate() async throws -> [String] {
        try await refuseNewerSchema()
        let migrator = migrator()
        try await migrator.setupIfNeeded().get()
        let pending = try await migrator.previewPrepareBatch().get().map { $0.0.name }
        if !pending.isEmpty {
            try await migrator.prepareBatch().get()
        }
        return pending
    }

    /// The names of migrations recorded in the database (empty for a new database).
    public func appliedMigrations() async throws -> [String] {
        let exists = try await tableExists("_fluent_migrations")
        guard exists else { return [] }
        return try await sql.raw("SELECT name FROM _fluent_migrations ORDER BY batch, name").all().map {
            try $0.decode(column: "name", as: String.self)
        }
    }

    /// A database migrated by a newer binary has migrations this one does not know: refuse to touch it.
    public func refuseNewerSchema() async throws {
        let known = Set(WeiminMigrations.all.map(\.name))
        let unknown = try await appliedMigrations().filter { !known.contains($0) }
        if !unknown.isEmpty { throw PersistenceError.schemaTooNew(unknown) }
    }

    /// For `serve`: the schema must be exactly what this binary expects.
    public func requireCurrentSchema() async throws {
        try await refuseNewerSchema()
        let applied = Set(try await appliedMigrations())
        if WeiminMigrations.all.contains(where: { !applied.contains($0.name) }) {
            throw PersistenceError.schemaNotMigrated
        }
    }

    func tableExists(_ name: String) async throws -> Bool {
        switch location {
        case .sqlite:
            return try await !sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name = \(bind: name)").all().isEmpty
        case .postgres:
            return try await !sql.raw(
                "SELECT 1 AS x FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = \(bind: name)"
            ).all().isEmpty
        }
    }
}

extension WeiminDatabase {
    /// A cheap round trip, for health checks.
    public func ping() async throws {
        _ = try await sql.raw("SELECT 1 AS ok").all()
    }
}

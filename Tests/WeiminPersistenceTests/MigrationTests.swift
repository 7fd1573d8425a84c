import FluentKit
import Foundation
import SQLKit
import Testing
import WeiminCore
@testable import WeiminPersistence

@Suite("Migrations and database safety")
struct MigrationTests {
    @Test("migrating creates every table; migrating again changes nothing", arguments: Backend.available)
    func migrateTwice(kind: Backend) async throws {
        try await TestDatabase.with(kind, migrate: false) { db in
            let first = try await db.migrate()
            #expect(first == WeiminMigrations.all.map(\.name))
            let second = try await db.migrate()
            #expect(second.isEmpty)
            for table in [
                "regions", "departments", "dispatch_entries", "people", "chat_groups", "group_members", "staff_users",
                "api_tokens", "messages", "cases", "case_sequences", "case_messages", "case_events", "system_settings",
            ] {
                #expect(try await db.tableExists(table), "missing table \(table)")
            }
            try await db.requireCurrentSchema()
        }
    }

    @Test("a database that is not migrated is refused by serve", arguments: Backend.available)
    func notMigrated(kind: Backend) async throws {
        try await TestDatabase.with(kind, migrate: false) { db in
            await #expect(throws: PersistenceError.self) { try await db.requireCurrentSchema() }
        }
    }

    @Test("a schema newer than the binary is refused, by migrate and by serve", arguments: Backend.available)
    func newerSchema(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            _ = try await db.sql.raw(
                """
                INSERT INTO _fluent_migrations (id, name, batch, created_at, updated_at)
                VALUES (\(bind: UUID()), 'M999FromTheFuture', 99, \(bind: Date()), \(bind: Date()))
                """
            ).all()
            do {
                try await db.migrate()
                Issue.record("migrate must refuse a newer schema")
            } catch PersistenceError.schemaTooNew(let names) {
                #expect(names == ["M999FromTheFuture"])
            }
            await #expect(throws: PersistenceError.self) { try await db.requireCurrentSchema() }
        }
    }

    @Test("SQLite runs with WAL, synchronous=FULL, foreign keys and a busy timeout on every connection")
    func sqlitePragmas() async throws {
        try await TestDatabase.with(.sqlite) { db in
            for loop in db.databases.eventLoopGroup.makeIterator() {
                let conn = db.databases.database(logger: TestDatabase.logger, on: loop) as! any SQLDatabase
                try await SQLiteSafety.verify(conn)
                let sync = try await conn.raw("PRAGMA synchronous").first()!.decode(column: "synchronous", as: Int.self)
                #expect(sync == 2)
            }
        }
    }

    @Test("SQLite safety check rejects a connection with synchronous=OFF")
    func sqliteUnsafe() async throws {
        try await TestDatabase.with(.sqlite) { db in
            let conn = db.databases.database(logger: TestDatabase.logger, on: db.databases.eventLoopGroup.next()) as! any SQLDatabase
            _ = try await conn.raw("PRAGMA synchronous = OFF").all()
            await #expect(throws: PersistenceError.self) { try await SQLiteSafety.verify(conn) }
            try await SQLiteSafety.configure(conn)
            try await SQLiteSafety.verify(conn)
        }
    }

    @Test("foreign keys are enforced", arguments: Backend.available)
    func foreignKeys(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let g = ChatGroupModel()
            g.id = UUID()
            g.countyCode = "433125"
            g.townshipCode = "433125111"
            g.villageCode = "433125111201"
            g.platform = "wechat"
            g.externalID = "x"
            g.name = "no such region"
            g.createdAt = Date()
            await #expect(throws: (any Error).self) { try await g.create(on: db.db) }
        }
    }

    @Test("database URLs: postgres selected by URL, passwords never printed, nonsense refused")
    func locations() throws {
        let pg = try DatabaseLocation.resolve(databaseURL: "postgres://weimin:s3cret@db.local:5432/weimin", dir: "/x")
        #expect(!pg.isSQLite)
        #expect(!pg.description.contains("s3cret"))
        #expect(pg.description.contains("db.local"))
        #expect(try DatabaseLocation.resolve(databaseURL: nil, dir: "/srv/weimin") == .sqlite(path: "/srv/weimin/weimin.sqlite"))
        #expect(throws: PersistenceError.self) { try DatabaseLocation.resolve(databaseURL: "mysql://x", dir: "/x") }
    }
}

import FluentKit
import Foundation
import Logging
import SQLKit
import Testing
@testable import WeiminPersistence

/// The databases every persistence test runs against: a temporary SQLite file always, and a real
/// PostgreSQL when `WEIMIN_TEST_POSTGRES_URL` names one (the test command starts a throwaway cluster
/// and sets it). Each test gets a brand-new database, dropped afterwards.
enum TestDatabaseKind: String, CustomTestStringConvertible, Sendable, CaseIterable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    static var postgresURL: String? {
        let url = ProcessInfo.processInfo.environment["WEIMIN_TEST_POSTGRES_URL"]
        return (url?.isEmpty ?? true) ? nil : url
    }

    /// SQLite always; PostgreSQL when the test command provided one.
    static var available: [TestDatabaseKind] {
        postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }
}

struct TestDatabase {
    let database: WeiminDatabase
    let cleanup: @Sendable () async -> Void

    static let logger: Logger = {
        var l = Logger(label: "weimin.test")
        l.logLevel = .warning
        return l
    }()

    static func make(_ kind: TestDatabaseKind, migrate: Bool = true) async throws -> TestDatabase {
        switch kind {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weimin-test-\(UUID().uuidString)").path
            let db = try WeiminDatabase(location: .sqlite(path: dir + "/weimin.sqlite"), logger: logger)
            try await db.prepareConnections()
            if migrate { try await db.migrate() }
            return TestDatabase(database: db) {
                await db.shutdown()
                try? FileManager.default.removeItem(atPath: dir)
            }
        case .postgres:
            guard let adminURL = TestDatabaseKind.postgresURL else {
                throw PersistenceError.configuration("WEIMIN_TEST_POSTGRES_URL is not set")
            }
            let name = "weimin_t_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
            let admin = try WeiminDatabase(location: .postgres(url: adminURL), logger: logger)
            _ = try await admin.sql.raw(SQLQueryString("CREATE DATABASE \(unsafeRaw: name)")).all()
            var comps = URLComponents(string: adminURL)!
            comps.path = "/" + name
            let db = try WeiminDatabase(location: .postgres(url: comps.string!), logger: logger)
            try await db.prepareConnections()
            if migrate { try await db.migrate() }
            return TestDatabase(database: db) {
                await db.shutdown()
                _ = try? await admin.sql.raw(SQLQueryString("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)")).all()
                await admin.shutdown()
            }
        }
    }

    /// Runs `body` with a fresh database and always cleans up.
    static func with<T>(_ kind: TestDatabaseKind, migrate: Bool = true, _ body: (WeiminDatabase) async throws -> T) async throws -> T {
        let t = try await make(kind, migrate: migrate)
        do {
            let result = try await body(t.database)
            await t.cleanup()
            return result
        } catch {
            await t.cleanup()
            throw error
        }
    }
}

@Suite("Test environment")
struct TestEnvironmentTests {
    /// In CI the PostgreSQL suite must really run: a missing database is a failure, not a skip.
    @Test("PostgreSQL is configured when running in CI")
    func postgresInCI() {
        if ProcessInfo.processInfo.environment["CI"] != nil || ProcessInfo.processInfo.environment["WEIMIN_REQUIRE_POSTGRES"] != nil {
            #expect(TestDatabaseKind.postgresURL != nil, "WEIMIN_TEST_POSTGRES_URL must be set; run the tests through scripts/test.sh")
        }
    }
}

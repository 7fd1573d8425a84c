import Foundation
import Logging
import WeiminPersistence

/// A brand-new database for one test (a temporary SQLite file, or a new PostgreSQL database), removed afterwards.
public struct TestDatabase: Sendable {
    public let database: WeiminDatabase
    public let cleanup: @Sendable () async -> Void

    public static let logger: Logger = {
        var l = Logger(label: "weimin.test")
        l.logLevel = .warning
        return l
    }()

    public static func make(_ backend: Backend, migrate: Bool = true) async throws -> TestDatabase {
        switch backend {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weimin-test-\(UUID().uuidString)").path
            let db = try WeiminDatabase(location: .sqlite(path: dir + "/weimin.sqlite"), logger: logger)
            do {
                try await db.prepareConnections()
                if migrate { _ = try await db.migrate() }
            } catch {
                await db.shutdown()
                throw error
            }
            return TestDatabase(database: db) {
                await db.shutdown()
                try? FileManager.default.removeItem(atPath: dir)
            }
        case .postgres:
            let (url, drop) = try await Backend.makePostgresDatabase()
            let db: WeiminDatabase
            do {
                db = try WeiminDatabase(location: .postgres(url: url), logger: logger)
            } catch {
                await drop()
                throw error
            }
            do {
                try await db.prepareConnections()
                if migrate { _ = try await db.migrate() }
            } catch {
                await db.shutdown()
                await drop()
                throw error
            }
            return TestDatabase(database: db) {
                await db.shutdown()
                await drop()
            }
        }
    }

    /// Runs `body` with a fresh database and always cleans up.
    public static func with<T>(_ backend: Backend, migrate: Bool = true, _ body: (WeiminDatabase) async throws -> T) async throws -> T {
        let t = try await make(backend, migrate: migrate)
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

import Foundation
import Logging
import SQLKit
import Testing
import WeiminPersistence

/// The databases the tests run against: SQLite (a temporary file) always, and a real PostgreSQL when
/// `WEIMIN_TEST_POSTGRES_URL` names one (scripts/test.sh starts a throwaway cluster and sets it).
public enum Backend: String, CustomTestStringConvertible, Sendable, CaseIterable {
    case sqlite
    case postgres

    public var testDescription: String { rawValue }

    /// The administrative URL of the test PostgreSQL cluster, when there is one.
    public static var postgresURL: String? {
        let url = ProcessInfo.processInfo.environment["WEIMIN_TEST_POSTGRES_URL"]
        return (url?.isEmpty ?? true) ? nil : url
    }

    /// SQLite always; PostgreSQL when the test command provided one.
    public static var available: [Backend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// A new, empty PostgreSQL database on the test cluster: its URL, and how to drop it again (the shared demo
    /// databases are simply left for the throwaway cluster to take with it).
    public static func makePostgresDatabase(prefix: String = "weimin_t", logger: Logger = TestDatabase.logger) async throws
        -> (url: String, drop: @Sendable () async -> Void)
    {
        guard let adminURL = postgresURL else { throw PersistenceError.configuration("WEIMIN_TEST_POSTGRES_URL is not set") }
        let name = "\(prefix)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
        try await admin(adminURL, logger: logger, "CREATE DATABASE \(name)")
        var comps = URLComponents(string: adminURL)!
        comps.path = "/" + name
        return (comps.string!, { try? await admin(adminURL, logger: logger, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") })
    }

    /// One statement on the cluster's administrative database.
    static func admin(_ url: String, logger: Logger, _ statement: String) async throws {
        let admin = try WeiminDatabase(location: .postgres(url: url), logger: logger)
        do {
            _ = try await (admin.db as! any SQLDatabase).raw(SQLQueryString("\(unsafeRaw: statement)")).all()
        } catch {
            await admin.shutdown()
            throw error
        }
        await admin.shutdown()
    }
}

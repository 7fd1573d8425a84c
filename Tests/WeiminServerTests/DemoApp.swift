import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SQLKit
import Testing
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer
// Backend (SQLite, and PostgreSQL when the test command provides one) comes from WeiminTestSupport, shared with
// WeiminPersistenceTests; re-exported here once so that every file of this target sees it.
@_exported import WeiminTestSupport

/// One seeded demo per backend, shared by the read-only API tests (seeding is the slow part).
enum DemoApp {
    static let password = DemoSeeder.password

    static func services(_ backend: Backend) async throws -> AppServices {
        switch backend {
        case .sqlite: return try await sqlite.value
        case .postgres: return try await postgres.value
        }
    }

    private static let sqlite = Task { try await make(.sqlite) }
    private static let postgres = Task { try await make(.postgres) }

    static var logger: Logger { TestDatabase.logger }

    static func make(_ backend: Backend) async throws -> AppServices {
        let config = try await makeConfig(backend)
        let services = try await AppServices.open(config: config, migrate: true, logger: logger)
        do {
            _ = try await services.demoSeeder().seed()
        } catch {
            await services.shutdown()
            throw error
        }
        return services
    }

    /// A configuration for a fresh database: a temporary folder, and for PostgreSQL a new database.
    static func makeConfig(_ backend: Backend) async throws -> WeiminConfig {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weimin-api-\(UUID().uuidString)").path
        var config = WeiminConfig(dir: dir, port: 0)
        config.bcryptCost = 4
        if backend == .postgres {
            // Kept for the whole run (the demo is shared), as before: the throwaway cluster goes with it.
            config.databaseURL = try await Backend.makePostgresDatabase(prefix: "weimin_api", logger: logger).url
        }
        return config
    }

    /// A bearer token for a demo account (cached per backend and user).
    static func token(_ username: String, _ backend: Backend) async throws -> String {
        if let t = await TokenCache.shared.get("\(backend)-\(username)") { return t }
        let services = try await services(backend)
        guard let viewer = try await services.staff.authenticate(username: username, password: password) else {
            throw PersistenceError.notFound(username)
        }
        let t = try await services.staff.issueToken(for: viewer).token
        await TokenCache.shared.set("\(backend)-\(username)", t)
        return t
    }

    static func app(_ backend: Backend) async throws -> some ApplicationProtocol {
        let services = try await services(backend)
        return Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
    }
}

actor TokenCache {
    static let shared = TokenCache()
    var tokens: [String: String] = [:]
    func get(_ k: String) -> String? { tokens[k] }
    func set(_ k: String, _ v: String) { tokens[k] = v }
}

/// Demo users by role, for the authorization matrix.
let demoUserForRole: [Role: String] = [
    .intakeOperator: "shouli", .departmentHandler: "zhujian", .townshipCadre: "changtanhe", .villageAdmin: "dabaiyan",
    .supervisor: "duban", .discipline: "jijian", .leader: "lingdao", .admin: "admin",
]

extension TestClientProtocol {
    func get(_ uri: String, token: String?) async throws -> TestResponse {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: .get, headers: headers, body: nil)
    }
}

extension TestResponse {
    func json() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] ?? [:]
    }

    var text: String { String(buffer: body) }
}

/// Header fields one after the other (a cookie plus a content type, say).
func + (a: HTTPFields, b: HTTPFields) -> HTTPFields {
    var out = a
    for f in b { out.append(f) }
    return out
}

import Foundation
import SQLKit

/// Small values kept in `system_settings` (a service's cursor, a county's choice), read and written in one
/// statement each, so two writers never race between a read and an insert.
enum Settings {
    static func value(_ key: String, on sql: any SQLDatabase) async throws -> String? {
        try await sql.raw("SELECT value FROM system_settings WHERE key = \(bind: key)").first()?.decode(column: "value", as: String.self)
    }

    static func put(_ key: String, _ value: String, on sql: any SQLDatabase, at now: Date) async throws {
        try await sql.raw(
            """
            INSERT INTO system_settings (key, value, updated_at) VALUES (\(bind: key), \(bind: value), \(bind: now))
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """
        ).run()
    }
}

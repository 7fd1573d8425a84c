import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// Binds a database to its data key: the first migration records the key's fingerprint, and every
/// later start compares. Starting with a different key would write personal data nobody can read.
public enum KeyCheck {
    static let settingKey = "data_key.fingerprint"

    /// The fingerprint this database was bound to, or nil for a database that holds no data yet (no settings table).
    public static func recordedFingerprint(on database: WeiminDatabase) async throws -> String? {
        let sql = database.sql
        let probe: SQLQueryString =
            sql.dialect.name == "sqlite"
            ? "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'system_settings'"
            : "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'system_settings' AND table_schema = current_schema()"
        guard let n = try await sql.raw(probe).first()?.decode(column: "n", as: Int.self), n > 0 else { return nil }
        return try await SettingModel.find(settingKey, on: database.db)?.value
    }

    /// Before a key file is created: a database that already holds data was bound to a key, and a new key would make
    /// everything sealed with the old one unreadable. Refuses, telling the integrator to restore the file.
    public static func refuseNewKey(file: String, on database: WeiminDatabase) async throws {
        guard !FileManager.default.fileExists(atPath: file), let stored = try await recordedFingerprint(on: database) else { return }
        throw PersistenceError.keyMismatch(
            StoreMessages.DataKey.fileLostWithData(file: file, database: database.location.description, fingerprint: stored))
    }

    public static func verify(_ key: DataKey, on database: WeiminDatabase, record: Bool, at now: Date = Date()) async throws {
        let db = database.db
        if let stored = try await SettingModel.find(settingKey, on: db) {
            guard stored.value == key.fingerprint else {
                throw PersistenceError.keyMismatch(StoreMessages.DataKey.mismatch(recorded: stored.value, current: key.fingerprint))
            }
        } else if record {
            try await SettingModel(key: settingKey, value: key.fingerprint, updatedAt: now).create(on: db)
        } else {
            throw PersistenceError.schemaNotMigrated
        }
    }
}

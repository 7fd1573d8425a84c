import FluentKit
import Foundation

/// Binds a database to its data key: the first migration records the key's fingerprint, and every
/// later start compares. Starting with a different key would write personal data nobody can read.
public enum KeyCheck {
    static let settingKey = "data_key.fingerprint"

    public static func verify(_ key: DataKey, on database: WeiminDatabase, record: Bool, at now: Date = Date()) async throws {
        let db = database.db
        if let stored = try await SettingModel.find(settingKey, on: db) {
            guard stored.value == key.fingerprint else {
                throw PersistenceError.keyMismatch(
                    "数据密钥与数据库不匹配（数据库记录的密钥指纹为 \(stored.value)，当前密钥为 \(key.fingerprint)）。请使用最初生成的 weimin.key，或设置正确的 WEIMIN_KEY_FILE / WEIMIN_DATA_KEY。")
            }
        } else if record {
            try await SettingModel(key: settingKey, value: key.fingerprint, updatedAt: now).create(on: db)
        } else {
            throw PersistenceError.schemaNotMigrated
        }
    }
}

import FluentKit
import SQLKit
import Foundation
import WeiminCore

/// The county's edited message templates (defaults in `MessageTemplates.defaults`), kept in settings.
public struct TemplateStore: Sendable {
    let database: WeiminDatabase

    public init(database: WeiminDatabase) { self.database = database }

    public func current() async throws -> MessageTemplates {
        try await CaseReplies.templates(on: database.db)
    }

    /// The kinds the county changed.
    public func edited() async throws -> Set<OutboundKind> {
        Set(try await CaseReplies.edits(on: database.db).keys)
    }

    /// Saves an edited template after checking it; `nil` restores the default.
    public func set(_ kind: OutboundKind, to text: String?, at now: Date = Date()) async throws {
        if let text { try MessageTemplates.validate(text, for: kind) }
        let postgres = database.isPostgres
        try await database.writing { db in
            try await Self.lockSetting(CaseReplies.templatesKey, initial: "{}", on: db, postgres: postgres, at: now)
            let row = try await SettingModel.find(CaseReplies.templatesKey, on: db)
            var map = Dictionary(uniqueKeysWithValues: try await CaseReplies.edits(on: db).map { ($0.key.rawValue, $0.value) })
            map[kind.rawValue] = text
            let value = String(decoding: try JSONEncoder().encode(map), as: UTF8.self)
            if let row {
                row.value = value
                row.updatedAt = now
                try await row.save(on: db)
            } else {
                let new = SettingModel()
                new.id = CaseReplies.templatesKey
                new.value = value
                new.updatedAt = now
                try await new.create(on: db)
            }
        }
    }

    public func sealedReply() async throws -> SealedReplyMode {
        try await CaseReplies.sealedReply(on: database.db)
    }

    public func privateMatters() async throws -> PrivateMatters {
        try await CaseReplies.privateMatters(on: database.db)
    }

    public func setPrivateMatters(_ matters: PrivateMatters, at now: Date = Date()) async throws {
        let value = String(decoding: try JSONEncoder().encode(matters), as: UTF8.self)
        let postgres = database.isPostgres
        try await database.writing { db in
            try await Self.lockSetting(CaseReplies.privateMattersKey, initial: value, on: db, postgres: postgres, at: now)
            let row =
                try await SettingModel.find(CaseReplies.privateMattersKey, on: db)
                ?? {
                    let new = SettingModel()
                    new.id = CaseReplies.privateMattersKey
                    return new
                }()
            row.value = value
            row.updatedAt = now
            try await row.save(on: db)
        }
    }

    public func setSealedReply(_ mode: SealedReplyMode, at now: Date = Date()) async throws {
        let postgres = database.isPostgres
        try await database.writing { db in
            try await Self.lockSetting(CaseReplies.sealedReplyKey, initial: mode.rawValue, on: db, postgres: postgres, at: now)
            let row =
                try await SettingModel.find(CaseReplies.sealedReplyKey, on: db)
                ?? {
                    let new = SettingModel()
                    new.id = CaseReplies.sealedReplyKey
                    return new
                }()
            row.value = mode.rawValue
            row.updatedAt = now
            try await row.save(on: db)
        }
    }

    /// Makes sure a setting's row exists and, on PostgreSQL, holds it until the transaction ends: two edits of one
    /// setting then run one after the other, where both would otherwise read the old value, or both insert the row
    /// and one fail on its key. (SQLite's writers already take turns: `WeiminDatabase.writing`.)
    static func lockSetting(_ key: String, initial: String, on db: any Database, postgres: Bool, at now: Date) async throws {
        let sql = db as! any SQLDatabase
        try await sql.raw(
            """
            INSERT INTO system_settings (key, value, updated_at) VALUES (\(bind: key), \(bind: initial), \(bind: now))
            ON CONFLICT (key) DO NOTHING
            """
        ).run()
        if postgres { try await sql.raw("SELECT key FROM system_settings WHERE key = \(bind: key) FOR UPDATE").run() }
    }
}

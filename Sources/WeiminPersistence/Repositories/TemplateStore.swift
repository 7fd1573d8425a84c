import FluentKit
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
        try await database.db.transaction { db in
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

    public func setSealedReply(_ mode: SealedReplyMode, at now: Date = Date()) async throws {
        try await database.db.transaction { db in
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
}

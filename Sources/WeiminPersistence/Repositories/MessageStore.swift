import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// A message to store, as an ingest adapter or importer hands it over.
public struct IncomingMessage: Sendable {
    public var groupID: UUID
    public var countyCode: RegionCode
    public var platform: Platform
    public var platformMessageID: String
    public var senderID: String
    public var senderName: String
    public var kind: String
    public var text: String
    public var sentAt: Date

    public init(
        groupID: UUID, countyCode: RegionCode, platform: Platform, platformMessageID: String, senderID: String,
        senderName: String, kind: String = "text", text: String, sentAt: Date
    ) {
        self.groupID = groupID
        self.countyCode = countyCode
        self.platform = platform
        self.platformMessageID = platformMessageID
        self.senderID = senderID
        self.senderName = senderName
        self.kind = kind
        self.text = text
        self.sentAt = sentAt
    }
}

/// Stores group messages exactly once: the unique key (platform, group, platform message id) decides,
/// so a platform's retries and concurrent duplicates are absorbed by the database, not by luck.
public struct MessageStore: Sendable {
    let database: WeiminDatabase

    public init(database: WeiminDatabase) { self.database = database }

    public enum Outcome: Sendable, Equatable {
        case stored(id: Int)
        case duplicate(id: Int)
    }

    /// Appends a batch in one transaction; the outcome of each message comes back in order.
    public func append(_ messages: [IncomingMessage], receivedAt: Date = Date()) async throws -> [Outcome] {
        guard !messages.isEmpty else { return [] }
        return try await database.db.transaction { db in
            let sql = db as! any SQLDatabase
            var outcomes: [Outcome] = []
            outcomes.reserveCapacity(messages.count)
            for m in messages {
                let inserted = try await sql.raw("""
                    INSERT INTO messages (county_code, group_id, platform, platform_message_id, sender_id, sender_name, kind, text, sent_at, received_at)
                    VALUES (\(bind: m.countyCode.rawValue), \(bind: m.groupID), \(bind: m.platform.rawValue), \(bind: m.platformMessageID),
                            \(bind: m.senderID), \(bind: m.senderName), \(bind: m.kind), \(bind: m.text), \(bind: m.sentAt), \(bind: receivedAt))
                    ON CONFLICT (platform, group_id, platform_message_id) DO NOTHING
                    RETURNING id
                    """).first()
                if let id = try inserted?.decode(column: "id", as: Int.self) {
                    outcomes.append(.stored(id: id))
                } else {
                    let existing = try await sql.raw("""
                        SELECT id FROM messages WHERE platform = \(bind: m.platform.rawValue) AND group_id = \(bind: m.groupID)
                        AND platform_message_id = \(bind: m.platformMessageID)
                        """).first()
                    outcomes.append(.duplicate(id: try existing?.decode(column: "id", as: Int.self) ?? 0))
                }
            }
            return outcomes
        }
    }

    /// Messages of a group around a moment, oldest first: the conversation a case page shows.
    /// Messages behind sealed reports are left out unless `includeSealed` (the discipline role).
    public func conversation(groupID: UUID, around: Date, before: Int, after: Int, includeSealed: Bool = false) async throws -> [Message] {
        let db = database.db
        func base() -> QueryBuilder<MessageModel> {
            let q = MessageModel.query(on: db).filter(\.$groupID == groupID)
            if !includeSealed { q.group(.or) { $0.filter(\.$sealed == nil).filter(\.$sealed == false) } }
            return q
        }
        let earlier = try await base().filter(\.$sentAt < around).sort(\.$sentAt, .descending).limit(before).all()
        let later = try await base().filter(\.$sentAt >= around).sort(\.$sentAt, .ascending).limit(after + 1).all()
        return try (earlier.reversed() + later).map { try $0.toCore() }
    }

    public func count() async throws -> Int {
        try await MessageModel.query(on: database.db).count()
    }
}

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
    /// For a quote-reply, the platform id of the quoted message.
    public var quotedPlatformID: String?

    public init(
        groupID: UUID, countyCode: RegionCode, platform: Platform, platformMessageID: String, senderID: String,
        senderName: String, kind: String = "text", text: String, sentAt: Date, quotedPlatformID: String? = nil
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
        self.quotedPlatformID = quotedPlatformID
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

    /// Rows per INSERT statement: 12 bound values each stays far below SQLite's and PostgreSQL's limits.
    static let rowsPerStatement = 500

    /// Appends a batch in one transaction (one fsync however many messages); the outcome of each
    /// message comes back in order. Multi-row inserts keep the statement count low: the database's
    /// unique key absorbs duplicates, and a second look finds the ids of the ones already stored.
    public func append(_ messages: [IncomingMessage], receivedAt: Date = Date()) async throws -> [Outcome] {
        guard !messages.isEmpty else { return [] }
        return try await database.db.transaction { db in
            try await Self.append(messages, receivedAt: receivedAt, on: db as! any SQLDatabase)
        }
    }

    static func key(_ group: UUID, _ id: String) -> String { "\(group.uuidString)|\(id)" }

    static func append(_ messages: [IncomingMessage], receivedAt: Date, on sql: any SQLDatabase) async throws -> [Outcome] {
        var inserted: [String: Int] = [:]
        for start in stride(from: 0, to: messages.count, by: rowsPerStatement) {
            let chunk = messages[start..<min(start + rowsPerStatement, messages.count)]
            let insert = sql.insert(into: "messages")
                .columns("county_code", "group_id", "platform", "platform_message_id", "sender_id", "sender_name", "kind", "text",
                         "sent_at", "received_at", "quoted_platform_id")
            for m in chunk {
                insert.values([m.countyCode.rawValue, m.groupID, m.platform.rawValue, m.platformMessageID, m.senderID, m.senderName, m.kind,
                               m.text, m.sentAt, receivedAt, m.quotedPlatformID] as [any Encodable & Sendable])
            }
            let rows = try await insert
                .ignoringConflicts(with: ["platform", "group_id", "platform_message_id"])
                .returning("id", "group_id", "platform_message_id")
                .all()
            for row in rows {
                let id = try row.decode(column: "id", as: Int.self)
                inserted[key(try row.decode(column: "group_id", as: UUID.self), try row.decode(column: "platform_message_id", as: String.self))] = id
            }
        }
        // Duplicates: of messages stored earlier (look them up), or repeated within this batch.
        var existing: [String: Int] = [:]
        let missing = messages.filter { inserted[key($0.groupID, $0.platformMessageID)] == nil }
        for start in stride(from: 0, to: missing.count, by: rowsPerStatement) {
            let chunk = missing[start..<min(start + rowsPerStatement, missing.count)]
            let rows = try await sql.select().columns("id", "group_id", "platform_message_id").from("messages")
                .where("platform_message_id", .in, Array(Set(chunk.map(\.platformMessageID))))
                .where("group_id", .in, Array(Set(chunk.map(\.groupID))))
                .all()
            for row in rows {
                existing[key(try row.decode(column: "group_id", as: UUID.self), try row.decode(column: "platform_message_id", as: String.self))] =
                    try row.decode(column: "id", as: Int.self)
            }
        }
        var outcomes: [Outcome] = []
        outcomes.reserveCapacity(messages.count)
        var quoting: [Int] = []
        for m in messages {
            let k = key(m.groupID, m.platformMessageID)
            if let id = inserted.removeValue(forKey: k) {
                outcomes.append(.stored(id: id))
                existing[k] = id
                if m.quotedPlatformID != nil { quoting.append(id) }
            } else {
                outcomes.append(.duplicate(id: existing[k] ?? 0))
            }
        }
        if !quoting.isEmpty {
            // A quote links to the quoted message when it is already stored (it usually is: quotes come after).
            try await sql.raw("""
                UPDATE messages SET quote_of = (SELECT q.id FROM messages q WHERE q.platform = messages.platform
                    AND q.group_id = messages.group_id AND q.platform_message_id = messages.quoted_platform_id)
                WHERE id IN (\(binds: quoting))
                """).run()
        }
        return outcomes
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

    /// Messages whose platform id starts with a prefix (benchmarks and checks count their own rows).
    public func count(idPrefix: String) async throws -> Int {
        try await MessageModel.query(on: database.db).filter(\.$platformMessageID >= idPrefix).filter(\.$platformMessageID < idPrefix + "\u{10FFFF}").count()
    }

    public func count() async throws -> Int {
        try await MessageModel.query(on: database.db).count()
    }
}

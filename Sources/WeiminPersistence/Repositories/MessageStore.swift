import FluentKit
import Foundation
import SQLKit
import SQLiteNIO
import WeiminCore

/// A message to store, as an ingest adapter or importer hands it over.
public struct IncomingMessage: Sendable {
    public var groupID: UUID
    public var countyCode: RegionCode
    public var platform: Platform
    public var platformMessageID: String
    public var senderID: String
    public var senderName: String
    public var kind: MessageKind
    public var text: String
    public var sentAt: Date
    /// For a quote-reply, the platform id of the quoted message.
    public var quotedPlatformID: String?
    /// Weimin's own words come back through a bridge (docs/protocols.md §5): stored, never triaged.
    public var echo: OutboundEcho.Reason?
    /// The photos, voice notes and files that came with it (docs/protocols.md §6), stored in the same transaction.
    public var media: [IncomingMedia]

    public init(
        groupID: UUID, countyCode: RegionCode, platform: Platform, platformMessageID: String, senderID: String,
        senderName: String, kind: MessageKind = .text, text: String, sentAt: Date, quotedPlatformID: String? = nil,
        echo: OutboundEcho.Reason? = nil, media: [IncomingMedia] = []
    ) {
        self.echo = echo
        self.media = media
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
        return try await database.writing { db in
            try await Self.append(messages, receivedAt: receivedAt, on: db as! any SQLDatabase)
        }
    }

    struct Key: Hashable {
        let group: UUID
        let id: String
    }

    static func key(_ group: UUID, _ id: String) -> Key { Key(group: group, id: id) }

    /// The SQLite hot path: one prepared multi-row statement with native binds, skipping the generic
    /// Encodable round trip per value (the values are stored exactly as Fluent stores them: UUIDs as text, dates as Unix seconds).
    static func insertNative(
        _ chunk: ArraySlice<IncomingMessage>, receivedAt: Date, on db: any SQLiteDatabase, into inserted: inout [Key: Int]
    ) async throws {
        for r in try await db.query(nativeStatement(rows: chunk.count, returning: true), nativeBinds(chunk, receivedAt: receivedAt)) {
            guard let id = r.column("id")?.integer, let g = r.column("group_id")?.string.flatMap(UUID.init(uuidString:)),
                let pid = r.column("platform_message_id")?.string
            else { throw PersistenceError.invalid(StoreMessages.Records.messageReadBack) }
            inserted[key(g, pid)] = id
        }
    }

    static func nativeStatement(rows: Int, returning: Bool) -> String {
        let row = "(" + Array(repeating: "?", count: 12).joined(separator: ",") + ")"
        return """
            INSERT INTO messages (county_code, group_id, platform, platform_message_id, sender_id, sender_name, kind, text, sent_at, received_at, quoted_platform_id,
                                  echo)
            VALUES \(Array(repeating: row, count: rows).joined(separator: ","))
            ON CONFLICT (platform, group_id, platform_message_id) DO NOTHING
            \(returning ? "RETURNING id, group_id, platform_message_id" : "")
            """
    }

    static func nativeBinds(_ chunk: ArraySlice<IncomingMessage>, receivedAt: Date) -> [SQLiteData] {
        let received = SQLiteData.float(receivedAt.timeIntervalSince1970)
        var binds: [SQLiteData] = []
        binds.reserveCapacity(chunk.count * 12)
        // uuidString formats with printf: once per group, not once per message.
        var groupText: [UUID: SQLiteData] = [:]
        for m in chunk {
            let group =
                groupText[m.groupID]
                ?? {
                    let text = SQLiteData.text(m.groupID.uuidString)
                    groupText[m.groupID] = text
                    return text
                }()
            binds.append(.text(m.countyCode.rawValue))
            binds.append(group)
            binds.append(.text(m.platform.rawValue))
            binds.append(.text(m.platformMessageID))
            binds.append(.text(m.senderID))
            binds.append(.text(m.senderName))
            binds.append(.text(m.kind.rawValue))
            binds.append(.text(m.text))
            binds.append(.float(m.sentAt.timeIntervalSince1970))
            binds.append(received)
            binds.append(m.quotedPlatformID.map { .text($0) } ?? .null)
            binds.append(m.echo.map { .text($0.rawValue) } ?? .null)
        }
        return binds
    }

    /// Stores messages and says, for each, whether it was new (true) or already stored (false) —
    /// what ingestion needs, without ids. On SQLite each chunk is first tried as a plain insert with no
    /// rows read back (a third faster); only if the database skipped a row as a duplicate is the chunk
    /// rolled back to its savepoint and redone the careful way, which names each duplicate.
    public func insert(_ messages: [IncomingMessage], receivedAt: Date = Date()) async throws -> [Bool] {
        guard !messages.isEmpty else { return [] }
        return try await database.writing { db in
            let sql = db as! any SQLDatabase
            func careful(_ part: [IncomingMessage]) async throws -> [Bool] {
                try await Self.append(part, receivedAt: receivedAt, on: sql).map { if case .stored = $0 { true } else { false } }
            }
            guard let sqlite = sql as? any SQLiteDatabase else { return try await careful(messages) }
            var result: [Bool] = []
            result.reserveCapacity(messages.count)
            for start in stride(from: 0, to: messages.count, by: Self.rowsPerStatement) {
                let chunk = messages[start..<min(start + Self.rowsPerStatement, messages.count)]
                _ = try await sqlite.query("SAVEPOINT weimin_chunk")
                _ = try await sqlite.query(
                    Self.nativeStatement(rows: chunk.count, returning: false), Self.nativeBinds(chunk, receivedAt: receivedAt))
                let changed = try await sqlite.query("SELECT changes() AS n").first?.column("n")?.integer
                if changed == chunk.count {
                    _ = try await sqlite.query("RELEASE weimin_chunk")
                    for m in chunk where !m.media.isEmpty { try await MediaStore.insert(m.media, of: m, receivedAt: receivedAt, on: sql) }
                    for m in chunk where m.quotedPlatformID != nil {
                        try await sql.raw(
                            """
                            UPDATE messages SET quote_of = (SELECT q.id FROM messages q WHERE q.platform = messages.platform
                                AND q.group_id = messages.group_id AND q.platform_message_id = messages.quoted_platform_id)
                            WHERE platform = \(bind: m.platform.rawValue) AND group_id = \(bind: m.groupID) AND platform_message_id = \(bind: m.platformMessageID)
                            """
                        ).run()
                    }
                    result += repeatElement(true, count: chunk.count)
                } else {
                    _ = try await sqlite.query("ROLLBACK TO weimin_chunk")
                    _ = try await sqlite.query("RELEASE weimin_chunk")
                    result += try await careful(Array(chunk))
                }
            }
            return result
        }
    }

    static func append(_ messages: [IncomingMessage], receivedAt: Date, on sql: any SQLDatabase) async throws -> [Outcome] {
        var inserted: [Key: Int] = [:]
        for start in stride(from: 0, to: messages.count, by: rowsPerStatement) {
            let chunk = messages[start..<min(start + rowsPerStatement, messages.count)]
            if let sqlite = sql as? any SQLiteDatabase {
                try await insertNative(chunk, receivedAt: receivedAt, on: sqlite, into: &inserted)
                continue
            }
            let insert = sql.insert(into: "messages")
                .columns(
                    "county_code", "group_id", "platform", "platform_message_id", "sender_id", "sender_name", "kind", "text",
                    "sent_at", "received_at", "quoted_platform_id", "echo")
            for m in chunk {
                insert.values(
                    [
                        m.countyCode.rawValue, m.groupID, m.platform.rawValue, m.platformMessageID, m.senderID, m.senderName,
                        m.kind.rawValue,
                        m.text, m.sentAt, receivedAt, m.quotedPlatformID, m.echo?.rawValue,
                    ] as [any Encodable & Sendable])
            }
            let rows =
                try await insert
                .ignoringConflicts(with: ["platform", "group_id", "platform_message_id"])
                .returning("id", "group_id", "platform_message_id")
                .all()
            for row in rows {
                let id = try row.decode(column: "id", as: Int.self)
                inserted[
                    key(try row.decode(column: "group_id", as: UUID.self), try row.decode(column: "platform_message_id", as: String.self))] =
                    id
            }
        }
        // Duplicates: of messages stored earlier (look them up), or repeated within this batch.
        var existing: [Key: Int] = [:]
        let missing = messages.filter { inserted[key($0.groupID, $0.platformMessageID)] == nil }
        for start in stride(from: 0, to: missing.count, by: rowsPerStatement) {
            let chunk = missing[start..<min(start + rowsPerStatement, missing.count)]
            let rows = try await sql.select().columns("id", "group_id", "platform_message_id").from("messages")
                .where("platform_message_id", .in, Array(Set(chunk.map(\.platformMessageID))))
                .where("group_id", .in, Array(Set(chunk.map(\.groupID))))
                .all()
            for row in rows {
                existing[
                    key(try row.decode(column: "group_id", as: UUID.self), try row.decode(column: "platform_message_id", as: String.self))] =
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
                if !m.media.isEmpty { try await MediaStore.insert(m.media, of: m, receivedAt: receivedAt, on: sql) }
                existing[k] = id
                if m.quotedPlatformID != nil { quoting.append(id) }
            } else {
                outcomes.append(.duplicate(id: existing[k] ?? 0))
            }
        }
        if !quoting.isEmpty {
            // A quote links to the quoted message when it is already stored (it usually is: quotes come after).
            try await sql.raw(
                """
                UPDATE messages SET quote_of = (SELECT q.id FROM messages q WHERE q.platform = messages.platform
                    AND q.group_id = messages.group_id AND q.platform_message_id = messages.quoted_platform_id)
                WHERE id IN (\(binds: quoting))
                """
            ).run()
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
        try await MessageModel.query(on: database.db).filter(\.$platformMessageID >= idPrefix).filter(
            \.$platformMessageID < idPrefix + "\u{10FFFF}"
        ).count()
    }

    public func count() async throws -> Int {
        try await MessageModel.query(on: database.db).count()
    }
}

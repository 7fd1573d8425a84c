import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// Where a media item stands.
public enum MediaStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// The bytes are on disk (`MediaFiles`).
    case stored
    /// The bytes must be fetched from the platform (a WeCom media id, a DingTalk download code, a URL, a bridge's file).
    case pending
    /// Fetching failed for good (the reason is kept); the message stays.
    case failed
    /// Larger than the configured limit: the message is kept, the bytes are not.
    case tooLarge = "too_large"
    /// Nothing Weimin can reach (e.g. a WeChatFerry file on the bridge's own disk with no shared folder configured).
    case unavailable
    /// Erased with the personal data of its case (retention).
    case erased
}

/// A photo, voice note, video or file that came with a message, as an adapter hands it over.
public struct IncomingMedia: Sendable, Hashable {
    /// Its place in the message (a mixed message can carry several pictures).
    public var ordinal: Int
    public var kind: MessageKind
    public var fileName: String?
    /// What the platform said it is (a hint only: the served type is sniffed from the bytes).
    public var declaredType: String?
    public var status: MediaStatus
    public var sha256: String?
    public var size: Int?
    public var contentType: String?
    public var failure: String?
    /// What the fetcher needs for a pending item (`MediaRef`); never shown.
    public var fetchRef: String?
    /// The source whose credentials fetch it.
    public var sourceID: UUID?

    public init(
        ordinal: Int, kind: MessageKind, fileName: String? = nil, declaredType: String? = nil, status: MediaStatus, sha256: String? = nil,
        size: Int? = nil, contentType: String? = nil, failure: String? = nil, fetchRef: String? = nil, sourceID: UUID? = nil
    ) {
        self.ordinal = ordinal
        self.kind = kind
        self.fileName = fileName
        self.declaredType = declaredType
        self.status = status
        self.sha256 = sha256
        self.size = size
        self.contentType = contentType
        self.failure = failure
        self.fetchRef = fetchRef
        self.sourceID = sourceID
    }
}

/// A media item as the console, the API and retention read it.
public struct MediaItem: Sendable, Hashable {
    public var id: UUID
    public var county: String
    public var messageID: Int?
    public var ordinal: Int
    public var kind: MessageKind
    public var fileName: String?
    public var contentType: String?
    public var sha256: String?
    public var size: Int?
    public var status: MediaStatus
    public var failure: String?
    public var attempts: Int
    /// The message's group and village, whether it is sealed, and the cases it is in (for who may open it).
    public var groupID: UUID?
    public var villageCode: String?
    public var sealed: Bool
    public var caseNumbers: [String]
}

/// An item waiting to be fetched, claimed for a while by one fetcher.
public struct DueMedia: Sendable, Hashable {
    public var id: UUID
    public var sourceID: UUID?
    public var platform: Platform
    public var kind: MessageKind
    public var fileName: String?
    public var declaredType: String?
    public var fetchRef: String
    public var attempts: Int
}

/// The media table's reads and writes (docs/protocols.md §6). Items of new messages are written in the message's own
/// transaction (`MessageStore`), items of quarantined messages with the quarantine row; fetching, serving and erasing
/// go through here.
public struct MediaStore: Sendable {
    let database: WeiminDatabase

    public init(database: WeiminDatabase) { self.database = database }

    static let columns =
        "id, county_code, source_id, platform, group_external_id, platform_message_id, ordinal, message_id, kind, file_name, "
        + "declared_type, content_type, sha256, size, status, failure, fetch_ref, attempts, next_attempt_at, created_at, stored_at"

    /// The items of a message just stored, in the caller's transaction: the group's platform id is read from the group,
    /// the message id from the message row. An item already there (a resend) is left alone.
    static func insert(_ media: [IncomingMedia], of m: IncomingMessage, receivedAt: Date, on sql: any SQLDatabase) async throws {
        for item in media {
            try await sql.raw(
                """
                INSERT INTO media (\(unsafeRaw: columns))
                SELECT \(bind: UUID()), \(bind: m.countyCode.rawValue), \(bind: item.sourceID), m.platform, g.external_id, m.platform_message_id,
                       \(bind: item.ordinal), m.id, \(bind: item.kind.rawValue), \(bind: item.fileName), \(bind: item.declaredType),
                       \(bind: item.contentType), \(bind: item.sha256), \(bind: item.size), \(bind: item.status.rawValue), \(bind: item.failure),
                       \(bind: item.fetchRef), 0, \(bind: item.status == .pending ? receivedAt : nil), \(bind: receivedAt),
                       \(bind: item.status == .stored ? receivedAt : nil)
                FROM messages m JOIN chat_groups g ON g.id = m.group_id
                WHERE m.platform = \(bind: m.platform.rawValue) AND m.group_id = \(bind: m.groupID) AND m.platform_message_id = \(bind: m.platformMessageID)
                ON CONFLICT (platform, group_external_id, platform_message_id, ordinal) DO NOTHING
                """
            ).run()
        }
    }

    /// The items of a message kept in quarantine (no message row yet): they join their message when the group is registered.
    static func insertQuarantined(
        _ media: [IncomingMedia], county: String, platform: Platform, groupExternalID: String, platformMessageID: String,
        receivedAt: Date, on sql: any SQLDatabase
    ) async throws {
        for item in media {
            try await sql.raw(
                """
                INSERT INTO media (\(unsafeRaw: columns))
                VALUES (\(bind: UUID()), \(bind: county), \(bind: item.sourceID), \(bind: platform.rawValue), \(bind: groupExternalID), \(bind: platformMessageID),
                        \(bind: item.ordinal), NULL, \(bind: item.kind.rawValue), \(bind: item.fileName), \(bind: item.declaredType),
                        \(bind: item.contentType), \(bind: item.sha256), \(bind: item.size), \(bind: item.status.rawValue), \(bind: item.failure),
                        \(bind: item.fetchRef), 0, \(bind: item.status == .pending ? receivedAt : nil), \(bind: receivedAt),
                        \(bind: item.status == .stored ? receivedAt : nil))
                ON CONFLICT (platform, group_external_id, platform_message_id, ordinal) DO NOTHING
                """
            ).run()
        }
    }

    /// A quarantined message's items find the message it became.
    static func attach(platform: Platform, groupExternalID: String, platformMessageID: String, messageID: Int, on sql: any SQLDatabase)
        async throws
    {
        try await sql.raw(
            """
            UPDATE media SET message_id = \(bind: messageID)
            WHERE platform = \(bind: platform.rawValue) AND group_external_id = \(bind: groupExternalID)
              AND platform_message_id = \(bind: platformMessageID) AND message_id IS NULL
            """
        ).run()
    }

    // MARK: Fetching

    /// Claims up to `limit` items due for fetching, for `lease` seconds (a crashed fetcher's claims come back).
    public func claimDue(limit: Int, lease: TimeInterval = 120, at now: Date = Date()) async throws -> [DueMedia] {
        let sql = database.sql
        let due = try await sql.raw(
            """
            SELECT id FROM media WHERE status = 'pending' AND next_attempt_at <= \(bind: now)
              AND (lease_until IS NULL OR lease_until < \(bind: now))
            ORDER BY next_attempt_at LIMIT \(bind: limit)
            """
        ).all().map { try $0.decode(column: "id", as: UUID.self) }
        var claimed: [DueMedia] = []
        for id in due {
            // One statement per item: only the fetcher whose update changed the row has it.
            let rows = try await sql.raw(
                """
                UPDATE media SET lease_until = \(bind: now.addingTimeInterval(lease))
                WHERE id = \(bind: id) AND status = 'pending' AND (lease_until IS NULL OR lease_until < \(bind: now))
                RETURNING id, source_id, platform, kind, file_name, declared_type, fetch_ref, attempts
                """
            ).all()
            for r in rows {
                guard let platform = Platform(rawValue: try r.decode(column: "platform", as: String.self)),
                    let ref = try r.decode(column: "fetch_ref", as: String?.self)
                else { continue }
                claimed.append(
                    DueMedia(
                        id: try r.decode(column: "id", as: UUID.self), sourceID: try r.decode(column: "source_id", as: UUID?.self),
                        platform: platform,
                        kind: MessageKind(stored: try r.decode(column: "kind", as: String.self)),
                        fileName: try r.decode(column: "file_name", as: String?.self),
                        declaredType: try r.decode(column: "declared_type", as: String?.self), fetchRef: ref,
                        attempts: try r.decode(column: "attempts", as: Int.self)))
            }
        }
        return claimed
    }

    /// The bytes are on disk: the item is stored, and what was needed to fetch it is forgotten (a URL may carry a token).
    public func markStored(
        _ id: UUID, sha256: String, size: Int, contentType: String, kind: MessageKind? = nil, fileName: String? = nil,
        at now: Date = Date()
    ) async throws {
        try await database.sql.raw(
            """
            UPDATE media SET status = 'stored', sha256 = \(bind: sha256), size = \(bind: size), content_type = \(bind: contentType),
                kind = COALESCE(\(bind: kind?.rawValue), kind), file_name = COALESCE(file_name, \(bind: fileName)),
                fetch_ref = NULL, failure = NULL, lease_until = NULL, stored_at = \(bind: now), attempts = attempts + 1
            WHERE id = \(bind: id) AND status = 'pending'
            """
        ).run()
    }

    /// An attempt failed: tried again at `retryAt`, or for good (`status`: failed, too large, unavailable) when nil.
    public func markFailed(_ id: UUID, reason: String, retryAt: Date?, status: MediaStatus = .failed, at now: Date = Date()) async throws {
        if let retryAt {
            try await database.sql.raw(
                """
                UPDATE media SET failure = \(bind: reason), attempts = attempts + 1, next_attempt_at = \(bind: retryAt), lease_until = NULL
                WHERE id = \(bind: id) AND status = 'pending'
                """
            ).run()
        } else {
            try await database.sql.raw(
                """
                UPDATE media SET status = \(bind: status.rawValue), failure = \(bind: reason), attempts = attempts + 1, fetch_ref = NULL, lease_until = NULL
                WHERE id = \(bind: id) AND status = 'pending'
                """
            ).run()
        }
    }

    // MARK: Machine reading (photos → words)

    /// A stored picture or voice note of a message that nothing has read yet.
    public struct Unread: Sendable, Hashable {
        public var id: UUID
        public var messageID: Int
        public var county: String
        public var sha256: String
    }

    /// Stored pictures of messages not yet read, oldest first.
    public func unreadImages(limit: Int) async throws -> [Unread] {
        try await unread("md.content_type LIKE 'image/%'", limit: limit)
    }

    /// Stored voice notes of messages not yet transcribed, oldest first.
    public func unreadVoices(limit: Int) async throws -> [Unread] {
        try await unread("(md.content_type LIKE 'audio/%' OR md.kind = 'voice')", limit: limit)
    }

    func unread(_ kind: String, limit: Int) async throws -> [Unread] {
        try await database.sql.raw(
            """
            SELECT md.id, md.message_id, md.county_code, md.sha256 FROM media md
            WHERE md.status = 'stored' AND md.message_id IS NOT NULL AND md.sha256 IS NOT NULL AND \(unsafeRaw: kind)
              AND NOT EXISTS (SELECT 1 FROM machine_reads r WHERE r.media_id = md.id)
            ORDER BY md.stored_at LIMIT \(bind: limit)
            """
        ).all().map { r in
            Unread(
                id: try r.decode(column: "id", as: UUID.self), messageID: try r.decode(column: "message_id", as: Int.self),
                county: try r.decode(column: "county_code", as: String.self), sha256: try r.decode(column: "sha256", as: String.self))
        }
    }

    /// Keeps what was read from an item, once; `text` empty: read, and nothing worth triage (never queued).
    public func recordRead(_ item: Unread, engine: String, text: String, confidence: Int, at now: Date = Date()) async throws {
        let nothing: Date? = text.isEmpty ? now : nil
        try await database.sql.raw(
            """
            INSERT INTO machine_reads (id, media_id, message_id, county_code, engine, text, confidence, created_at, triaged_at)
            VALUES (\(bind: UUID()), \(bind: item.id), \(bind: item.messageID), \(bind: item.county), \(bind: engine), \(bind: text),
                    \(bind: confidence), \(bind: now), \(bind: nothing))
            ON CONFLICT (media_id) DO NOTHING
            """
        ).run()
    }

    /// What machines read from a message's items (for the case page).
    public func reads(messages: [Int]) async throws -> [Int: String] {
        guard !messages.isEmpty else { return [:] }
        var out: [Int: String] = [:]
        for r in try await database.sql.raw(
            "SELECT message_id, text FROM machine_reads WHERE message_id IN (\(binds: messages)) AND text <> '' ORDER BY created_at"
        ).all() {
            let id = try r.decode(column: "message_id", as: Int.self)
            let text = try r.decode(column: "text", as: String.self)
            out[id] = out[id].map { $0 + "\n" + text } ?? text
        }
        return out
    }

    // MARK: Reading

    public func item(_ id: UUID) async throws -> MediaItem? {
        try await items(where: SQLQueryString("md.id = \(bind: id)")).first
    }

    /// The items of these messages, in message and ordinal order.
    public func items(messages: [Int]) async throws -> [MediaItem] {
        guard !messages.isEmpty else { return [] }
        return try await items(where: SQLQueryString("md.message_id IN (\(binds: messages))"))
    }

    /// Counts by status (for `weimin` and the tests).
    public func counts() async throws -> [MediaStatus: Int] {
        var out: [MediaStatus: Int] = [:]
        for r in try await database.sql.raw("SELECT status, COUNT(*) AS n FROM media GROUP BY status").all() {
            if let s = MediaStatus(rawValue: try r.decode(column: "status", as: String.self)) {
                out[s] = try r.decode(column: "n", as: Int.self)
            }
        }
        return out
    }

    func items(where condition: SQLQueryString) async throws -> [MediaItem] {
        let sql = database.sql
        var query = SQLQueryString(
            """
            SELECT md.id, md.county_code, md.message_id, md.ordinal, md.kind, md.file_name, md.content_type, md.sha256, md.size, md.status,
                   md.failure, md.attempts, m.group_id, g.village_code, m.sealed
            FROM media md LEFT JOIN messages m ON m.id = md.message_id LEFT JOIN chat_groups g ON g.id = m.group_id
            WHERE
            """)
        query += " "
        query += condition
        query += " ORDER BY md.message_id, md.ordinal"
        var items: [MediaItem] = []
        for r in try await sql.raw(query).all() {
            let messageID = try r.decode(column: "message_id", as: Int?.self)
            var numbers: [String] = []
            if let messageID {
                numbers = try await sql.raw(
                    """
                    SELECT c.number FROM case_messages cm JOIN cases c ON c.id = cm.case_id WHERE cm.message_id = \(bind: messageID)
                    """
                ).all().map { try $0.decode(column: "number", as: String.self) }
            }
            items.append(
                MediaItem(
                    id: try r.decode(column: "id", as: UUID.self), county: try r.decode(column: "county_code", as: String.self),
                    messageID: messageID,
                    ordinal: try r.decode(column: "ordinal", as: Int.self),
                    kind: MessageKind(stored: try r.decode(column: "kind", as: String.self)),
                    fileName: try r.decode(column: "file_name", as: String?.self),
                    contentType: try r.decode(column: "content_type", as: String?.self),
                    sha256: try r.decode(column: "sha256", as: String?.self), size: try r.decode(column: "size", as: Int?.self),
                    status: MediaStatus(rawValue: try r.decode(column: "status", as: String.self)) ?? .failed,
                    failure: try r.decode(column: "failure", as: String?.self), attempts: try r.decode(column: "attempts", as: Int.self),
                    groupID: try r.decode(column: "group_id", as: UUID?.self),
                    villageCode: try r.decode(column: "village_code", as: String?.self),
                    sealed: try r.decode(column: "sealed", as: Bool?.self) == true, caseNumbers: numbers))
        }
        return items
    }

    // MARK: Erasing

    /// Erases the items of these messages in the caller's transaction (retention): the item keeps only that it existed.
    /// Its digest stays until `sweepErased` has deleted the file (when no stored item still uses the same bytes), so a
    /// crash between the commit and the deletion leaves nothing behind for good.
    static func erase(messages: [Int], at now: Date, on sql: any SQLDatabase) async throws {
        guard !messages.isEmpty else { return }
        try await sql.raw(
            """
            UPDATE media SET status = 'erased', size = NULL, file_name = NULL, content_type = NULL, fetch_ref = NULL, failure = NULL,
                erased_at = \(bind: now)
            WHERE message_id IN (\(binds: messages)) AND status <> 'erased'
            """
        ).run()
        // What a machine read from them is the villager's words too.
        try await sql.raw("DELETE FROM machine_reads WHERE message_id IN (\(binds: messages))").run()
    }

    /// Deletes the files of erased items that no stored item uses any more; returns how many files went.
    @discardableResult
    public func sweepErased(files: MediaFiles) async throws -> Int {
        let sql = database.sql
        let digests = try await sql.raw(
            """
            SELECT DISTINCT sha256 FROM media WHERE status = 'erased' AND sha256 IS NOT NULL LIMIT 500
            """
        ).all().map { try $0.decode(column: "sha256", as: String.self) }
        guard !digests.isEmpty else { return 0 }
        let inUse = Set(
            try await sql.raw(
                """
                SELECT DISTINCT sha256 FROM media WHERE sha256 IN (\(binds: digests)) AND status <> 'erased'
                """
            ).all().map { try $0.decode(column: "sha256", as: String.self) })
        var removed = 0
        for digest in digests {
            if !inUse.contains(digest) {
                files.remove(digest)
                removed += 1
            }
            try await sql.raw("UPDATE media SET sha256 = NULL WHERE status = 'erased' AND sha256 = \(bind: digest)").run()
        }
        return removed
    }
}

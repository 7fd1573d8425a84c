import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// A notice as it is composed.
public struct NoticeDraft: Sendable {
    public struct Attachment: Sendable, Codable, Hashable {
        public var name: String
        public var url: String?
        /// A file kept by Weimin and sent into the groups after the notice (WeCom robots send the file itself).
        public var fileID: UUID?
        public var size: Int?
        public init(name: String, url: String? = nil, fileID: UUID? = nil, size: Int? = nil) {
            self.name = name
            self.url = url
            self.fileID = fileID
            self.size = size
        }
    }

    public var kind: NoticeKind
    public var title: String
    public var body: String
    public var attachments: [Attachment]
    /// A 公示, with an objection window.
    public var disclosure: Bool
    public var objectionDays: Int
    /// nil: now.
    public var publishAt: Date?
    public var groupIDs: [UUID]
    /// Files to send with the notice, each after it as its own message.
    public var files: [OutboundFile]

    public init(
        kind: NoticeKind, title: String, body: String, attachments: [Attachment] = [], files: [OutboundFile] = [], disclosure: Bool = false,
        objectionDays: Int = 7, publishAt: Date? = nil, groupIDs: [UUID]
    ) {
        self.files = files
        self.kind = kind
        self.title = title
        self.body = body
        self.attachments = attachments
        self.disclosure = disclosure
        self.objectionDays = objectionDays
        self.publishAt = publishAt
        self.groupIDs = groupIDs
    }
}

/// A published notice with what was delivered where, and the objections it drew.
public struct NoticeRecord: Sendable, Codable {
    public struct Delivery: Sendable, Codable {
        public var groupID: UUID
        public var groupName: String
        public var status: String
        public var deliveredAt: Date?
        public var error: String?
    }

    public var id: UUID
    public var county: String
    public var region: String
    public var author: String
    public var kind: NoticeKind
    public var title: String
    public var body: String
    public var attachments: [NoticeDraft.Attachment]
    public var disclosure: Bool
    public var publishAt: Date
    public var objectionUntil: Date?
    public var createdAt: Date
    public var deliveries: [Delivery]
    public var objections: [String]
}

/// Publishing notices to groups (each group's message goes through the outbox, due at the publishing
/// time), the archive of what went where, and the objections raised during a 公示's window — each an
/// `disclosure` case linked to the notice.
public struct NoticeStore: Sendable {
    let database: WeiminDatabase

    public init(database: WeiminDatabase) { self.database = database }

    /// A group a notice may go to: its county and village (for the publisher's scope).
    public struct TargetGroup: Sendable {
        public var id: UUID
        public var county: String
        public var village: String
    }

    public func groups(ids: Set<UUID>) async throws -> [TargetGroup] {
        try await ChatGroupModel.query(on: database.db).filter(\.$id ~~ Array(ids)).all()
            .map { TargetGroup(id: $0.id!, county: $0.countyCode, village: $0.villageCode) }
    }

    /// The county's message templates (its edits over the defaults).
    public func templates() async throws -> MessageTemplates { try await CaseReplies.templates(on: database.db) }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (WriteTransaction) async throws -> T) async throws -> T {
        try await database.transaction(body)
    }

    /// Stores a planned notice: its files, the notice, the groups it goes to and, for each group, the message and
    /// each file due at the publishing time in the outbox.
    public func store(
        id: UUID, plan: NoticePlan, draft: NoticeDraft, groups: [TargetGroup], text: String, by viewer: Viewer, at now: Date,
        in tx: WriteTransaction
    ) async throws {
        let db = tx.db
        let sql = db as! any SQLDatabase
        let county = viewer.region.countyCode?.rawValue ?? viewer.region.rawValue
        var kept = draft.attachments
        var fileIDs: [(UUID, String)] = []
        for f in draft.files {
            let fileID = try await OutboxStore.storeFile(
                on: db, county: county, name: f.name, contentType: f.contentType, data: f.data, at: now)
            kept.append(NoticeDraft.Attachment(name: f.name, fileID: fileID, size: f.data.count))
            fileIDs.append((fileID, f.name))
        }
        let attachments = String(decoding: try JSONEncoder().encode(kept), as: UTF8.self)
        try await sql.raw(
            """
            INSERT INTO notices (id, county_code, region_code, author, kind, title, body, attachments, disclosure, publish_at, objection_until, created_at)
            VALUES (\(bind: id), \(bind: county), \(bind: viewer.region.rawValue), \(bind: viewer.username), \(bind: draft.kind.rawValue),
                    \(bind: plan.title), \(bind: plan.body), \(bind: attachments), \(bind: draft.disclosure), \(bind: plan.publishAt),
                    \(bind: plan.objectionUntil), \(bind: now))
            """
        ).run()
        for g in groups {
            try await sql.raw("INSERT INTO notice_groups (notice_id, group_id) VALUES (\(bind: id), \(bind: g.id))").run()
            try await OutboxStore.enqueue(
                on: db, county: g.county, groupID: g.id, causeKey: "notice:\(id.uuidString):\(g.id.uuidString)", kind: .notice,
                noticeID: id,
                text: text, at: now, due: plan.publishAt)
            for (n, (fileID, name)) in fileIDs.enumerated() {
                try await OutboxStore.enqueue(
                    on: db, county: g.county, groupID: g.id, causeKey: "notice:\(id.uuidString):\(g.id.uuidString):file:\(n)",
                    kind: .notice,
                    noticeID: id, text: NoticeRules.fileCaption(name), fileID: fileID, at: now, due: plan.publishAt)
            }
        }
    }

    public func record(_ id: UUID) async throws -> NoticeRecord? {
        guard let n = try await database.sql.raw("SELECT * FROM notices WHERE id = \(bind: id)").first() else { return nil }
        let deliveries = try await database.sql.raw(
            """
            SELECT ng.group_id, g.name, o.status, o.delivered_at, o.last_error FROM notice_groups ng
            JOIN chat_groups g ON g.id = ng.group_id
            LEFT JOIN outbox o ON o.notice_id = ng.notice_id AND o.group_id = ng.group_id AND o.file_id IS NULL
            WHERE ng.notice_id = \(bind: id) ORDER BY g.village_code
            """
        ).all().map {
            NoticeRecord.Delivery(
                groupID: try $0.decode(column: "group_id", as: UUID.self), groupName: try $0.decode(column: "name", as: String.self),
                status: try $0.decode(column: "status", as: String?.self) ?? "pending",
                deliveredAt: try $0.decode(column: "delivered_at", as: Date?.self),
                error: try $0.decode(column: "last_error", as: String?.self))
        }
        let objections = try await database.sql.raw(
            """
            SELECT c.number FROM notice_objections o JOIN cases c ON c.id = o.case_id WHERE o.notice_id = \(bind: id) ORDER BY c.number
            """
        ).all().map { try $0.decode(column: "number", as: String.self) }
        return NoticeRecord(
            id: id, county: try n.decode(column: "county_code", as: String.self),
            region: try n.decode(column: "region_code", as: String.self),
            author: try n.decode(column: "author", as: String.self),
            kind: NoticeKind(rawValue: try n.decode(column: "kind", as: String.self)) ?? .villageAffairs,
            title: try n.decode(column: "title", as: String.self), body: try n.decode(column: "body", as: String.self),
            attachments: (try? JSONDecoder().decode(
                [NoticeDraft.Attachment].self, from: Data(try n.decode(column: "attachments", as: String.self).utf8))) ?? [],
            disclosure: try n.decode(column: "disclosure", as: Bool.self), publishAt: try n.decode(column: "publish_at", as: Date.self),
            objectionUntil: try n.decode(column: "objection_until", as: Date?.self),
            createdAt: try n.decode(column: "created_at", as: Date.self),
            deliveries: deliveries, objections: objections)
    }

    /// Notices visible to a viewer: those published in or above their region's part of the county.
    public func list(for viewer: Viewer, limit: Int = 100) async throws -> [NoticeRecord] {
        let scope = viewer.region.scopePrefix
        let county = viewer.region.countyCode?.rawValue ?? viewer.region.rawValue
        let ids = try await database.sql.raw(
            """
            SELECT id, region_code FROM notices WHERE county_code = \(bind: county) ORDER BY publish_at DESC LIMIT \(bind: limit * 4)
            """
        ).all().compactMap { row -> UUID? in
            let region = try row.decode(column: "region_code", as: String.self)
            // Your own area's notices, and the county's and your township's that reach you.
            return region.hasPrefix(scope) || scope.hasPrefix(RegionCode(region)?.scopePrefix ?? region)
                ? try row.decode(column: "id", as: UUID.self) : nil
        }
        var result: [NoticeRecord] = []
        for id in ids.prefix(limit) { if let r = try await record(id) { result.append(r) } }
        return result
    }

    /// Messages in a 公示's groups during its window that object to it become `disclosure` cases linked to
    /// the notice (each message once). Windows closed within the last day are still read, for late arrivals.
    /// Messages are read once, in id order, from a cursor kept in settings (ordinary chat in a 公示's groups
    /// would otherwise be read again on every pass); only messages stored 10 s ago or more are read, so one
    /// committed late by a concurrent writer is not skipped. The caller holds the service lease.
    @discardableResult
    public func openObjections(cases: CaseStore, workflow: CaseWorkflow, at now: Date) async throws -> [CaseNumber] {
        let cursorKey = "notice.objection_cursor"
        let cursor = try await Settings.value(cursorKey, on: database.sql).flatMap(Int.init) ?? 0
        let settled = now.addingTimeInterval(-10)
        let rows = try await database.sql.raw(
            """
            SELECT n.id AS notice_id, n.title AS title, n.county_code AS county, m.id AS message_id, m.text AS text, g.id AS group_id, g.village_code AS village
            FROM notices n JOIN notice_groups ng ON ng.notice_id = n.id
            JOIN messages m ON m.group_id = ng.group_id
            JOIN chat_groups g ON g.id = m.group_id
            WHERE n.disclosure = \(bind: true) AND n.publish_at <= \(bind: now) AND n.objection_until >= \(bind: now.addingTimeInterval(-86400))
              AND m.sent_at >= n.publish_at AND m.sent_at <= n.objection_until AND m.kind = 'text'
              AND m.id > \(bind: cursor) AND m.received_at <= \(bind: settled)
              AND NOT EXISTS (SELECT 1 FROM notice_objections o WHERE o.message_id = m.id)
            ORDER BY m.id LIMIT 1000
            """
        ).all()
        var opened: [CaseNumber] = []
        for r in rows {
            let text = try r.decode(column: "text", as: String.self)
            guard ObjectionDetector.isObjection(text), let county = RegionCode(try r.decode(column: "county", as: String.self)),
                let village = RegionCode(try r.decode(column: "village", as: String.self))
            else {
                try await Settings.put(cursorKey, String(try r.decode(column: "message_id", as: Int.self)), on: database.sql, at: now)
                continue
            }
            let title = try r.decode(column: "title", as: String.self)
            let messageID = try r.decode(column: "message_id", as: Int.self)
            let c = try await cases.open(
                NewCase(
                    county: county, township: village.townshipCode, village: village,
                    groupID: try r.decode(column: "group_id", as: UUID.self),
                    category: .disclosure, title: String(StoreMessages.Cases.objectionTitle(title).prefix(60)), summary: text,
                    messageIDs: [messageID]),
                actor: AuditActor(name: "system", role: "system"), at: now, workflow: workflow)
            try await database.sql.raw(
                """
                INSERT INTO notice_objections (id, notice_id, case_id, message_id, created_at)
                VALUES (\(bind: UUID()), \(bind: try r.decode(column: "notice_id", as: UUID.self)), \(bind: c.id), \(bind: messageID), \(bind: now))
                """
            ).run()
            try await Settings.put(cursorKey, String(messageID), on: database.sql, at: now)
            opened.append(c.number)
        }
        return opened
    }

}

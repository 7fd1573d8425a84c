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

    public init(kind: NoticeKind, title: String, body: String, attachments: [Attachment] = [], files: [OutboundFile] = [], disclosure: Bool = false,
                objectionDays: Int = 7, publishAt: Date? = nil, groupIDs: [UUID]) {
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

    public func publish(_ draft: NoticeDraft, by viewer: Viewer, at now: Date = Date()) async throws -> NoticeRecord {
        guard NoticeAccess.mayPublish(viewer.role) else { throw CaseOperationError.forbidden("\(CoreStrings.roleName(viewer.role))不能发布公告") }
        let title = draft.title.trimmingCharacters(in: .whitespacesAndNewlines)
        let body = draft.body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty, title.count <= 100 else { throw CaseOperationError.invalid("请填写标题（最多 100 字）") }
        guard !body.isEmpty, body.utf8.count <= 3000 else { throw CaseOperationError.invalid("请填写正文（最多约 1000 字：群机器人单条消息有长度限制）") }
        guard !draft.groupIDs.isEmpty, draft.groupIDs.count <= 5000 else { throw CaseOperationError.invalid("请选择要发送的群（1–5000 个）") }
        guard !draft.disclosure || (1...90).contains(draft.objectionDays) else { throw CaseOperationError.invalid("异议期应为 1–90 天") }
        guard draft.attachments.count + draft.files.count <= 20,
            draft.attachments.allSatisfy({ !$0.name.isEmpty && $0.name.count <= 200 }), draft.files.allSatisfy({ !$0.name.isEmpty && $0.name.count <= 200 })
        else {
            throw CaseOperationError.invalid("附件最多 20 个，每个须有名称")
        }
        if let big = draft.files.first(where: { $0.data.count > OutboxStore.maxFileBytes || $0.data.isEmpty }) {
            throw CaseOperationError.invalid("附件“\(big.name)”\(big.data.isEmpty ? "是空文件" : "超过 20 MB，群机器人无法发送")")
        }
        let publishAt = max(draft.publishAt ?? now, now)
        guard publishAt < now.addingTimeInterval(366 * 86400) else { throw CaseOperationError.invalid("发布时间最多可预约一年以内") }
        let groups = try await ChatGroupModel.query(on: database.db).filter(\.$id ~~ Array(Set(draft.groupIDs))).all()
        let scope = viewer.region.scopePrefix
        guard groups.count == Set(draft.groupIDs).count else { throw CaseOperationError.invalid("有的群不存在") }
        guard groups.allSatisfy({ $0.villageCode.hasPrefix(scope) }) else { throw CaseOperationError.forbidden("只能向本辖区的群发布") }
        let id = UUID()
        let until = draft.disclosure ? publishAt.addingTimeInterval(Double(draft.objectionDays) * 86400) : nil
        let templates = try await CaseReplies.templates(on: database.db)
        var text = body
        let named = draft.attachments.map { a in a.url.map { "\(a.name) \($0)" } ?? a.name } + draft.files.map { "\($0.name)（随后发送）" }
        if !named.isEmpty { text += "\n附件：" + named.joined(separator: "；") }
        let message = templates.render(.notice, [
            "notice_kind": draft.disclosure ? "\(draft.kind.name)·公示" : draft.kind.name, "title": title, "body": text,
            "objection": until.map { "\n公示期至 \(CaseReplies.deadline($0))，如有异议请在群里回复，或向村委会反映。" } ?? "",
        ])
        let county = viewer.region.countyCode?.rawValue ?? viewer.region.rawValue
        let author = viewer.username
        let region = viewer.region.rawValue
        try await database.db.transaction { db in
            let sql = db as! any SQLDatabase
            var kept = draft.attachments
            var fileIDs: [(UUID, String)] = []
            for f in draft.files {
                let fileID = try await OutboxStore.storeFile(on: db, county: county, name: f.name, contentType: f.contentType, data: f.data, at: now)
                kept.append(NoticeDraft.Attachment(name: f.name, fileID: fileID, size: f.data.count))
                fileIDs.append((fileID, f.name))
            }
            let attachments = String(decoding: try JSONEncoder().encode(kept), as: UTF8.self)
            try await sql.raw("""
                INSERT INTO notices (id, county_code, region_code, author, kind, title, body, attachments, disclosure, publish_at, objection_until, created_at)
                VALUES (\(bind: id), \(bind: county), \(bind: region), \(bind: author), \(bind: draft.kind.rawValue), \(bind: title), \(bind: body),
                        \(bind: attachments), \(bind: draft.disclosure), \(bind: publishAt), \(bind: until), \(bind: now))
                """).run()
            for g in groups {
                try await sql.raw("INSERT INTO notice_groups (notice_id, group_id) VALUES (\(bind: id), \(bind: g.id!))").run()
                try await OutboxStore.enqueue(
                    on: db, county: g.countyCode, groupID: g.id!, causeKey: "notice:\(id.uuidString):\(g.id!.uuidString)", kind: .notice, noticeID: id,
                    text: message, at: now, due: publishAt)
                for (n, (fileID, name)) in fileIDs.enumerated() {
                    try await OutboxStore.enqueue(
                        on: db, county: g.countyCode, groupID: g.id!, causeKey: "notice:\(id.uuidString):\(g.id!.uuidString):file:\(n)", kind: .notice,
                        noticeID: id, text: "【附件】\(name)", fileID: fileID, at: now, due: publishAt)
                }
            }
        }
        return try await record(id)!
    }

    public func record(_ id: UUID) async throws -> NoticeRecord? {
        guard let n = try await database.sql.raw("SELECT * FROM notices WHERE id = \(bind: id)").first() else { return nil }
        let deliveries = try await database.sql.raw("""
            SELECT ng.group_id, g.name, o.status, o.delivered_at, o.last_error FROM notice_groups ng
            JOIN chat_groups g ON g.id = ng.group_id
            LEFT JOIN outbox o ON o.notice_id = ng.notice_id AND o.group_id = ng.group_id AND o.file_id IS NULL
            WHERE ng.notice_id = \(bind: id) ORDER BY g.village_code
            """).all().map {
            NoticeRecord.Delivery(groupID: try $0.decode(column: "group_id", as: UUID.self), groupName: try $0.decode(column: "name", as: String.self),
                                  status: try $0.decode(column: "status", as: String?.self) ?? "pending",
                                  deliveredAt: try $0.decode(column: "delivered_at", as: Date?.self), error: try $0.decode(column: "last_error", as: String?.self))
        }
        let objections = try await database.sql.raw("""
            SELECT c.number FROM notice_objections o JOIN cases c ON c.id = o.case_id WHERE o.notice_id = \(bind: id) ORDER BY c.number
            """).all().map { try $0.decode(column: "number", as: String.self) }
        return NoticeRecord(
            id: id, county: try n.decode(column: "county_code", as: String.self), region: try n.decode(column: "region_code", as: String.self),
            author: try n.decode(column: "author", as: String.self), kind: NoticeKind(rawValue: try n.decode(column: "kind", as: String.self)) ?? .villageAffairs,
            title: try n.decode(column: "title", as: String.self), body: try n.decode(column: "body", as: String.self),
            attachments: (try? JSONDecoder().decode([NoticeDraft.Attachment].self, from: Data(try n.decode(column: "attachments", as: String.self).utf8))) ?? [],
            disclosure: try n.decode(column: "disclosure", as: Bool.self), publishAt: try n.decode(column: "publish_at", as: Date.self),
            objectionUntil: try n.decode(column: "objection_until", as: Date?.self), createdAt: try n.decode(column: "created_at", as: Date.self),
            deliveries: deliveries, objections: objections)
    }

    /// Notices visible to a viewer: those published in or above their region's part of the county.
    public func list(for viewer: Viewer, limit: Int = 100) async throws -> [NoticeRecord] {
        let scope = viewer.region.scopePrefix
        let county = viewer.region.countyCode?.rawValue ?? viewer.region.rawValue
        let ids = try await database.sql.raw("""
            SELECT id, region_code FROM notices WHERE county_code = \(bind: county) ORDER BY publish_at DESC LIMIT \(bind: limit * 4)
            """).all().compactMap { row -> UUID? in
            let region = try row.decode(column: "region_code", as: String.self)
            // Your own area's notices, and the county's and your township's that reach you.
            return region.hasPrefix(scope) || scope.hasPrefix(RegionCode(region)?.scopePrefix ?? region) ? try row.decode(column: "id", as: UUID.self) : nil
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
        let rows = try await database.sql.raw("""
            SELECT n.id AS notice_id, n.title AS title, n.county_code AS county, m.id AS message_id, m.text AS text, g.id AS group_id, g.village_code AS village
            FROM notices n JOIN notice_groups ng ON ng.notice_id = n.id
            JOIN messages m ON m.group_id = ng.group_id
            JOIN chat_groups g ON g.id = m.group_id
            WHERE n.disclosure = \(bind: true) AND n.publish_at <= \(bind: now) AND n.objection_until >= \(bind: now.addingTimeInterval(-86400))
              AND m.sent_at >= n.publish_at AND m.sent_at <= n.objection_until AND m.kind = 'text'
              AND m.id > \(bind: cursor) AND m.received_at <= \(bind: settled)
              AND NOT EXISTS (SELECT 1 FROM notice_objections o WHERE o.message_id = m.id)
            ORDER BY m.id LIMIT 1000
            """).all()
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
                NewCase(county: county, township: village.townshipCode, village: village, groupID: try r.decode(column: "group_id", as: UUID.self),
                        category: .disclosure, title: String("对《\(title)》的异议".prefix(60)), summary: text, messageIDs: [messageID]),
                actor: AuditActor(name: "system", role: "system"), at: now, workflow: workflow)
            try await database.sql.raw("""
                INSERT INTO notice_objections (id, notice_id, case_id, message_id, created_at)
                VALUES (\(bind: UUID()), \(bind: try r.decode(column: "notice_id", as: UUID.self)), \(bind: c.id), \(bind: messageID), \(bind: now))
                """).run()
            try await Settings.put(cursorKey, String(messageID), on: database.sql, at: now)
            opened.append(c.number)
        }
        return opened
    }

}

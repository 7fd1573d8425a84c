import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// Triage's reads and writes: the cursor, the messages after it, a group's recent conversation, the link of a
/// message to a case, and each pass's decisions. What is done with them is the `TriagePending` use case (WeiminApp).
public struct TriageStore: Sendable {
    let database: WeiminDatabase
    let cipher: FieldCipher
    static let cursorKey = "triage.cursor"

    public init(database: WeiminDatabase, cipher: FieldCipher) {
        self.database = database
        self.cipher = cipher
    }

    /// What a Triager needs to know of the counties: their places (for entities) and their 派单目录 words.
    public func countyKnowledge() async throws -> (places: [(code: String, name: String)], catalogue: [(code: String, keywords: [String])])
    {
        let places = try await RegionModel.query(on: database.db).all().compactMap { r -> (String, String)? in
            (r.level == "township" || r.level == "village") && r.id != nil ? (r.id!, r.name) : nil
        }
        let departments = Dictionary(try await DepartmentModel.query(on: database.db).all().map { ($0.id!, $0.code) }) { a, _ in a }
        var words: [String: [String]] = [:]
        for e in try await DispatchEntryModel.query(on: database.db).all() {
            guard let code = departments[e.$department.id] else { continue }
            words[code, default: []] += e.keywords.split(separator: "|").map(String.init)
        }
        return (places, words.keys.sorted().map { ($0, words[$0]!) })
    }

    public struct Pass: Sendable, Equatable {
        public init() {}
        public var triaged = 0
        public var opened = 0
        public var joined = 0
        public var sealed = 0
        public var undecided = 0
    }

    /// The cursor: the last message id triage has passed. Nil before the first pass.
    public func cursor() async throws -> Int? {
        try await Settings.value(Self.cursorKey, on: database.sql).flatMap(Int.init)
    }

    /// Starts the cursor after the newest stored message: history is not re-triaged when triage is switched on.
    public func startAtNewest(at now: Date) async throws {
        let sql = database.sql
        let newest = try await sql.raw("SELECT MAX(id) AS id FROM messages").first()?.decode(column: "id", as: Int?.self) ?? 0
        try await Settings.put(Self.cursorKey, String(newest), on: sql, at: now)
    }

    /// Up to `limit` messages after the cursor that were stored before `storedBefore`, in id order; every kind, so the
    /// cursor can pass the ones triage does not read (`UntriagedMessage.isTriageable`).
    public func untriaged(after cursor: Int, storedBefore: Date, limit: Int) async throws -> [UntriagedMessage] {
        try await database.sql.raw(
            """
            SELECT m.id, m.group_id, m.county_code, g.village_code, m.sender_id, m.sender_name, m.text, m.sent_at, m.quote_of, m.kind, m.sealed, m.echo,
                   m.received_at,
                   EXISTS (SELECT 1 FROM case_messages cm WHERE cm.message_id = m.id) AS in_case
            FROM messages m JOIN chat_groups g ON g.id = m.group_id
            WHERE m.id > \(bind: cursor) AND m.received_at <= \(bind: storedBefore)
            ORDER BY m.id LIMIT \(bind: limit)
            """
        ).all().map { r in
            UntriagedMessage(
                id: try r.decode(column: "id", as: Int.self), groupID: try r.decode(column: "group_id", as: UUID.self),
                county: try r.decode(column: "county_code", as: String.self),
                village: try r.decode(column: "village_code", as: String.self),
                senderID: try r.decode(column: "sender_id", as: String.self),
                senderName: try r.decode(column: "sender_name", as: String.self),
                text: try r.decode(column: "text", as: String.self), sentAt: try r.decode(column: "sent_at", as: Date.self),
                quoteOf: try r.decode(column: "quote_of", as: Int?.self),
                kind: MessageKind(stored: try r.decode(column: "kind", as: String.self)),
                sealed: try r.decode(column: "sealed", as: Bool?.self) == true, inCase: try r.decode(column: "in_case", as: Bool.self),
                echo: try r.decode(column: "echo", as: String?.self) != nil,
                receivedAt: try r.decode(column: "received_at", as: Date?.self))
        }
    }

    /// Words machines read from pictures, not yet triaged, as messages to triage: the message's own words (if any) and
    /// what was read, marked as read by a machine (`UntriagedMessage.machineRead`). With the read's id.
    public func readsDue(limit: Int) async throws -> [(read: UUID, message: UntriagedMessage)] {
        try await database.sql.raw(
            """
            SELECT r.id AS read_id, r.text AS read_text, md.kind AS media_kind, md.content_type AS media_type, m.id, m.group_id, m.county_code, g.village_code, m.sender_id, m.sender_name, m.text,
                   m.sent_at, m.quote_of, m.kind, m.sealed, m.echo, m.received_at,
                   EXISTS (SELECT 1 FROM case_messages cm WHERE cm.message_id = m.id) AS in_case
            FROM machine_reads r JOIN media md ON md.id = r.media_id JOIN messages m ON m.id = r.message_id
            JOIN chat_groups g ON g.id = m.group_id
            WHERE r.triaged_at IS NULL ORDER BY r.created_at LIMIT \(bind: limit)
            """
        ).all().map { r in
            let kind = MessageKind(stored: try r.decode(column: "kind", as: String.self))
            let own = try r.decode(column: "text", as: String.self), read = try r.decode(column: "read_text", as: String.self)
            var m = UntriagedMessage(
                id: try r.decode(column: "id", as: Int.self), groupID: try r.decode(column: "group_id", as: UUID.self),
                county: try r.decode(column: "county_code", as: String.self),
                village: try r.decode(column: "village_code", as: String.self),
                senderID: try r.decode(column: "sender_id", as: String.self),
                senderName: try r.decode(column: "sender_name", as: String.self),
                text: kind == .text && !own.isEmpty ? own + "\n" + read : read, sentAt: try r.decode(column: "sent_at", as: Date.self),
                quoteOf: try r.decode(column: "quote_of", as: Int?.self), kind: kind,
                sealed: try r.decode(column: "sealed", as: Bool?.self) == true, inCase: try r.decode(column: "in_case", as: Bool.self),
                echo: try r.decode(column: "echo", as: String?.self) != nil,
                receivedAt: try r.decode(column: "received_at", as: Date?.self))
            let voice =
                try r.decode(column: "media_kind", as: String.self) == "voice"
                || (try r.decode(column: "media_type", as: String?.self) ?? "").hasPrefix("audio/")
            m.machineRead = voice ? .voice : .photo
            return (try r.decode(column: "read_id", as: UUID.self), m)
        }
    }

    /// The decisions on machine-read words, and the reads marked triaged, in one transaction. A message already decided
    /// on its typed words keeps that decision row (the case the read opened or joined is in the case's record).
    public func recordReads(_ decisions: [Decided], reads: [UUID], at now: Date) async throws {
        guard !reads.isEmpty else { return }
        try await database.writing { db in
            let sql = db as! any SQLDatabase
            try await record(decisions[...], at: now, on: sql)
            try await sql.raw("UPDATE machine_reads SET triaged_at = \(bind: now) WHERE id IN (\(binds: reads))").run()
        }
    }

    /// Department ids by `county:code` (what triage's department head names).
    public func departmentIDs() async throws -> [String: UUID] {
        Dictionary(try await DepartmentModel.query(on: database.db).all().map { ("\($0.countyCode):\($0.code)", $0.id!) }) { a, _ in a }
    }

    /// A message's decision, kept with the case it opened or joined.
    public struct Decided: Sendable {
        public var message: UntriagedMessage
        public var decision: TriageDecision
        public var caseID: UUID?
        public var threadReason: String?

        public init(message: UntriagedMessage, decision: TriageDecision, caseID: UUID?, threadReason: String?) {
            self.message = message
            self.decision = decision
            self.caseID = caseID
            self.threadReason = threadReason
        }
    }

    /// A pass's decisions and the new cursor in one transaction: one disk sync per pass instead of one per message.
    public func recordPass(_ decisions: [Decided], cursor: Int, at now: Date) async throws {
        let cursorValue = String(cursor)
        try await database.writing { db in
            let sql = db as! any SQLDatabase
            for chunk in stride(from: 0, to: decisions.count, by: 200) {
                try await record(decisions[chunk..<min(chunk + 200, decisions.count)], at: now, on: sql)
            }
            try await Settings.put(Self.cursorKey, cursorValue, on: sql, at: now)
        }
    }

    /// The group's last six hours — its latest 200 messages at most, oldest first — with the case each message
    /// is in, and the group's open cases of the last month.
    public func context(group: UUID, before: Date) async throws -> ([ThreadMessage], [OpenCaseSummary]) {
        let sql = database.sql
        let recent = try await sql.raw(
            """
            SELECT m.id, m.sender_id, m.sent_at, m.text, m.quote_of, cm.case_id FROM messages m
            LEFT JOIN case_messages cm ON cm.message_id = m.id
            WHERE m.group_id = \(bind: group) AND m.sent_at >= \(bind: before.addingTimeInterval(-6 * 3600)) AND m.sent_at <= \(bind: before)
              AND m.echo IS NULL
            ORDER BY m.sent_at DESC, m.id DESC LIMIT 200
            """
        ).all().reversed().map {
            ThreadMessage(
                id: try $0.decode(column: "id", as: Int.self), sender: try $0.decode(column: "sender_id", as: String.self),
                sentAt: try $0.decode(column: "sent_at", as: Date.self), text: try $0.decode(column: "text", as: String.self),
                quoteOf: try $0.decode(column: "quote_of", as: Int?.self), caseID: try $0.decode(column: "case_id", as: UUID?.self))
        }
        let openStates = CaseState.allCases.filter(\.isOpen).map(\.rawValue)
        let open = try await sql.raw(
            """
            SELECT c.id, m.sent_at AS opened, c.updated_at, m.sender_id, m.text, c.category, d.code AS department_code FROM cases c
            JOIN case_messages cm ON cm.case_id = c.id AND cm.relation = 'origin' JOIN messages m ON m.id = cm.message_id
            LEFT JOIN departments d ON d.id = c.department_id
            WHERE c.group_id = \(bind: group) AND c.sealed = \(bind: false) AND c.state IN (\(unsafeRaw: openStates.map { "'\($0)'" }.joined(separator: ",")))
              AND c.created_at >= \(bind: before.addingTimeInterval(-30 * 86400))
            ORDER BY c.created_at DESC LIMIT 50
            """
        ).all().map {
            OpenCaseSummary(
                caseID: try $0.decode(column: "id", as: UUID.self), originSender: try $0.decode(column: "sender_id", as: String.self),
                // When the villager raised it (not when triage got to it), and when the case last moved.
                openedAt: try $0.decode(column: "opened", as: Date.self), lastActivity: try $0.decode(column: "updated_at", as: Date.self),
                text: try $0.decode(column: "text", as: String.self),
                category: Category(rawValue: try $0.decode(column: "category", as: String.self)),
                departmentCode: try $0.decode(column: "department_code", as: String?.self))
        }
        return (recent, open)
    }

    /// Links the message to the case and says so in the case's history.
    public func join(message: Int, case id: UUID, reason: String, county: String, at now: Date) async throws {
        try await database.writing { db -> Void in
            guard let row = try await CaseModel.find(id, on: db), let number = CaseNumber(row.number) else { return }
            let link = CaseMessageModel()
            link.caseID = id
            link.messageID = message
            link.countyCode = county
            link.relation = "thread"
            link.createdAt = now
            try await link.create(on: db)
            _ = try await CaseStore.appendEvent(
                caseRow: row, number: number, actor: AuditActor.system, action: "thread", from: nil, to: nil,
                note: StoreMessages.CaseEvents.threadJoined(reason: reason), at: now, on: db)
        }
    }

    func record(_ rows: ArraySlice<Decided>, at now: Date, on sql: any SQLDatabase) async throws {
        guard !rows.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var insert = sql.insert(into: "message_triage").columns(
            "message_id", "county_code", "group_id", "category", "category_score", "department", "urgency", "opinion_risk", "reports_cadre",
            "undecided", "reasons", "entities", "model_version", "case_id", "thread_reason", "decided_at")
        for r in rows {
            let m = r.message, d = r.decision
            insert = insert.values(
                SQLBind(m.id), SQLBind(m.county), SQLBind(m.groupID), SQLBind(d.category.rawValue), SQLBind(d.categoryScore),
                SQLBind(d.department),
                SQLBind(d.urgency.rawValue), SQLBind(d.opinionRisk), SQLBind(d.reportsCadre), SQLBind(d.undecided),
                SQLBind(String(decoding: try encoder.encode(d.reasons), as: UTF8.self)),
                SQLBind(String(decoding: try encoder.encode(d.entities), as: UTF8.self)),
                SQLBind(d.modelVersion), SQLBind(r.caseID), SQLBind(r.threadReason), SQLBind(now))
        }
        try await insert.ignoringConflicts(with: ["message_id"]).run()
    }

    /// How many messages have a stored decision, and how many of those are in a case.
    public func decidedCount() async throws -> (decided: Int, inCases: Int) {
        let row = try await database.sql.raw("SELECT COUNT(*) AS n, COUNT(case_id) AS c FROM message_triage").first()
        return (try row?.decode(column: "n", as: Int.self) ?? 0, try row?.decode(column: "c", as: Int.self) ?? 0)
    }

    /// A stored decision, as the API shows it (reasons and masked entities included).
    public struct Stored: Sendable, Codable {
        public var messageID: Int
        public var category: String
        public var categoryScore: Double
        public var department: String?
        public var urgency: String
        public var opinionRisk: Int
        public var reportsCadre: Bool
        public var undecided: Bool
        public var reasons: [String]
        public var entities: Entities
        public var modelVersion: String
        public var caseID: UUID?
        public var threadReason: String?
        public var decidedAt: Date
    }

    public func decision(message id: Int) async throws -> Stored? {
        guard let r = try await database.sql.raw("SELECT * FROM message_triage WHERE message_id = \(bind: id)").first() else { return nil }
        return Stored(
            messageID: id, category: try r.decode(column: "category", as: String.self),
            categoryScore: try r.decode(column: "category_score", as: Double.self),
            department: try r.decode(column: "department", as: String?.self), urgency: try r.decode(column: "urgency", as: String.self),
            opinionRisk: try r.decode(column: "opinion_risk", as: Int.self),
            reportsCadre: try r.decode(column: "reports_cadre", as: Bool.self),
            undecided: try r.decode(column: "undecided", as: Bool.self),
            reasons: (try? JSONDecoder().decode([String].self, from: Data(try r.decode(column: "reasons", as: String.self).utf8))) ?? [],
            entities: (try? JSONDecoder().decode(Entities.self, from: Data(try r.decode(column: "entities", as: String.self).utf8)))
                ?? Entities(),
            modelVersion: try r.decode(column: "model_version", as: String.self), caseID: try r.decode(column: "case_id", as: UUID?.self),
            threadReason: try r.decode(column: "thread_reason", as: String?.self),
            decidedAt: try r.decode(column: "decided_at", as: Date.self))
    }

    /// The village a message's group belongs to (for scope checks).
    public func village(ofMessage id: Int) async throws -> String? {
        try await database.sql.raw("SELECT g.village_code FROM messages m JOIN chat_groups g ON g.id = m.group_id WHERE m.id = \(bind: id)")
            .first()?
            .decode(column: "village_code", as: String.self)
    }

    /// Actionable messages in an area since a time (not reports about cadres), for hot-issue clustering.
    public func hotIssueItems(scopePrefix: String, since: Date, limit: Int = 20000) async throws -> [HotIssueItem] {
        try await database.sql.raw(
            """
            SELECT m.id, m.text, m.sent_at, g.township_code FROM message_triage t JOIN messages m ON m.id = t.message_id
            JOIN chat_groups g ON g.id = m.group_id
            WHERE t.category <> 'none' AND t.reports_cadre = \(bind: false) AND g.village_code LIKE \(bind: scopePrefix + "%") AND m.sent_at >= \(bind: since)
            ORDER BY m.id DESC LIMIT \(bind: limit)
            """
        ).all().map {
            HotIssueItem(
                id: try $0.decode(column: "id", as: Int.self), text: PIIMask.redact(try $0.decode(column: "text", as: String.self)),
                township: try $0.decode(column: "township_code", as: String.self), sentAt: try $0.decode(column: "sent_at", as: Date.self))
        }
    }

    /// A message triage could not decide, for a person to look at (text masked).
    public struct Undecided: Sendable {
        public var messageID: Int
        public var text: String
        public var groupName: String
        public var sentAt: Date
        public var guess: String
        public var score: Double
    }

    /// Undecided messages in an area that joined no case, newest first (reports about cadres never listed).
    public func undecided(scopePrefix: String, limit: Int = 20) async throws -> [Undecided] {
        try await database.sql.raw(
            """
            SELECT m.id, m.text, m.sent_at, g.name, t.category, t.category_score FROM message_triage t JOIN messages m ON m.id = t.message_id
            JOIN chat_groups g ON g.id = m.group_id
            WHERE t.undecided = \(bind: true) AND t.case_id IS NULL AND t.reports_cadre = \(bind: false) AND g.village_code LIKE \(bind: scopePrefix + "%")
            ORDER BY m.id DESC LIMIT \(bind: limit)
            """
        ).all().map {
            Undecided(
                messageID: try $0.decode(column: "id", as: Int.self), text: PIIMask.redact(try $0.decode(column: "text", as: String.self)),
                groupName: try $0.decode(column: "name", as: String.self), sentAt: try $0.decode(column: "sent_at", as: Date.self),
                guess: try $0.decode(column: "category", as: String.self), score: try $0.decode(column: "category_score", as: Double.self))
        }
    }
}

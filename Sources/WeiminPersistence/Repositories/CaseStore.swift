import Crypto
import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// Who did something, as the audit record names them (not Swift's `Actor`).
public struct AuditActor: Sendable, Hashable {
    public var name: String
    public var role: String

    public init(name: String, role: String) {
        self.name = name
        self.role = role
    }

    public init(_ viewer: Viewer) {
        self.init(name: viewer.username, role: viewer.role.rawValue)
    }

    public static let system = AuditActor(name: "system", role: "system")
}

/// What a new case starts with.
public struct NewCase: Sendable {
    public var village: RegionCode?
    public var township: RegionCode?
    public var county: RegionCode
    public var groupID: UUID?
    public var category: Category
    public var departmentID: UUID?
    public var urgency: Urgency
    public var sealed: Bool
    public var title: String
    public var summary: String
    public var opinionRisk: Int
    public var responseDueAt: Date?
    public var dueAt: Date?
    public var messageIDs: [Int]

    public init(
        county: RegionCode, township: RegionCode?, village: RegionCode?, groupID: UUID?, category: Category,
        departmentID: UUID? = nil, urgency: Urgency = .normal, sealed: Bool = false, title: String, summary: String,
        opinionRisk: Int = 0, responseDueAt: Date? = nil, dueAt: Date? = nil, messageIDs: [Int] = []
    ) {
        self.county = county
        self.township = township
        self.village = village
        self.groupID = groupID
        self.category = category
        self.departmentID = departmentID
        self.urgency = urgency
        self.sealed = sealed
        self.title = title
        self.summary = summary
        self.opinionRisk = opinionRisk
        self.responseDueAt = responseDueAt
        self.dueAt = dueAt
        self.messageIDs = messageIDs
    }
}

public enum CaseStoreError: Error, CustomStringConvertible, Sendable {
    case notFound(String)
    case transition(TransitionError)
    /// Someone else changed the case between reading and writing it.
    case conflict(String)

    public var description: String {
        switch self {
        case .notFound(let n): return StoreMessages.Cases.notFound(n)
        case .transition(let e): return e.reason
        case .conflict(let n): return StoreMessages.Cases.conflict(n)
        }
    }
}

/// Writes cases: opening them with a fresh number, and applying closed-loop actions through the Core
/// state machine. Each operation is one transaction that starts with a write, so SQLite takes its
/// write lock up front and concurrent writers queue instead of failing on a stale snapshot.
public struct CaseStore: Sendable {
    let database: WeiminDatabase
    /// Encrypts a sealed case's words. Without it, opening or transferring a sealed case is refused rather
    /// than storing a report about a cadre in clear.
    let cipher: FieldCipher?

    /// The data key's cipher, for use cases that seal what they write beside a case change (a private answer's recipient).
    public var fieldCipher: FieldCipher? { cipher }

    public init(database: WeiminDatabase, cipher: FieldCipher? = nil) {
        self.database = database
        self.cipher = cipher
    }

    /// Opens a case in state `new`, links its messages and records the first event.
    public func open(_ new: NewCase, actor: AuditActor, at now: Date, workflow: CaseWorkflow? = nil) async throws -> Case {
        try await database.writing { db in try await insert(new, actor: actor, at: now, workflow: workflow, on: db) }
    }

    /// A new case, its message links, search index and first event, inside the caller's write transaction.
    func insert(_ new: NewCase, actor: AuditActor, at now: Date, workflow: CaseWorkflow?, on db: any Database) async throws -> Case {
        let year = Calendar.beijing.component(.year, from: now)
        let series: CaseNumber.Series = new.sealed ? .sealed : .ordinary
        let words = try new.sealed ? SealedWords.seal(title: new.title, summary: new.summary, cipher: cipher) : nil
        do {
            let seq = try await Self.nextSequence(CaseNumber.sequenceKey(county: new.county, year: year, series: series), on: db)
            guard let number = CaseNumber(county: new.county, year: year, sequence: seq, series: series) else {
                throw PersistenceError.invalid(StoreMessages.Cases.numberOutOfRange(county: new.county, year: year, sequence: seq))
            }
            let row = CaseModel()
            row.id = UUID()
            row.number = number.description
            row.countyCode = new.county.rawValue
            row.townshipCode = new.township?.rawValue
            row.villageCode = new.village?.rawValue
            row.scopeCode = (new.village ?? new.township ?? new.county).rawValue
            row.groupID = new.groupID
            row.category = new.category.rawValue
            row.departmentID = new.departmentID
            row.urgency = new.urgency.rawValue
            row.state = CaseState.new.rawValue
            row.sealed = new.sealed
            row.title = words == nil ? new.title : SealedWords.title
            row.summary = words == nil ? new.summary : SealedWords.summary
            row.titleCipher = words?.title
            row.summaryCipher = words?.summary
            row.opinionRisk = new.opinionRisk
            row.createdAt = now
            row.updatedAt = now
            row.responseDueAt = new.responseDueAt
            row.dueAt = new.dueAt
            row.version = 0
            if let workflow {
                // Response and acceptance-notice deadlines come from the county's rules.
                let opened = workflow.opening(try row.toCore())
                row.responseDueAt = opened.responseDueAt
                row.acceptanceDueAt = opened.acceptanceDueAt
            }
            try await row.create(on: db)
            for mid in Set(new.messageIDs).sorted() {
                let link = CaseMessageModel()
                link.caseID = row.id!
                link.messageID = mid
                link.countyCode = new.county.rawValue
                link.relation = mid == new.messageIDs.first ? "origin" : "followup"
                link.createdAt = now
                try await link.create(on: db)
            }
            try await FluentCaseRepository.index(caseID: row.id!, number: row.number, title: row.title, summary: row.summary, on: db)
            try await Self.appendEvent(
                caseRow: row, number: number, actor: actor, action: "open", from: nil, to: .new,
                note: CoreStrings.categoryName(new.category), at: now, on: db)
            return try row.toCore()
        }
    }

    /// The county's 派单目录 as the workflow reads it: function, department, words.
    public func dispatchCatalogue(county: RegionCode) async throws -> [(category: Category, departmentID: UUID, keywords: [String])] {
        try await DispatchEntryModel.query(on: database.db).filter(\.$countyCode == county.rawValue).sort(\.$matter).all().compactMap {
            guard let category = Category(rawValue: $0.category) else { return nil }
            return (category, $0.$department.id, $0.keywords.split(separator: "|").map(String.init))
        }
    }

    /// Loads a case as the workflow needs it: with its lead department's code and its co-handlers.
    func load(number: CaseNumber, on db: (any Database)? = nil) async throws -> (Case, CaseModel)? {
        let db = db ?? database.db
        // A case transferred to the discipline commission is still found by its old number; visibility (sealed)
        // decides who may see it.
        guard let row = try await CaseModel.find(number: number, on: db) else { return nil }
        var c = try await CaseHandlers.fill([try row.toCore()], on: db)[0]
        c.recusedUsernames = try await CaseRecusalModel.query(on: db).filter(\.$caseID == row.id!).all().map(\.username)
        return (c, row)
    }

    /// A case by its id, without visibility checks.
    public func find(id: UUID) async throws -> Case? {
        guard let row = try await CaseModel.find(id, on: database.db), let number = CaseNumber(row.number) else { return nil }
        return try await find(number: number)
    }

    /// A case with its department code and co-handlers, without visibility checks (the workflow checks).
    public func find(number: CaseNumber) async throws -> Case? {
        try await load(number: number)?.0
    }

    /// One transaction for the writes of a use case (`WriteTransaction`).
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (WriteTransaction) async throws -> T) async throws -> T {
        try await database.transaction(body)
    }

    /// A case as the workflow needs it, with the version a change must find unchanged (optimistic locking).
    public func findForChange(number: CaseNumber) async throws -> (case: Case, version: Int)? {
        guard let (c, row) = try await load(number: number) else { return nil }
        return (c, row.version ?? 0)
    }

    /// Whether a case may be merged into: it exists, is in `county` and has not ended.
    public func isOpenMergeTarget(_ id: UUID, county: RegionCode) async throws -> Bool {
        guard let target = try await CaseModel.find(id, on: database.db), target.countyCode == county.rawValue,
            let state = CaseState(rawValue: target.state)
        else { return false }
        return !state.isTerminal
    }

    /// Stores a change the workflow planned, with its audit event. It starts by bumping the case's version, so SQLite
    /// takes the write lock first and a change made since `version` was read is refused (`CaseStoreError.conflict`).
    /// Returns the case as stored plus what the row does not hold, and the event's sequence number.
    public func store(
        _ plan: CasePlan, of command: CaseCommand, before: Case, version: Int, by viewer: Viewer, at now: Date, in tx: WriteTransaction
    ) async throws -> (after: Case, eventSequence: Int) {
        let db = tx.db
        let id = before.id
        let sql = db as! any SQLDatabase
        let bumped = try await sql.raw(
            """
            UPDATE cases SET version = \(bind: version + 1) WHERE id = \(bind: id) AND COALESCE(version, 0) = \(bind: version) RETURNING id
            """
        ).all()
        guard !bumped.isEmpty else { throw CaseStoreError.conflict(before.number.description) }
        guard let fresh = try await CaseModel.find(id, on: db) else { throw CaseStoreError.notFound(before.number.description) }
        fresh.apply(plan.after)
        fresh.version = version + 1
        try await fresh.save(on: db)
        switch command {
        case .dispatch, .reassign:
            try await CaseDepartmentModel.query(on: db).filter(\.$caseID == id).delete()
            for dept in plan.after.coHandlerIDs {
                let link = CaseDepartmentModel()
                link.id = UUID()
                link.caseID = id
                link.departmentID = dept
                link.countyCode = fresh.countyCode
                link.role = "co"
                link.createdAt = now
                try await link.create(on: db)
            }
        default: break
        }
        let sequence = try await Self.appendEvent(
            caseRow: fresh, number: before.number, actor: AuditActor(viewer), action: plan.eventAction, from: before.state,
            to: command.transition == nil ? nil : plan.after.state, note: plan.note, at: now, on: db)
        if case .review(let satisfaction, _) = command {
            // Every answer is kept: a redone case clears `last_review`, and 满意率 counts each answer in its month.
            try await sql.raw(
                """
                INSERT INTO case_reviews (case_id, event_sequence, county_code, satisfaction, reviewed_at)
                VALUES (\(bind: id), \(bind: sequence), \(bind: fresh.countyCode), \(bind: satisfaction.rawValue), \(bind: now))
                """
            ).run()
        }
        var after = try fresh.toCore()
        after.coHandlerIDs = plan.after.coHandlerIDs
        after.recusedUsernames = before.recusedUsernames
        after.departmentCode = after.departmentID == before.departmentID ? before.departmentCode : nil
        return (after, sequence)
    }

    /// Allocates the next number of a series (`CaseNumber.sequenceKey`) in one atomic statement on both databases.
    static func nextSequence(_ key: String, on db: any Database) async throws -> Int {
        let sql = db as! any SQLDatabase
        let row = try await sql.raw(
            """
            INSERT INTO case_sequences (id, next_value) VALUES (\(bind: key), 1)
            ON CONFLICT (id) DO UPDATE SET next_value = case_sequences.next_value + 1
            RETURNING next_value
            """
        ).first()
        guard let value = try row?.decode(column: "next_value", as: Int.self) else {
            throw PersistenceError.invalid(StoreMessages.Cases.numberUnavailable)
        }
        return value
    }

    /// Appends to the case's hash chain: each event's hash covers its content, the previous hash and a snapshot of
    /// the case row as it is now in this transaction (`CaseSnapshot`), so later edits to the row show in
    /// `weimin audit verify`. The chain is keyed by the case's first number (`AuditHash.chainNumber`), whatever
    /// `number` the caller knows it by, so a case renumbered on transfer to discipline keeps one chain.
    @discardableResult
    static func appendEvent(
        caseRow: CaseModel, number: CaseNumber, actor: AuditActor, action: String, from: CaseState?, to: CaseState?,
        note: String, at now: Date, on db: any Database
    ) async throws -> Int {
        let last = try await CaseEventModel.query(on: db).filter(\.$caseID == caseRow.id!).sort(\.$sequence, .descending).first()
        let current = try await CaseModel.find(caseRow.id!, on: db) ?? caseRow
        // Stored times are whole milliseconds so the hash recomputes identically after a round trip.
        let at = Date(timeIntervalSince1970: (now.timeIntervalSince1970 * 1000).rounded() / 1000)
        var event = CaseEvent(
            sequence: (last?.sequence ?? 0) + 1, occurredAt: at, actor: actor.name, actorRole: actor.role, action: action,
            fromState: from, toState: to, note: note, previousHash: last?.hash ?? "", snapshot: AuditHash.snapshot(of: current).encoded)
        event.hash = AuditHash.hash(event, caseNumber: AuditHash.chainNumber(of: current) ?? number)
        let row = CaseEventModel()
        row.caseID = caseRow.id!
        row.countyCode = caseRow.countyCode
        row.sequence = event.sequence
        row.occurredAt = event.occurredAt
        row.actor = event.actor
        row.actorRole = event.actorRole
        row.action = event.action
        row.fromState = from?.rawValue
        row.toState = to?.rawValue
        row.note = note
        row.previousHash = event.previousHash
        row.hash = event.hash
        row.snapshot = event.snapshot
        try await row.create(on: db)
        // Keep the chain head on the case, in the same transaction.
        try await (db as! any SQLDatabase).update("cases")
            .set("event_head", to: event.hash).set("event_count", to: event.sequence)
            .where("id", .equal, caseRow.id!).run()
        return event.sequence
    }
}

public enum AuditHash {
    public static func hash(_ event: CaseEvent, caseNumber: CaseNumber) -> String {
        SHA256.hash(data: event.canonicalContent(caseNumber: caseNumber)).map { String(format: "%02x", $0) }.joined()
    }

    /// The number a case's chain is hashed under: its first one (before any transfer to discipline).
    static func chainNumber(of row: CaseModel) -> CaseNumber? {
        CaseNumber(row.formerNumber ?? row.number)
    }

    /// The fields of a case row that its audit chain vouches for. Words are hashed as stored: a sealed case's
    /// ciphertext, so the record reveals nothing of a report.
    static func snapshot(of row: CaseModel) -> CaseSnapshot {
        func digest(_ plain: String, _ cipher: String?) -> String {
            let bytes = Array(plain.utf8) + [0] + Array((cipher ?? "").utf8)
            return SHA256.hash(data: bytes).prefix(16).map { String(format: "%02x", $0) }.joined()
        }
        return CaseSnapshot(values: [
            "number": row.number, "former_number": row.formerNumber ?? "", "state": row.state, "sealed": row.sealed ? "1" : "0",
            "category": row.category, "department": row.departmentID?.uuidString.lowercased() ?? "",
            "title": digest(row.title, row.titleCipher), "summary": digest(row.summary, row.summaryCipher),
        ])
    }
}

extension Calendar {
    /// Case numbers and limits follow Beijing time wherever the server's clock is set.
    static let beijing: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        return c
    }()
}

import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// Cases formed by hand (`CaseFormation`): opened from a message, or split from a case. Each is one write
/// transaction: the new case, its messages' links, the record of both cases, and what the person chose (kept for
/// retraining triage).
extension CaseStore {
    /// A message as forming a case from it needs it.
    public struct FormableMessage: Sendable {
        public var id: Int
        public var groupID: UUID
        public var county: RegionCode
        public var township: RegionCode?
        public var village: RegionCode?
        public var text: String
        public var kind: MessageKind
        /// In a sealed report: never formed into an ordinary case.
        public var sealed: Bool
        /// The open case it is already part of, if any.
        public var openCaseNumber: String?
        /// What triage suggested (category), for the correction record.
        public var suggestedCategory: String?
    }

    public func formableMessage(_ id: Int, scopePrefix: String) async throws -> FormableMessage? {
        let open = CaseState.allCases.filter(\.isOpen).map(\.rawValue)
        guard
            let r = try await database.sql.raw(
                """
                SELECT m.id, m.group_id, m.text, m.kind, g.county_code, g.township_code, g.village_code, t.category,
                       (SELECT c.number FROM case_messages cm JOIN cases c ON c.id = cm.case_id
                        WHERE cm.message_id = m.id AND c.state IN (\(binds: open)) LIMIT 1) AS open_case,
                       (SELECT COUNT(*) FROM sealed_reports s JOIN case_messages cm ON cm.case_id = s.case_id WHERE cm.message_id = m.id) AS sealed
                FROM messages m JOIN chat_groups g ON g.id = m.group_id LEFT JOIN message_triage t ON t.message_id = m.id
                WHERE m.id = \(bind: id)
                """
            ).first()
        else { return nil }
        let village = try r.decode(column: "village_code", as: String?.self).flatMap(RegionCode.init)
        let county = try RegionCode(r.decode(column: "county_code", as: String.self))!
        guard (village ?? county).rawValue.hasPrefix(scopePrefix) else { return nil }
        return FormableMessage(
            id: id, groupID: try r.decode(column: "group_id", as: UUID.self), county: county,
            township: try r.decode(column: "township_code", as: String?.self).flatMap(RegionCode.init), village: village,
            text: try r.decode(column: "text", as: String.self), kind: MessageKind(stored: try r.decode(column: "kind", as: String.self)),
            sealed: try r.decode(column: "sealed", as: Int.self) > 0, openCaseNumber: try r.decode(column: "open_case", as: String?.self),
            suggestedCategory: try r.decode(column: "category", as: String?.self))
    }

    /// Opens a case from a message: the case, the message triage left without one now points at it, and the category
    /// the person chose is kept beside the one triage suggested.
    public func openFromMessage(_ new: NewCase, message: FormableMessage, by viewer: Viewer, at now: Date, workflow: CaseWorkflow)
        async throws -> Case
    {
        try await database.writing { db in
            let sql = db as! any SQLDatabase
            let c = try await insert(new, actor: AuditActor(viewer), at: now, workflow: workflow, on: db)
            try await sql.raw(
                "UPDATE message_triage SET case_id = \(bind: c.id), undecided = \(bind: false) WHERE message_id = \(bind: message.id)"
            ).run()
            if let suggested = message.suggestedCategory {
                try await sql.raw(
                    """
                    INSERT INTO triage_corrections (id, county_code, message_id, case_id, field, suggested, corrected, changed, actor, event_sequence, corrected_at)
                    VALUES (\(bind: UUID()), \(bind: c.countyCode.rawValue), \(bind: message.id), \(bind: c.id), 'category', \(bind: suggested),
                            \(bind: c.category.rawValue), \(bind: suggested != c.category.rawValue), \(bind: viewer.username), 1, \(bind: now))
                    """
                ).run()
            }
            return c
        }
    }

    /// The ids of a case's messages, in the order they came.
    public func messageIDs(of caseID: UUID) async throws -> [Int] {
        try await database.sql.raw(
            "SELECT message_id FROM case_messages WHERE case_id = \(bind: caseID) ORDER BY message_id"
        ).all().map { try $0.decode(column: "message_id", as: Int.self) }
    }

    /// Splits a case: the chosen messages leave it for a new case, and both cases' records say so. Refused if the case
    /// changed since `version` was read.
    public func split(
        _ before: Case, version: Int, moving: [Int], into new: NewCase, by viewer: Viewer, at now: Date, workflow: CaseWorkflow
    ) async throws -> Case {
        try await database.writing { db in
            let sql = db as! any SQLDatabase
            let bumped = try await sql.raw(
                """
                UPDATE cases SET version = \(bind: version + 1), updated_at = \(bind: now)
                WHERE id = \(bind: before.id) AND COALESCE(version, 0) = \(bind: version) RETURNING id
                """
            ).all()
            guard !bumped.isEmpty else { throw CaseStoreError.conflict(before.number.description) }
            try await sql.raw("DELETE FROM case_messages WHERE case_id = \(bind: before.id) AND message_id IN (\(binds: moving))").run()
            let c = try await insert(new, actor: AuditActor(viewer), at: now, workflow: workflow, on: db)
            try await sql.raw("UPDATE message_triage SET case_id = \(bind: c.id) WHERE message_id IN (\(binds: moving))").run()
            guard let row = try await CaseModel.find(before.id, on: db) else { throw CaseStoreError.notFound(before.number.description) }
            try await Self.appendEvent(
                caseRow: row, number: before.number, actor: AuditActor(viewer), action: "split", from: nil, to: nil,
                note: StoreMessages.Cases.splitOut(into: c.number.description, count: moving.count), at: now, on: db)
            return c
        }
    }
}

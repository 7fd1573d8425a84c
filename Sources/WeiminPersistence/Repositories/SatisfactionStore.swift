import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// The satisfaction questions asked in groups: which villager's later messages may answer which case,
/// and which went unanswered for three days and become a phone follow-up for the township (回访).
public struct SatisfactionStore: Sendable {
    let database: WeiminDatabase

    public init(database: WeiminDatabase) { self.database = database }

    /// A message from the asked villager, in the asked group, after the question: a possible answer.
    public struct Candidate: Sendable {
        public var requestID: UUID
        public var caseNumber: CaseNumber
        public var text: String
        public var sentAt: Date
    }

    public func candidates(limit: Int = 500) async throws -> [Candidate] {
        let rows = try await database.sql.raw(
            """
            SELECT sr.id AS request_id, c.number AS case_number, m.text AS text, m.sent_at AS sent_at
            FROM satisfaction_requests sr
            JOIN cases c ON c.id = sr.case_id
            JOIN messages m ON m.group_id = sr.group_id AND m.sender_id = sr.villager_id AND m.sent_at >= sr.asked_at AND m.kind = 'text'
            WHERE sr.answered_at IS NULL AND sr.follow_up_at IS NULL
            ORDER BY m.sent_at, m.id
            LIMIT \(bind: limit)
            """
        ).all()
        return try rows.compactMap { r in
            guard let number = CaseNumber(try r.decode(column: "case_number", as: String.self)) else { return nil }
            return Candidate(
                requestID: try r.decode(column: "request_id", as: UUID.self), caseNumber: number,
                text: try r.decode(column: "text", as: String.self), sentAt: try r.decode(column: "sent_at", as: Date.self))
        }
    }

    public func markAnswered(_ request: UUID, answer: Satisfaction, at now: Date) async throws {
        try await database.sql.raw(
            """
            UPDATE satisfaction_requests SET answered_at = \(bind: now), answer = \(bind: answer.rawValue) WHERE id = \(bind: request) AND answered_at IS NULL
            """
        ).run()
    }

    /// Questions unanswered past their due time: each becomes a follow-up call task, recorded on the
    /// case's audit trail once. Returns the cases concerned.
    @discardableResult
    public func openFollowUps(at now: Date) async throws -> [CaseNumber] {
        let due = try await database.sql.raw(
            """
            SELECT sr.id AS request_id, c.number AS case_number FROM satisfaction_requests sr JOIN cases c ON c.id = sr.case_id
            WHERE sr.answered_at IS NULL AND sr.follow_up_at IS NULL AND sr.follow_up_due_at <= \(bind: now)
            """
        ).all()
        var opened: [CaseNumber] = []
        for r in due {
            let request = try r.decode(column: "request_id", as: UUID.self)
            guard let number = CaseNumber(try r.decode(column: "case_number", as: String.self)) else { continue }
            let recorded = try await database.writing { db -> Bool in
                let sql = db as! any SQLDatabase
                let claimed = try await sql.raw(
                    """
                    UPDATE satisfaction_requests SET follow_up_at = \(bind: now) WHERE id = \(bind: request) AND follow_up_at IS NULL AND answered_at IS NULL RETURNING id
                    """
                ).all()
                guard !claimed.isEmpty, let row = try await CaseModel.query(on: db).filter(\.$number == number.description).first() else {
                    return false
                }
                try await CaseStore.appendEvent(
                    caseRow: row, number: number, actor: AuditActor(name: "system", role: "system"), action: "follow_up_task", from: nil,
                    to: nil,
                    note: StoreMessages.CaseEvents.phoneFollowUp, at: now, on: db)
                return true
            }
            if recorded { opened.append(number) }
        }
        return opened
    }
}

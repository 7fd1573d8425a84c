import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// Keeps what handlers decided about triaged messages (M021), in the transaction of the case change that
/// decided it, and reads it back as training data for `weimin model retrain`.
public struct TriageCorrections: Sendable {
    let database: WeiminDatabase

    public init(database: WeiminDatabase) {
        self.database = database
    }

    /// Records the category or department a command settles for the case's origin messages that triage
    /// decided. Sealed cases are left out: their text is sealed and their category is fixed by law.
    public static func record(_ command: CaseCommand, after: Case, actor: String, eventSequence: Int, at now: Date, in tx: WriteTransaction)
        async throws
    {
        let db = tx.db
        guard !after.sealed else { return }
        let field: String
        let corrected: String
        switch command {
        case .reclassify(let category, _):
            (field, corrected) = ("category", category.rawValue)
        case .dismiss:
            (field, corrected) = ("category", Category.none.rawValue)
        case .dispatch, .reassign:
            // A township is a handler, not a department the model can learn; only county departments count.
            guard let id = after.departmentID, let code = try await DepartmentModel.find(id, on: db)?.code,
                !code.isEmpty, !code.allSatisfy(\.isNumber)
            else { return }
            (field, corrected) = ("department", code)
        default:
            return
        }
        let sql = db as! any SQLDatabase
        let rows = try await sql.raw(
            """
            SELECT t.message_id, t.category, t.department FROM case_messages cm JOIN message_triage t ON t.message_id = cm.message_id
            WHERE cm.case_id = \(bind: after.id) AND cm.relation = 'origin'
            """
        ).all()
        for row in rows {
            let suggested = try row.decode(column: field, as: String?.self)
            try await sql.raw(
                """
                INSERT INTO triage_corrections (id, county_code, message_id, case_id, field, suggested, corrected, changed, actor, event_sequence, corrected_at)
                VALUES (\(bind: UUID()), \(bind: after.countyCode.rawValue), \(bind: try row.decode(column: "message_id", as: Int.self)), \(bind: after.id),
                        \(bind: field), \(bind: suggested), \(bind: corrected), \(bind: suggested != corrected), \(bind: actor), \(bind: eventSequence), \(bind: now))
                """
            ).run()
        }
    }

    /// Every corrected message with its latest decision per field, oldest first; `county` limits it to one county.
    public func all(county: String? = nil) async throws -> [TriageCorrection] {
        let countyFilter: SQLQueryString = county.map { "AND c.county_code = \(bind: $0)" } ?? ""
        let rows = try await database.sql.raw(
            """
            SELECT c.message_id, c.field, c.corrected, c.changed, m.text FROM triage_corrections c JOIN messages m ON m.id = c.message_id
            WHERE m.text IS NOT NULL AND m.text <> '' \(countyFilter)
            ORDER BY c.corrected_at, c.event_sequence
            """
        ).all()
        var order: [Int] = []
        var byMessage: [Int: TriageCorrection] = [:]
        for row in rows {
            let id = try row.decode(column: "message_id", as: Int.self)
            let field = try row.decode(column: "field", as: String.self)
            let value = try row.decode(column: "corrected", as: String.self)
            var c =
                byMessage[id]
                ?? {
                    order.append(id)
                    return TriageCorrection(text: (try? row.decode(column: "text", as: String.self)) ?? "", changed: false)
                }()
            if field == "category" { c.category = value } else if field == "department" { c.department = value }
            let changed = try row.decode(column: "changed", as: Bool.self)
            c.changed = c.changed || changed
            byMessage[id] = c
        }
        return order.map { byMessage[$0]! }
    }
}

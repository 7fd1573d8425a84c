import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// Retention's reads and writes: which cases are due, and erasing one (the `RunRetention` use case in WeiminApp
/// decides when and says why).
public struct RetentionStore: Sendable {
    let database: WeiminDatabase

    public init(database: WeiminDatabase) { self.database = database }

    public static let erasedText = StoreMessages.Retention.erasedText

    /// A case whose retention period has run out.
    public struct Due: Sendable {
        public var id: UUID
        public var number: CaseNumber
    }

    /// Cases due for erasure at `now` with a retention of `days` days after they ended, oldest first.
    public func due(now: Date, days: Int, limit: Int = 500) async throws -> [Due] {
        let cutoff = now.addingTimeInterval(-Double(days) * 86400)
        let ended = [CaseState.closed, .declined, .merged].map(\.rawValue)
        return try await CaseModel.query(on: database.db).filter(\.$state ~~ ended).filter(\.$erasedAt == nil)
            .filter(\.$updatedAt < cutoff).sort(\.$updatedAt).limit(limit).all()
            .compactMap { row in row.id.flatMap { id in CaseNumber(row.number).map { Due(id: id, number: $0) } } }
    }

    /// Erases one case's personal data and records why, in one transaction: the villagers' messages and names, their
    /// media, the summary, the sealed reporter; the search index is rebuilt without them. `note` is the event's words.
    public func erase(_ due: Due, note: @escaping @Sendable (_ messages: Int) -> String, at now: Date) async throws {
        try await database.writing { db in
            let sql = db as! any SQLDatabase
            guard let row = try await CaseModel.find(due.id, on: db), row.erasedAt == nil else { return }
            let messageIDs = try await CaseMessageModel.query(on: db).filter(\.$caseID == due.id).all().map(\.messageID)
            if !messageIDs.isEmpty {
                try await sql.update("messages").set("text", to: Self.erasedText)
                    .set("sender_name", to: StoreMessages.Retention.erasedSender)
                    .set("sender_id", to: "erased").where("id", .in, messageIDs).run()
                // Their photos, voice notes and files go too (the files themselves once nothing else uses them).
                try await MediaStore.erase(messages: messageIDs, at: now, on: sql)
            }
            try await sql.update("sealed_reports")
                .set("reporter_name_cipher", to: String?.none).set("reporter_platform_id_cipher", to: String?.none)
                .set("reporter_phone_cipher", to: String?.none).set("original_text_cipher", to: String?.none)
                .set("accused_cipher", to: String?.none).set("erased_at", to: now)
                .where("case_id", .equal, due.id).run()
            try await sql.update("cases").set("summary", to: Self.erasedText).set("summary_cipher", to: String?.none)
                .set("erased_at", to: now).where("id", .equal, due.id).run()
            try await FluentCaseRepository.index(caseID: due.id, number: row.number, title: row.title, summary: Self.erasedText, on: db)
            try await CaseStore.appendEvent(
                caseRow: row, number: due.number, actor: .system, action: "erase_personal_data", from: nil, to: nil,
                note: note(messageIDs.count), at: now, on: db)
        }
    }
}

import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// Erases personal data of cases that ended longer ago than the county's retention period
/// (个人信息保护法 arts. 19, 47): the villagers' messages and names, the case summary and any sealed
/// reporter identity. The case itself, its number, category, timings and audit chain stay — the
/// record of public work is kept; the people in it are not.
public struct RetentionStore: Sendable {
    let database: WeiminDatabase

    public init(database: WeiminDatabase) { self.database = database }

    public static let erasedText = "（已按保存期限删除）"

    /// Cases due for erasure at `now` with a retention of `days` days after they ended.
    func due(now: Date, days: Int, limit: Int = 500) async throws -> [CaseModel] {
        let cutoff = now.addingTimeInterval(-Double(days) * 86400)
        let ended = [CaseState.closed, .declined, .merged].map(\.rawValue)
        return try await CaseModel.query(on: database.db).filter(\.$state ~~ ended).filter(\.$erasedAt == nil)
            .filter(\.$updatedAt < cutoff).sort(\.$updatedAt).limit(limit).all()
    }

    /// The numbers of the cases that `run` would erase now.
    public func dueNumbers(now: Date, days: Int) async throws -> [String] {
        try await due(now: now, days: days, limit: 100_000).map(\.number)
    }

    /// Erases what is due; returns the case numbers erased. Each case is one transaction with its event.
    @discardableResult
    public func run(now: Date, days: Int) async throws -> [String] {
        var erased: [String] = []
        while true {
            let batch = try await due(now: now, days: days)
            if batch.isEmpty { break }
            for row in batch {
                guard let number = CaseNumber(row.number), let id = row.id else { continue }
                try await database.db.transaction { db in
                    let sql = db as! any SQLDatabase
                    let messageIDs = try await CaseMessageModel.query(on: db).filter(\.$caseID == id).all().map(\.messageID)
                    if !messageIDs.isEmpty {
                        try await sql.update("messages").set("text", to: Self.erasedText).set("sender_name", to: "（已删除）")
                            .set("sender_id", to: "erased").where("id", .in, messageIDs).run()
                    }
                    try await sql.update("sealed_reports")
                        .set("reporter_name_cipher", to: String?.none).set("reporter_platform_id_cipher", to: String?.none)
                        .set("reporter_phone_cipher", to: String?.none).set("original_text_cipher", to: String?.none)
                        .set("accused_cipher", to: String?.none).set("erased_at", to: now)
                        .where("case_id", .equal, id).run()
                    try await sql.update("cases").set("summary", to: Self.erasedText).set("summary_cipher", to: String?.none)
                        .set("erased_at", to: now).where("id", .equal, id).run()
                    try await FluentCaseRepository.index(caseID: id, number: row.number, title: row.title, summary: Self.erasedText, on: db)
                    try await CaseStore.appendEvent(
                        caseRow: row, number: number, actor: .system, action: "erase_personal_data", from: nil, to: nil,
                        note: "保存期限（\(days)日）届满，已删除群众个人信息（消息\(messageIDs.count)条）", at: now, on: db)
                }
                erased.append(number.description)
            }
        }
        return erased
    }
}

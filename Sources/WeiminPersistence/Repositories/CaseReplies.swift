import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// What a case change says in the villager's group, enqueued in the same transaction as the change:
/// a receipt on acceptance, progress on dispatch, decline, extension and reopening, the answer and the
/// satisfaction question on resolution. Sealed cases (reports about cadres) never speak in the group.
enum CaseReplies {
    static let templatesKey = "outbound.templates"

    /// The county's edits, by kind (what is stored in settings).
    static func edits(on db: any Database) async throws -> [OutboundKind: String] {
        guard let row = try await SettingModel.find(templatesKey, on: db),
            let map = try? JSONDecoder().decode([String: String].self, from: Data(row.value.utf8))
        else { return [:] }
        return Dictionary(uniqueKeysWithValues: map.compactMap { k, v in OutboundKind(rawValue: k).map { ($0, v) } })
    }

    static func templates(on db: any Database) async throws -> MessageTemplates {
        var t = MessageTemplates.defaults
        t.texts.merge(try await edits(on: db)) { $1 }
        return t
    }

    static func enqueue(for command: CaseCommand, after: Case, eventSequence: Int, on db: any Database, at now: Date) async throws {
        guard !after.sealed, let group = after.groupID else { return }
        let sql = db as! any SQLDatabase
        let origin = try await sql.raw("""
            SELECT m.sender_id, m.sender_name FROM case_messages cm JOIN messages m ON m.id = cm.message_id
            WHERE cm.case_id = \(bind: after.id) AND cm.relation = 'origin' ORDER BY m.sent_at LIMIT 1
            """).first()
        let villagerID = try origin?.decode(column: "sender_id", as: String.self)
        let villagerName = try origin?.decode(column: "sender_name", as: String.self)
        var department = "县受理中心"
        if let d = after.departmentID, let row = try await DepartmentModel.find(d, on: db) { department = row.name }
        let templates = try await templates(on: db)
        var values = [
            "title": after.title, "case_number": after.number.description, "department": department,
            "mention": villagerName.map { "@\($0) " } ?? "", "deadline": deadline(after.dueAt ?? after.responseDueAt),
        ]
        let mentions = villagerID.map { [$0] } ?? []
        func put(_ kind: OutboundKind, _ extra: [String: String] = [:], mention: Bool = true) async throws {
            let text = templates.render(kind, values.merging(extra) { $1 })
            try await OutboxStore.enqueue(
                on: db, county: after.countyCode.rawValue, groupID: group, causeKey: "case:\(after.id.uuidString):\(eventSequence):\(kind.rawValue)",
                kind: kind, caseID: after.id, text: text, mentions: mention ? mentions : [], at: now)
        }
        switch command {
        case .accept:
            try await put(.receipt)
        case .dispatch, .reassign:
            try await put(.progress, ["note": "已转交\(department)办理，将于 \(values["deadline"]!) 前答复。"], mention: false)
        case .decline(let reason):
            try await put(.progress, ["note": "不予受理：\(reason)"])
        case .reopen:
            try await put(.progress, ["note": "回访不满意，已重新交办（重办），将于 \(values["deadline"]!) 前答复。"], mention: false)
        case .decideExtension(let approve, _, _) where approve:
            try await put(.progress, ["note": "办理期限已延长至 \(values["deadline"]!)。"], mention: false)
        case .resolve(let reply):
            values["reply"] = reply
            try await put(.resolution)
            try await put(.satisfaction)
            if let villagerID {
                let round = (try await sql.raw("SELECT COUNT(*) AS n FROM satisfaction_requests WHERE case_id = \(bind: after.id)").first()?
                    .decode(column: "n", as: Int.self) ?? 0) + 1
                try await sql.raw("""
                    INSERT INTO satisfaction_requests (id, case_id, county_code, group_id, villager_id, round, asked_at, follow_up_due_at)
                    VALUES (\(bind: UUID()), \(bind: after.id), \(bind: after.countyCode.rawValue), \(bind: group), \(bind: villagerID), \(bind: round),
                            \(bind: now), \(bind: now.addingTimeInterval(3 * 86400)))
                    """).run()
            }
        default:
            break
        }
    }

    /// "12月3日 17:30", Beijing time, as people say it.
    static func deadline(_ date: Date?) -> String {
        guard let date else { return "规定期限" }
        let c = Calendar.beijing.dateComponents([.month, .day, .hour, .minute], from: date)
        return String(format: "%d月%d日 %02d:%02d", c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }
}

import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// Writes what a case change says in the villager's group, in the same transaction as the change. What is said,
/// and when, is `CaseReplyPlan`'s decision (WeiminCore); this type only reads the facts it needs (the villager who
/// raised it, the department's name, the county's templates) and writes the outbox rows.
public enum CaseReplies {
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

    static let sealedReplyKey = "outbound.sealed_reply"

    /// How a sealed case's reporter is answered: privately through the group's bridge (a group robot
    /// cannot write to one person), or not at all. Off unless the county turns it on: the discipline
    /// commission often prefers to call the reporter itself.
    static func sealedReply(on db: any Database) async throws -> SealedReplyMode {
        try await SettingModel.find(sealedReplyKey, on: db).flatMap { SealedReplyMode(rawValue: $0.value) } ?? .silent
    }

    static let privateMattersKey = "outbound.private_matters"

    /// Which matters are answered to the villager alone (the defaults until the county sets its own).
    static func privateMatters(on db: any Database) async throws -> PrivateMatters {
        guard let row = try await SettingModel.find(privateMattersKey, on: db),
            let m = try? JSONDecoder().decode(PrivateMatters.self, from: Data(row.value.utf8))
        else { return .defaults }
        return m
    }

    /// `cipher` seals the villager's platform id on a private answer (as the outbox keeps every private recipient);
    /// without one, nothing is written to a villager alone.
    public static func enqueue(
        for command: CaseCommand, after: Case, eventSequence: Int, cipher: FieldCipher?, at now: Date, in tx: WriteTransaction
    ) async throws {
        let db = tx.db
        let sql = db as! any SQLDatabase
        if after.sealed {
            try await answerReporter(for: command, after: after, eventSequence: eventSequence, on: db, at: now)
            return
        }
        guard let group = after.groupID else { return }
        let origin = try await sql.raw(
            """
            SELECT m.sender_id, m.sender_name, gm.person_id, p.phone_cipher FROM case_messages cm JOIN messages m ON m.id = cm.message_id
            LEFT JOIN group_members gm ON gm.group_id = m.group_id AND gm.platform_user_id = m.sender_id
            LEFT JOIN people p ON p.id = gm.person_id
            WHERE cm.case_id = \(bind: after.id) AND cm.relation = 'origin' ORDER BY m.sent_at LIMIT 1
            """
        ).first()
        let villagerID = try origin?.decode(column: "sender_id", as: String.self)
        let villagerName = try origin?.decode(column: "sender_name", as: String.self)
        // A villager whose mobile the county knows can be @-mentioned by it (DingTalk); the number itself is
        // read only when the message goes out.
        let personWithPhone =
            try origin?.decode(column: "phone_cipher", as: String?.self) != nil
            ? try origin?.decode(column: "person_id", as: UUID?.self) : nil
        var department = CaseReplyPlan.centreName
        if let d = after.departmentID, let row = try await DepartmentModel.find(d, on: db) { department = row.name }
        let deadline = CaseReplyPlan.spoken(after.dueAt ?? after.responseDueAt)
        // A bridge (personal WeChat) can write to one person; a group robot cannot.
        let robot = try await sql.raw("SELECT kind FROM robots WHERE group_id = \(bind: group) AND active = \(bind: true)").first()
            .flatMap { try $0.decode(column: "kind", as: String.self) }
        let bridge = [Robot.Kind.wechatbot.rawValue, Robot.Kind.wcf.rawValue].contains(robot ?? "")
        let recipient = bridge ? try villagerID.flatMap { try cipher?.seal($0) } : nil
        let privateMatter = try await privateMatters(on: db).covers(title: after.title, summary: after.summary)
        let privacy: CaseReplyPlan.Privacy = privateMatter ? (recipient != nil ? .direct : .withheld) : .open
        let plan = CaseReplyPlan.group(
            for: command, department: department, deadline: deadline, privacy: privacy, canWriteToVillager: recipient != nil,
            extensionReason: after.clock.extensionReason, opinion: after.category == .opinion,
            mergedInto: try await after.mergedIntoID.asyncMap {
                try await sql.raw("SELECT number FROM cases WHERE id = \(bind: $0)").first()?.decode(column: "number", as: String.self)
            } ?? nil)
        guard !plan.replies.isEmpty else { return }
        let templates = try await templates(on: db)
        let values = [
            // A 舆情 case's words may be the rumour itself: the group never reads them back.
            "title": after.category == .opinion ? CaseReplyPlan.opinionTitle : after.title, "case_number": after.number.description,
            "department": department,
            "mention": villagerName.map { "@\($0) " } ?? "", "deadline": deadline,
        ]
        let mentions = (villagerID.map { [$0] } ?? []) + (personWithPhone.map { ["person:\($0.uuidString)"] } ?? [])
        for reply in plan.replies {
            // A private answer goes to the villager through the group's bridge, never into the group.
            if reply.toVillager && recipient == nil { continue }
            try await OutboxStore.enqueue(
                on: db, county: after.countyCode.rawValue, groupID: group,
                causeKey: "case:\(after.id.uuidString):\(eventSequence):\(reply.kind.rawValue)",
                kind: reply.kind, caseID: after.id, text: templates.render(reply.kind, values.merging(reply.values) { $1 }),
                mentions: reply.mentionVillager && !reply.toVillager ? mentions : [], recipientCipher: reply.toVillager ? recipient : nil,
                at: now)
        }
        if plan.asksSatisfaction, let villagerID {
            let round =
                (try await sql.raw("SELECT COUNT(*) AS n FROM satisfaction_requests WHERE case_id = \(bind: after.id)").first()?
                    .decode(column: "n", as: Int.self) ?? 0) + 1
            try await sql.raw(
                """
                INSERT INTO satisfaction_requests (id, case_id, county_code, group_id, villager_id, round, asked_at, follow_up_due_at)
                VALUES (\(bind: UUID()), \(bind: after.id), \(bind: after.countyCode.rawValue), \(bind: group), \(bind: villagerID), \(bind: round),
                        \(bind: now), \(bind: now.addingTimeInterval(3 * 86400)))
                """
            ).run()
        }
    }

    /// The private answer to a sealed case's reporter, when the county wants one: on acceptance and on
    /// resolution only, in words that say nothing about the report, to the sender id kept sealed.
    static func answerReporter(for command: CaseCommand, after: Case, eventSequence: Int, on db: any Database, at now: Date) async throws {
        guard let stage = CaseReplyPlan.privateStage(for: command) else { return }
        guard try await sealedReply(on: db) == .privately else { return }
        let sql = db as! any SQLDatabase
        guard
            let report = try await sql.raw(
                """
                SELECT source_group_id, reporter_platform_id_cipher FROM sealed_reports WHERE case_id = \(bind: after.id) AND erased_at IS NULL
                """
            ).first(),
            let group = try report.decode(column: "source_group_id", as: UUID?.self),
            let recipient = try report.decode(column: "reporter_platform_id_cipher", as: String?.self)
        else { return }
        let text = try await templates(on: db).render(.privateReply, ["case_number": after.number.description, "stage": stage])
        try await OutboxStore.enqueue(
            on: db, county: after.countyCode.rawValue, groupID: group,
            causeKey: "case:\(after.id.uuidString):\(eventSequence):private_reply",
            kind: .privateReply, caseID: after.id, text: text, recipientCipher: recipient, at: now)
    }

    static func deadline(_ date: Date?) -> String { CaseReplyPlan.spoken(date) }
}

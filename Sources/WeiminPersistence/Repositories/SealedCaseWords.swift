import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// A sealed case's words (title and summary) are stored encrypted in `title_cipher`/`summary_cipher`; the plain
/// columns, the search index and everything that reads a case row see only these placeholders (docs/domain.md §4.1).
public enum SealedWords {
    public static let title = StoreMessages.Sealed.title
    public static let summary = StoreMessages.Sealed.summary

    static func seal(title: String, summary: String, cipher: FieldCipher?) throws -> (title: String, summary: String) {
        guard let cipher else { throw PersistenceError.invalid(StoreMessages.Sealed.noDataKey) }
        return (try cipher.seal(title), try cipher.seal(summary))
    }
}

extension CaseModel {
    /// A case by its number, or by the number it had before it was transferred to discipline (`former_number`).
    /// Callers apply visibility: only sealed cases have a former number.
    static func find(number: CaseNumber, on db: any Database) async throws -> CaseModel? {
        if let row = try await CaseModel.query(on: db).filter(\.$number == number.description).first() { return row }
        return try await CaseModel.query(on: db).filter(\.$formerNumber == number.description).first()
    }
}

extension SealedReportStore {
    /// The sealed cases among `cases` with their words decrypted, for a discipline officer who may see them; each
    /// case opened this way gets a `read_sealed` event (all in one transaction, before anything is shown).
    /// Anyone else, and ordinary cases, get the cases back as stored (placeholders for sealed words).
    public func reveal(_ cases: [Case], to viewer: Viewer, purpose: String, at now: Date = Date()) async throws -> [Case] {
        guard viewer.role == .discipline else { return cases }
        let ids = cases.filter { $0.sealed && viewer.caseVisibility.allows($0) }.map(\.id)
        guard !ids.isEmpty else { return cases }
        let db = database.db
        // Recusal is checked here again: a list's cases do not carry their recusals.
        let recused = Set(
            try await CaseRecusalModel.query(on: db).filter(\.$caseID ~~ ids).filter(\.$username == viewer.username).all().map(\.caseID))
        let rows = try await CaseModel.query(on: db).filter(\.$id ~~ ids).filter(\.$sealed == true).all().filter {
            !recused.contains($0.id!)
        }
        guard !rows.isEmpty else { return cases }
        var words: [UUID: (String, String)] = [:]
        for row in rows {
            // Cases sealed before M027 still hold their words in the plain columns.
            words[row.id!] = (try row.titleCipher.map(cipher.open) ?? row.title, try row.summaryCipher.map(cipher.open) ?? row.summary)
        }
        try await database.writing { tx in
            for row in rows {
                guard let number = CaseNumber(row.number) else { continue }
                try await CaseStore.appendEvent(
                    caseRow: row, number: number, actor: AuditActor(viewer), action: "read_sealed", from: nil, to: nil,
                    note: StoreMessages.CaseEvents.readSealedWords(purpose: purpose), at: now, on: tx)
            }
        }
        return cases.map { c in
            guard let (title, summary) = words[c.id] else { return c }
            var c = c
            c.title = title
            c.summary = summary
            return c
        }
    }

    /// Encrypts the words of sealed cases written before M027 (kept in clear in `cases`), once, at start-up or
    /// migration. Returns how many cases were sealed this way.
    @discardableResult
    public func encryptLegacyWords() async throws -> Int {
        let rows = try await CaseModel.query(on: database.db).filter(\.$sealed == true).filter(\.$titleCipher == nil).all()
        for row in rows {
            let words = try SealedWords.seal(title: row.title, summary: row.summary, cipher: cipher)
            try await database.writing { tx in
                try await (tx as! any SQLDatabase).update("cases")
                    .set("title", to: SealedWords.title).set("summary", to: SealedWords.summary)
                    .set("title_cipher", to: words.title).set("summary_cipher", to: words.summary)
                    .where("id", .equal, row.id!).run()
                try await FluentCaseRepository.index(
                    caseID: row.id!, number: row.number, title: SealedWords.title, summary: SealedWords.summary, on: tx)
                if let number = CaseNumber(row.number) {
                    try await CaseStore.appendEvent(
                        caseRow: row, number: number, actor: .system, action: "encrypt_sealed_words", from: nil, to: nil,
                        note: StoreMessages.CaseEvents.sealedWordsEncrypted, at: Date(), on: tx)
                }
            }
        }
        return rows.count
    }
}

extension CaseStore {
    /// 转纪委: seals a case that is really a report about a cadre, in one transaction — a sealed-series number
    /// (the old one kept in `former_number`, found by the discipline role only), words encrypted, the county's
    /// 纪委监委 as lead department, co-handlers removed, the accused and the source group's admins recused (as
    /// when triage seals a report), the reporter's identity and words in `sealed_reports`, the messages hidden
    /// from conversations. The event names everyone who had acted on the case, so the commission knows who saw it.
    public func storeTransferToDiscipline(
        _ plan: CasePlan, of command: CaseCommand, before: Case, version: Int, by viewer: Viewer, at now: Date, in tx: WriteTransaction
    ) async throws -> Case {
        guard case .transferToDiscipline(let accused, let accusedUsernames, let reason) = command else {
            throw CaseOperationError.invalid(StoreMessages.Sealed.notATransfer)
        }
        guard let cipher else { throw PersistenceError.invalid(StoreMessages.Sealed.noDataKey) }
        let db = tx.db
        let number = before.number
        guard
            let discipline = try await DepartmentModel.query(on: db)
                .filter(\.$countyCode == before.countyCode.rawValue).filter(\.$code == "jwjw").first(), let disciplineID = discipline.id
        else { throw CaseOperationError.conflict(StoreMessages.Sealed.noDisciplineDepartment) }
        let id = before.id
        let year = Calendar.beijing.component(.year, from: now)
        do {
            let sql = db as! any SQLDatabase
            let bumped = try await sql.raw(
                """
                UPDATE cases SET version = \(bind: version + 1) WHERE id = \(bind: id) AND COALESCE(version, 0) = \(bind: version) RETURNING id
                """
            ).all()
            guard !bumped.isEmpty else { throw CaseStoreError.conflict(number.description) }
            guard let fresh = try await CaseModel.find(id, on: db), !fresh.sealed else { throw CaseStoreError.notFound(number.description) }
            let oldNumber = fresh.number
            let seq = try await Self.nextSequence(CaseNumber.sequenceKey(county: before.countyCode, year: year, series: .sealed), on: db)
            guard let sealedNumber = CaseNumber(county: before.countyCode, year: year, sequence: seq, series: .sealed) else {
                throw PersistenceError.invalid(StoreMessages.Sealed.sealedNumberOutOfRange)
            }
            let words = try SealedWords.seal(title: fresh.title, summary: fresh.summary, cipher: cipher)
            let originalSummary = fresh.summary
            fresh.apply(plan.after)
            fresh.sealed = true
            fresh.departmentID = disciplineID
            fresh.formerNumber = fresh.formerNumber ?? oldNumber
            fresh.number = sealedNumber.description
            fresh.title = SealedWords.title
            fresh.summary = SealedWords.summary
            fresh.titleCipher = words.title
            fresh.summaryCipher = words.summary
            fresh.version = version + 1
            try await fresh.save(on: db)
            try await CaseDepartmentModel.query(on: db).filter(\.$caseID == id).delete()
            try await FluentCaseRepository.index(
                caseID: id, number: fresh.number, title: SealedWords.title, summary: SealedWords.summary, on: db)

            // 回避: the same rule as when triage seals a report.
            var recusals: [(String, String)] = accusedUsernames.map { ($0.lowercased(), StoreMessages.Sealed.recusedAccused) }
            if let groupID = fresh.groupID, let group = try await ChatGroupModel.find(groupID, on: db) {
                for admin in try await StaffUserModel.query(on: db).filter(\.$role == Role.villageAdmin.rawValue).filter(
                    \.$regionCode == group.villageCode
                ).all() {
                    recusals.append((admin.username, StoreMessages.Sealed.recusedGroupAdmin))
                }
            }
            let already = Set(try await CaseRecusalModel.query(on: db).filter(\.$caseID == id).all().map(\.username))
            for (username, why) in Dictionary(recusals, uniquingKeysWith: { a, _ in a }) where !already.contains(username) {
                let r = CaseRecusalModel()
                r.id = UUID()
                r.caseID = id
                r.countyCode = fresh.countyCode
                r.username = username
                r.reason = why
                try await r.create(on: db)
            }

            // The reporter (the origin message's sender) and the words, sealed as triage would have.
            let links = try await CaseMessageModel.query(on: db).filter(\.$caseID == id).all()
            let origin =
                try await (links.first { $0.relation == "origin" } ?? links.first).asyncMap {
                    try await MessageModel.find($0.messageID, on: db)
                } ?? nil
            if try await SealedReportModel.query(on: db).filter(\.$caseID == id).first() == nil {
                let report = SealedReportModel()
                report.id = UUID()
                report.caseID = id
                report.countyCode = fresh.countyCode
                report.reporterNameCipher = try origin.map { try cipher.seal($0.senderName) }
                report.reporterPlatformIDCipher = try origin.map { try cipher.seal($0.senderID) }
                report.originalTextCipher = try cipher.seal(origin?.text ?? originalSummary)
                report.accusedCipher = try accused.flatMap { $0.isEmpty ? nil : try cipher.seal($0) }
                report.sourceGroupID = fresh.groupID
                report.createdAt = now
                try await report.create(on: db)
            }
            if !links.isEmpty {
                try await sql.update("messages").set("sealed", to: true).where("id", .in, links.map(\.messageID)).run()
            }
            // Group messages about the case not yet sent would tell the group (and the accused) where it went.
            try await sql.raw(
                """
                UPDATE outbox SET status = 'cancelled', last_error = \(bind: StoreMessages.Sealed.outboxCancelled)
                WHERE case_id = \(bind: id) AND status = 'pending'
                """
            ).run()

            // Who had the case before: every person who acted on it (ordinary reads are not recorded).
            let actors = try await CaseEventModel.query(on: db).filter(\.$caseID == id).sort(\.$sequence).all()
                .filter { $0.actorRole != "system" }.map { StoreMessages.Sealed.handler($0.actor, role: $0.actorRole) }
            var seen: [String] = []
            for a in actors where !seen.contains(a) { seen.append(a) }
            let note = CoreStrings.transferNote(
                reason: reason, formerNumber: oldNumber, sealedNumber: sealedNumber.description, handledBy: seen,
                recused: Set(recusals.map(\.0)).sorted())
            try await Self.appendEvent(
                caseRow: fresh, number: sealedNumber, actor: AuditActor(viewer), action: command.name, from: before.state, to: nil,
                note: note, at: now, on: db)
            var after = try fresh.toCore()
            after.recusedUsernames = Array(Set(before.recusedUsernames + recusals.map(\.0))).sorted()
            after.departmentCode = discipline.code
            return after
        }
    }
}

import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// What the discipline commission sees of a report about a cadre, decrypted.
public struct SealedReport: Sendable, Codable {
    public var caseNumber: String
    /// The case's own words, kept encrypted in `cases` (M027).
    public var title: String
    public var summary: String
    public var reporterName: String?
    public var reporterPlatformID: String?
    public var reporterPhone: String?
    public var originalText: String?
    public var accused: String?
    public var sourceGroupName: String?
    public var messages: [Message]
    public var recused: [String]
    public var erased: Bool
}

/// Seals reports about cadres (docs/domain.md §4.1–§4.2): identity and words encrypted, readable by the discipline
/// role only with every read in the audit record; the accused and the source group's admins recused.
public struct SealedReportStore: Sendable {
    let database: WeiminDatabase
    let cipher: FieldCipher

    public init(database: WeiminDatabase, cipher: FieldCipher) {
        self.database = database
        self.cipher = cipher
    }

    public struct Reporter: Sendable {
        public var name: String
        public var platformID: String
        public var phone: String?

        public init(name: String, platformID: String, phone: String?) {
            self.name = name
            self.platformID = platformID
            self.phone = phone
        }
    }

    /// Seals a case opened from a report. `accusedUsernames` are staff accounts of the accused, if any;
    /// the village admins of the group the report came from are recused as well.
    public func seal(caseID: UUID, reporter: Reporter, originalText: String, accused: String?, accusedUsernames: [String], at now: Date)
        async throws
    {
        let db = database.db
        guard let c = try await CaseModel.find(caseID, on: db), c.sealed else {
            throw PersistenceError.invalid(StoreMessages.Sealed.onlySealedCases)
        }
        var recusals: [(String, String)] = accusedUsernames.map { ($0.lowercased(), StoreMessages.Sealed.recusedAccused) }
        if let groupID = c.groupID, let group = try await ChatGroupModel.find(groupID, on: db) {
            for admin in try await StaffUserModel.query(on: db).filter(\.$role == Role.villageAdmin.rawValue).filter(
                \.$regionCode == group.villageCode
            ).all() {
                recusals.append((admin.username, StoreMessages.Sealed.recusedGroupAdmin))
            }
        }
        let row = SealedReportModel()
        row.id = UUID()
        row.caseID = caseID
        row.countyCode = c.countyCode
        row.reporterNameCipher = try cipher.seal(reporter.name)
        row.reporterPlatformIDCipher = try cipher.seal(reporter.platformID)
        row.reporterPhoneCipher = try reporter.phone.map(cipher.seal)
        row.originalTextCipher = try cipher.seal(originalText)
        row.accusedCipher = try accused.map(cipher.seal)
        row.sourceGroupID = c.groupID
        row.createdAt = now
        let links = try await CaseMessageModel.query(on: db).filter(\.$caseID == caseID).all().map(\.messageID)
        let recused = Dictionary(recusals, uniquingKeysWith: { a, _ in a })
        try await database.writing { tx in
            try await row.create(on: tx)
            for (username, reason) in recused {
                let r = CaseRecusalModel()
                r.id = UUID()
                r.caseID = caseID
                r.countyCode = c.countyCode
                r.username = username
                r.reason = reason
                try await r.create(on: tx)
            }
            if !links.isEmpty {
                try await (tx as! any SQLDatabase).update("messages").set("sealed", to: true).where("id", .in, links).run()
            }
        }
    }

    /// Opens the sealed material for a discipline officer and records the read in the case's chain.
    /// Anyone else, or a recused officer, is told the case does not exist.
    public func read(number: CaseNumber, by viewer: Viewer, at now: Date = Date()) async throws -> SealedReport {
        let db = database.db
        guard viewer.role == .discipline,
            let c = try await CaseModel.find(number: number, on: db), c.sealed,
            try await CaseRecusalModel.query(on: db).filter(\.$caseID == c.id!).filter(\.$username == viewer.username).first() == nil,
            var core = Optional(try c.toCore())
        else { throw CaseOperationError.notFound }
        core.recusedUsernames = []
        guard viewer.caseVisibility.allows(core) else { throw CaseOperationError.notFound }
        let report = try await SealedReportModel.query(on: db).filter(\.$caseID == c.id!).first()
        let ids = try await CaseMessageModel.query(on: db).filter(\.$caseID == c.id!).all().map(\.messageID)
        let messages =
            ids.isEmpty ? [] : try await MessageModel.query(on: db).filter(\.$id ~~ ids).sort(\.$sentAt).all().map { try $0.toCore() }
        let group = try await c.groupID.asyncMap { try await ChatGroupModel.find($0, on: db)?.name } ?? nil
        let recused = try await CaseRecusalModel.query(on: db).filter(\.$caseID == c.id!).all().map {
            StoreMessages.Sealed.recused($0.username, reason: $0.reason)
        }
        func open(_ s: String?) throws -> String? { try s.map(cipher.open) }
        let result = SealedReport(
            caseNumber: c.number, title: try open(c.titleCipher) ?? c.title, summary: try open(c.summaryCipher) ?? c.summary,
            reporterName: try open(report?.reporterNameCipher), reporterPlatformID: try open(report?.reporterPlatformIDCipher),
            reporterPhone: try open(report?.reporterPhoneCipher), originalText: try open(report?.originalTextCipher),
            accused: try open(report?.accusedCipher),
            sourceGroupName: group, messages: messages, recused: recused, erased: report?.erasedAt != nil)
        // Every read of sealed material is itself on the record.
        _ = try await database.writing { tx in
            try await CaseStore.appendEvent(
                caseRow: c, number: number, actor: AuditActor(viewer), action: "read_sealed", from: nil, to: nil,
                note: StoreMessages.CaseEvents.readSealedMaterial, at: now, on: tx)
        }
        return result
    }
}

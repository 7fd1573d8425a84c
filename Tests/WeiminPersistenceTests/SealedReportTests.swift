import FluentKit
import Foundation
import SQLKit
import Testing
import WeiminCore
@testable import WeiminPersistence

@Suite("Sealed reports about cadres")
struct SealedReportTests {
    @Test(
        "identity and words encrypted; only an unrecused discipline officer reads them, and each read is recorded",
        arguments: Backend.available)
    func sealing(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            let staff = StaffDirectory(database: db, cost: 4)
            let officer = try await staff.add(
                .init(username: "jijian", displayName: "石磊", password: "correct-horse-1", role: .discipline, region: SmallCounty.county))
            let accused = try await staff.add(
                .init(
                    username: "township-jw", displayName: "被反映的纪检干部", password: "correct-horse-1", role: .discipline,
                    region: SmallCounty.county))
            let villageAdmin = try await staff.add(
                .init(
                    username: "dabaiyan", displayName: "村支书", password: "correct-horse-1", role: .villageAdmin, region: SmallCounty.village)
            )
            let cipher = FieldCipher(dataKey: try DataKey(rawKey: Data(repeating: 9, count: 32)))
            let words = "村支书把救灾物资拿回亲戚家了，好多人看见"
            let stored = try await MessageStore(database: db).append([county.message("r1", text: words)])
            guard case .stored(let mid) = stored[0] else { return }
            let c = try await CaseStore(database: db, cipher: cipher)
                .open(
                    county.newCase(title: "救灾物资被优亲厚友", sealed: true, messageIDs: [mid]), actor: .system, at: Date(), workflow: testWorkflow)
            let sealed = SealedReportStore(database: db, cipher: cipher)
            try await sealed.seal(
                caseID: c.id, reporter: .init(name: "彭德胜", platformID: "wxid_1", phone: "13812345678"), originalText: words,
                accused: "大白岩村支书", accusedUsernames: ["township-jw"], at: Date())

            // Nothing readable at rest.
            let raw = try await db.sql.raw("SELECT * FROM sealed_reports").all()
            for row in raw {
                for column in row.allColumns {
                    if let s = try? row.decode(column: column, as: String.self) {
                        #expect(
                            !s.contains("彭德胜") && !s.contains("13812345678") && !s.contains("救灾"), "clear text in sealed_reports.\(column)")
                    }
                }
            }
            let recusals = Set(try await CaseRecusalModel.query(on: db.db).all().map(\.username))
            #expect(recusals == ["township-jw", "dabaiyan"])

            // Lists, counts, detail and actions: the recused officer and the village admin see nothing.
            let repo = FluentCaseRepository(database: db)
            #expect(try await repo.cases(CaseQuery(), visibility: officer.caseVisibility).total == 1)
            #expect(try await repo.cases(CaseQuery(), visibility: accused.caseVisibility).total == 0)
            #expect(try await repo.detail(number: c.number, visibility: accused.caseVisibility) == nil)
            #expect(try await repo.cases(CaseQuery(), visibility: villageAdmin.caseVisibility).total == 0)
            await #expect(throws: CaseOperationError.notFound) {
                try await CaseStore(database: db).execute(.accept(note: ""), on: c.number, by: accused, workflow: testWorkflow, at: Date())
            }
            // Reading: the officer gets everything, and the read is on the record; others are told nothing exists.
            let report = try await sealed.read(number: c.number, by: officer)
            #expect(report.reporterName == "彭德胜" && report.reporterPhone == "13812345678" && report.originalText == words)
            #expect(report.accused == "大白岩村支书")
            #expect(report.messages.map(\.id) == [mid])
            await #expect(throws: CaseOperationError.notFound) { try await sealed.read(number: c.number, by: accused) }
            await #expect(throws: CaseOperationError.notFound) { try await sealed.read(number: c.number, by: viewer(.intakeOperator)) }
            await #expect(throws: CaseOperationError.notFound) { try await sealed.read(number: c.number, by: villageAdmin) }
            let events = try await CaseEventModel.query(on: db.db).filter(\.$caseID == c.id).sort(\.$sequence).all()
            #expect(events.map(\.action) == ["open", "read_sealed"])
            #expect(events.last?.actor == "jijian")
            #expect(try await AuditLedger(database: db).verifyAll().breaks.isEmpty)
            // The message is hidden from the group conversation, except for discipline.
            let around = Date()
            #expect(
                try await MessageStore(database: db).conversation(groupID: county.groupID, around: around, before: 10, after: 10).isEmpty)
            #expect(
                try await MessageStore(database: db).conversation(
                    groupID: county.groupID, around: around, before: 10, after: 10, includeSealed: true
                ).count == 1)
        }
    }

    @Test("only sealed cases can be sealed", arguments: Backend.available)
    func onlySealed(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            let c = try await CaseStore(database: db).open(county.newCase(), actor: .system, at: Date(), workflow: testWorkflow)
            let store = SealedReportStore(database: db, cipher: FieldCipher(dataKey: try DataKey(rawKey: Data(repeating: 9, count: 32))))
            await #expect(throws: PersistenceError.self) {
                try await store.seal(
                    caseID: c.id, reporter: .init(name: "x", platformID: "y", phone: nil), originalText: "z", accused: nil,
                    accusedUsernames: [], at: Date())
            }
        }
    }
}

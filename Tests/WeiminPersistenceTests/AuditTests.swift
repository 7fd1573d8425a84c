import FluentKit
import Foundation
import SQLKit
import Testing
import WeiminCore
@testable import WeiminPersistence

@Suite("Tamper-evident record")
struct AuditTests {
    enum Tamper: CaseIterable { case editNote, editActor, editTime, editState, deleteMiddle, swap, truncate }

    /// Three cases with five events each, all through the workflow.
    private func history(on db: WeiminDatabase) async throws -> [Case] {
        let county = try await SmallCounty.create(on: db)
        let store = CaseStore(database: db)
        let op = viewer(.intakeOperator)
        let h = viewer(.departmentHandler, department: county.departmentID)
        var cases: [Case] = []
        for i in 0..<3 {
            let c = try await store.open(county.newCase(title: "诉求\(i)"), actor: .system, at: Date(), workflow: testWorkflow)
            for (command, who) in [
                (CaseCommand.accept(note: "受理"), op), (.dispatch(lead: county.departmentID, coHandlers: [], note: "派单"), op),
                (.start(note: "签收"), h), (.resolve(reply: "已办结"), h),
            ] {
                _ = try await store.execute(command, on: c.number, by: who, workflow: testWorkflow, at: Date())
            }
            cases.append(c)
        }
        return cases
    }

    private func tamper(_ kind: Tamper, caseID: UUID, on db: WeiminDatabase) async throws {
        let sql = db.sql
        switch kind {
        case .editNote: _ = try await sql.raw("UPDATE case_events SET note = '已改' WHERE case_id = \(bind: caseID) AND sequence = 3").all()
        case .editActor:
            _ = try await sql.raw("UPDATE case_events SET actor = 'someone' WHERE case_id = \(bind: caseID) AND sequence = 2").all()
        case .editTime:
            let row = try #require(try await CaseEventModel.query(on: db.db).filter(\.$caseID == caseID).filter(\.$sequence == 4).first())
            row.occurredAt = row.occurredAt.addingTimeInterval(-3600)
            try await row.save(on: db.db)
        case .editState:
            _ = try await sql.raw("UPDATE case_events SET to_state = 'closed' WHERE case_id = \(bind: caseID) AND sequence = 5").all()
        case .deleteMiddle: _ = try await sql.raw("DELETE FROM case_events WHERE case_id = \(bind: caseID) AND sequence = 3").all()
        case .swap:
            _ = try await sql.raw("UPDATE case_events SET sequence = 100 WHERE case_id = \(bind: caseID) AND sequence = 2").all()
            _ = try await sql.raw("UPDATE case_events SET sequence = 2 WHERE case_id = \(bind: caseID) AND sequence = 3").all()
            _ = try await sql.raw("UPDATE case_events SET sequence = 3 WHERE case_id = \(bind: caseID) AND sequence = 100").all()
        case .truncate: _ = try await sql.raw("DELETE FROM case_events WHERE case_id = \(bind: caseID) AND sequence = 5").all()
        }
    }

    @Test("an untouched database verifies", arguments: Backend.available)
    func clean(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            _ = try await history(on: db)
            let report = try await AuditLedger(database: db).verifyAll(pageSize: 2)
            #expect(report.casesChecked == 3)
            #expect(report.eventsChecked == 15)
            #expect(report.breaks.isEmpty)
        }
    }

    @Test("every kind of tampering is detected and names the case", arguments: Backend.available)
    func everyKind(kind: Backend) async throws {
        for tamperKind in Tamper.allCases {
            try await TestDatabase.with(kind) { db in
                let cases = try await history(on: db)
                let victim = cases[1]
                try await tamper(tamperKind, caseID: victim.id, on: db)
                let report = try await AuditLedger(database: db).verifyAll()
                #expect(report.breaks.map(\.number) == [victim.number.description], "\(tamperKind) on \(kind)")
                #expect(report.breaks.first.map { $0.at.sequence >= 1 } == true)
            }
        }
    }

    @Test("random tampering of random cases is always detected")
    func random() async throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<10 {
            try await TestDatabase.with(.sqlite) { db in
                let cases = try await history(on: db)
                let victims = cases.filter { _ in Bool.random(using: &rng) }
                for v in victims { try await tamper(Tamper.allCases.randomElement(using: &rng)!, caseID: v.id, on: db) }
                let report = try await AuditLedger(database: db).verifyAll()
                #expect(Set(report.breaks.map(\.number)) == Set(victims.map(\.number.description)))
            }
        }
    }

    @Test("the first broken link is reported precisely")
    func firstBreak() async throws {
        try await TestDatabase.with(.sqlite) { db in
            let cases = try await history(on: db)
            try await tamper(.editNote, caseID: cases[0].id, on: db)
            let (_, _, broken) = try #require(try await AuditLedger(database: db).export(number: cases[0].number))
            #expect(broken?.sequence == 3)
            #expect(broken?.reason.contains("修改") == true)
        }
    }
}

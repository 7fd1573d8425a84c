import Foundation
import Testing
import WeiminCore
@testable import WeiminPersistence

private func at(_ date: String, _ hh: Int, _ mm: Int = 0) -> Date {
    testWorkflow.calendar.instant(LocalDate(iso: date)!, minute: Double(hh * 60 + mm))
}

@Suite("Assessment figures as stored: every 回访 answer, units charged only once dispatched, 核减 fixed to the units charged")
struct AssessmentStoreTests {
    @Test(
        "a redone case keeps its 不满意; a suggested department is not charged; a 核减 names and relieves the units charged then",
        arguments: Backend.available)
    func fairNumbers(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            let store = CaseStore(database: db)
            let assessment = AssessmentStore(database: db)
            let op = viewer(.intakeOperator), lead = viewer(.departmentHandler, department: county.departmentID)

            // Triage suggested 县交通运输局; the centre answered it itself and never dispatched it.
            var suggested = county.newCase(title: "咨询养老金")
            suggested.departmentID = county.otherDepartmentID
            let centre = try await store.open(suggested, actor: .system, at: at("2026-11-02", 9), workflow: testWorkflow)
            _ = try await store.execute(.accept(note: ""), on: centre.number, by: op, workflow: testWorkflow, at: at("2026-11-02", 9, 10))
            _ = try await store.execute(
                .resolve(reply: "已电话解答"), on: centre.number, by: op, workflow: testWorkflow, at: at("2026-11-02", 10))

            // Dispatched to 县住建局 with 县交通运输局 co-handling; 不满意, redone, then 满意.
            let redone = try await store.open(
                county.newCase(title: "危房改造"), actor: .system, at: at("2026-11-03", 9), workflow: testWorkflow)
            for (command, who, when) in [
                (CaseCommand.accept(note: ""), op, at("2026-11-03", 9, 5)),
                (.dispatch(lead: county.departmentID, coHandlers: [county.otherDepartmentID], note: ""), op, at("2026-11-03", 9, 10)),
                (.start(note: ""), lead, at("2026-11-03", 10)),
                (.resolve(reply: "已派人查看"), lead, at("2026-11-05", 10)),
                (.review(.unsatisfied, note: "没修"), op, at("2026-11-06", 10)),
                (.reopen(reason: "群众不满意"), op, at("2026-11-06", 11)),
                (.start(note: ""), lead, at("2026-11-06", 14)),
                (.resolve(reply: "已修缮"), lead, at("2026-11-10", 10)),
                (.review(.satisfied, note: ""), op, at("2026-11-11", 10)),
            ] {
                _ = try await store.execute(command, on: redone.number, by: who, workflow: testWorkflow, at: when)
            }

            let november = DateInterval(start: at("2026-11-01", 0), end: at("2026-12-01", 0))
            let cases = try await assessment.cases(county: "433125", month: november)
            let a = try #require(cases.first { $0.id == redone.id }), b = try #require(cases.first { $0.id == centre.id })
            #expect(a.reviews.map(\.satisfaction) == [.unsatisfied, .satisfied])
            #expect(a.department == "县住建局" && a.coHandlers == ["县交通运输局"])
            #expect(b.department == nil && b.coHandlers.isEmpty, "a department triage only suggested is not charged")
            let units = Assessment.rows(cases: cases, month: november, charged: Assessment.handlingUnits, now: at("2026-11-30", 12))
            #expect(units.first { $0.unit == "县住建局" }?.satisfaction == Rate(1, 2))
            #expect(units.first { $0.unit == "县交通运输局" }?.satisfaction == Rate(1, 2), "the co-handler answers for the case too")
            #expect(units.first { $0.unit == "县交通运输局" }?.response == Rate(0, 0), "响应率 is the lead's")
            #expect(try await assessment.reviews(of: [redone.id, centre.id]) == [redone.id: [.unsatisfied, .satisfied]])

            // 核减: fixed to the units charged when it was made, and shown as such.
            let sup = viewer(.supervisor)
            try await assessment.exclude(redone.number, reason: "群众要求超出政策", by: sup, at: at("2026-11-20", 9))
            try await assessment.exclude(centre.number, reason: "重复反映", by: sup, at: at("2026-11-20", 9, 5))
            let listed = try await assessment.exclusions(county: "433125")
            #expect(listed.first { $0.caseID == redone.id }?.units == ["县交通运输局", "县住建局"])
            #expect(listed.first { $0.caseID == redone.id }?.unit == "县交通运输局、县住建局")
            #expect(listed.first { $0.caseID == centre.id }?.units == [] && listed.first { $0.caseID == centre.id }?.unit == "长潭河乡")
            let scopes = Dictionary(uniqueKeysWithValues: listed.map { ($0.caseID, $0.scope) })
            let relieved = Assessment.rows(
                cases: cases, month: november, charged: Assessment.handlingUnits, exclusions: scopes, now: at("2026-11-30", 12))
            #expect(relieved.first { $0.unit == "县住建局" } == nil)
        }
    }
}

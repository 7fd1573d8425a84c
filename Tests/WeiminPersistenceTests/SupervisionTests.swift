import FluentKit
import Foundation
import Testing
import WeiminCore
import WeiminApp
@testable import WeiminPersistence

private let policy = SupervisionPolicy(calendar: testWorkflow.calendar)

extension SupervisionStore {
    /// The scan is the `ScanSupervision` use case; the store only reads and writes.
    func scan(policy: SupervisionPolicy, now: Date, holder: String, leaseSeconds: TimeInterval = 50) async throws -> ScanResult {
        try await ScanSupervision(store: self, policy: policy).run(now: now, holder: holder, leaseSeconds: leaseSeconds)
    }
}

private func at(_ date: String, _ hh: Int, _ mm: Int = 0) -> Date {
    testWorkflow.calendar.instant(LocalDate(iso: date)!, minute: Double(hh * 60 + mm))
}

@Suite("Supervision (督办)")
struct SupervisionTests {
    /// A service case accepted Monday 2026-11-23 09:00 and dispatched: due Monday 11-30 17:30.
    private func dispatchedCase(_ county: SmallCounty, _ store: CaseStore, title: String = "路灯坏了", department: UUID? = nil) async throws
        -> Case
    {
        let c = try await store.open(county.newCase(title: title), actor: .system, at: at("2026-11-23", 8, 50), workflow: testWorkflow)
        _ = try await store.execute(
            .accept(note: ""), on: c.number, by: viewer(.intakeOperator), workflow: testWorkflow, at: at("2026-11-23", 9))
        return try await store.execute(
            .dispatch(lead: department ?? county.departmentID, coHandlers: [], note: ""), on: c.number, by: viewer(.intakeOperator),
            workflow: testWorkflow, at: at("2026-11-23", 9))
    }

    private func supervisionEvents(_ db: WeiminDatabase, _ c: Case) async throws -> [String] {
        try await CaseEventModel.query(on: db.db).filter(\.$caseID == c.id).filter(\.$action == "supervise").sort(\.$sequence).all().map(
            \.note)
    }

    @Test("warning at 75 %, order at the deadline, notice one limit later — each exactly once", arguments: Backend.available)
    func ladder(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            let store = CaseStore(database: db)
            let sup = SupervisionStore(database: db)
            let c = try await dispatchedCase(county, store)
            #expect(c.dueAt == at("2026-11-30", 17, 30))

            var r = try await sup.scan(policy: policy, now: at("2026-11-24", 10), holder: "a")
            #expect(r.ran && r.issued.isEmpty)
            r = try await sup.scan(policy: policy, now: at("2026-11-27", 15), holder: "a")
            #expect(r.issued == [.warning: 1])
            r = try await sup.scan(policy: policy, now: at("2026-11-27", 16), holder: "a")
            #expect(r.issued.isEmpty)
            r = try await sup.scan(policy: policy, now: at("2026-12-01", 10), holder: "a")
            #expect(r.issued == [.order: 1])
            r = try await sup.scan(policy: policy, now: at("2026-12-09", 10), holder: "a")
            #expect(r.issued == [.notice: 1])
            r = try await sup.scan(policy: policy, now: at("2026-12-10", 10), holder: "a")
            #expect(r.issued.isEmpty)

            let notes = try await supervisionEvents(db, c)
            #expect(notes.count == 3)
            #expect(notes[0].hasPrefix("预警") && notes[1].hasPrefix("督办单") && notes[2].hasPrefix("通报"))
            #expect(notes[1].contains("县住建局"))  // addressed to the department and the township leader
            #expect(notes[1].contains("长潭河乡主要负责人"))
            // The events are part of the verified chain.
            #expect(try await AuditLedger(database: db).verifyAll().breaks.isEmpty)
        }
    }

    @Test("two scanner instances at the same moment: one scans, nothing is issued twice", arguments: Backend.available)
    func twoScanners(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            let store = CaseStore(database: db)
            for i in 0..<5 { _ = try await dispatchedCase(county, store, title: "诉求\(i)") }
            let now = at("2026-12-01", 10)
            let a = SupervisionStore(database: db)
            let b = SupervisionStore(database: db)
            async let ra = a.scan(policy: policy, now: now, holder: "instance-a")
            async let rb = b.scan(policy: policy, now: now, holder: "instance-b")
            let results = try await [ra, rb]
            #expect(results.filter(\.ran).count == 1)
            let orders = try await SupervisionOrderModel.query(on: db.db).all()
            #expect(orders.count == 11)  // 5 warnings, 5 orders, and the department's 通报 (≥ 3 overdue this month)
            #expect(Set(orders.map(\.dedupeKey)).count == orders.count)
            // When the lease runs out, the other instance takes over and still adds nothing twice.
            let later = try await b.scan(policy: policy, now: now.addingTimeInterval(120), holder: "instance-b")
            #expect(later.ran && later.issued.isEmpty)
            #expect(try await SupervisionOrderModel.query(on: db.db).count() == 11)
        }
    }

    @Test("the same finding recorded twice concurrently is stored once", arguments: Backend.available)
    func racingRecords(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            let c = try await dispatchedCase(county, CaseStore(database: db))
            let row = try #require(try await CaseModel.find(c.id, on: db.db))
            let f = try #require(policy.findings(for: try row.toCore(), at: at("2026-12-01", 10)).first { $0.level == .order })
            let store = SupervisionStore(database: db)
            let key = SupervisionNotice.dedupeKey(f)
            #expect(key == "case:\(c.id.uuidString):handling:order:\(f.clockKey)")
            let current = try row.toCore()
            let to = SupervisionNotice.recipients(f.level, departmentName: "县住建局", townshipName: "长潭河乡")
            let order = SupervisionStore.CaseOrder(
                finding: f, key: key, recipients: to, eventNote: SupervisionNotice.eventNote(f, recipients: to),
                groupValues: SupervisionNotice.groupValues(f, case: current, departmentName: "县住建局"))
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { g in
                for _ in 0..<6 { g.addTask { try await store.issue(order, on: current, at: at("2026-12-01", 10)) } }
                return try await g.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            #expect(try await supervisionEvents(db, c).count == 1)
        }
    }

    @Test("suspended cases are not chased; a department with three overdue cases in a month is reported once", arguments: Backend.available)
    func suspensionAndDepartment(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            let store = CaseStore(database: db)
            let sup = SupervisionStore(database: db)
            var cases: [Case] = []
            for i in 0..<4 { cases.append(try await dispatchedCase(county, store, title: "诉求\(i)")) }
            _ = try await store.execute(
                .suspend(reason: "等群众补充材料"), on: cases[3].number, by: viewer(.departmentHandler, department: county.departmentID),
                workflow: testWorkflow, at: at("2026-11-24", 9))
            let r = try await sup.scan(policy: policy, now: at("2026-12-01", 10), holder: "a")
            #expect(r.issued[.order] == 3)
            #expect(r.issued[.notice] == 1)  // the department's third overdue case this month
            #expect(try await supervisionEvents(db, cases[3]).isEmpty)
            let again = try await sup.scan(policy: policy, now: at("2026-12-01", 11), holder: "a")
            #expect(again.issued.isEmpty)
            let notices = try await SupervisionOrderModel.query(on: db.db).filter(\.$caseID == nil).all()
            #expect(notices.count == 1 && notices[0].message.contains("3 件"))
        }
    }

    @Test("orders are shown to whom they concern", arguments: Backend.available)
    func visibility(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            let store = CaseStore(database: db)
            _ = try await dispatchedCase(county, store)
            _ = try await SupervisionStore(database: db).scan(policy: policy, now: at("2026-12-01", 10), holder: "a")
            let sup = SupervisionStore(database: db)
            #expect(try await sup.orders(for: viewer(.supervisor)).total == 2)
            #expect(try await sup.orders(for: viewer(.departmentHandler, department: county.departmentID), level: .order).items.count == 1)
            #expect(try await sup.orders(for: viewer(.departmentHandler, department: county.otherDepartmentID)).items.isEmpty)
            #expect(try await sup.orders(for: viewer(.townshipCadre, "433125111")).items.count == 2)
            #expect(try await sup.orders(for: viewer(.townshipCadre, "433125100")).total == 0)
            // Paged: full pages, an exact total, no order twice.
            let first = try await sup.orders(for: viewer(.supervisor), page: 1, perPage: 1)
            let second = try await sup.orders(for: viewer(.supervisor), page: 2, perPage: 1)
            #expect(first.total == 2 && first.items.count == 1 && second.items.count == 1 && first.items[0].id != second.items[0].id)
            #expect(try await sup.orders(for: viewer(.supervisor), page: 3, perPage: 1).items.isEmpty)
        }
    }
}

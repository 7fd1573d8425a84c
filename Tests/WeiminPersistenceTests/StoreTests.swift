import FluentKit
import Foundation
import SQLKit
import Testing
import WeiminCore
@testable import WeiminPersistence

@Suite("Messages and cases")
struct StoreTests {
    @Test("a message is stored once however often it arrives", arguments: Backend.available)
    func messageOnce(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            let store = MessageStore(database: db)
            let first = try await store.append([county.message("m1")])
            guard case .stored(let id) = first[0] else { Issue.record("first delivery must be stored"); return }
            let again = try await store.append([county.message("m1"), county.message("m2")])
            #expect(again[0] == .duplicate(id: id))
            if case .stored = again[1] {} else { Issue.record("a new id must be stored") }
            // The same id in another group is another message.
            let elsewhere = try await store.append([county.message("m1", group: county.otherGroupID)])
            if case .stored = elsewhere[0] {} else { Issue.record("same id in another group is a different message") }
            #expect(try await store.count() == 3)
        }
    }

    @Test("concurrent deliveries of one message leave exactly one row", arguments: Backend.available)
    func concurrentDuplicates(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            let store = MessageStore(database: db)
            let outcomes = try await withThrowingTaskGroup(of: MessageStore.Outcome.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await store.append([county.message("same")])[0] }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { if case .stored = $0 { return true } else { return false } }.count == 1)
            #expect(try await store.count() == 1)
        }
    }

    @Test("case numbers are sequential per county and year, also under concurrency", arguments: Backend.available)
    func caseNumbers(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            let store = CaseStore(database: db)
            let now = Date()
            let numbers = try await withThrowingTaskGroup(of: CaseNumber.self) { group in
                for i in 0..<12 {
                    group.addTask { try await store.open(county.newCase(title: "诉求\(i)"), actor: .system, at: now).number }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let year = Calendar.beijing.component(.year, from: now)
            #expect(Set(numbers.map(\.sequence)) == Set(1...12))
            #expect(numbers.allSatisfy { $0.year == year && $0.county == SmallCounty.county })
        }
    }

    @Test("operations run through the workflow; a refused one changes nothing", arguments: Backend.available)
    func lifecycle(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            let store = CaseStore(database: db)
            let repo = FluentCaseRepository(database: db)
            let t0 = Date()
            let m = try await MessageStore(database: db).append([county.message("m1")])
            guard case .stored(let mid) = m[0] else { return }
            let c = try await store.open(county.newCase(messageIDs: [mid]), actor: .system, at: t0, workflow: testWorkflow)
            #expect(c.responseDueAt != nil)
            let op = viewer(.intakeOperator)
            let handler = viewer(.departmentHandler, department: county.departmentID)
            do {
                _ = try await store.execute(
                    .dispatch(lead: county.departmentID, coHandlers: [], note: ""), on: c.number, by: op, workflow: testWorkflow, at: t0)
                Issue.record("dispatching a new case must be refused")
            } catch CaseOperationError.conflict(let why) {
                #expect(why.contains("待受理"))
            }
            await #expect(throws: CaseOperationError.self) {
                try await store.execute(.accept(note: ""), on: c.number, by: viewer(.leader), workflow: testWorkflow, at: t0)
            }
            var detail = try #require(try await repo.detail(number: c.number, visibility: op.caseVisibility))
            #expect(detail.case.state == .new)
            #expect(detail.events.count == 1)
            #expect(detail.messages.map(\.id) == [mid])

            let accepted = try await store.execute(
                .accept(note: "受理"), on: c.number, by: op, workflow: testWorkflow, at: t0.addingTimeInterval(60))
            #expect(accepted.dueAt != nil && accepted.clock.ruleID == "handling.service" && accepted.respondedAt != nil)
            let dispatched = try await store.execute(
                .dispatch(lead: county.departmentID, coHandlers: [county.otherDepartmentID], note: "派住建局"), on: c.number, by: op,
                workflow: testWorkflow, at: t0.addingTimeInterval(120))
            #expect(dispatched.state == .dispatched)
            #expect(dispatched.departmentID == county.departmentID)
            // The co-handler sees the case but cannot act on it.
            let helper = viewer(.departmentHandler, department: county.otherDepartmentID)
            #expect(
                try await repo.detail(number: c.number, visibility: helper.caseVisibility)?.case.coHandlerIDs == [county.otherDepartmentID])
            await #expect(throws: CaseOperationError.self) {
                try await store.execute(.start(note: ""), on: c.number, by: helper, workflow: testWorkflow, at: t0.addingTimeInterval(150))
            }
            let suspended = try await store.execute(
                .suspend(reason: "等材料"), on: c.number, by: handler, workflow: testWorkflow, at: t0.addingTimeInterval(180))
            #expect(suspended.status.resumeState == .dispatched)
            #expect(suspended.clock.suspendedAt != nil)
            let resumed = try await store.execute(
                .resume(note: ""), on: c.number, by: handler, workflow: testWorkflow, at: t0.addingTimeInterval(240))
            #expect(resumed.state == .dispatched)
            #expect(resumed.clock.suspendedAt == nil)
            detail = try #require(try await repo.detail(number: c.number, visibility: op.caseVisibility))
            #expect(detail.events.map(\.action) == ["open", "accept", "dispatch", "suspend", "resume"])
            #expect(detail.events.map(\.sequence) == [1, 2, 3, 4, 5])
            #expect(detail.events[1].actor == "operator" && detail.events[1].actorRole == "operator")
        }
    }

    @Test("two concurrent operations on one case: one wins, the other is told to retry", arguments: Backend.available)
    func concurrentOperations(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            let store = CaseStore(database: db)
            let c = try await store.open(county.newCase(), actor: .system, at: Date(), workflow: testWorkflow)
            let op = viewer(.intakeOperator)
            let results = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        (try? await store.execute(.accept(note: ""), on: c.number, by: op, workflow: testWorkflow, at: Date())) != nil
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { $0 }.count == 1)
            let events = try await CaseEventModel.query(on: db.db).filter(\.$caseID == c.id).count()
            #expect(events == 2)
        }
    }

    @Test("events form a hash chain that recomputes from stored content", arguments: Backend.available)
    func hashChain(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            let store = CaseStore(database: db)
            let c = try await store.open(county.newCase(), actor: .system, at: Date(), workflow: testWorkflow)
            let op = viewer(.intakeOperator)
            let h = viewer(.departmentHandler, department: county.departmentID)
            let steps: [(CaseCommand, Viewer)] = [
                (.accept(note: "第1步"), op), (.dispatch(lead: county.departmentID, coHandlers: [], note: "第2步"), op),
                (.start(note: "第3步"), h), (.resolve(reply: "第4步"), h),
            ]
            for (i, (command, who)) in steps.enumerated() {
                _ = try await store.execute(
                    command, on: c.number, by: who, workflow: testWorkflow, at: Date().addingTimeInterval(Double(i)))
            }
            let events = try #require(try await FluentCaseRepository(database: db).detail(number: c.number, visibility: op.caseVisibility))
                .events
            #expect(events.count == 5)
            var previous = ""
            for e in events {
                #expect(e.previousHash == previous)
                #expect(e.hash == AuditHash.hash(e, caseNumber: c.number))
                #expect(e.hash.count == 64)
                previous = e.hash
            }
            // Editing a stored note breaks the recomputed hash.
            _ = try await db.sql.raw("UPDATE case_events SET note = 'edited' WHERE sequence = 3").all()
            let tampered = try #require(
                try await FluentCaseRepository(database: db).detail(number: c.number, visibility: op.caseVisibility)
            ).events
            #expect(tampered[2].hash != AuditHash.hash(tampered[2], caseNumber: c.number))
        }
    }

    @Test("visibility: region scope, department, and sealed cases hidden from all but discipline", arguments: Backend.available)
    func visibility(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            // Sealed words are stored encrypted: the store needs the data key.
            let store = CaseStore(database: db, cipher: FieldCipher(dataKey: try DataKey(rawKey: Data(repeating: 9, count: 32))))
            let repo = FluentCaseRepository(database: db)
            let now = Date()
            let a = try await store.open(county.newCase(title: "大白岩村路灯"), actor: .system, at: now)
            let b = try await store.open(
                county.newCase(
                    title: "陇木村停水", village: SmallCounty.otherVillage, township: SmallCounty.otherTownship, group: county.otherGroupID),
                actor: .system, at: now)
            let sealed = try await store.open(county.newCase(title: "村支书优亲厚友", sealed: true), actor: .system, at: now)
            _ = try await store.execute(.accept(note: ""), on: b.number, by: viewer(.intakeOperator), workflow: testWorkflow, at: now)
            _ = try await store.execute(
                .dispatch(lead: county.departmentID, coHandlers: [], note: ""), on: b.number, by: viewer(.intakeOperator),
                workflow: testWorkflow, at: now)
            let dept = county.departmentID

            func numbers(_ v: Viewer) async throws -> Set<String> {
                Set(try await repo.cases(CaseQuery(perPage: 200), visibility: v.caseVisibility).items.map(\.number.description))
            }
            #expect(try await numbers(viewer(.intakeOperator)) == [a.number.description, b.number.description])
            #expect(try await numbers(viewer(.supervisor, "433100")) == [a.number.description, b.number.description])
            #expect(try await numbers(viewer(.discipline)) == [a.number.description, b.number.description, sealed.number.description])
            #expect(try await numbers(viewer(.townshipCadre, "433125111")) == [a.number.description])
            #expect(try await numbers(viewer(.villageAdmin, "433125111201")) == [a.number.description])
            #expect(try await numbers(viewer(.departmentHandler, department: dept)) == [b.number.description])
            #expect(try await numbers(viewer(.departmentHandler, department: county.otherDepartmentID)).isEmpty)
            // Totals count only what is visible, and the sealed case cannot be fetched directly either.
            #expect(try await repo.cases(CaseQuery(), visibility: viewer(.villageAdmin, "433125111201").caseVisibility).total == 1)
            #expect(try await repo.detail(number: sealed.number, visibility: viewer(.villageAdmin, "433125111201").caseVisibility) == nil)
            #expect(try await repo.detail(number: sealed.number, visibility: viewer(.intakeOperator).caseVisibility) == nil)
            #expect(try await repo.detail(number: sealed.number, visibility: viewer(.discipline).caseVisibility) != nil)
        }
    }

    @Test("ledger filters and paging", arguments: Backend.available)
    func filters(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            let store = CaseStore(database: db)
            let repo = FluentCaseRepository(database: db)
            let base = Date().addingTimeInterval(-10 * 86400)
            for i in 0..<7 {
                var n = county.newCase(title: "诉求\(i)")
                n.urgency = i % 3 == 0 ? .urgent : .normal
                n.dueAt = base.addingTimeInterval(Double(i) * 2 * 86400 + 3600)
                _ = try await store.open(n, actor: .system, at: base.addingTimeInterval(Double(i) * 3600))
            }
            let v = viewer(.intakeOperator).caseVisibility
            let page1 = try await repo.cases(CaseQuery(sort: .oldest, page: 1, perPage: 3), visibility: v)
            let page3 = try await repo.cases(CaseQuery(sort: .oldest, page: 3, perPage: 3), visibility: v)
            #expect(page1.total == 7 && page1.pageCount == 3)
            #expect(page1.items.map(\.title) == ["诉求0", "诉求1", "诉求2"])
            #expect(page3.items.map(\.title) == ["诉求6"])
            #expect(try await repo.cases(CaseQuery(urgency: .urgent), visibility: v).total == 3)
            // Due 10, 8, 6, 4, 2 days ago and today-ish are overdue; the rest are not.
            let overdue = try await repo.cases(CaseQuery(overdueAt: Date()), visibility: v).items.map(\.title)
            #expect(Set(overdue) == ["诉求0", "诉求1", "诉求2", "诉求3", "诉求4"])
            #expect(try await repo.cases(CaseQuery(states: [.accepted]), visibility: v).total == 0)
            #expect(try await repo.cases(CaseQuery(townshipCode: SmallCounty.otherTownship), visibility: v).total == 0)
            let due = try await repo.cases(CaseQuery(sort: .dueSoonest, perPage: 2), visibility: v).items.map(\.title)
            #expect(due == ["诉求0", "诉求1"])
        }
    }
}

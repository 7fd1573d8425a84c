import FluentKit
import Foundation
import SQLKit
import Testing
import WeiminCore
@testable import WeiminPersistence

/// Sealed reports (docs/domain.md §4.1): their own number series, their words encrypted at rest and read only by the
/// discipline role with a `read_sealed` event, 转纪委 for a report triage missed, and `weimin audit verify`
/// noticing a case row edited in the database.
@Suite("Sealed cases: number series, encrypted words, transfer to discipline, audit of the case row")
struct SealedCaseTests {
    static let cipher = FieldCipher(dataKey: try! DataKey(rawKey: Data(repeating: 7, count: 32)))

    /// Every text column of every row of `table` that contains `needle`, as "table.column".
    static func clearText(_ needle: String, in table: String, on db: WeiminDatabase) async throws -> [String] {
        var found: [String] = []
        for row in try await db.sql.raw(SQLQueryString("SELECT * FROM \(unsafeRaw: table)")).all() {
            for column in row.allColumns {
                if let s = try? row.decode(column: column, as: String.self), s.contains(needle) { found.append("\(table).\(column)") }
            }
        }
        return found
    }

    static func discipline(on db: WeiminDatabase, department: UUID? = nil) async throws -> UUID {
        let jwjw = DepartmentModel(id: UUID(), countyCode: "433125", code: "jwjw", name: "县纪委监委", createdAt: Date())
        try await jwjw.create(on: db.db)
        return jwjw.id!
    }

    @Test("CaseNumber parses and prints the sealed series apart from the ordinary one")
    func numberFormat() throws {
        let sealed = try #require(CaseNumber("433125-JJ-2026-7"))
        #expect(sealed.series == .sealed && sealed.sequence == 7 && sealed.description == "433125-JJ-2026-000007")
        #expect(CaseNumber(sealed.description) == sealed)
        let ordinary = try #require(CaseNumber("433125-2026-000007"))
        #expect(ordinary.series == .ordinary && ordinary != sealed)
        #expect(
            CaseNumber("433125-XX-2026-000001") == nil && CaseNumber("433125-JJ-2026") == nil && CaseNumber("433125-JJ-JJ-2026-1") == nil)
        let decoded = try JSONDecoder().decode([CaseNumber].self, from: Data(#"["433125-JJ-2026-000002"]"#.utf8))
        #expect(decoded.first?.series == .sealed)
    }

    @Test("a sealed case takes a number from its own series: the ordinary numbers have no gap", arguments: Backend.available)
    func separateSeries(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            let store = CaseStore(database: db, cipher: Self.cipher)
            let now = Date()
            let first = try await store.open(county.newCase(title: "路灯坏了"), actor: .system, at: now)
            let sealed = try await store.open(county.newCase(title: "村支书优亲厚友", sealed: true), actor: .system, at: now)
            let second = try await store.open(county.newCase(title: "停水三天"), actor: .system, at: now)
            let sealedAgain = try await store.open(county.newCase(title: "村会计收钱", sealed: true), actor: .system, at: now)
            #expect(first.number.series == .ordinary && second.number.series == .ordinary)
            #expect(second.number.sequence == first.number.sequence + 1, "the sealed case left a gap in the ordinary series")
            #expect(sealed.number.series == .sealed && sealed.number.description.hasPrefix("433125-JJ-"))
            #expect(sealedAgain.number.sequence == sealed.number.sequence + 1)
            // Found by its number by the commission, and its chain verifies under the new format.
            #expect(
                try await FluentCaseRepository(database: db).detail(number: sealed.number, visibility: viewer(.discipline).caseVisibility)
                    != nil)
            #expect(try await AuditLedger(database: db).verifyAll().breaks.isEmpty)
            // Without the data key a sealed case is refused rather than stored in clear.
            await #expect(throws: PersistenceError.self) {
                try await CaseStore(database: db).open(county.newCase(title: "无密钥", sealed: true), actor: .system, at: now)
            }
        }
    }

    @Test(
        "a sealed case's words are encrypted at rest and only the discipline role reads them, each read recorded",
        arguments: Backend.available)
    func wordsEncrypted(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            let store = CaseStore(database: db, cipher: Self.cipher)
            let c = try await store.open(
                county.newCase(title: "村支书把低保给了弟弟", sealed: true), actor: .system, at: Date(), workflow: testWorkflow)
            for table in ["cases", "case_search", "case_events"] {
                #expect(try await Self.clearText("低保", in: table, on: db).isEmpty, "report words in clear in \(table)")
            }
            #expect(c.title == SealedWords.title && c.summary == SealedWords.summary)
            let sealed = SealedReportStore(database: db, cipher: Self.cipher)
            // Anyone but discipline gets the placeholders and leaves no trace.
            let other = try await sealed.reveal([c], to: viewer(.supervisor), purpose: "测试")
            #expect(other.first?.title == SealedWords.title)
            func reads() async throws -> Int {
                try await CaseEventModel.query(on: db.db).filter(\.$caseID == c.id).filter(\.$action == "read_sealed").count()
            }
            #expect(try await reads() == 0)
            let officer = viewer(.discipline)
            let shown = try #require(try await sealed.reveal([c], to: officer, purpose: "测试").first)
            #expect(shown.title == "村支书把低保给了弟弟" && shown.summary == "村支书把低保给了弟弟，请尽快处理")
            #expect(try await reads() == 1)
            // A recused officer is told nothing.
            let recusal = CaseRecusalModel()
            (recusal.id, recusal.caseID, recusal.countyCode, recusal.username, recusal.reason) = (
                UUID(), c.id, "433125", officer.username, "被反映人"
            )
            try await recusal.create(on: db.db)
            #expect(try await sealed.reveal([c], to: officer, purpose: "测试").first?.title == SealedWords.title)
            #expect(try await reads() == 1)
            #expect(try await AuditLedger(database: db).verifyAll().breaks.isEmpty)
        }
    }

    @Test(
        "转纪委: a report triage missed is sealed at once — new number, words encrypted, commission leads, accused and group admin recused",
        arguments: Backend.available)
    func transfer(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            let jwjw = try await Self.discipline(on: db)
            let staff = StaffDirectory(database: db, cost: 4)
            let secretary = try await staff.add(
                .init(
                    username: "dabaiyan", displayName: "村支书", password: "correct-horse-1", role: .villageAdmin, region: SmallCounty.village)
            )
            let words = "村支书把危房改造的钱扣了一半"
            let stored = try await MessageStore(database: db).append([county.message("t1", text: words)])
            guard case .stored(let mid) = stored[0] else { Issue.record("not stored"); return }
            let store = CaseStore(database: db, cipher: Self.cipher)
            let repo = FluentCaseRepository(database: db)
            let now = Date()
            let c = try await store.open(
                NewCase(
                    county: SmallCounty.county, township: SmallCounty.township, village: SmallCounty.village, groupID: county.groupID,
                    category: .service, title: "危房改造款被扣", summary: words, messageIDs: [mid]),
                actor: .system, at: now, workflow: testWorkflow)
            let operatorViewer = viewer(.intakeOperator)
            let handler = viewer(.departmentHandler, department: county.departmentID)
            _ = try await store.execute(.accept(note: ""), on: c.number, by: operatorViewer, workflow: testWorkflow, at: now)
            _ = try await store.execute(
                .dispatch(lead: county.departmentID, coHandlers: [county.otherDepartmentID], note: ""), on: c.number,
                by: operatorViewer, workflow: testWorkflow, at: now)
            // Before: the accused village secretary sees it — the finding.
            #expect(try await repo.detail(number: c.number, visibility: secretary.caseVisibility) != nil)
            // Not for the village admin to decide, nor for a sealed case twice.
            await #expect(throws: CaseOperationError.self) {
                try await store.execute(
                    .transferToDiscipline(accused: nil, accusedUsernames: [], note: "x"), on: c.number, by: secretary,
                    workflow: testWorkflow, at: now)
            }
            let after = try await store.execute(
                .transferToDiscipline(accused: "大白岩村支书", accusedUsernames: ["Cadre-X"], note: "实为反映村干部问题"), on: c.number, by: handler,
                workflow: testWorkflow, at: now)
            #expect(after.sealed && after.departmentID == jwjw && after.coHandlerIDs.isEmpty && after.state == .dispatched)
            #expect(after.number.series == .sealed && after.number != c.number)
            #expect(Set(after.recusedUsernames) == ["dabaiyan", "cadre-x"])

            // Gone from every ordinary view, by old number and new; the commission finds it by either.
            for v in [
                operatorViewer, handler, viewer(.departmentHandler, department: county.otherDepartmentID), secretary, viewer(.supervisor),
            ] {
                #expect(try await repo.detail(number: c.number, visibility: v.caseVisibility) == nil, "\(v.role) still sees the old number")
                #expect(
                    try await repo.detail(number: after.number, visibility: v.caseVisibility) == nil, "\(v.role) sees the sealed number")
                #expect(try await repo.cases(CaseQuery(), visibility: v.caseVisibility).total == 0)
            }
            let officer = viewer(.discipline)
            #expect(try await repo.detail(number: after.number, visibility: officer.caseVisibility)?.case.id == c.id)
            #expect(try await repo.detail(number: c.number, visibility: officer.caseVisibility)?.case.id == c.id)
            #expect(try await MessageStore(database: db).conversation(groupID: county.groupID, around: now, before: 10, after: 10).isEmpty)

            // Words encrypted everywhere; the reporter's material sealed as triage would.
            for table in ["cases", "case_search", "sealed_reports"] {
                #expect(try await Self.clearText("危房", in: table, on: db).isEmpty, "report words in clear in \(table)")
            }
            let report = try await SealedReportStore(database: db, cipher: Self.cipher).read(number: after.number, by: officer)
            #expect(report.originalText == words && report.reporterName == "彭德胜" && report.accused == "大白岩村支书")
            let shown = try await SealedReportStore(database: db, cipher: Self.cipher).reveal([after], to: officer, purpose: "测试")
            #expect(shown.first?.title == "危房改造款被扣" && shown.first?.summary == words)

            // The record says who had the case and what its number was.
            let events = try await CaseEventModel.query(on: db.db).filter(\.$caseID == c.id).sort(\.$sequence).all()
            let transferEvent = try #require(events.first { $0.action == "transfer_discipline" })
            #expect(transferEvent.actor == handler.username)
            #expect(transferEvent.note.contains(c.number.description) && transferEvent.note.contains(after.number.description))
            #expect(transferEvent.note.contains(operatorViewer.username))
            let verified = try await AuditLedger(database: db).verifyAll()
            #expect(verified.breaks.isEmpty && verified.mismatches.isEmpty)

            await #expect(throws: CaseOperationError.self) {
                try await store.execute(
                    .transferToDiscipline(accused: nil, accusedUsernames: [], note: "again"), on: after.number, by: officer,
                    workflow: testWorkflow, at: now)
            }
            // The commission carries on with it.
            let started = try await store.execute(.start(note: "已签收"), on: after.number, by: officer, workflow: testWorkflow, at: now)
            #expect(started.state == .inProgress)
        }
    }

    @Test("weimin audit verify reports a case row edited in the database (state, words, seal, department)", arguments: Backend.available)
    func rowEdits(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            let store = CaseStore(database: db, cipher: Self.cipher)
            let now = Date()
            var opened: [Case] = []
            for title in ["路灯坏了", "停水三天", "道路塌方", "低保咨询"] {
                let c = try await store.open(county.newCase(title: title), actor: .system, at: now, workflow: testWorkflow)
                _ = try await store.execute(.accept(note: ""), on: c.number, by: viewer(.intakeOperator), workflow: testWorkflow, at: now)
                opened.append(c)
            }
            let ledger = AuditLedger(database: db)
            #expect(try await ledger.verifyAll().mismatches.isEmpty)
            let sql = db.sql
            try await sql.raw("UPDATE cases SET state = 'closed' WHERE id = \(bind: opened[0].id)").run()
            try await sql.raw("UPDATE cases SET summary = '已妥善处理' WHERE id = \(bind: opened[1].id)").run()
            try await sql.raw("UPDATE cases SET sealed = \(bind: true) WHERE id = \(bind: opened[2].id)").run()
            try await sql.raw("UPDATE cases SET department_id = \(bind: county.departmentID) WHERE id = \(bind: opened[3].id)").run()
            let report = try await ledger.verifyAll()
            #expect(report.breaks.isEmpty, "the chains themselves are intact")
            let byNumber = Dictionary(report.mismatches.map { ($0.number, $0.fields) }) { a, _ in a }
            #expect(byNumber.count == 4)
            #expect(byNumber[opened[0].number.description] == ["状态"])
            #expect(byNumber[opened[1].number.description] == ["内容摘要"])
            #expect(byNumber[opened[2].number.description] == ["密封标记"])
            #expect(byNumber[opened[3].number.description] == ["承办部门"])
            let (_, _, broken) = try #require(try await ledger.export(number: opened[0].number))
            #expect(broken?.reason.contains("状态") == true)
            // A change through the workflow is recorded, so it verifies.
            try await sql.raw("UPDATE cases SET state = 'accepted' WHERE id = \(bind: opened[0].id)").run()
            _ = try await store.execute(
                .dispatch(lead: county.departmentID, coHandlers: [], note: ""), on: opened[0].number,
                by: viewer(.intakeOperator), workflow: testWorkflow, at: now)
            #expect(try await ledger.verifyAll().mismatches.count == 3)
        }
    }
}

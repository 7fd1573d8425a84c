import FluentKit
import Foundation
import Testing
import WeiminCore
import WeiminApp
@testable import WeiminPersistence

@Suite("Retention of personal data")
struct RetentionTests {
    @Test("ended cases past the period lose their personal data, with an audit event; others are untouched", arguments: Backend.available)
    func erase(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let county = try await SmallCounty.create(on: db)
            let store = CaseStore(database: db)
            let old = Date().addingTimeInterval(-400 * 86400)
            let messages = MessageStore(database: db)
            guard case .stored(let m1) = try await messages.append([county.message("old", text: "我是彭德胜，电话13812345678")])[0],
                case .stored(let m2) = try await messages.append([county.message("open", text: "路灯又坏了")])[0]
            else { return }
            let ended = try await store.open(
                county.newCase(title: "旧诉求", messageIDs: [m1]), actor: .system, at: old, workflow: testWorkflow)
            _ = try await store.execute(
                .decline(reason: "不属于受理范围"), on: ended.number, by: viewer(.intakeOperator), workflow: testWorkflow,
                at: old.addingTimeInterval(3600))
            let running = try await store.open(
                county.newCase(title: "新诉求", messageIDs: [m2]), actor: .system, at: old, workflow: testWorkflow)

            let retention = RunRetention(store: RetentionStore(database: db))
            #expect(try await retention.run(now: Date(), days: 500).isEmpty)  // not yet due
            let erased = try await retention.run(now: Date(), days: 365)
            #expect(erased == [ended.number.description])
            #expect(try await retention.run(now: Date(), days: 365).isEmpty)  // idempotent

            let gone = try #require(try await MessageModel.find(m1, on: db.db))
            #expect(gone.text == RetentionStore.erasedText && gone.senderName == "（已删除）" && gone.senderID == "erased")
            #expect(try await MessageModel.find(m2, on: db.db)?.text == "路灯又坏了")
            let row = try #require(try await CaseModel.find(ended.id, on: db.db))
            #expect(row.summary == RetentionStore.erasedText && row.erasedAt != nil)
            #expect(try await CaseModel.find(running.id, on: db.db)?.erasedAt == nil)
            let last = try #require(
                try await CaseEventModel.query(on: db.db).filter(\.$caseID == ended.id).sort(\.$sequence, .descending).first())
            #expect(last.action == "erase_personal_data")
            #expect(try await AuditLedger(database: db).verifyAll().breaks.isEmpty)
        }
    }
}

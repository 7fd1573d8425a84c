import FluentKit
import Foundation
import Testing
import WeiminCore
@testable import WeiminPersistence

/// Transactions that read before they write, run side by side: on SQLite each must wait its turn for the write lock
/// rather than fail with "database is locked" (found by schemathesis: 12 % of concurrent sealed-reply settings, and a
/// third of sealed reads, answered 500).
@Suite("Concurrent writers")
struct ConcurrentWritesTests {
    @Test("read-then-write transactions from many tasks at once all commit", arguments: Backend.available)
    func readThenWrite(backend: Backend) async throws {
        let test = try await TestDatabase.make(backend)
        defer { Task { await test.cleanup() } }
        let templates = TemplateStore(database: test.database)
        let ingest = IngestStore(database: test.database, cipher: FieldCipher(dataKey: try DataKey(rawKey: Data(repeating: 9, count: 32))))
        try await RegionModel(code: "433125", name: "保靖县", level: "county", parentCode: nil, countyCode: "433125", createdAt: Date())
            .create(on: test.database.db)
        let (source, _) = try await ingest.addSource(county: RegionCode("433125")!, kind: "generic", name: "并发")
        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            // Messages keep arriving meanwhile (from a group nobody registered: they go to the quarantine, still writes).
            group.addTask {
                var failed = 0
                for round in 0..<60 {
                    let batch = (0..<10).map { i in
                        PlatformMessage(
                            platform: .wechat, groupExternalID: "unknown@chatroom", groupName: "未登记的群",
                            platformMessageID: "c-\(round)-\(i)",
                            senderID: "wxid_c", senderName: "村民", kind: .text, text: "路灯坏了", sentAt: Date())
                    }
                    do { _ = try await ingest.accept(batch, from: source) } catch { failed += 1 }
                }
                return failed
            }
            for task in 0..<8 {
                group.addTask {
                    var failed = 0
                    for i in 0..<25 {
                        do {
                            try await templates.setSealedReply((task + i) % 2 == 0 ? .silent : .privately)
                            try await templates.set(.receipt, to: i % 3 == 0 ? nil : "【受理】您反映的问题已登记，编号 {case_number}。（\(task)-\(i)）")
                        } catch {
                            failed += 1
                        }
                    }
                    return failed
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(failures == 0)
    }
}

import Foundation
import Synchronization
import Testing
import WeiminApp
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

/// `weimin backup` / `weimin restore` on the embedded database, taken while messages keep arriving.
@Suite("Backup and restore")
struct BackupTests {
    @Test(
        "a backup taken during ingestion restores to a database with the same counts and an intact audit chain",
        arguments: Backend.available)
    func backupDuringIngestion(backend: Backend) async throws {
        if backend == .postgres, (try? PostgresTools.find("pg_dump")) == nil {
            // scripts/test.sh's cluster comes with its client programs; without them this is not the machine to test on.
            #expect(ProcessInfo.processInfo.environment["WEIMIN_REQUIRE_POSTGRES"] != "1", "pg_dump is missing")
            return
        }
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let (source, _) = try await IngestStore(database: services.database, cipher: services.cipher).addSource(
            county: RegionCode("433125")!, kind: "generic", name: "备份测试")
        let before = try await services.messages.count()

        // A steady stream of messages while the backup runs.
        let stop = Atomic<Bool>(false)
        let writer = Task {
            var sent = 0
            while !stop.load(ordering: .relaxed) {
                let batch = (0..<20).map { i in
                    PlatformMessage(
                        platform: .wechat, groupExternalID: "433125111201@chatroom", groupName: "大白岩村村民群",
                        platformMessageID: "backup-\(sent)-\(i)", senderID: "wxid_b", senderName: "向大哥", kind: .text,
                        text: "三组的路灯又不亮了 \(sent)", sentAt: Date())
                }
                _ = try await services.ingest.accept(batch, from: source)
                sent += 1
            }
            return sent
        }
        try await Task.sleep(for: .milliseconds(300))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weimin-backup-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = dir + "/backup.zip"
        var steps: [String] = []
        let manifest = try await Backup.make(services: services, out: file) { steps.append($0) }
        stop.store(true, ordering: .relaxed)
        let batches = try await writer.value
        #expect(batches > 0)
        #expect(!steps.isEmpty)
        let after = try await services.messages.count()
        let saved = try #require(manifest.counts["messages"])
        // The copy is one moment of the stream: everything stored before, not yet everything stored after.
        #expect(saved >= before && saved <= after, "\(before) ≤ \(saved) ≤ \(after)")
        #expect(manifest.keyFingerprint == services.keyFingerprint)
        #expect(manifest.schema == WeiminMigrations.all.count)

        // Never the key: its text is nowhere in the archive.
        let key = try String(contentsOfFile: services.config.keyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let archiveBytes = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect(archiveBytes.range(of: Data(key.utf8)) == nil)
        // No second backup over the first.
        await #expect(throws: Backup.Failure.self) { try await Backup.make(services: services, out: file) }

        // Restore into a new folder with the key kept apart; then open it as `serve` would.
        let restored = dir + "/restored"
        let target = backend == .postgres ? try await Backend.makePostgresDatabase(prefix: "weimin_restore").url : nil
        let back = try await Backup.restore(file, into: restored, keyFile: services.config.keyFile, databaseURL: target)
        #expect(back.counts == manifest.counts && back.keyFingerprint == manifest.keyFingerprint && back.schema == manifest.schema)
        await #expect(throws: Backup.Failure.self) {
            try await Backup.restore(file, into: restored, keyFile: services.config.keyFile, databaseURL: target)
        }
        if let target {
            // A database that already holds Weimin is never restored over.
            await #expect(throws: Backup.Failure.self) {
                try await Backup.restore(file, into: dir + "/again", keyFile: services.config.keyFile, databaseURL: target)
            }
        }
        var config = WeiminConfig(dir: restored, port: 0)
        config.databaseURL = target
        config.bcryptCost = 4
        let reopened = try await AppServices.open(config: config, migrate: false, logger: DemoApp.logger)
        let counts = try await reopened.database.rowCounts()
        let report = try await reopened.audit.verifyAll()
        await reopened.shutdown()
        #expect(counts == manifest.counts)
        #expect(report.breaks.isEmpty && report.mismatches.isEmpty)
        #expect(report.casesChecked == manifest.counts["cases"])

        // The wrong key is refused before anything is written.
        let otherKey = dir + "/other.key"
        try Data((Data(repeating: 7, count: 32).base64EncodedString() + "\n").utf8).write(to: URL(fileURLWithPath: otherKey))
        await #expect {
            try await Backup.restore(file, into: dir + "/wrong", keyFile: otherKey, databaseURL: target)
        } throws: { error in
            "\(error)".contains("指纹")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/wrong"))
        // A file that is not a backup, or a cut one, is said so in words, and nothing is written.
        let notZip = dir + "/not-a-backup.zip"
        try Data("not a zip".utf8).write(to: URL(fileURLWithPath: notZip))
        await #expect {
            try await Backup.restore(notZip, into: dir + "/bad", keyFile: otherKey, databaseURL: target)
        } throws: { error in
            "\(error)".contains("不是 weimin 备份")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/bad"))
    }
}

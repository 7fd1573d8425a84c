import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import Hummingbird
import SQLKit
import HummingbirdTesting
import Synchronization
import Testing
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

/// Runs a program to its end without blocking a concurrency thread; returns its status and output.
func run(_ executable: String, _ arguments: [String]) async throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = out
    return try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { p in
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            continuation.resume(returning: (p.terminationStatus, text))
        }
        do { try process.run() } catch { continuation.resume(throwing: error) }
    }
}

enum PythonClients {
    /// CI installs them (`.ci/run`) and sets WEIMIN_REQUIRE_PYCLIENTS=1, so there the test cannot be skipped.
    static let required = ProcessInfo.processInfo.environment["WEIMIN_REQUIRE_PYCLIENTS"] == "1"
    static let python = ProcessInfo.processInfo.environment["WEIMIN_PYTHON"] ?? "/usr/bin/env"
    static let wechatpy: Bool = importable("wechatpy.work.crypto")
    static let dingtalkchatbot: Bool = importable("dingtalkchatbot.chatbot")
    static func importable(_ module: String) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import \(module)"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

@Suite("Live ingestion: an independent WeCom client, and durability across kill -9")
struct LiveIngestTests {
    static let county = RegionCode("433125")!

    @Test(
        "wechatpy encrypts and signs WeCom callbacks; the server verifies the URL and stores each message once",
        .enabled(if: PythonClients.wechatpy || PythonClients.required, "needs pip install --pre wechatpy cryptography"),
        arguments: Backend.available)
    func wechatpy(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let store = IngestStore(database: services.database, cipher: services.cipher)
        let token = "QDG6eK", key = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", corp = "wx5823bf96d3bd56c7"
        let (source, _) = try await store.addSource(
            county: Self.county, kind: "wecom_app", name: "企业微信应用",
            secrets: ["token": token, "encoding_aes_key": key, "corp_id": corp])
        let group = try #require(
            try await services.groups.groups(within: Self.county, page: 1, perPage: 100).items.first { $0.platform == .wecom })
        let quarantined = try await store.quarantineCount(county: Self.county)
        let messages = try await services.messages.count()
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let script = PythonClients.root.appendingPathComponent("Tests/Clients/wechatpy_wecom.py").path
            let (status, output) = try await run(
                "/usr/bin/env",
                ["python3", script, "http://127.0.0.1:\(port)", source.id.uuidString, token, key, corp, group.externalID, "7301234567890"])
            #expect(status == 0, "wechatpy client: \(output)")
        }
        // The text (to the app, no group) is kept in quarantine once; the member event is stored once and applied.
        #expect(try await store.quarantineCount(county: Self.county) == quarantined + 1)
        #expect(try await services.messages.count() == messages + 1)
        #expect(try await services.groups.members(of: group.id).contains { $0.platformUserID == "wmWechatpyVillager" })
        let row = try await services.database.sql.raw("SELECT text FROM quarantined_messages WHERE platform_message_id = '7301234567890'")
            .all()
        #expect(try row.map { try $0.decode(column: "text", as: String.self) } == ["镇上到村里的班车这周停了三天，老人看病没法去，请问什么时候恢复？"])
    }

    @Test("kill -9 right after the last acknowledgement: every acknowledged message is there after restart", arguments: Backend.available)
    func killNine(backend: Backend) async throws {
        let config = try await DemoApp.makeConfig(backend)
        // Prepare: schema, demo regions and groups, a source token; then close, as an installer would.
        let (token, group) = try await ServerRunner.withServices(config: config, migrate: true) { services in
            _ = try await services.demoSeeder().seed()
            let (_, token) = try await IngestStore(database: services.database, cipher: services.cipher).addSource(
                county: Self.county, kind: "generic", name: "桥接")
            let group = try #require(
                try await services.groups.groups(within: Self.county, page: 1, perPage: 100).items.first { $0.platform == .wechat })
            return (token, group)
        }
        let (process, port) = try await ServeProcess.start(config)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(port)/api/v1/messages"
        func send(_ ids: [String]) async throws -> Bool {
            var request = URLRequest(url: URL(string: base)!)
            request.httpMethod = "POST"
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            let items = ids.map {
                #"{"platform":"wechat","group_id":"\#(group.externalID)","message_id":"\#($0)","sender_id":"wxid_k9","sender_name":"测试","text":"第 \#($0) 条：村口路灯不亮","sent_at":\#(Int(Date().timeIntervalSince1970))}"#
            }
            request.httpBody = Data((ids.count == 1 ? items[0] : #"{"messages":[\#(items.joined(separator: ","))]}"#).utf8)
            let (_, response) = try await URLSession.shared.data(for: request)
            return (response as? HTTPURLResponse)?.statusCode == 200
        }
        // Eight clients at once: 40 single messages each, then one batch of 50 each.
        let acknowledged = try await withThrowingTaskGroup(of: [String].self) { tasks in
            for worker in 0..<8 {
                tasks.addTask {
                    var acked: [String] = []
                    for n in 0..<40 where try await send(["k9-\(worker)-\(n)"]) { acked.append("k9-\(worker)-\(n)") }
                    let batch = (0..<50).map { "k9-\(worker)-b\($0)" }
                    if try await send(batch) { acked += batch }
                    return acked
                }
            }
            return try await tasks.reduce(into: []) { $0 += $1 }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(acknowledged.count == 8 * 90)
        let stored = try await ServerRunner.withServices(config: config) { services in
            try await services.database.sql.raw("SELECT platform_message_id FROM messages WHERE platform_message_id LIKE 'k9-%'").all()
                .map { try $0.decode(column: "platform_message_id", as: String.self) }
        }
        #expect(Set(stored) == Set(acknowledged))
        #expect(stored.count == acknowledged.count)
    }
}

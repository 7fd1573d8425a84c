import Foundation
import Hummingbird
import WeiminCore
import WeiminPersistence

/// `weimin bench ingest`: how fast messages get in, over real HTTP on loopback, next to the limit of
/// the same machine measured in the same run — the same rows written straight through the message
/// store (no HTTP), one per transaction and 1,000 per transaction, with the same durability settings.
/// Runs on a fresh temporary database (SQLite, or a PostgreSQL given by URL) seeded with the demo county.
public struct IngestBenchmark: Sendable {
    public struct Options: Sendable {
        public var databaseURL: String?
        public var singles = 20_000
        public var batches = 100
        public var batchSize = 1000
        public var connections = 32
        public var batchConnections = 8
        public var rawSingles = 2000
        public var rawBatches = 20
        public init() {}
    }

    public struct Figure: Sendable, Codable {
        public var name: String
        public var messages: Int
        public var seconds: Double
        public var perSecond: Double
        public var p50ms: Double?
        public var p99ms: Double?
        public var failures: Int
        public var ratioToLimit: Double?
    }

    public struct Result: Sendable, Codable {
        public var database: String
        public var figures: [Figure]
        public var peakMemoryMB: Double
        public var stored: Int
        public var acknowledged: Int
    }

    let options: Options
    let log: @Sendable (String) -> Void

    public init(options: Options, log: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.log = log
    }

    public func run() async throws -> Result {
        try await BenchSupport.withFreshServices(databaseURL: options.databaseURL) { try await measure($0) }
    }

    struct Target {
        let groupID: UUID
        let externalID: String
        let platform: Platform
    }

    func measure(_ services: AppServices) async throws -> Result {
        log("准备：演示县、来源令牌 …")
        _ = try await services.demoSeeder().seed()
        let county = RegionCode("433125")!
        let groups = try await services.groups.groups(within: county, page: 1, perPage: 500).items.map {
            Target(groupID: $0.id, externalID: $0.externalID, platform: $0.platform)
        }
        let (_, token) = try await services.ingest.store.addSource(county: county, kind: "generic", name: "bench")
        let texts = DemoCorpus.texts.map { $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") }
        let now = Date()
        func message(_ n: Int, prefix: String) -> (Target, String, String, String) {
            let g = groups[n % groups.count]
            return (g, "\(prefix)-\(n)", "wxid_bench\(n % 997)", texts[(n &* 7919) % texts.count])
        }

        // The limit: the same rows straight into the store.
        let store = MessageStore(database: services.database)
        func incoming(_ n: Int, _ prefix: String) -> IncomingMessage {
            let (g, id, sender, text) = message(n, prefix: prefix)
            return IncomingMessage(groupID: g.groupID, countyCode: county, platform: g.platform, platformMessageID: id, senderID: sender,
                                   senderName: "村民", text: text, sentAt: now)
        }
        log("直接写库：每事务 1 条 × \(options.rawSingles) …")
        var t0 = LoadGenerator.now()
        for n in 0..<options.rawSingles { _ = try await store.insert([incoming(n, "raw1")]) }
        let rawSingle = LoadGenerator.now() - t0
        log("直接写库：每事务 \(options.batchSize) 条 × \(options.rawBatches) …")
        t0 = LoadGenerator.now()
        for b in 0..<options.rawBatches {
            _ = try await store.insert((0..<options.batchSize).map { incoming(b * options.batchSize + $0, "rawN") })
        }
        let rawBatch = LoadGenerator.now() - t0
        let limit = Double(options.rawBatches * options.batchSize) / rawBatch

        // Over HTTP, through the running server.
        // The router alone, not buildApplication: the database stays open (and counted) after the server stops.
        let server = try await BenchSupport.start(buildRouter(services: services), logger: services.logger)
        let port = server.port

        func request(_ body: String) -> [UInt8] {
            let bytes = Array(body.utf8)
            let head = "POST /api/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: \(bytes.count)\r\n\r\n"
            return Array(head.utf8) + bytes
        }
        let sentAt = Int(now.timeIntervalSince1970)
        func json(_ n: Int, _ prefix: String) -> String {
            let (g, id, sender, text) = message(n, prefix: prefix)
            return #"{"platform":"\#(g.platform.rawValue)","group_id":"\#(g.externalID)","message_id":"\#(id)","sender_id":"\#(sender)","sender_name":"村民","text":"\#(text)","sent_at":\#(sentAt)}"#
        }
        let singles = (0..<options.singles).map { request(json($0, "http1")) }
        let batches = (0..<options.batches).map { b in
            request(#"{"messages":["# + (0..<options.batchSize).map { json(b * options.batchSize + $0, "httpN") }.joined(separator: ",") + "]}")
        }
        let generator = LoadGenerator(port: UInt16(port), connections: options.connections)
        log("HTTP 单条：\(options.singles) 个请求，\(options.connections) 个连接 …")
        let single = await Task.detached { generator.run(singles) }.value
        log("HTTP 批量：\(options.batches) 批 × \(options.batchSize) 条，\(options.batchConnections) 个连接 …")
        let batched = await Task.detached { LoadGenerator(port: UInt16(port), connections: options.batchConnections).run(batches) }.value
        await server.stop()

        let stored = try await services.messages.count(idPrefix: "http")
        let acknowledged = (single.requests - single.failures) + (batched.requests - batched.failures) * options.batchSize
        if let why = single.firstFailure ?? batched.firstFailure { log("注意：有请求失败（\(why)）") }

        let figures = [
            Figure(name: "直接写库，每事务 1 条 / store, 1 per transaction", messages: options.rawSingles, seconds: rawSingle,
                   perSecond: Double(options.rawSingles) / rawSingle, failures: 0, ratioToLimit: Double(options.rawSingles) / rawSingle / limit),
            Figure(name: "直接写库，每事务 \(options.batchSize) 条（上限）/ store, \(options.batchSize) per transaction (limit)", messages: options.rawBatches * options.batchSize,
                   seconds: rawBatch, perSecond: limit, failures: 0, ratioToLimit: 1),
            Figure(name: "HTTP 单条，\(options.connections) 连接 / HTTP, 1 per request", messages: single.requests - single.failures, seconds: single.seconds,
                   perSecond: Double(single.requests - single.failures) / single.seconds, p50ms: single.percentile(0.5), p99ms: single.percentile(0.99),
                   failures: single.failures, ratioToLimit: Double(single.requests - single.failures) / single.seconds / limit),
            Figure(name: "HTTP 批量 \(options.batchSize) 条，\(options.batchConnections) 连接 / HTTP, \(options.batchSize) per request",
                   messages: (batched.requests - batched.failures) * options.batchSize, seconds: batched.seconds,
                   perSecond: Double((batched.requests - batched.failures) * options.batchSize) / batched.seconds,
                   p50ms: batched.percentile(0.5), p99ms: batched.percentile(0.99), failures: batched.failures,
                   ratioToLimit: Double((batched.requests - batched.failures) * options.batchSize) / batched.seconds / limit),
        ]
        return Result(database: "\(services.database.location)", figures: figures, peakMemoryMB: Self.peakMemoryMB(), stored: stored, acknowledged: acknowledged)
    }

    /// The process's peak resident memory (VmHWM), in MB.
    static func peakMemoryMB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }
}

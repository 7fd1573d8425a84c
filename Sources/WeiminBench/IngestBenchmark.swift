import Foundation
import Hummingbird
import WeiminApp
import WeiminCore
import WeiminPersistence
import WeiminServer

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
        /// Run the HTTP phases twice more: with the triage service working alongside (as in the server), then without.
        public var triage = false
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
        /// With triage on: this rate ÷ the same phase's rate without triage, in the same run.
        public var ratioToWithoutTriage: Double?
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
        let store = services.messages
        func incoming(_ n: Int, _ prefix: String) -> IncomingMessage {
            let (g, id, sender, text) = message(n, prefix: prefix)
            return IncomingMessage(
                groupID: g.groupID, countyCode: county, platform: g.platform, platformMessageID: id, senderID: sender,
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
            let head =
                "POST /api/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: \(bytes.count)\r\n\r\n"
            return Array(head.utf8) + bytes
        }
        let sentAt = Int(now.timeIntervalSince1970)
        func json(_ n: Int, _ prefix: String) -> String {
            let (g, id, sender, text) = message(n, prefix: prefix)
            return
                #"{"platform":"\#(g.platform.rawValue)","group_id":"\#(g.externalID)","message_id":"\#(id)","sender_id":"\#(sender)","sender_name":"村民","text":"\#(text)","sent_at":\#(sentAt)}"#
        }
        func bodies(_ prefix: String) -> (singles: [[UInt8]], batches: [[UInt8]]) {
            (
                (0..<options.singles).map { request(json($0, prefix + "1")) },
                (0..<options.batches).map { b in
                    request(
                        #"{"messages":["#
                            + (0..<options.batchSize).map { json(b * options.batchSize + $0, prefix + "N") }.joined(separator: ",") + "]}")
                }
            )
        }
        func phases(_ label: String, _ prefix: String) async -> (single: LoadGenerator.Report, batched: LoadGenerator.Report) {
            let (singles, batches) = bodies(prefix)
            let generator = LoadGenerator(port: UInt16(port), connections: options.connections)
            log("HTTP 单条\(label)：\(options.singles) 个请求，\(options.connections) 个连接 …")
            let single = await generator.run(singles)
            log("HTTP 批量\(label)：\(options.batches) 批 × \(options.batchSize) 条，\(options.batchConnections) 个连接 …")
            let batched = await LoadGenerator(port: UInt16(port), connections: options.batchConnections).run(batches)
            if let why = single.firstFailure ?? batched.firstFailure { log("注意：有请求失败（\(why)）") }
            return (single, batched)
        }
        func figures(_ r: (single: LoadGenerator.Report, batched: LoadGenerator.Report), _ suffix: String) -> [Figure] {
            let singleOK = r.single.requests - r.single.failures, batchOK = (r.batched.requests - r.batched.failures) * options.batchSize
            return [
                Figure(
                    name: "HTTP 单条，\(options.connections) 连接\(suffix) / HTTP, 1 per request", messages: singleOK, seconds: r.single.seconds,
                    perSecond: Double(singleOK) / r.single.seconds, p50ms: r.single.percentile(0.5), p99ms: r.single.percentile(0.99),
                    failures: r.single.failures, ratioToLimit: Double(singleOK) / r.single.seconds / limit),
                Figure(
                    name: "HTTP 批量 \(options.batchSize) 条，\(options.batchConnections) 连接\(suffix) / HTTP, \(options.batchSize) per request",
                    messages: batchOK, seconds: r.batched.seconds, perSecond: Double(batchOK) / r.batched.seconds,
                    p50ms: r.batched.percentile(0.5), p99ms: r.batched.percentile(0.99), failures: r.batched.failures,
                    ratioToLimit: Double(batchOK) / r.batched.seconds / limit),
            ]
        }
        func acknowledged(_ r: (single: LoadGenerator.Report, batched: LoadGenerator.Report)) -> Int {
            (r.single.requests - r.single.failures) + (r.batched.requests - r.batched.failures) * options.batchSize
        }

        let plain = await phases("", "http")
        var httpFigures = figures(plain, "")
        var acknowledgedCount = acknowledged(plain)
        var stored = try await services.messages.count(idPrefix: "http")
        if options.triage {
            // The same phases again with the triage service running beside them, exactly as `weimin serve` runs it
            // (it gives way while ingestion is writing): what it costs ingestion, and how far it keeps up.
            let service = TriageService(services: services, interval: .milliseconds(200))
            var triager = try await TriageService.triager(services: services, store: services.triageStore)
            _ = try await service.runOnce(triager: &triager)  // the first pass starts after the newest message
            let loop = Task { try await service.run() }
            let decisions = services.triageStore
            let progress = { @Sendable () async throws -> (triaged: Int, opened: Int) in
                let (decided, inCases) = try await decisions.decidedCount()
                return (decided, inCases)
            }
            let start = LoadGenerator.now()
            let busy = await phases("（分诊同时进行）", "triage")
            let during = try await progress(), duringSeconds = LoadGenerator.now() - start
            // Then triage alone for a few seconds: its own pace when ingestion is not competing for the writer.
            log("分诊单独运行 5 秒 …")
            try? await Task.sleep(for: .seconds(5))
            let after = try await progress(), afterSeconds = LoadGenerator.now() - start - duringSeconds
            loop.cancel()
            _ = try? await loop.value
            // Without triage once more, on the now larger database: the baseline is the mean of the runs before
            // and after, so the database's growth does not count against triage.
            let again = await phases("（再测一次，不分诊）", "again")
            let baseline = zip(figures(plain, ""), figures(again, "")).map { ($0.perSecond + $1.perSecond) / 2 }
            var more = figures(busy, "，分诊同时进行 / triage on")
            for i in more.indices { more[i].ratioToWithoutTriage = more[i].perSecond / baseline[i] }
            more += figures(again, "，再测一次不分诊 / triage off again")
            acknowledgedCount += acknowledged(again)
            stored += try await services.messages.count(idPrefix: "again")
            more.append(
                Figure(
                    name: "分诊，与接入同时（归入工单 \(during.opened) 条）/ triage while ingesting", messages: during.triaged,
                    seconds: duringSeconds, perSecond: Double(during.triaged) / duringSeconds, failures: 0))
            more.append(
                Figure(
                    name: "分诊，接入停止后（归入工单 \(after.opened - during.opened) 条）/ triage alone", messages: after.triaged - during.triaged,
                    seconds: afterSeconds, perSecond: Double(after.triaged - during.triaged) / afterSeconds, failures: 0))
            httpFigures += more
            acknowledgedCount += acknowledged(busy)
            stored += try await services.messages.count(idPrefix: "triage")
        }
        await server.stop()

        let figures =
            [
                Figure(
                    name: "直接写库，每事务 1 条 / store, 1 per transaction", messages: options.rawSingles, seconds: rawSingle,
                    perSecond: Double(options.rawSingles) / rawSingle, failures: 0,
                    ratioToLimit: Double(options.rawSingles) / rawSingle / limit),
                Figure(
                    name: "直接写库，每事务 \(options.batchSize) 条（上限）/ store, \(options.batchSize) per transaction (limit)",
                    messages: options.rawBatches * options.batchSize,
                    seconds: rawBatch, perSecond: limit, failures: 0, ratioToLimit: 1),
            ] + httpFigures
        return Result(
            database: "\(services.database.location)", figures: figures, peakMemoryMB: Self.peakMemoryMB(), stored: stored,
            acknowledged: acknowledgedCount)
    }

    /// The process's peak resident memory (VmHWM), in MB.
    static func peakMemoryMB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }
}

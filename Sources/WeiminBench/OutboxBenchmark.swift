import Foundation
import Hummingbird
import WeiminApp
import WeiminCore
import WeiminPersistence
import WeiminServer

/// `weimin bench outbox`: delivers N messages to R robots (loopback fakes of the WeCom group robot,
/// which enforce 20 a minute and answer 45009 when pushed) through the real outbox and delivery service,
/// and reports the time to drain, the retries, and whether anything was lost, doubled or refused.
/// With 20 a minute per robot the floor is (N / R / 20 − 1) minutes: the figure to compare with.
public struct OutboxBenchmark: Sendable {
    public struct Options: Sendable {
        public var databaseURL: String?
        public var robots = 100
        public var messages = 10_000
        /// Robots that answer 45009 to their first three sends (injected trouble).
        public var busyRobots = 10
        public init() {}
    }

    public struct Result: Sendable, Codable {
        public var database: String
        public var robots: Int
        public var messages: Int
        public var seconds: Double
        public var floorSeconds: Double
        public var passes: Int
        public var delivered: Int
        public var retries: Int
        public var waitedForWindow: Int
        public var failed: Int
        public var received: Int
        public var lost: Int
        public var doubled: Int
        public var outOfOrderRobots: Int
        public var refusedForRate: Int
        public var maxPerMinute: Int
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

    func measure(_ services: AppServices) async throws -> Result {
        log("准备：演示县、\(options.robots) 个群和机器人 …")
        _ = try await services.demoSeeder().seed()
        // The demo's own case history queued messages too: set them aside so only the benchmark's count.
        try await services.outbox.cancelPending(county: "433125")
        let county = RegionCode("433125")!
        let existing = try await services.groups.groups(within: county, page: 1, perPage: 1000).items
        var groups = existing.map(\.id)
        var n = 0
        while groups.count < options.robots {
            let (id, _) = try await services.ingest.store.registerGroup(
                platform: .wechat, externalID: "bench\(n)@chatroom", name: "压测群\(n)", village: existing[n % existing.count].villageCode)
            groups.append(id)
            n += 1
        }
        groups = Array(groups.prefix(options.robots))
        let fakes = FakeRobots()
        let server = try await BenchSupport.start(fakes.router(), logger: services.logger)
        let port = server.port
        let outbox = services.outbox
        for (i, g) in groups.enumerated() {
            await fakes.allowWeCom("k\(i)")
            if i < options.busyRobots { await fakes.makeWeComBusy("k\(i)", requests: 3) }
            try await outbox.bindRobot(
                groupID: g, kind: .wecomRobot, endpoint: "http://127.0.0.1:\(port)/cgi-bin/webhook/send?key=k\(i)", secret: nil)
        }
        log("写入 \(options.messages) 条待发消息 …")
        for m in 0..<options.messages {
            try await outbox.enqueue(
                county: "433125", groupID: groups[m % groups.count], causeKey: "bench:\(m)", kind: .notice, text: "压测消息 \(m)")
        }
        log("发送中（每个机器人每分钟最多 20 条）…")
        let delivery = DeliveryService(services: services)
        let start = LoadGenerator.now()
        var passes = 0, delivered = 0, retries = 0, waited = 0, failed = 0
        while true {
            let p = try await delivery.deliverOnce()
            passes += 1
            delivered += p.delivered
            retries += p.retried
            waited += p.waited
            failed += p.failed
            let counts = try await outbox.counts(county: "433125")
            if (counts["pending"] ?? 0) + (counts["claimed"] ?? 0) + (counts["sending"] ?? 0) == 0 { break }
            if passes % 50 == 0 { log("  已送达 \(delivered)，用时 \(Int(LoadGenerator.now() - start)) 秒") }
            if p.claimed == 0 { try await Task.sleep(for: .milliseconds(500)) }
        }
        let seconds = LoadGenerator.now() - start
        await server.stop()

        let received = await fakes.received
        var lost = 0, doubled = 0, outOfOrder = 0, maxPerMinute = 0
        for i in 0..<groups.count {
            let texts = received.filter { $0.robot == "wecom:k\(i)" }
            let expected = stride(from: i, to: options.messages, by: groups.count).map { "压测消息 \($0)" }
            // Notices go out as markdown (the first line bold): compare the words, not the markup.
            let got = texts.map { $0.format == "markdown" ? $0.text.replacingOccurrences(of: "**", with: "") : $0.text }
            lost += Set(expected).subtracting(got).count
            doubled += got.count - Set(got).count
            if got != expected { outOfOrder += 1 }
            let times = texts.map(\.at).sorted()
            var j = 0
            for (k, t) in times.enumerated() {
                while t.timeIntervalSince(times[j]) >= 60 { j += 1 }
                maxPerMinute = max(maxPerMinute, k - j + 1)
            }
        }
        let perRobot = Double(options.messages) / Double(groups.count)
        return Result(
            database: "\(services.database.location)", robots: groups.count, messages: options.messages, seconds: seconds,
            floorSeconds: max(0, (perRobot / Double(DeliveryPolicy.perMinute)).rounded(.up) - 1) * 60, passes: passes, delivered: delivered,
            retries: retries, waitedForWindow: waited, failed: failed, received: received.count, lost: lost, doubled: doubled,
            outOfOrderRobots: outOfOrder, refusedForRate: await fakes.refusedForRate, maxPerMinute: maxPerMinute)
    }
}

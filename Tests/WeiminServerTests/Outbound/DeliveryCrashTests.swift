import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
import WeiminBench
import WeiminApp
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

@Suite("Outbox across kill -9 of the real server")
struct DeliveryCrashTests {
    /// Fast delivery; no supervision scan, whose 督办 messages for the demo's overdue cases would join the count.
    static let environment = ["WEIMIN_DELIVERY_INTERVAL": "50", "WEIMIN_SUPERVISION_INTERVAL": "0"]

    @Test(
        "killed mid-delivery and restarted: nothing is sent twice, everything not in flight at the kill is delivered once",
        arguments: Backend.available)
    func killMidDelivery(backend: Backend) async throws {
        let config = try await DemoApp.makeConfig(backend)
        let robots = 10, total = 200
        let fakes = FakeRobots()
        let app = Application(
            router: fakes.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            try await ServerRunner.withServices(config: config, migrate: true) { services in
                _ = try await services.demoSeeder().seed()
                let outbox = OutboxStore(database: services.database, cipher: services.cipher)
                try await outbox.cancelPending(county: "433125")
                let groups = try await services.groups.groups(within: RegionCode("433125")!, page: 1, perPage: robots).items
                for (i, g) in groups.enumerated() {
                    await fakes.allowWeCom("k\(i)")
                    try await outbox.bindRobot(
                        groupID: g.id, kind: .wecomRobot, endpoint: "http://127.0.0.1:\(port)/cgi-bin/webhook/send?key=k\(i)", secret: nil)
                }
                for m in 0..<total {
                    try await outbox.enqueue(
                        county: "433125", groupID: groups[m % robots].id, causeKey: "crash:\(m)", kind: .notice, text: "第\(m)条")
                }
            }
            var server = try await ServeProcess.start(config, environment: Self.environment).process
            // Let some go out, then kill it without warning.
            for _ in 0..<300 where await fakes.received.count < 40 { try await Task.sleep(for: .milliseconds(20)) }
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
            let atKill = await fakes.received.count
            #expect(atKill >= 40 && atKill < total)
            server = try await ServeProcess.start(config, environment: Self.environment).process
            defer { kill(server.processIdentifier, SIGKILL) }
            var counts: [String: Int] = [:]
            // Claims of the killed process return after their 20-second lease.
            for _ in 0..<600 {
                counts = try await ServerRunner.withServices(config: config) {
                    try await OutboxStore(database: $0.database, cipher: $0.cipher).counts(county: "433125")
                }
                if (counts["pending"] ?? 0) + (counts["claimed"] ?? 0) == 0 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            // The restarted server may be sending its last message right now: stop it gracefully (it finishes the pass),
            // so what is left "sending" or "uncertain" is only what the killed one had in flight.
            kill(server.processIdentifier, SIGTERM)
            server.waitUntilExit()
            counts = try await ServerRunner.withServices(config: config) {
                try await OutboxStore(database: $0.database, cipher: $0.cipher).counts(county: "433125")
            }
            let received = await fakes.received.map(\.text)
            // Never twice.
            #expect(received.count == Set(received).count)
            // Everything delivered; at most the few claimed when the process died are left "sending"
            // (marked uncertain once their lease runs out), and the robot may or may not have those.
            let delivered = counts["delivered"] ?? 0
            let inFlight = (counts["sending"] ?? 0) + (counts["claimed"] ?? 0) + (counts["uncertain"] ?? 0)
            #expect(delivered + inFlight == total, "\(counts)")
            #expect(inFlight <= robots)
            #expect(received.count >= delivered && received.count <= total)
        }
    }
}

import Foundation
import Logging
import ServiceLifecycle
import WeiminApp
import WeiminCore
import WeiminPersistence

/// Runs the outbox delivery (`DeliverOutbox`, WeiminApp) every `interval`, at once again while a full batch was due.
/// On SIGTERM the current pass finishes before the service stops, so no send is cut off halfway.
public struct DeliveryService: Service {
    let delivery: DeliverOutbox
    let interval: Duration
    let logger: Logger
    let batch: Int
    let health: ServiceHealth

    public init(
        services: AppServices, interval: Duration = .seconds(2), client: RobotClient? = nil, batch: Int = 200,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        let owner = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        let client = client ?? RobotClient(links: services.fileLinks)
        delivery = DeliverOutbox(outbox: services.outbox, owner: owner, batch: batch, now: now) { robot, message, at in
            await client.send(robot, message: message, now: at)
        }
        self.interval = interval
        self.logger = services.logger
        self.batch = batch
        self.health = services.health
    }

    public typealias Pass = DeliverOutbox.Pass

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let pass = try await deliverOnce()
                health.passed("delivery")
                if pass.failed > 0 || pass.uncertain > 0 {
                    logger.warning("outbox", metadata: ["failed": "\(pass.failed)", "uncertain": "\(pass.uncertain)"])
                }
                // A full batch means more is due: go again at once.
                if pass.claimed >= batch { continue }
            } catch {
                logger.error("outbox delivery failed", metadata: ["error": "\(String(reflecting: error))"])
                health.failed("delivery", error: "\(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    public func deliverOnce() async throws -> Pass {
        let pass = try await delivery.deliverOnce()
        for d in pass.disabled { logger.error("robot disabled", metadata: ["group": "\(d.group)", "reason": "\(d.reason)"]) }
        for e in pass.errors { logger.error("outbox item failed", metadata: ["error": "\(e)"]) }
        return pass
    }
}

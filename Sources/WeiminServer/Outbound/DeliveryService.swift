import Foundation
import Logging
import ServiceLifecycle
import WeiminCore
import WeiminPersistence

/// Delivers the outbox. Each pass: mark abandoned claims uncertain, claim due messages, and send them —
/// one at a time per group (order kept), groups in parallel — within each robot's 20-a-minute window.
/// Rate limits and network trouble are retried with backoff; a permanent refusal (bad key, bad
/// signature) fails the message, disables the robot and leaves the reason for the admins.
/// On SIGTERM the current pass finishes before the service stops, so no send is cut off halfway.
public struct DeliveryService: Service {
    let outbox: OutboxStore
    let client: RobotClient
    let interval: Duration
    let owner: String
    let logger: Logger
    let now: @Sendable () -> Date
    let batch: Int

    public init(services: AppServices, interval: Duration = .seconds(2), client: RobotClient = RobotClient(), batch: Int = 200,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.outbox = services.outbox
        self.client = client
        self.interval = interval
        self.owner = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        self.logger = services.logger
        self.now = now
        self.batch = batch
    }

    public struct Pass: Sendable {
        public var claimed = 0
        public var delivered = 0
        public var retried = 0
        public var waited = 0
        public var failed = 0
        public var uncertain = 0
        /// Messages for groups with no robot bound (kept as `unbound`).
        public var unbound = 0
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let pass = try await deliverOnce()
                if pass.failed > 0 || pass.uncertain > 0 {
                    logger.warning("outbox", metadata: ["failed": "\(pass.failed)", "uncertain": "\(pass.uncertain)"])
                }
                // A full batch means more is due: go again at once.
                if pass.claimed >= batch { continue }
            } catch {
                logger.error("outbox delivery failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    public func deliverOnce() async throws -> Pass {
        var pass = Pass()
        pass.uncertain = try await outbox.sweep(at: now())
        let items = try await outbox.claim(owner: owner, limit: batch, at: now())
        pass.claimed = items.count
        let byGroup = Dictionary(grouping: items, by: \.groupID)
        let results = await withTaskGroup(of: Pass.self) { tasks in
            for (group, messages) in byGroup {
                tasks.addTask { await deliver(messages.sorted { $0.id < $1.id }, group: group) }
            }
            var total = Pass()
            for await p in tasks {
                total.delivered += p.delivered
                total.retried += p.retried
                total.waited += p.waited
                total.failed += p.failed
                total.unbound += p.unbound
            }
            return total
        }
        pass.delivered = results.delivered
        pass.retried = results.retried
        pass.waited = results.waited
        pass.failed = results.failed
        pass.unbound = results.unbound
        return pass
    }

    func deliver(_ messages: [OutboxItem], group: UUID) async -> Pass {
        var pass = Pass()
        let robot: Robot?
        do { robot = try await outbox.robot(forGroup: group) } catch {
            for m in messages { try? await outbox.markRetry(m.id, next: now().addingTimeInterval(30), error: "读取机器人配置失败", countsAsAttempt: false) }
            return pass
        }
        for (index, message) in messages.enumerated() {
            do {
                guard let robot else {
                    try await outbox.markUnbound(message.id)
                    pass.unbound += 1
                    continue
                }
                guard robot.active else {
                    try await outbox.markFailed(message.id, error: robot.failure.map { "机器人已停用：\($0)" } ?? "机器人已停用")
                    pass.failed += 1
                    continue
                }
                let outbound: OutboundMessage
                do { outbound = try await outbox.prepare(message) } catch {
                    try await outbox.markFailed(message.id, error: "无法准备消息：\(error)")
                    pass.failed += 1
                    continue
                }
                if outbound.privateTo != nil, robot.kind != .wechatbot, robot.kind != .wcf {
                    // Only the bridges can write to one person; a group robot cannot, and must not post it in the group.
                    try await outbox.markFailed(message.id, error: "本群机器人不能私信，未答复")
                    pass.failed += 1
                    continue
                }
                let at = now()
                if let slot = try await outbox.reserveSlot(robot: robot.id, at: at) {
                    // The window is full: this and the rest of the group wait, in order, without counting an attempt.
                    for m in messages[index...] { try await outbox.markRetry(m.id, next: slot, error: nil, countsAsAttempt: false) }
                    try await outbox.deferGroup(group, until: slot)
                    pass.waited += messages.count - index
                    return pass
                }
                guard try await outbox.markSending(message.id, owner: owner, at: at) else {
                    // Another instance holds it now; the rest of this group's claim is stale too.
                    try await outbox.releaseSlot(robot: robot.id, at: at)
                    return pass
                }
                switch await client.send(robot, message: outbound, now: at) {
                case .delivered:
                    try await outbox.markDelivered(message.id, owner: owner, at: now())
                    pass.delivered += 1
                case .retry(let reason, let after):
                    // The robot did not take it: give the window's place back.
                    try await outbox.releaseSlot(robot: robot.id, at: at)
                    var next = now().addingTimeInterval(1)
                    if message.attempts + 1 >= DeliveryPolicy.maxAttempts {
                        try await outbox.markFailed(message.id, error: "多次重试仍失败：\(reason)")
                        pass.failed += 1
                    } else {
                        next = now().addingTimeInterval(after ?? DeliveryPolicy.backoff(attempt: message.attempts + 1))
                        try await outbox.markRetry(message.id, next: next, error: reason, countsAsAttempt: true)
                        pass.retried += 1
                    }
                    // Keep the group's order: the rest wait until the retried one goes (same time, then by id).
                    for m in messages[(index + 1)...] { try await outbox.markRetry(m.id, next: next, error: nil, countsAsAttempt: false) }
                    try await outbox.deferGroup(group, until: next)
                    return pass
                case .permanent(let reason):
                    try await outbox.markFailed(message.id, error: reason)
                    try await outbox.disableRobot(robot.id, reason: reason, at: now())
                    logger.error("robot disabled", metadata: ["group": "\(group)", "reason": "\(reason)"])
                    pass.failed += 1
                    for m in messages[(index + 1)...] { try await outbox.markFailed(m.id, error: "机器人已停用：\(reason)") }
                    pass.failed += messages.count - index - 1
                    return pass
                }
            } catch {
                logger.error("outbox item failed", metadata: ["id": "\(message.id)", "error": "\(String(reflecting: error))"])
            }
        }
        return pass
    }
}

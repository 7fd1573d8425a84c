import Foundation
import Metrics
import WeiminCore
import WeiminPersistence

/// Use case: deliver the outbox (docs/architecture.md, "the path of a message"). Each pass marks abandoned claims
/// uncertain, claims due messages and sends them — one at a time per group (order kept), groups in parallel — within
/// each robot's 20-a-minute window. Rate limits and network trouble are retried with backoff (`DeliveryPolicy`, Core);
/// a permanent refusal (bad key, bad signature) fails the message, disables the robot and leaves the reason for the
/// admins. Sending itself is the caller's (`send`: the robot client over HTTP), so this type holds only the decisions
/// and the bookkeeping.
public struct DeliverOutbox: Sendable {
    public typealias Send = @Sendable (Robot, OutboundMessage, Date) async -> DeliveryResult
    let outbox: OutboxStore
    let send: Send
    let owner: String
    let batch: Int
    let now: @Sendable () -> Date

    public init(
        outbox: OutboxStore, owner: String, batch: Int = 200, now: @escaping @Sendable () -> Date = { Date() }, send: @escaping Send
    ) {
        self.outbox = outbox
        self.owner = owner
        self.batch = batch
        self.now = now
        self.send = send
    }

    /// Each send's result by platform, for `/metrics` (refused: the robot refused for good and was disabled).
    static func count(_ result: String, _ robot: Robot) {
        Counter(label: "weimin_outbox_sends_total", dimensions: [("platform", robot.kind.rawValue), ("result", result)]).increment()
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
        /// Robots that refused for good and were disabled (their group's admins are alerted).
        public var disabled: [Disabled] = []
        /// Items that hit an unexpected error (left as they were; the next pass sees them again).
        public var errors: [String] = []

        public init() {}
    }

    public struct Disabled: Sendable {
        public var group: UUID
        public var reason: String
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
                total.disabled += p.disabled
                total.errors += p.errors
            }
            return total
        }
        pass.delivered = results.delivered
        pass.retried = results.retried
        pass.waited = results.waited
        pass.failed = results.failed
        pass.unbound = results.unbound
        pass.disabled = results.disabled
        pass.errors = results.errors
        return pass
    }

    func deliver(_ messages: [OutboxItem], group: UUID) async -> Pass {
        var pass = Pass()
        let robot: Robot?
        do { robot = try await outbox.robot(forGroup: group) } catch {
            for m in messages {
                try? await outbox.markRetry(m.id, next: now().addingTimeInterval(30), error: "读取机器人配置失败", countsAsAttempt: false)
            }
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
                switch await send(robot, outbound, at) {
                case .delivered:
                    try await outbox.markDelivered(message.id, owner: owner, at: now())
                    pass.delivered += 1
                    Self.count("delivered", robot)
                case .retry(let reason, let after):
                    // The robot did not take it: give the window's place back.
                    try await outbox.releaseSlot(robot: robot.id, at: at)
                    var next = now().addingTimeInterval(1)
                    if message.attempts + 1 >= DeliveryPolicy.maxAttempts {
                        try await outbox.markFailed(message.id, error: "多次重试仍失败：\(reason)")
                        pass.failed += 1
                        Self.count("failed", robot)
                    } else {
                        next = now().addingTimeInterval(after ?? DeliveryPolicy.backoff(attempt: message.attempts + 1))
                        try await outbox.markRetry(message.id, next: next, error: reason, countsAsAttempt: true)
                        pass.retried += 1
                        Self.count("retried", robot)
                    }
                    // Keep the group's order: the rest wait until the retried one goes (same time, then by id).
                    for m in messages[(index + 1)...] { try await outbox.markRetry(m.id, next: next, error: nil, countsAsAttempt: false) }
                    try await outbox.deferGroup(group, until: next)
                    return pass
                case .permanent(let reason):
                    try await outbox.markFailed(message.id, error: reason)
                    try await outbox.disableRobot(robot.id, reason: reason, at: now())
                    pass.disabled.append(.init(group: group, reason: reason))
                    pass.failed += 1
                    Self.count("refused", robot)
                    for m in messages[(index + 1)...] { try await outbox.markFailed(m.id, error: "机器人已停用：\(reason)") }
                    pass.failed += messages.count - index - 1
                    return pass
                }
            } catch {
                pass.errors.append("\(message.id): \(String(reflecting: error))")
            }
        }
        return pass
    }
}

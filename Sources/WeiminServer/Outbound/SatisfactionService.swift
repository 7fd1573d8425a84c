import Foundation
import Logging
import ServiceLifecycle
import WeiminApp
import WeiminCore
import WeiminPersistence

/// Reads villagers' answers to the satisfaction question from the group and records them as the
/// case's review (不满意 reopens it: 重办); questions unanswered for three days become a phone follow-up
/// for the township, recorded on the case; objections to a 公示 during its window become `disclosure`
/// cases linked to the notice. Works on stored messages, so answers that arrive through any
/// source — or an import — count.
public struct SatisfactionService: Service {
    let store: SatisfactionStore
    let leases: SupervisionStore
    let notices: NoticeStore
    let cases: CaseStore
    let act: ActOnCase
    let workflow: CaseWorkflow
    let interval: Duration
    let logger: Logger
    let now: @Sendable () -> Date
    let health: ServiceHealth

    public init(services: AppServices, interval: Duration = .seconds(15), now: @escaping @Sendable () -> Date = { Date() }) {
        store = services.satisfaction
        leases = services.supervision
        notices = services.notices
        cases = services.caseStore
        act = services.actOnCase
        workflow = services.workflow
        self.interval = interval
        logger = services.logger
        self.now = now
        health = services.health
    }

    /// The answers are recorded in the county's name by the acceptance centre role (回访 is its duty).
    static func recorder(for number: CaseNumber) -> Viewer {
        Viewer(
            userID: UUID(uuidString: "00000000-0000-0000-0000-000000000001")!, username: "system", displayName: "群内回访",
            role: .intakeOperator, region: number.county, departmentID: nil)
    }

    public struct Pass: Sendable, Equatable {
        public var reviewed: [CaseNumber: Satisfaction] = [:]
        public var reopened: [CaseNumber] = []
        public var followUps: [CaseNumber] = []
        public var objections: [CaseNumber] = []
    }

    let holder = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"

    /// One pass, by one server instance at a time (a lease, given back at the end): two instances reading
    /// the same answer or objection would otherwise record it twice.
    public func processOnce() async throws -> Pass {
        try await leases.withLease("satisfaction", holder: holder, now: now(), for: 120) { try await processLeased() } ?? Pass()
    }

    func processLeased() async throws -> Pass {
        var pass = Pass()
        var done: Set<UUID> = []
        for candidate in try await store.candidates() where !done.contains(candidate.requestID) {
            guard let answer = SatisfactionReply.parse(candidate.text) else { continue }
            // A reply naming another case is not this question's answer.
            if let named = answer.caseNumber, named != candidate.caseNumber { continue }
            done.insert(candidate.requestID)
            let viewer = Self.recorder(for: candidate.caseNumber)
            let note = "群内回复：\(answer.remark.prefix(200))"
            do {
                _ = try await act.run(.review(answer.satisfaction, note: note), on: candidate.caseNumber, by: viewer, at: now())
                pass.reviewed[candidate.caseNumber] = answer.satisfaction
                if answer.satisfaction == .unsatisfied {
                    _ = try await act.run(
                        .reopen(reason: "群众回访不满意：\(answer.remark.prefix(200))"), on: candidate.caseNumber, by: viewer, at: now())
                    pass.reopened.append(candidate.caseNumber)
                }
            } catch {
                // The case moved on meanwhile (reviewed by phone, closed): the answer is still kept below.
                logger.info("satisfaction answer not applied", metadata: ["case": "\(candidate.caseNumber)", "why": "\(error)"])
            }
            try await store.markAnswered(candidate.requestID, answer: answer.satisfaction, at: now())
        }
        pass.followUps = try await store.openFollowUps(at: now())
        // Objections to a 公示 are read from the same chat, on the same beat.
        pass.objections = try await notices.openObjections(cases: cases, workflow: workflow, at: now())
        return pass
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                _ = try await processOnce()
                health.passed("satisfaction")
            } catch {
                logger.error("satisfaction pass failed", metadata: ["error": "\(String(reflecting: error))"])
                health.failed("satisfaction", error: "\(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}

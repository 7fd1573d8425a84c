import Foundation

/// One time limit running on a case: which step, since when, until when, and in which kind of time it runs.
public struct RunningClock: Sendable, Hashable {
    public var step: DeadlineStep
    public var start: Date
    public var due: Date
    public var limit: TimeLimit

    public init(step: DeadlineStep, start: Date, due: Date, limit: TimeLimit) {
        self.step = step
        self.start = start
        self.due = due
        self.limit = limit
    }
}

extension DeadlineRules {
    /// The clocks running on a case now: the first answer, handling, the acceptance notice (petitions and sealed
    /// reports) and a petition's review decision. Supervision warns on them; the workbench, the ledger and the case
    /// page show their time left, each in its own kind of time (an urgent answer runs at any hour).
    public func runningClocks(of c: Case) -> [RunningClock] {
        var clocks: [RunningClock] = []
        let running = c.state.isOpen && c.state != .suspended
        if running, c.respondedAt == nil, let due = c.responseDueAt,
            let r = rule(for: .response, category: c.category, urgency: c.urgency, sealed: c.sealed)
        {
            clocks.append(RunningClock(step: .response, start: c.createdAt, due: due, limit: r.limit))
        }
        if running, let due = c.dueAt, let start = c.clock.startedAt, let limit = c.clock.limit {
            clocks.append(RunningClock(step: .handling, start: start, due: due, limit: limit))
        }
        if c.acceptanceNotifiedAt == nil, c.state != .merged, let due = c.acceptanceDueAt {
            let step: DeadlineStep = c.sealed ? .reportAcceptance : .petitionAcceptance
            if let r = rule(for: step, category: c.category, urgency: c.urgency, sealed: c.sealed) {
                clocks.append(RunningClock(step: step, start: c.createdAt, due: due, limit: r.limit))
            }
        }
        if [.reviewRequested, .recheckRequested].contains(c.petition.stage), let due = c.petition.dueAt, let start = c.petition.stageAt {
            let step: DeadlineStep = c.petition.stage == .reviewRequested ? .reviewDecision : .recheckDecision
            if let r = rule(for: step, category: c.category, urgency: c.urgency, sealed: c.sealed) {
                clocks.append(RunningClock(step: step, start: start, due: due, limit: r.limit))
            }
        }
        return clocks
    }

    /// The clock that runs out first, for a one-line "time left" (open cases only).
    public func nextClock(of c: Case) -> RunningClock? {
        guard c.state.isOpen else { return nil }
        return runningClocks(of: c).min { $0.due < $1.due }
    }
}

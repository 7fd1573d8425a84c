import Testing
import WeiminCore

/// The lifecycle written out by hand from docs/domain.md §2.4, independently of the implementation:
/// every (status, action) pair not listed here must be refused.
private func expectedNext(_ status: CaseStatus, _ action: CaseAction) -> CaseState? {
    switch (status.state, action) {
    case (.new, .accept): return .accepted
    case (.new, .decline), (.accepted, .decline), (.returned, .decline): return .declined
    case (.new, .merge), (.accepted, .merge), (.returned, .merge): return .merged
    case (.accepted, .dispatch): return .dispatched
    case (.accepted, .resolve), (.inProgress, .resolve): return .resolved
    case (.accepted, .suspend), (.dispatched, .suspend), (.inProgress, .suspend): return .suspended
    case (.dispatched, .start): return .inProgress
    case (.dispatched, .returnToCentre), (.inProgress, .returnToCentre): return .returned
    case (.returned, .reassign): return .dispatched
    case (.suspended, .resume): return status.resumeState
    case (.resolved, .review): return .reviewed
    case (.reviewed, .reopen): return status.lastReview == .unsatisfied ? .dispatched : nil
    case (.reviewed, .close): return status.lastReview == .unsatisfied ? nil : .closed
    default: return nil
    }
}

/// Every reachable-looking status: each state, with the variants that change what is allowed.
private let allStatuses: [CaseStatus] = CaseState.allCases.flatMap { state -> [CaseStatus] in
    switch state {
    case .suspended:
        return [CaseState.accepted, .dispatched, .inProgress].map { CaseStatus(state: .suspended, resumeState: $0) }
    case .reviewed:
        return Satisfaction.allCases.map { CaseStatus(state: .reviewed, lastReview: $0) }
    default:
        return [CaseStatus(state: state)]
    }
}

@Suite("Case state machine")
struct CaseStateMachineTests {
    @Test("every (state, action) pair is allowed or refused exactly as docs/domain.md §2.4 says", arguments: allStatuses)
    func everyPair(status: CaseStatus) {
        for action in CaseAction.all {
            let expected = expectedNext(status, action)
            do {
                let next = try CaseStateMachine.apply(action, to: status)
                #expect(
                    expected == next.state, "\(status.state) + \(action.name) gave \(next.state), expected \(String(describing: expected))")
            } catch {
                #expect(
                    expected == nil,
                    "\(status.state) + \(action.name) was refused (\(error.reason)) but should give \(String(describing: expected))")
                #expect(error.from == status.state)
                #expect(!error.reason.isEmpty)
            }
        }
    }

    @Test("the table has the number of allowed transitions we designed")
    func allowedCount() {
        let allowed = allStatuses.reduce(0) { $0 + CaseStateMachine.allowedActions(from: $1).count }
        let expected = allStatuses.reduce(0) { acc, s in acc + CaseAction.all.filter { expectedNext(s, $0) != nil }.count }
        #expect(allowed == expected)
        #expect(allowed > 20)
    }

    @Test("terminal states allow nothing")
    func terminal() {
        for state in CaseState.allCases where state.isTerminal {
            #expect(CaseStateMachine.allowedActions(from: CaseStatus(state: state)).isEmpty)
        }
        #expect(Set(CaseState.allCases.filter(\.isTerminal)) == [.closed, .declined, .merged])
    }

    @Test("suspending remembers where to resume, and resuming clears it")
    func suspendResume() throws {
        for from in [CaseState.accepted, .dispatched, .inProgress] {
            let suspended = try CaseStateMachine.apply(.suspend, to: CaseStatus(state: from))
            #expect(suspended.state == .suspended)
            #expect(suspended.resumeState == from)
            let resumed = try CaseStateMachine.apply(.resume, to: suspended)
            #expect(resumed.state == from)
            #expect(resumed.resumeState == nil)
        }
        #expect(throws: TransitionError.self) {
            try CaseStateMachine.apply(.suspend, to: CaseStatus(state: .suspended, resumeState: .accepted))
        }
        #expect(throws: TransitionError.self) { try CaseStateMachine.apply(.resume, to: CaseStatus(state: .suspended)) }
    }

    @Test("an unsatisfied review reopens (重办) and blocks closing; a satisfied one closes")
    func reviewThenReopenOrClose() throws {
        var s = CaseStatus.initial
        for action: CaseAction in [.accept, .dispatch, .start, .resolve, .review(.unsatisfied)] {
            s = try CaseStateMachine.apply(action, to: s)
        }
        #expect(s.state == .reviewed && s.lastReview == .unsatisfied)
        #expect(throws: TransitionError.self) { try CaseStateMachine.apply(.close, to: s) }
        s = try CaseStateMachine.apply(.reopen, to: s)
        #expect(s.state == .dispatched)
        #expect(s.lastReview == nil)
        for action: CaseAction in [.start, .resolve, .review(.basicallySatisfied), .close] {
            s = try CaseStateMachine.apply(action, to: s)
        }
        #expect(s.state == .closed)
    }

    @Test("refusals say in Chinese what the state is")
    func refusalMessage() {
        do {
            _ = try CaseStateMachine.apply(.dispatch, to: CaseStatus(state: .new))
            Issue.record("dispatching a new case must be refused")
        } catch {
            #expect(error.reason.contains("待受理"))
            #expect(error.reason.contains("派单"))
        }
    }

    @Test("every state and action has a Chinese name")
    func names() {
        let stateNames = Set(CaseState.allCases.map(CoreStrings.stateName))
        #expect(stateNames.count == CaseState.allCases.count)
        let actionNames = Set(CaseAction.all.map(CoreStrings.actionName))
        #expect(actionNames.count == 13)
    }
}

@Suite("Permissions")
struct PermissionTests {
    @Test("only discipline sees sealed reports")
    func sealed() {
        #expect(Role.allCases.filter(CasePermissions.maySeeSealed) == [.discipline])
    }
}

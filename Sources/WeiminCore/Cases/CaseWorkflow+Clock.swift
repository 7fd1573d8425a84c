import Foundation

// Clock arithmetic for the workflow: a handling clock started, paused, resumed and extended in the limit's own kind of
// time (working minutes on the county's calendar, or plain elapsed time).
extension CaseWorkflow {
    func startHandlingClock(_ c: inout Case, at now: Date) {
        guard let r = rules.rule(for: .handling, category: c.category, urgency: c.urgency, sealed: c.sealed) else { return }
        c.clock.ruleID = r.id
        c.clock.limit = r.limit
        c.clock.startedAt = now
        c.dueAt = calendar.deadline(from: now, limit: r.limit)
    }

    func remaining(limit: TimeLimit, from now: Date, to due: Date) -> Double {
        switch limit {
        case .workingDays, .workingMinutes: return calendar.workingMinutes(from: now, to: due)
        case .calendarDays, .elapsedMinutes: return max(0, due.timeIntervalSince(now))
        }
    }

    func resumed(limit: TimeLimit, remaining: Double, at now: Date) -> Date {
        switch limit {
        case .workingDays, .workingMinutes: return calendar.addingWorkingMinutes(remaining, to: now)
        case .calendarDays, .elapsedMinutes: return now.addingTimeInterval(remaining)
        }
    }

    /// An extension runs on from the current deadline in the limit's own kind of time.
    func extend(_ due: Date, by limit: TimeLimit) -> Date {
        switch limit {
        case .workingDays(let n):
            return calendar.instant(calendar.addingWorkingDays(n, to: calendar.local(due).date), minute: Double(calendar.closeOfBusiness))
        default:
            return calendar.deadline(from: due, limit: limit)
        }
    }

    static func sameKind(_ a: TimeLimit, _ b: TimeLimit) -> Bool {
        switch (a, b) {
        case (.workingDays, .workingDays), (.calendarDays, .calendarDays), (.workingMinutes, .workingMinutes),
            (.elapsedMinutes, .elapsedMinutes):
            return true
        default: return false
        }
    }

    static func amount(_ l: TimeLimit) -> Int {
        switch l {
        case .workingDays(let n), .calendarDays(let n), .workingMinutes(let n), .elapsedMinutes(let n): return n
        }
    }
}

import Foundation

/// The supervision ladder (督办, docs/domain.md §3.4).
public enum SupervisionLevel: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// 预警: 75 % of the time used.
    case warning
    /// 督办单: the deadline has passed; sent to the department and the township leader.
    case order
    /// 通报: overdue again by its own limit, or a department's third overdue case in a month.
    case notice

    public var chineseName: String {
        switch self {
        case .warning: return "预警"
        case .order: return "督办单"
        case .notice: return "通报"
        }
    }

    private var rank: Int { self == .warning ? 0 : (self == .order ? 1 : 2) }
    public static func < (a: SupervisionLevel, b: SupervisionLevel) -> Bool { a.rank < b.rank }
}

/// One rung reached by one clock of one case.
public struct SupervisionFinding: Sendable, Hashable {
    public var caseID: UUID
    public var step: DeadlineStep
    public var level: SupervisionLevel
    /// Identifies the clock, so a reopened case (a new clock) is supervised afresh.
    public var clockKey: String
    public var dueAt: Date
    public var fractionUsed: Double
    /// Working or calendar minutes past the deadline (0 for warnings).
    public var overdueMinutes: Int
    public var message: String
}

public struct SupervisionPolicy: Sendable {
    public var calendar: WorkCalendar
    public var rules: DeadlineRules
    public var warningAt: Double
    /// A department with this many overdue cases in a month is reported (通报).
    public var departmentNoticeThreshold: Int

    public init(calendar: WorkCalendar, rules: DeadlineRules = .defaults, warningAt: Double = 0.75, departmentNoticeThreshold: Int = 3) {
        self.calendar = calendar
        self.rules = rules
        self.warningAt = warningAt
        self.departmentNoticeThreshold = departmentNoticeThreshold
    }

    /// Every rung each running clock of the case has reached by `now` (the caller keeps only new ones).
    public func findings(for c: Case, at now: Date) -> [SupervisionFinding] {
        guard c.state.isOpen || c.state == .resolved || c.state == .reviewed || c.state == .closed else { return [] }
        var out: [SupervisionFinding] = []
        for clock in rules.runningClocks(of: c) {
            let (step, start, due, limit) = (clock.step, clock.start, clock.due, clock.limit)
            let used = calendar.fractionUsed(start: start, due: due, limit: limit, now: now)
            let key = "\(step.rawValue)@\(Int64((start.timeIntervalSince1970 * 1000).rounded()))"
            let over = overdueMinutes(due: due, limit: limit, now: now)
            let limitText = limit.description
            if used >= warningAt {
                out.append(
                    SupervisionFinding(
                        caseID: c.id, step: step, level: .warning, clockKey: key, dueAt: due, fractionUsed: used, overdueMinutes: 0,
                        message: "\(step.chineseName)时限（\(limitText)）已用 \(Int(min(used, 1) * 100))%，请抓紧办理"))
            }
            if now >= due {
                out.append(
                    SupervisionFinding(
                        caseID: c.id, step: step, level: .order, clockKey: key, dueAt: due, fractionUsed: used, overdueMinutes: over,
                        message: "\(step.chineseName)已超期（时限\(limitText)），超期 \(Self.describe(minutes: over, limit: limit))"))
            }
            if used >= 2 {
                out.append(
                    SupervisionFinding(
                        caseID: c.id, step: step, level: .notice, clockKey: key, dueAt: due, fractionUsed: used, overdueMinutes: over,
                        message: "\(step.chineseName)超期已超过一个时限周期（\(limitText)），予以通报"))
            }
        }
        return out
    }

    func overdueMinutes(due: Date, limit: TimeLimit, now: Date) -> Int {
        guard now > due else { return 0 }
        switch limit {
        case .workingDays, .workingMinutes: return Int(calendar.workingMinutes(from: due, to: now))
        case .calendarDays, .elapsedMinutes: return Int(now.timeIntervalSince(due) / 60)
        }
    }

    static func describe(minutes: Int, limit: TimeLimit) -> String {
        switch limit {
        case .workingDays, .workingMinutes:
            let perDay = 390
            return minutes >= perDay ? "约\(minutes / perDay)个工作日" : "\(minutes)个工作分钟"
        case .calendarDays, .elapsedMinutes:
            return minutes >= 1440 ? "\(minutes / 1440)天\(minutes % 1440 / 60)小时" : "\(minutes / 60)小时\(minutes % 60)分钟"
        }
    }
}

/// What a supervision order says and to whom — the words staff and villagers read, decided here, not where it is stored.
public enum SupervisionNotice {
    /// One order per case clock and rung, however many scans or instances see it.
    public static func dedupeKey(_ f: SupervisionFinding) -> String {
        "case:\(f.caseID.uuidString):\(f.step.rawValue):\(f.level.rawValue):\(f.clockKey)"
    }

    /// Who an order goes to, in words: the lead department, the township's leader, and for a 通报 the county's
    /// leading group; the centre when the case is with nobody yet.
    public static func recipients(_ level: SupervisionLevel, departmentName: String?, townshipName: String?) -> String {
        var to: [String] = []
        if let departmentName { to.append(departmentName) }
        if let townshipName { to.append("\(townshipName)主要负责人") }
        if level == .notice { to.append("县领导小组") }
        if to.isEmpty { to.append("县受理中心") }
        return to.joined(separator: "、")
    }

    /// The case history's line for an order.
    public static func eventNote(_ f: SupervisionFinding, recipients: String) -> String {
        "\(f.level.chineseName)：\(f.message)（送：\(recipients)）"
    }

    /// The group hears of a 督办单 or 通报 on a villager's case, so the villager sees the county chasing it; a 预警 is
    /// internal and sealed cases are never spoken of. Nil when the group is told nothing; otherwise the template values.
    public static func groupValues(_ f: SupervisionFinding, case c: Case, departmentName: String?) -> [String: String]? {
        guard f.level != .warning, !c.sealed, c.groupID != nil else { return nil }
        return [
            "case_number": c.number.description, "title": c.title, "department": departmentName ?? "承办单位",
            "level": f.level == .order ? "超期督办" : "超期通报",
        ]
    }

    /// The month's 通报 of a department with too many overdue cases: its key (once per department and month) and words.
    public static func departmentNotice(department: UUID, name: String, month: String, overdue: Int) -> (
        key: String, message: String, recipients: String
    ) {
        ("dept:\(department.uuidString):\(month)", "\(name) \(month) 已有 \(overdue) 件工单超期，予以通报", "县领导小组、\(name)")
    }
}

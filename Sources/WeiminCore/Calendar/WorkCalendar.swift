import Foundation

/// A period of a working day, in minutes after midnight local time.
public struct WorkPeriod: Sendable, Hashable, Codable {
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// Parses "08:30-12:00".
    public init?(_ text: String) {
        let parts = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let s = WorkPeriod.minutes(parts[0]), let e = WorkPeriod.minutes(parts[1]), s < e else { return nil }
        self.init(start: s, end: e)
    }

    static func minutes(_ hhmm: String) -> Int? {
        let p = hhmm.split(separator: ":")
        guard p.count == 2, let h = Int(p[0]), let m = Int(p[1]), (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440 else {
            return nil
        }
        return h * 60 + m
    }
}

/// How long something may take (docs/domain.md §3.1).
public enum TimeLimit: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Working minutes inside working hours on working days (e.g. "2 working hours" = 120).
    case workingMinutes(Int)
    /// N working days after the start day; ends at close of business on the Nth.
    case workingDays(Int)
    /// N calendar days, 民法典 arts. 200–204: the first day is not counted, a last day that is not a
    /// working day moves to the next working day, and the period ends at close of business.
    case calendarDays(Int)
    /// Plain elapsed minutes at any hour, for urgent matters (e.g. 30 minutes).
    case elapsedMinutes(Int)

    public var description: String {
        switch self {
        case .workingMinutes(let m): return m % 60 == 0 ? "\(m / 60)个工作小时" : "\(m)个工作分钟"
        case .workingDays(let d): return "\(d)个工作日"
        case .calendarDays(let d): return "\(d)日"
        case .elapsedMinutes(let m): return m % 60 == 0 ? "\(m / 60)小时（不分昼夜）" : "\(m)分钟（不分昼夜）"
        }
    }
}

/// Working time: the official holiday calendar, working hours and a time zone. Every deadline in the
/// product is computed here, so one definition of "working day" holds everywhere.
public struct WorkCalendar: Sendable {
    public var holidays: HolidayCalendar
    /// Ordered, non-overlapping; default 08:30–12:00 and 14:30–17:30.
    public var periods: [WorkPeriod]

    /// Working minutes in a full working day (6.5 hours by default).
    public var minutesPerDay: Int { periods.reduce(0) { $0 + ($1.end - $1.start) } }
    public var timeZone: TimeZone

    public static let defaultPeriods = [WorkPeriod(start: 8 * 60 + 30, end: 12 * 60), WorkPeriod(start: 14 * 60 + 30, end: 17 * 60 + 30)]

    public init(
        holidays: HolidayCalendar, periods: [WorkPeriod] = WorkCalendar.defaultPeriods,
        timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!
    ) {
        self.holidays = holidays
        self.periods = periods.sorted { $0.start < $1.start }
        self.timeZone = timeZone
    }

    public var closeOfBusiness: Int { periods.last?.end ?? 17 * 60 + 30 }

    // MARK: Local time

    /// The local date and minute of day (with seconds as a fraction) for an instant.
    public func local(_ t: Date) -> (date: LocalDate, minute: Double) {
        let offset = Double(timeZone.secondsFromGMT(for: t))
        let seconds = t.timeIntervalSince1970 + offset
        let day = Int((seconds / 86400).rounded(.down))
        return (LocalDate(dayNumber: day), (seconds - Double(day) * 86400) / 60)
    }

    /// The instant at `minute` past local midnight of `date`.
    public func instant(_ date: LocalDate, minute: Double) -> Date {
        let localSeconds = Double(date.dayNumber) * 86400 + minute * 60
        // The zone's offset at (roughly) that moment; China has no daylight saving, others are handled
        // by asking again at the guessed instant.
        let guess = Date(
            timeIntervalSince1970: localSeconds - Double(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: localSeconds))))
        return Date(timeIntervalSince1970: localSeconds - Double(timeZone.secondsFromGMT(for: guess)))
    }

    public func isWorkingDay(_ d: LocalDate) -> Bool { holidays.isWorkingDay(d) }

    public func nextWorkingDay(after d: LocalDate) -> LocalDate {
        var x = d.adding(days: 1)
        // A run of non-working days never exceeds a few weeks; the bound only guards against a corrupt calendar.
        for _ in 0..<370 where !isWorkingDay(x) { x = x.adding(days: 1) }
        return x
    }

    /// The Nth working day after `d` (n ≥ 1), or `d` itself if n = 0.
    public func addingWorkingDays(_ n: Int, to d: LocalDate) -> LocalDate {
        var x = d
        for _ in 0..<n { x = nextWorkingDay(after: x) }
        return x
    }

    // MARK: Deadlines

    /// When a period of `limit` that starts at `start` ends.
    public func deadline(from start: Date, limit: TimeLimit) -> Date {
        switch limit {
        case .elapsedMinutes(let m):
            return start.addingTimeInterval(Double(m) * 60)
        case .workingMinutes(let m):
            return addingWorkingMinutes(Double(m), to: start)
        case .workingDays(let n):
            let day = addingWorkingDays(n, to: local(start).date)
            return instant(day, minute: Double(closeOfBusiness))
        case .calendarDays(let n):
            // 民法典 art. 201: the day the period starts is not counted; art. 203: a last day that is a
            // rest day moves to the day after the rest ends; the period ends when business closes.
            var last = local(start).date.adding(days: n)
            if !isWorkingDay(last) { last = nextWorkingDay(after: last) }
            return instant(last, minute: Double(closeOfBusiness))
        }
    }

    /// Adds working minutes, skipping nights, lunch breaks, weekends and holidays.
    public func addingWorkingMinutes(_ minutes: Double, to start: Date) -> Date {
        var remaining = minutes
        var (day, minute) = local(start)
        if remaining <= 0 { return start }
        for _ in 0..<4000 {
            if isWorkingDay(day) {
                for p in periods where minute < Double(p.end) {
                    let from = max(minute, Double(p.start))
                    let available = Double(p.end) - from
                    if remaining <= available {
                        return instant(day, minute: from + remaining)
                    }
                    remaining -= available
                    minute = Double(p.end)
                }
            }
            day = day.adding(days: 1)
            minute = 0
        }
        return instant(day, minute: minute)
    }

    /// Working minutes between two instants (0 if `to` is not after `from`).
    public func workingMinutes(from: Date, to: Date) -> Double {
        guard to > from else { return 0 }
        let (d0, m0) = local(from)
        let (d1, m1) = local(to)
        var total = 0.0
        var day = d0
        while day <= d1 {
            if isWorkingDay(day) {
                let lo = day == d0 ? m0 : 0
                let hi = day == d1 ? m1 : 1440
                for p in periods {
                    let a = max(lo, Double(p.start))
                    let b = min(hi, Double(p.end))
                    if b > a { total += b - a }
                }
            }
            day = day.adding(days: 1)
        }
        return total
    }

    /// How far along a period is, 0…1+, measured in the limit's own kind of time, so 75 % of a
    /// 5-working-day limit means 75 % of the working time, not of the wall-clock time.
    public func fractionUsed(start: Date, due: Date, limit: TimeLimit, now: Date) -> Double {
        switch limit {
        case .workingMinutes, .workingDays:
            let total = workingMinutes(from: start, to: due)
            guard total > 0 else { return now >= due ? 1 : 0 }
            if now >= due { return 1 + workingMinutes(from: due, to: now) / total }
            return workingMinutes(from: start, to: now) / total
        case .calendarDays, .elapsedMinutes:
            let total = due.timeIntervalSince(start)
            guard total > 0 else { return now >= due ? 1 : 0 }
            return now.timeIntervalSince(start) / total
        }
    }
}

import Foundation
import PropertyBased
import Testing
import WeiminCore

private let calendar = WorkCalendar(holidays: HolidayCalendar.bundled())
private let beijing = TimeZone(identifier: "Asia/Shanghai")!

private func d(_ s: String) -> LocalDate { LocalDate(iso: s)! }

/// Beijing wall-clock time → instant.
private func at(_ date: String, _ hh: Int, _ mm: Int) -> Date {
    calendar.instant(d(date), minute: Double(hh * 60 + mm))
}

@Suite("Local dates")
struct LocalDateTests {
    @Test("day numbers round-trip and weekdays are right")
    func basics() {
        #expect(d("1970-01-01").dayNumber == 0)
        #expect(d("1970-01-01").weekday == 4)  // Thursday
        #expect(d("2026-11-26").weekday == 4)  // Thursday
        #expect(d("2024-02-29").description == "2024-02-29")
        #expect(LocalDate(iso: "2026-02-29") == nil)
        #expect(LocalDate(iso: "2026-13-01") == nil)
        #expect(LocalDate(iso: "26-01-01") == nil)
    }

    @Test("round trip over many days", .tags(.property))
    func roundTrip() async {
        await propertyCheck(input: Gen.int(in: -50_000...100_000)) { n in
            let date = LocalDate(dayNumber: n)
            let c = date.components
            #expect(LocalDate(year: c.year, month: c.month, day: c.day) == date)
            #expect(LocalDate(iso: date.description) == date)
        }
    }
}

@Suite("Holiday calendar")
struct HolidayCalendarTests {
    @Test("2019–2026 are bundled; the empty 2027 placeholder is not taken as published")
    func bundled() {
        for y in 2019...2026 { #expect(calendar.holidays.covers(year: y), "\(y)") }
        #expect(!calendar.holidays.covers(year: 2027))
        #expect(calendar.holidays.missingNextYear(today: d("2026-11-26")) == 2027)
        #expect(calendar.holidays.missingNextYear(today: d("2026-10-31")) == nil)
        #expect(calendar.holidays.missingNextYear(today: d("2025-11-02")) == nil)
    }

    @Test(
        "holidays are off, make-up Saturdays are working days",
        arguments: [
            ("2026-02-16", false), ("2026-02-14", true), ("2026-02-28", true), ("2026-10-01", false), ("2026-09-20", true),
            ("2026-10-10", true), ("2025-01-26", true), ("2024-02-18", true), ("2019-10-07", false), ("2023-10-07", true),
            ("2026-11-26", true), ("2026-11-28", false),
        ])
    func days(date: String, working: Bool) {
        #expect(calendar.isWorkingDay(d(date)) == working)
    }

    @Test("loading a newly published year, and refusing junk")
    func load() throws {
        var c = HolidayCalendar()
        let json =
            #"{"year": 2031, "papers": ["x"], "days": [{"name": "元旦", "date": "2031-01-01", "isOffDay": true}, {"name": "元旦", "date": "2031-01-04", "isOffDay": false}]}"#
        #expect(try c.load(json: Data(json.utf8)) == 2031)
        #expect(c.covers(year: 2031))
        #expect(!c.isWorkingDay(d("2031-01-01")))
        #expect(c.isWorkingDay(d("2031-01-04")))  // a Saturday, made a working day
        #expect(c.note(for: d("2031-01-04")) == "元旦调休上班")
        #expect(throws: HolidayCalendar.LoadError.self) { try c.load(json: Data("{}".utf8)) }
        #expect(throws: HolidayCalendar.LoadError.unpublished(2032)) { try c.load(json: Data(#"{"year": 2032, "days": []}"#.utf8)) }
        #expect(throws: HolidayCalendar.LoadError.self) {
            try c.load(json: Data(#"{"year": 2033, "days": [{"name": "x", "date": "2033-02-30", "isOffDay": true}]}"#.utf8))
        }
    }
}

@Suite("Deadlines on the Chinese calendar")
struct DeadlineTests {
    /// Expected dates from an independent count over the holiday-cn files.
    @Test(
        "N working days end at close of business on the Nth working day",
        arguments: [
            ("2026-02-13", 5, "2026-02-27"),  // the Friday before the Spring Festival; 2-14 is a make-up Saturday
            ("2026-02-12", 5, "2026-02-26"),
            ("2025-01-27", 5, "2025-02-10"),  // 2025-01-26 make-up Sunday is before the start
            ("2024-02-08", 5, "2024-02-21"),  // across the 2024 Spring Festival and its 2-18 make-up Sunday
            ("2019-09-30", 5, "2019-10-12"),  // the day before National Day; 10-12 is a make-up Saturday
            ("2023-09-28", 5, "2023-10-11"),
            ("2020-09-30", 5, "2020-10-14"),
            ("2025-09-30", 5, "2025-10-14"),
            ("2026-09-30", 5, "2026-10-13"),  // 10-10 make-up Saturday counts
            ("2021-09-17", 3, "2021-09-23"),  // Mid-Autumn 2021 with the 9-18 make-up Saturday
            ("2022-01-28", 5, "2022-02-09"),
        ])
    func workingDays(start: String, n: Int, due: String) {
        let deadline = calendar.deadline(from: at(start, 10, 0), limit: .workingDays(n))
        #expect(deadline == at(due, 17, 30), "\(start) + \(n) working days")
    }

    @Test(
        "calendar days: first day not counted, a last day on a rest day moves to the next working day",
        arguments: [
            ("2026-09-21", 10, "2026-10-08"),  // would end 10-01, inside the National Day break (10-01…10-07)
            ("2025-09-22", 8, "2025-09-30"),
            ("2026-01-01", 15, "2026-01-16"),
            ("2024-04-20", 15, "2024-05-06"),  // 05-05 holiday → 05-06
            ("2026-04-27", 4, "2026-05-06"),  // Labour Day 05-01…05-05
            ("2019-01-01", 60, "2019-03-04"),  // 03-02 is a Saturday → Monday
            ("2026-02-01", 15, "2026-02-24"),  // 02-16 in the Spring Festival → first working day after
        ])
    func calendarDays(start: String, n: Int, due: String) {
        let deadline = calendar.deadline(from: at(start, 9, 0), limit: .calendarDays(n))
        #expect(deadline == at(due, 17, 30), "\(start) + \(n) days")
    }

    @Test("working hours skip lunch, nights, weekends and holidays")
    func workingHours() {
        // Thursday 11:00 + 2 working hours: 11:00–12:00, then 14:30–15:30.
        #expect(calendar.deadline(from: at("2026-11-26", 11, 0), limit: .workingMinutes(120)) == at("2026-11-26", 15, 30))
        // Friday 17:00 + 2 h: 30 minutes Friday, 90 minutes Monday morning.
        #expect(calendar.deadline(from: at("2026-11-27", 17, 0), limit: .workingMinutes(120)) == at("2026-11-30", 10, 0))
        // A message at 22:00 on the eve of National Day waits for the first working morning after the break (10-08).
        #expect(calendar.deadline(from: at("2026-09-30", 22, 0), limit: .workingMinutes(120)) == at("2026-10-08", 10, 30))
        // Lunchtime start counts from 14:30.
        #expect(calendar.deadline(from: at("2026-11-26", 12, 30), limit: .workingMinutes(60)) == at("2026-11-26", 15, 30))
        // Urgent: 30 minutes at any hour, even on a holiday night.
        #expect(calendar.deadline(from: at("2026-10-01", 23, 50), limit: .elapsedMinutes(30)) == at("2026-10-02", 0, 20))
    }

    @Test("working time between instants and fraction used")
    func fractions() {
        #expect(calendar.workingMinutes(from: at("2026-11-26", 8, 0), to: at("2026-11-26", 18, 0)) == 390)
        #expect(calendar.workingMinutes(from: at("2026-11-27", 17, 0), to: at("2026-11-30", 9, 0)) == 60)
        let start = at("2026-11-23", 9, 0)  // Monday
        let due = calendar.deadline(from: start, limit: .workingDays(5))  // next Monday 17:30
        #expect(due == at("2026-11-30", 17, 30))
        let f = calendar.fractionUsed(start: start, due: due, limit: .workingDays(5), now: at("2026-11-26", 9, 0))
        #expect(f > 0.4 && f < 0.6)
        #expect(calendar.fractionUsed(start: start, due: due, limit: .workingDays(5), now: at("2026-12-01", 9, 0)) > 1)
    }
}

extension Tag {
    @Tag static var property: Self
}

@Suite("Calendar properties")
struct CalendarPropertyTests {
    /// Any day from 2019 to 2026.
    static let days = Gen.int(in: d("2019-01-01").dayNumber...d("2026-12-01").dayNumber)

    @Test("adding n working days lands on a working day and matches counting day by day", .tags(.property))
    func landsOnWorkingDay() async {
        await propertyCheck(count: 300, input: Self.days, Gen.int(in: 1...30)) { start, n in
            let from = LocalDate(dayNumber: start)
            let end = calendar.addingWorkingDays(n, to: from)
            #expect(calendar.isWorkingDay(end))
            var counted = 0
            var x = from
            while x < end {
                x = x.adding(days: 1)
                if calendar.isWorkingDay(x) { counted += 1 }
            }
            #expect(counted == n)
        }
    }

    @Test("working-day addition is monotonic in n and in the start day", .tags(.property))
    func monotonic() async {
        await propertyCheck(count: 300, input: Self.days, Gen.int(in: 0...25), Gen.int(in: 0...10)) { start, n, extra in
            let from = LocalDate(dayNumber: start)
            #expect(calendar.addingWorkingDays(n, to: from) <= calendar.addingWorkingDays(n + extra, to: from))
            #expect(calendar.addingWorkingDays(n, to: from) <= calendar.addingWorkingDays(n, to: from.adding(days: extra)))
        }
    }

    @Test("working minutes added then measured give back the same amount", .tags(.property))
    func minutesRoundTrip() async {
        await propertyCheck(count: 200, input: Self.days, Gen.int(in: 0...1439), Gen.int(in: 1...6000)) { day, minute, amount in
            let start = calendar.instant(LocalDate(dayNumber: day), minute: Double(minute))
            let end = calendar.addingWorkingMinutes(Double(amount), to: start)
            #expect(abs(calendar.workingMinutes(from: start, to: end) - Double(amount)) < 0.001)
        }
    }

    @Test("calendar-day deadlines are never earlier than n days and always on a working day", .tags(.property))
    func calendarDayProperties() async {
        await propertyCheck(count: 300, input: Self.days, Gen.int(in: 1...90)) { day, n in
            let start = calendar.instant(LocalDate(dayNumber: day), minute: 600)
            let due = calendar.deadline(from: start, limit: .calendarDays(n))
            let dueDay = calendar.local(due).date
            #expect(calendar.isWorkingDay(dueDay))
            #expect(dueDay.dayNumber >= day + n)
            // Nothing between the nominal last day and the due day is a working day.
            var x = LocalDate(dayNumber: day + n)
            while x < dueDay {
                #expect(!calendar.isWorkingDay(x))
                x = x.adding(days: 1)
            }
        }
    }
}

import Foundation
import Testing
import WeiminCore

@Suite("Deadline rules")
struct DeadlineRuleTests {
    let rules = DeadlineRules.defaults

    @Test(
        "the most specific rule applies",
        arguments: [
            (DeadlineStep.response, Category.service, Urgency.normal, false, TimeLimit.workingMinutes(120)),
            (.response, .service, .urgent, false, .elapsedMinutes(30)),
            (.response, .opinion, .normal, false, .elapsedMinutes(60)),
            (.response, .opinion, .urgent, false, .elapsedMinutes(30)),
            (.handling, .publicity, .normal, false, .workingDays(1)),
            (.handling, .service, .urgent, false, .workingDays(5)),
            (.handling, .disclosure, .normal, false, .workingDays(5)),
            (.handling, .opinion, .normal, false, .workingDays(1)),
            (.handling, .petition, .normal, true, .calendarDays(60)),
            (.petitionAcceptance, .petition, .normal, false, .calendarDays(15)),
            (.returnWindow, .service, .normal, false, .workingDays(5)),
            (.reviewDecision, .petition, .normal, false, .calendarDays(30)),
            (.reportAcceptance, .petition, .normal, true, .workingDays(15)),
        ])
    func lookup(step: DeadlineStep, category: Category, urgency: Urgency, sealed: Bool, expected: TimeLimit) throws {
        let rule = try #require(rules.rule(for: step, category: category, urgency: urgency, sealed: sealed))
        #expect(rule.limit == expected)
        #expect(!rule.source.isEmpty)
    }

    @Test("rules that do not apply are not invented")
    func noMatch() {
        #expect(rules.rule(for: .reportAcceptance, category: .petition, urgency: .normal, sealed: false) == nil)
        #expect(rules.rule(for: .petitionAcceptance, category: .service, urgency: .normal, sealed: false) == nil)
    }

    @Test("petition limits cite the 2022 regulation, with the extension cap")
    func sources() throws {
        let h = try #require(rules.rule(for: .handling, category: .petition, urgency: .normal, sealed: false))
        #expect(h.source.contains("第三十四条"))
        #expect(h.maxExtension == .calendarDays(30))
        #expect(
            try #require(rules.rule(for: .handling, category: .service, urgency: .normal, sealed: false)).maxExtension == .workingDays(10))
    }

    @Test("a county's file overrides by id and adds rules")
    func overrides() throws {
        let json = #"""
            [{"id": "handling.service", "step": "handling", "category": "service", "limit": "3wd", "source": "某县规定：3个工作日"},
             {"id": "handling.service.urgent", "step": "handling", "category": "service", "urgency": "urgent", "limit": "4wh", "source": "某县规定"}]
            """#
        let merged = rules.merging(try DeadlineRules.overrides(json: Data(json.utf8)))
        #expect(merged.rule(for: .handling, category: .service, urgency: .normal, sealed: false)?.limit == .workingDays(3))
        #expect(merged.rule(for: .handling, category: .service, urgency: .urgent, sealed: false)?.limit == .workingMinutes(240))
        #expect(merged.rules.count == rules.rules.count + 1)
        #expect(throws: TimeLimit.ParseError.self) {
            try DeadlineRules.overrides(json: Data(#"[{"id":"x","step":"handling","limit":"5 weeks","source":"s"}]"#.utf8))
        }
    }

    @Test("compact limits parse and print back", arguments: ["5wd", "15d", "2wh", "90wm", "30m", "1h"])
    func compact(text: String) throws {
        #expect(try TimeLimit(parse: text).compact == text)
    }

    @Test("bad limits are refused", arguments: ["", "wd", "0wd", "-1d", "5w", "5 wd", "abc"])
    func badLimits(text: String) {
        #expect(throws: TimeLimit.ParseError.self) { try TimeLimit(parse: text) }
    }
}

@Suite("Time left in each limit's own clock")
struct TimeLeftTests {
    let calendar = WorkCalendar(holidays: HolidayCalendar.bundled())

    @Test("an urgent answer at night counts the clock's minutes; a handling limit counts working time; overdue likewise")
    func ownClock() {
        // Friday 2026-11-27 23:00 Beijing: outside working hours.
        let night = calendar.instant(LocalDate(iso: "2026-11-27")!, minute: 23 * 60)
        let due = night.addingTimeInterval(18 * 60)
        #expect(CoreStrings.timeLeft(until: due, limit: .elapsedMinutes(30), now: night, calendar: calendar) == "剩 18 分钟")
        #expect(CoreStrings.timeLeft(until: due, limit: .workingMinutes(30), now: night, calendar: calendar) == "剩 0 分钟")
        let later = night.addingTimeInterval(3 * 3600 + 20 * 60)
        #expect(CoreStrings.timeLeft(until: due, limit: .elapsedMinutes(30), now: later, calendar: calendar) == "已超期 3 小时 2 分")
        #expect(
            CoreStrings.timeLeft(
                until: night.addingTimeInterval(2 * 86400 + 5 * 3600), limit: .calendarDays(60), now: night, calendar: calendar)
                == "剩 2 天 5 小时")
        // Monday 09:00 to Tuesday 17:30 is one working day and a half (a working day is the calendar's).
        let monday = calendar.instant(LocalDate(iso: "2026-11-30")!, minute: 9 * 60)
        let tuesday = calendar.instant(LocalDate(iso: "2026-12-01")!, minute: 17 * 60 + 30)
        #expect(CoreStrings.timeLeft(until: tuesday, limit: .workingDays(5), now: monday, calendar: calendar).hasPrefix("剩 1 个工作日"))
    }

    @Test("the clock that runs out first: the urgent answer before the handling limit; none once the case is closed")
    func nextClock() {
        let rules = DeadlineRules.defaults
        let start = calendar.instant(LocalDate(iso: "2026-11-27")!, minute: 23 * 60)
        var c = Case(
            id: UUID(), number: CaseNumber("433125-2026-000001")!, countyCode: RegionCode("433125")!, townshipCode: nil, villageCode: nil,
            groupID: nil, category: .service, departmentID: nil, urgency: .urgent, status: CaseStatus(state: .new), sealed: false,
            title: "着火", summary: "着火", opinionRisk: 0, createdAt: start, updatedAt: start, responseDueAt: start.addingTimeInterval(30 * 60)
        )
        let first = rules.nextClock(of: c)
        #expect(first?.step == .response && first?.due == c.responseDueAt)
        if case .elapsedMinutes = first?.limit {
        } else {
            Issue.record("an urgent answer runs at any hour: \(String(describing: first?.limit))")
        }
        c.status = CaseStatus(state: .closed)
        #expect(rules.nextClock(of: c) == nil)
    }
}

@Suite("Duty policy: what alerts, to whom")
struct DutyPolicyTests {
    @Test("urgent or risky open cases alert the township's duty cadre, else the county's; escalation goes to a leader; sealed never")
    func recipients() {
        let now = Date(timeIntervalSince1970: 1_796_000_000)
        let township = RegionCode("433125111")!, county = RegionCode("433125")!
        var c = Case(
            id: UUID(), number: CaseNumber("433125-2026-000001")!, countyCode: county, townshipCode: township, villageCode: nil,
            groupID: nil, category: .service, departmentID: nil, urgency: .urgent, status: CaseStatus(state: .new), sealed: false,
            title: "着火", summary: "着火", opinionRisk: 0, createdAt: now, updatedAt: now)
        let policy = DutyPolicy()
        #expect(policy.needsAlert(c))
        func shift(_ region: RegionCode, _ who: String, _ kind: DutyKind, from: Double = -3600, to: Double = 3600) -> DutyShift {
            DutyShift(
                id: UUID(), region: region, username: who, kind: kind, startsAt: now.addingTimeInterval(from),
                endsAt: now.addingTimeInterval(to))
        }
        let roster = [
            shift(township, "cadre", .duty), shift(county, "centre", .duty), shift(county, "leader", .leader),
            shift(township, "off", .duty, from: 3600, to: 7200),
        ]
        #expect(policy.recipient(level: 1, for: c, onDuty: roster, at: now)?.username == "cadre")
        #expect(policy.recipient(level: 2, for: c, onDuty: roster, at: now)?.username == "leader")
        #expect(policy.recipient(level: 1, for: c, onDuty: roster.filter { $0.region == county }, at: now)?.username == "centre")
        #expect(policy.recipient(level: 1, for: c, onDuty: [shift(county, "leader", .leader)], at: now)?.username == "leader")
        #expect(policy.recipient(level: 1, for: c, onDuty: [], at: now) == nil)
        c.urgency = .normal
        #expect(!policy.needsAlert(c))
        c.opinionRisk = 2
        #expect(policy.needsAlert(c))
        c.sealed = true
        #expect(!policy.needsAlert(c))
    }
}

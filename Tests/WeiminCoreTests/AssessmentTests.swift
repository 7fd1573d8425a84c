import Foundation
import Testing
import WeiminCore

@Suite("Monthly assessment: rates, exclusions, weighted score and ranking")
struct AssessmentTests {
    let month = DateInterval(start: Date(timeIntervalSince1970: 1_793_462_400), duration: 30 * 86400)  // 2026-11-01 00:00 +08:00

    func c(
        _ unit: String, created: Double, responseDue: Double? = 1, responded: Double? = nil, due: Double? = nil, resolved: Double? = nil,
        review: Satisfaction? = nil, reviewed: Double? = nil
    ) -> AssessedCase {
        let d = { (x: Double?) in x.map { self.month.start.addingTimeInterval($0 * 86400) } }
        return AssessedCase(
            id: UUID(), number: "n", township: unit, village: nil, department: nil, createdAt: d(created)!,
            responseDueAt: d(responseDue.map { created + $0 }), respondedAt: d(responded), dueAt: d(due), resolvedAt: d(resolved),
            reviews: review.map { [AssessedReview($0, at: d(reviewed)!)] } ?? [])
    }

    @Test("each rate counts what docs/domain.md §5 says; an excluded case counts nowhere; ranks share ties")
    func rates() {
        let late = c("甲乡", created: 2, responded: 4)
        let cases = [
            c("甲乡", created: 1, responded: 1.5, due: 5, resolved: 4, review: .satisfied, reviewed: 6),
            late,
            c("甲乡", created: 3, responded: 3.1, due: 8, resolved: 9, review: .unsatisfied, reviewed: 10),
            c("乙乡", created: 1, responded: 1.2, due: 6, resolved: 5, review: .basicallySatisfied, reviewed: 7),
            c("乙乡", created: -40, responseDue: nil, due: 20, resolved: nil),  // opened last month, due this month, not resolved
            c("丙乡", created: 5, responded: 5.5),
        ]
        let now = month.start.addingTimeInterval(25 * 86400)
        let rows = Assessment.rows(
            cases: cases, month: month, unit: { $0.township }, units: ["丁乡"],
            coverage: ["甲乡": Rate(3, 3), "乙乡": Rate(1, 2)], now: now)
        let a = rows.first { $0.unit == "甲乡" }!, b = rows.first { $0.unit == "乙乡" }!
        #expect(a.response == Rate(2, 3) && a.onTime == Rate(1, 2) && a.satisfaction == Rate(1, 2))
        #expect(b.response == Rate(1, 1) && b.onTime == Rate(1, 2) && b.satisfaction == Rate(1, 1) && b.coverage == Rate(1, 2))
        // 甲乡: (0.3·2/3 + 0.4·1/2 + 0.2·1/2 + 0.1·1) / 1.0 = 0.6
        #expect(abs(a.score! - 60) < 1e-9)
        // A unit with nothing due is listed without a score and ranked last.
        #expect(rows.last?.unit == "丁乡" && rows.last?.score == nil && rows.last?.rank == nil)
        #expect(rows.first?.rank == 1)

        let excludedRows = Assessment.rows(cases: cases, month: month, unit: { $0.township }, excluded: [late.id], now: now)
        #expect(excludedRows.first { $0.unit == "甲乡" }!.response == Rate(2, 2))

        // 响应率 counts a case only once it was answered or its response deadline passed: one opened an hour before
        // `now` and not yet answered is neither a success nor a failure; once its deadline passes unanswered, a failure.
        let fresh = c("戊乡", created: 24.9, responseDue: 1)
        let answered = c("戊乡", created: 24.9, responseDue: 1, responded: 24.95)
        #expect(Assessment.rows(cases: [fresh, answered], month: month, unit: { $0.township }, now: now).first?.response == Rate(1, 1))
        let later = month.start.addingTimeInterval(27 * 86400)
        #expect(Assessment.rows(cases: [fresh, answered], month: month, unit: { $0.township }, now: later).first?.response == Rate(1, 2))

        // Equal scores share a rank.
        let tie = Assessment.rows(
            cases: [c("X", created: 1, responded: 1.1), c("Y", created: 1, responded: 1.1), c("Z", created: 1, responded: 9)],
            month: month, unit: { $0.township }, now: now)
        #expect(tie.map(\.rank) == [1, 1, 3])
        // Weights decide: with only satisfaction weighed, 乙乡 (100 %) beats 甲乡 (50 %).
        let bySatisfaction = Assessment.rows(
            cases: cases, month: month, unit: { $0.township },
            weights: AssessmentWeights(response: 0, onTime: 0, satisfaction: 1, coverage: 0), now: now)
        #expect(bySatisfaction.first?.unit == "乙乡")
    }

    /// docs/assessment.md's worked example: 县水利局 and 长潭河乡人民政府 handle five cases from 长潭河乡 in November.
    func worked(at day: Double = 26) -> (cases: [AssessedCase], exclusions: [UUID: AssessmentExclusionScope], now: Date) {
        let d = { (x: Double?) in x.map { self.month.start.addingTimeInterval($0 * 86400) } }
        func k(
            _ n: String, lead: String?, co: [String] = [], created: Double, responseDue: Double, responded: Double?, due: Double?,
            resolved: Double?, reviews: [(Satisfaction, Double)] = []
        ) -> AssessedCase {
            AssessedCase(
                id: UUID(), number: n, township: "长潭河乡", village: "大白岩村", department: lead, coHandlers: co, createdAt: d(created)!,
                responseDueAt: d(responseDue), respondedAt: d(responded), dueAt: d(due), resolvedAt: d(resolved),
                reviews: reviews.map { AssessedReview($0.0, at: d($0.1)!) })
        }
        let water = "县水利局", township = "长潭河乡人民政府"
        let cases = [
            // A: answered 不满意, redone (重办), then 满意 — both answers count in November.
            k(
                "A", lead: water, co: [township], created: 1, responseDue: 2, responded: 1.5, due: 25, resolved: 18,
                reviews: [(.unsatisfied, 11), (.satisfied, 20)]),
            // B: answered late, not resolved by its deadline.
            k("B", lead: water, created: 3, responseDue: 4, responded: 5, due: 12, resolved: nil),
            // C: the township government leads, 县水利局 co-handles.
            k(
                "C", lead: township, co: [water], created: 2, responseDue: 3, responded: 2.1, due: 8, resolved: 7,
                reviews: [(.basicallySatisfied, 9)]),
            // D: answered by the centre and never dispatched (triage had suggested 县住房和城乡建设局: not charged).
            k("D", lead: nil, created: 4, responseDue: 5, responded: 4.2, due: nil, resolved: nil),
            // E: late everywhere; 核减 for 县水利局 only.
            k("E", lead: water, co: [township], created: 5, responseDue: 6, responded: 9, due: 10, resolved: nil),
        ]
        return (cases, [cases[4].id: AssessmentExclusionScope(units: [water])], month.start.addingTimeInterval(day * 86400))
    }

    @Test(
        "fair numbers, by docs/assessment.md's worked example: co-handlers, undispatched cases, every 回访 answer, a 核减 for the unit charged")
    func fairNumbers() {
        let (cases, exclusions, now) = worked()
        let units = Assessment.rows(
            cases: cases, month: month, charged: Assessment.handlingUnits, units: ["县水利局", "长潭河乡人民政府", "县住房和城乡建设局"],
            exclusions: exclusions, weights: AssessmentWeights(response: 0.3, onTime: 0.4, satisfaction: 0.2, coverage: 0), now: now)
        let water = units.first { $0.unit == "县水利局" }!, township = units.first { $0.unit == "长潭河乡人民政府" }!
        #expect(water.response == Rate(1, 2) && water.onTime == Rate(2, 3) && water.satisfaction == Rate(2, 3))
        #expect(township.response == Rate(1, 1) && township.onTime == Rate(2, 3) && township.satisfaction == Rate(2, 3))
        #expect(abs(water.score! - 55.0 / 0.9) < 1e-9 && abs(township.score! - 70.0 / 0.9) < 1e-9)
        #expect(units.map(\.unit) == ["长潭河乡人民政府", "县水利局", "县住房和城乡建设局"] && units.last?.score == nil)

        let place = Assessment.rows(
            cases: cases, month: month, charged: { [($0.township!, .place)] }, exclusions: exclusions, now: now)
        #expect(place.count == 1 && place[0].response == Rate(3, 4) && place[0].onTime == Rate(2, 3) && place[0].satisfaction == Rate(2, 3))

        // The next month sees only its own answers: a 满意 given in December does not wash November's 不满意.
        var redone = cases[0]
        redone.reviews = [
            AssessedReview(.unsatisfied, at: month.start.addingTimeInterval(11 * 86400)),
            AssessedReview(.satisfied, at: month.end.addingTimeInterval(86400)),
        ]
        let november = Assessment.rows(cases: [redone], month: month, charged: Assessment.handlingUnits, now: now)
        #expect(november.first { $0.unit == "县水利局" }!.satisfaction == Rate(0, 1))
        let december = DateInterval(start: month.end, duration: 31 * 86400)
        let next = Assessment.rows(cases: [redone], month: december, charged: Assessment.handlingUnits, now: december.end)
        #expect(next.first { $0.unit == "县水利局" }!.satisfaction == Rate(1, 1))

        // An exclusion made before units were kept relieves every unit.
        let legacy = Assessment.rows(
            cases: cases, month: month, charged: Assessment.handlingUnits, exclusions: [cases[4].id: AssessmentExclusionScope(units: nil)],
            now: now)
        #expect(legacy.first { $0.unit == "长潭河乡人民政府" }!.onTime == Rate(2, 2))
    }
}

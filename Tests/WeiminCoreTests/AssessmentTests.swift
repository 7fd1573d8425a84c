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
            review: review, reviewedAt: d(reviewed))
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
}

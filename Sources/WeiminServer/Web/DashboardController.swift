import Foundation
import Hummingbird
import WeiminCore
import WeiminPersistence

/// 领导驾驶舱: counts by category and township, the weekly trend, open and overdue by department, hot issues,
/// and the month's assessment (响应率, 按时办结率, 满意率, 覆盖率, weighted score, ranking) with the 核减 list.
/// Every chart is also a table; the charts are SVG drawn here, so the page needs no script and no network.
struct DashboardController {
    let services: AppServices
    let views = WebViews.shared

    struct Bar {
        let label: String
        let value: Int
        let width: Int
    }

    struct Column {
        let label: String
        let value: Int
        let x: Int
        let y: Int
        let height: Int
        let labelX: Int
    }

    struct AssessmentLine {
        let rank: String
        let unit: String
        let response: String
        let onTime: String
        let satisfaction: String
        let coverage: String
        let score: String
    }

    struct DepartmentLine {
        let name: String
        let open: Int
        let overdue: Int
    }

    struct HotIssue {
        let text: String
        let count: Int
        let townships: String
    }

    struct ExclusionLine {
        let number: String
        let unit: String
        let reason: String
        let actor: String
        let at: String
    }

    struct Page {
        let chrome: PageChrome
        let month: String
        let monthLabel: String
        let categories: [Bar]
        let townships: [Bar]
        let weeks: [Column]
        let departments: [DepartmentLine]
        let hot: [HotIssue]
        let townshipAssessment: [AssessmentLine]
        let villageAssessment: [AssessmentLine]
        let departmentAssessment: [AssessmentLine]
        let exclusions: [ExclusionLine]
        let weights: String
    }

    func addRoutes(to router: RouterGroup<WeiminRequestContext>) {
        router.get("dashboard") { request, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            let raw = request.uri.queryParameters["month"].map(String.init)
            guard let month = Self.month(raw) else {
                throw HTTPError(.badRequest, message: "month 参数应为年月，例如 2026-11")
            }
            return views.render("dashboard", try await page(viewer: viewer, web: web, month: month))
        }
    }

    /// The month as Beijing reckons it ("2026-11"; default this month).
    static func month(_ raw: String?, now: Date = Date()) -> DateInterval? {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        var parts = cal.dateComponents([.year, .month], from: now)
        if let raw, !raw.isEmpty {
            let p = raw.split(separator: "-").compactMap { Int($0) }
            guard p.count == 2, (2000...2100).contains(p[0]), (1...12).contains(p[1]) else { return nil }
            parts = DateComponents(year: p[0], month: p[1])
        }
        guard let start = cal.date(from: parts), let end = cal.date(byAdding: .month, value: 1, to: start) else { return nil }
        return DateInterval(start: start, end: end)
    }

    func page(viewer: Viewer, web: WebSession, month: DateInterval, now: Date = Date()) async throws -> Page {
        let county = (viewer.region.countyCode ?? viewer.region).rawValue
        let store = services.assessment
        var cal = Calendar(identifier: .iso8601)
        cal.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let thisWeek = cal.dateInterval(of: .weekOfYear, for: min(now, month.end.addingTimeInterval(-1)))!.start
        let weeksFrom = thisWeek.addingTimeInterval(-7 * 7 * 86400)
        // Eight weeks ending with this one (or the month's last): a week still to come is not drawn.
        let counts = try await store.counts(
            county: county, from: month.start, to: month.end, weeksFrom: weeksFrom, weeksTo: thisWeek.addingTimeInterval(7 * 86400),
            now: now)

        func bars(_ items: [(String, Int)]) -> [Bar] {
            let top = max(1, items.map(\.1).max() ?? 1)
            return items.map { Bar(label: $0.0, value: $0.1, width: max(2, $0.1 * 100 / top)) }
        }
        let maxWeek = max(1, counts.byWeek.map(\.1).max() ?? 1)
        let weekFormat = DateFormatter()
        weekFormat.timeZone = cal.timeZone
        weekFormat.dateFormat = "M/d"
        let weeks = counts.byWeek.enumerated().map { i, w in
            let h = w.1 * 140 / maxWeek
            return Column(label: weekFormat.string(from: w.0), value: w.1, x: 10 + i * 60, y: 160 - h, height: h, labelX: 30 + i * 60)
        }

        let report = try await assessment(county: county, month: month, now: now)
        let w = report.weights
        func lines(_ rows: [AssessmentRow]) -> [AssessmentLine] {
            rows.map { r in
                AssessmentLine(
                    rank: r.rank.map(String.init) ?? "—", unit: r.unit, response: Self.rate(r.response), onTime: Self.rate(r.onTime),
                    satisfaction: Self.rate(r.satisfaction), coverage: r.coverage.map(Self.rate) ?? "—",
                    score: r.score.map { String(format: "%.1f", $0) } ?? "—")
            }
        }
        let hotItems = try await services.triageStore
            .hotIssueItems(scopePrefix: viewer.region.scopePrefix, since: now.addingTimeInterval(-30 * 86400))
        let townshipName = Dictionary(
            try await services.regions.regions(level: .township, within: RegionCode(county)!).map { ($0.code.rawValue, $0.name) }
        ) { a, _ in a }
        let hot = HotIssueClusterer().clusters(hotItems).prefix(8).map { c in
            HotIssue(
                text: c.representative, count: c.count,
                townships: c.byTownship.sorted { $0.value > $1.value }.prefix(3).map { "\(townshipName[$0.key] ?? $0.key) \($0.value)" }
                    .joined(separator: "、"))
        }
        let monthFormat = DateFormatter()
        monthFormat.timeZone = cal.timeZone
        monthFormat.dateFormat = "yyyy-MM"
        let label = DateFormatter()
        label.timeZone = cal.timeZone
        label.dateFormat = "yyyy年M月"
        return Page(
            chrome: PageChrome(session: web, current: "dashboard"), month: monthFormat.string(from: month.start),
            monthLabel: label.string(from: month.start),
            categories: bars(counts.byCategory.map { (CoreStrings.categoryName(Category(rawValue: $0.0) ?? .none), $0.1) }),
            townships: bars(counts.byTownship), weeks: weeks,
            departments: counts.byDepartment.map { DepartmentLine(name: $0.name, open: $0.open, overdue: $0.overdue) },
            hot: Array(hot),
            townshipAssessment: lines(report.townships), villageAssessment: lines(report.villages),
            departmentAssessment: lines(report.departments),
            exclusions: report.exclusions.map {
                ExclusionLine(number: $0.number, unit: $0.unit, reason: $0.reason, actor: $0.actor, at: WebFormat.time($0.at))
            },
            weights: String(
                format: "响应率 %.0f%%、按时办结率 %.0f%%、满意率 %.0f%%、覆盖率 %.0f%%", w.response * 100, w.onTime * 100, w.satisfaction * 100,
                w.coverage * 100))
    }

    struct Report {
        let townships: [AssessmentRow]
        let villages: [AssessmentRow]
        let departments: [AssessmentRow]
        let exclusions: [AssessmentStore.Exclusion]
        let weights: AssessmentWeights
    }

    /// The month's assessment for a county: what the dashboard shows and the monthly report exports.
    func assessment(county: String, month: DateInterval, now: Date = Date()) async throws -> Report {
        let store = services.assessment
        let cases = try await store.cases(county: county, month: month)
        let coverage = try await store.coverage(county: county)
        let exclusions = try await store.exclusions(county: county)
        let excluded = Dictionary(exclusions.map { ($0.caseID, $0.scope) }) { a, _ in a }
        let w = try await store.weights()
        let code = RegionCode(county)!
        let townshipNames = try await services.regions.regions(level: .township, within: code).map(\.name)
        let departmentNames = try await services.departments.departments(county: code).map(\.name)
        func place(_ name: @escaping (AssessedCase) -> String?) -> (AssessedCase) -> [(String, AssessedPart)] {
            { c in name(c).map { [($0, .place)] } ?? [] }
        }
        return Report(
            townships: Assessment.rows(
                cases: cases, month: month, charged: place { $0.township }, units: townshipNames, coverage: coverage.townships,
                exclusions: excluded, weights: w, now: now),
            villages: Assessment.rows(
                cases: cases, month: month, charged: place { $0.village }, coverage: coverage.villages, exclusions: excluded, weights: w,
                now: now),
            // Handling units (departments and township governments) answer for what they lead once dispatched and for what
            // they co-handle. They have no groups: coverage does not weigh in their score.
            departments: Assessment.rows(
                cases: cases, month: month, charged: Assessment.handlingUnits, units: departmentNames, exclusions: excluded,
                weights: AssessmentWeights(response: w.response, onTime: w.onTime, satisfaction: w.satisfaction, coverage: 0), now: now),
            exclusions: exclusions, weights: w)
    }

    static func monthLabel(_ month: DateInterval) -> String {
        let f = DateFormatter()
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        f.dateFormat = "yyyy年M月"
        return f.string(from: month.start)
    }

    static func rate(_ r: Rate) -> String {
        guard let v = r.value else { return "—" }
        return String(format: "%.1f%%（%d/%d）", v * 100, r.numerator, r.denominator)
    }
}

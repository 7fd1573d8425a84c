import Foundation
import Hummingbird
import WeiminCore
import WeiminPersistence

/// 台账: every case the user may see, filtered, searched by Chinese text, sorted and paged — the same filters
/// as `GET /api/v1/cases` (the query string is shared, so a filtered page's address can be bookmarked or sent).
struct LedgerController {
    let services: AppServices
    let views = WebViews.shared

    struct Option {
        let value: String
        let label: String
        let selected: Bool
    }

    struct Row {
        let number: String
        let title: String
        let category: String
        let state: String
        let place: String
        let department: String
        let createdAt: String
        let timeLeft: String
        let overdue: Bool
        let urgent: Bool
        let sealed: Bool
    }

    struct PageLink {
        let href: String
        let label: String
        let current: Bool
    }

    struct Page {
        let chrome: PageChrome
        let q: String
        let from: String
        let to: String
        let overdue: Bool
        let categories: [Option]
        let states: [Option]
        let townships: [Option]
        let departments: [Option]
        let urgencies: [Option]
        let sorts: [Option]
        let rows: [Row]
        let hasRows: Bool
        let total: Int
        let summary: String
        let pages: [PageLink]
        let error: String?
        let capped: Bool
        /// The current filters, for the export links.
        let queryString: String
    }

    func addRoutes(to router: RouterGroup<WeiminRequestContext>) {
        router.get("cases") { request, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            guard Access.mayRead(viewer.role, .cases) else {
                throw HTTPError(.forbidden, message: "\(CoreStrings.roleName(viewer.role))无权查看工单台账")
            }
            let params = QueryParsing.formQuery(request.uri.query)  // the search form sends a space as +
            var query = CaseQuery()
            var error: String?
            do {
                query = try QueryParsing.caseQuery(params, now: Date())
            } catch let e as HTTPError {
                // A bad filter is shown on the page, with the unfiltered ledger below it.
                error = e.body ?? "筛选条件有误"
            }
            query.perPage = min(query.perPage, 50)
            return views.render(
                "ledger", try await page(viewer: viewer, web: web, query: query, params: params, error: error),
                status: error == nil ? .ok : .badRequest)
        }
    }

    /// Counting stops here: past it the page says "more than" and people narrow the filters. A word shorter than
    /// three characters is matched case by case rather than from the index, so counting stops sooner.
    static func countLimit(for query: CaseQuery) -> Int {
        query.searchTerms.contains { $0.count < 3 } ? 1_000 : 10_000
    }

    func page(viewer: Viewer, web: WebSession, query: CaseQuery, params: Parameters, error: String?, now: Date = Date()) async throws
        -> Page
    {
        var query = query
        query.countLimit = Self.countLimit(for: query)
        let found = try await services.cases.cases(query, visibility: viewer.caseVisibility)
        let calendar = services.workflow.calendar
        let county = viewer.region.countyCode ?? viewer.region
        let departments = try await services.departments.departments(county: county)
        let deptName = Dictionary(departments.map { ($0.id, $0.name) }) { a, _ in a }
        let townships = try await services.regions.regions(
            level: .township, within: viewer.region.level == .village ? viewer.region.townshipCode! : viewer.region)
        let townshipName = Dictionary(townships.map { ($0.code.rawValue, $0.name) }) { a, _ in a }
        func value(_ k: String) -> String { params[k[...]].map(String.init) ?? "" }

        let rows = found.items.map { c -> Row in
            // The clock that runs out first, in its own kind of time.
            let clock = services.workflow.rules.nextClock(of: c)
            let due = clock?.due
            let overdue = due.map { $0 < now } ?? false
            let left = clock.map { CoreStrings.timeLeft(until: $0.due, limit: $0.limit, now: now, calendar: calendar) } ?? ""
            return Row(
                number: c.number.description, title: c.title, category: CoreStrings.categoryName(c.category),
                state: CoreStrings.stateName(c.state),
                place: c.townshipCode.flatMap { townshipName[$0.rawValue] } ?? "",
                department: c.departmentID.flatMap { deptName[$0] } ?? "",
                createdAt: WebFormat.time(c.createdAt), timeLeft: left, overdue: overdue, urgent: c.urgency == .urgent, sealed: c.sealed)
        }
        let per = query.perPage
        let lastPage = max(1, (found.total + per - 1) / per)
        var pages: [PageLink] = []
        func link(_ p: Int) -> String {
            var items: [(String, String)] = params.filter { $0.key != "page" }.map { (String($0.key), String($0.value)) }
            items.append(("page", String(p)))
            let pairs: [String] = items.map { k, v in k + "=" + (v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") }
            return "/cases?" + pairs.joined(separator: "&")
        }
        for p in Set([1, found.page - 2, found.page - 1, found.page, found.page + 1, found.page + 2, lastPage]).sorted()
        where p >= 1 && p <= lastPage {
            pages.append(PageLink(href: link(p), label: String(p), current: p == found.page))
        }
        let first = found.total == 0 ? 0 : (found.page - 1) * per + 1
        return Page(
            chrome: PageChrome(session: web, current: "cases"), q: value("q"), from: value("from"), to: value("to"),
            overdue: query.overdueAt != nil,
            categories: Category.actionable.map {
                Option(value: $0.rawValue, label: CoreStrings.categoryName($0), selected: query.category == $0)
            },
            states: CaseState.allCases.map { Option(value: $0.rawValue, label: CoreStrings.stateName($0), selected: query.states == [$0]) },
            townships: townships.map { Option(value: $0.code.rawValue, label: $0.name, selected: query.townshipCode == $0.code) },
            departments: departments.map { Option(value: $0.id.uuidString, label: $0.name, selected: query.departmentID == $0.id) },
            urgencies: Urgency.allCases.map {
                Option(value: $0.rawValue, label: CoreStrings.urgencyName($0), selected: query.urgency == $0)
            },
            sorts: [(CaseSort.newest, "最新"), (.oldest, "最早"), (.dueSoonest, "期限最近"), (.number, "编号")].map {
                Option(value: $0.0.rawValue, label: $0.1, selected: query.sort == $0.0)
            },
            rows: rows, hasRows: !rows.isEmpty, total: found.total,
            summary: found.total == 0
                ? "没有符合条件的工单"
                : "\(found.totalIsAtLeast ? "超过" : "共 ")\(found.total) 件，第 \(first)–\(first + rows.count - 1) 件",
            pages: lastPage > 1 ? pages : [], error: error,
            capped: found.totalIsAtLeast || (!query.searchTerms.isEmpty && found.total >= FluentCaseRepository.searchCap),
            queryString: params.filter { $0.key != "page" && $0.key != "per_page" }
                .map { String($0.key) + "=" + (String($0.value).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") }
                .joined(separator: "&"))
    }
}

extension CaseQuery {
    /// Where the ledger page stops counting for this query (`LedgerController.countLimit(for:)`): public so that
    /// `weimin bench ledger` times the queries exactly as the page runs them.
    public var ledgerCountLimit: Int { LedgerController.countLimit(for: self) }
}

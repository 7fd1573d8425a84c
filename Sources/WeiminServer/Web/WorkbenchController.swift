import Foundation
import Hummingbird
import WeiminCore
import WeiminPersistence

/// 工作台: what the signed-in person has to do now — their cases by urgency and time left (overdue first),
/// supervision orders addressed to them, and (for the acceptance centre) messages triage could not decide.
struct WorkbenchController {
    let services: AppServices
    let views = WebViews.shared

    struct CaseRow {
        let number: String
        let title: String
        let category: String
        let state: String
        let urgent: Bool
        let overdue: Bool
        let timeLeft: String
        let actions: String
    }

    struct OrderRow {
        let level: String
        let caseNumber: String
        let message: String
        let issuedAt: String
    }

    struct MessageRow {
        let text: String
        let group: String
        let sentAt: String
        let guess: String
    }

    struct Page {
        let chrome: PageChrome
        let greeting: String
        let cases: [CaseRow]
        let caseCount: Int
        let hasCases: Bool
        let overdueCount: Int
        let orders: [OrderRow]
        let orderCount: Int
        let showOrders: Bool
        let undecided: [MessageRow]
        let undecidedCount: Int
        let showUndecided: Bool
    }

    func addRoutes(to router: RouterGroup<WeiminRequestContext>) {
        router.get("workbench") { _, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            return views.render("workbench", try await page(for: viewer, web: web))
        }
    }

    func page(for viewer: Viewer, web: WebSession, now: Date = Date()) async throws -> Page {
        let calendar = services.workflow.calendar
        let open = CaseState.allCases.filter(\.isOpen)
        let found = try await services.cases.cases(
            CaseQuery(states: open, sort: .dueSoonest, perPage: 200), visibility: viewer.caseVisibility
        ).items
        // Mine: the cases on which this person can act now.
        var mine: [(c: Case, due: Date?, actions: [String])] = []
        for c in found {
            let actions = services.workflow.available(on: c, to: viewer)
            if !actions.isEmpty { mine.append((c, c.dueAt ?? c.responseDueAt ?? c.acceptanceDueAt, actions)) }
        }
        mine.sort { a, b in
            let ao = a.due.map { $0 < now } ?? false, bo = b.due.map { $0 < now } ?? false
            if ao != bo { return ao }
            if (a.c.urgency == .urgent) != (b.c.urgency == .urgent) { return a.c.urgency == .urgent }
            return (a.due ?? .distantFuture) < (b.due ?? .distantFuture)
        }
        let rows = mine.prefix(100).map { m -> CaseRow in
            let overdue = m.due.map { $0 < now } ?? false
            let left = m.due.map { CoreStrings.timeLeft(until: $0, now: now, calendar: calendar) } ?? "—"
            return CaseRow(
                number: m.c.number.description, title: m.c.title, category: CoreStrings.categoryName(m.c.category),
                state: CoreStrings.stateName(m.c.state), urgent: m.c.urgency == .urgent, overdue: overdue, timeLeft: left,
                actions: m.actions.map(CoreStrings.commandName).joined(separator: "、"))
        }
        let showOrders = [.departmentHandler, .townshipCadre, .supervisor, .leader, .discipline].contains(viewer.role)
        let orders = showOrders ? try await services.supervision.orders(for: viewer, limit: 20) : []
        let showUndecided = viewer.role == .intakeOperator
        let undecided =
            showUndecided
            ? try await services.triageStore.undecided(scopePrefix: viewer.region.scopePrefix) : []
        return Page(
            chrome: PageChrome(session: web, current: "workbench"), greeting: "\(viewer.displayName)，您好",
            cases: rows, caseCount: rows.count, hasCases: !rows.isEmpty, overdueCount: rows.filter(\.overdue).count,
            orders: orders.map {
                OrderRow(
                    level: CoreStrings.supervisionLevelName($0.level), caseNumber: $0.caseNumber ?? "", message: $0.message,
                    issuedAt: WebFormat.time($0.issuedAt))
            },
            orderCount: orders.count, showOrders: showOrders,
            undecided: undecided.map {
                MessageRow(
                    text: $0.text, group: $0.groupName, sentAt: WebFormat.time($0.sentAt),
                    guess: "\(CoreStrings.categoryName(Category(rawValue: $0.guess) ?? .none)) \(Int(($0.score * 100).rounded()))%")
            },
            undecidedCount: undecided.count, showUndecided: showUndecided)
    }
}

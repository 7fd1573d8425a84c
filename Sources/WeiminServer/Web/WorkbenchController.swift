import Foundation
import Hummingbird
import WeiminCore
import WeiminPersistence

/// 工作台: what the signed-in person has to do now — their cases by urgency and time left (overdue first), the cases
/// their unit co-handles, a township's urgent and overdue cases for its cadres, supervision orders addressed to them,
/// and (for the acceptance centre) messages triage could not decide. Every row leads to its case.
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
        /// nil for a department-level 通报, which has no case.
        let caseNumber: String?
        let message: String
        let issuedAt: String
    }

    struct DutyRow {
        let id: String
        let caseNumber: String
        let text: String
        let sentAt: String
        let level: String
    }

    struct MessageRow {
        let id: Int
        let text: String
        let group: String
        let sentAt: String
        let guess: String
    }

    struct Page {
        let chrome: PageChrome
        let greeting: String
        /// 值班提醒 not yet acknowledged, first on the page.
        let duty: [DutyRow]
        let hasDuty: Bool
        let csrf: String
        let cases: [CaseRow]
        let caseCount: Int
        let hasCases: Bool
        let overdueCount: Int
        let coHandled: [CaseRow]
        let coHandledCount: Int
        let hasCoHandled: Bool
        let showCoHandled: Bool
        let local: [CaseRow]
        let localCount: Int
        let hasLocal: Bool
        let showLocal: Bool
        let orders: [OrderRow]
        let orderCount: Int
        let showOrders: Bool
        let undecided: [MessageRow]
        let undecidedCount: Int
        let showUndecided: Bool
        let categories: [CategoryOption]
    }

    struct CategoryOption {
        let value: String
        let label: String
    }

    func addRoutes(to router: RouterGroup<WeiminRequestContext>) {
        router.get("workbench") { _, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            return views.render("workbench", try await page(for: viewer, web: web))
        }
        // 确认收到: the person on duty acknowledges an alert; it stops the escalation and goes into the case's record.
        router.post("duty/alerts/:id/ack") { request, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            let form = try await WebForm.fields(request)
            guard form["_csrf"] == web.csrf else { throw HTTPError(.forbidden, message: "页面已过期，请刷新后再操作。") }
            guard let id = UUID(uuidString: try context.parameters.require("id")) else { throw HTTPError(.notFound, message: "没有这条提醒") }
            do {
                let alert = try await services.duty.acknowledge(id, by: viewer)
                return WebViews.redirect("/cases/\(alert.caseNumber)")
            } catch let e as CaseOperationError {
                throw HTTPError(e.status, message: e == .notFound ? "没有发给您的这条提醒" : e.description)
            }
        }
    }

    func page(for viewer: Viewer, web: WebSession, now: Date = Date()) async throws -> Page {
        let calendar = services.workflow.calendar
        let rules = services.workflow.rules
        let open = CaseState.allCases.filter(\.isOpen)
        let found = try await services.cases.withHandlers(
            try await services.cases.cases(CaseQuery(states: open, sort: .dueSoonest, perPage: 200), visibility: viewer.caseVisibility)
                .items)
        // Mine: the cases this person can move on now. 转纪委 is open to every handler on every case, and recording
        // progress to co-handlers too: neither makes a case theirs to handle.
        let notOwnWork: Set<String> = ["transfer_discipline", "record_progress"]
        typealias Item = (c: Case, clock: RunningClock?, actions: [String])
        var mine: [Item] = [], coHandled: [Item] = [], local: [Item] = []
        for c in found {
            let clock = rules.nextClock(of: c)
            let actions = try await services.availableActions(on: c, to: viewer, at: now).filter { !notOwnWork.contains($0) }
            if !actions.isEmpty {
                mine.append((c, clock, actions))
            } else if viewer.coHandles(c) {
                coHandled.append((c, clock, ["record_progress"]))
            } else if viewer.role == .townshipCadre, c.townshipCode == viewer.region,
                c.urgency == .urgent || c.opinionRisk >= 2 || (clock.map { $0.due < now } ?? false)
            {
                // 属地: the township answers for what happens in it, whoever handles it.
                local.append((c, clock, []))
            }
        }
        func ordered(_ items: [Item]) -> [Item] {
            items.sorted { a, b in
                let ao = a.clock.map { $0.due < now } ?? false, bo = b.clock.map { $0.due < now } ?? false
                if ao != bo { return ao }
                if (a.c.urgency == .urgent) != (b.c.urgency == .urgent) { return a.c.urgency == .urgent }
                return (a.clock?.due ?? .distantFuture) < (b.clock?.due ?? .distantFuture)
            }
        }
        func row(_ m: Item) -> CaseRow {
            let overdue = m.clock.map { $0.due < now } ?? false
            let left =
                m.c.state == .suspended
                ? "计时暂停" : m.clock.map { CoreStrings.timeLeft(until: $0.due, limit: $0.limit, now: now, calendar: calendar) } ?? "—"
            return CaseRow(
                number: m.c.number.description, title: m.c.title, category: CoreStrings.categoryName(m.c.category),
                state: CoreStrings.stateName(m.c.state), urgent: m.c.urgency == .urgent, overdue: overdue, timeLeft: left,
                actions: m.actions.map(CoreStrings.commandName).joined(separator: "、"))
        }
        let rows = ordered(mine).prefix(100).map(row)
        let coRows = ordered(coHandled).prefix(50).map(row)
        let localRows = ordered(local).prefix(50).map(row)
        let showOrders = [.departmentHandler, .townshipCadre, .supervisor, .leader, .discipline].contains(viewer.role)
        let orders = showOrders ? try await services.supervision.orders(for: viewer, limit: 20) : []
        let showUndecided = viewer.role == .intakeOperator
        let undecided =
            showUndecided
            ? try await services.triageStore.undecided(scopePrefix: viewer.region.scopePrefix) : []
        let alerts = try await services.duty.alerts(for: viewer.username, unacknowledgedOnly: true, limit: 20)
        return Page(
            chrome: PageChrome(session: web, current: "workbench"), greeting: "\(viewer.displayName)，您好",
            duty: alerts.map {
                DutyRow(
                    id: $0.id.uuidString.lowercased(), caseNumber: $0.caseNumber, text: $0.text, sentAt: WebFormat.time($0.sentAt),
                    level: $0.level == 1 ? "值班提醒" : "升级提醒")
            }, hasDuty: !alerts.isEmpty, csrf: web.csrf,
            cases: rows, caseCount: rows.count, hasCases: !rows.isEmpty, overdueCount: rows.filter(\.overdue).count,
            coHandled: coRows, coHandledCount: coRows.count, hasCoHandled: !coRows.isEmpty,
            showCoHandled: [.departmentHandler, .townshipCadre].contains(viewer.role), local: localRows, localCount: localRows.count,
            hasLocal: !localRows.isEmpty, showLocal: viewer.role == .townshipCadre,
            orders: orders.map {
                OrderRow(
                    level: CoreStrings.supervisionLevelName($0.level), caseNumber: $0.caseNumber, message: $0.message,
                    issuedAt: WebFormat.time($0.issuedAt))
            },
            orderCount: orders.count, showOrders: showOrders,
            undecided: undecided.map {
                MessageRow(
                    id: $0.messageID, text: $0.text, group: $0.groupName, sentAt: WebFormat.time($0.sentAt),
                    guess: "\(CoreStrings.categoryName(Category(rawValue: $0.guess) ?? .none)) \(Int(($0.score * 100).rounded()))%")
            },
            undecidedCount: undecided.count, showUndecided: showUndecided,
            categories: Category.actionable.map { CategoryOption(value: $0.rawValue, label: CoreStrings.categoryName($0)) })
    }
}

import Foundation
import Hummingbird
import WeiminCore
import WeiminPersistence

/// 督办: every warning, order and notice addressed to the signed-in person, newest first, a page at a time, each
/// leading to its case. The workbench shows the newest few and links here.
struct SupervisionPageController {
    let services: AppServices
    let views = WebViews.shared

    struct Row {
        let level: String
        let caseNumber: String?
        let step: String
        let message: String
        let issuedAt: String
    }

    struct LevelLink {
        let href: String
        let label: String
        let current: Bool
    }

    struct Page {
        let chrome: PageChrome
        let rows: [Row]
        let hasRows: Bool
        let total: Int
        let levels: [LevelLink]
        let pages: [LedgerController.PageLink]
    }

    static let perPage = 50

    func addRoutes(to router: RouterGroup<WeiminRequestContext>) {
        router.get("supervision") { request, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            guard Access.mayRead(viewer.role, .cases) else {
                throw HTTPError(.forbidden, message: "\(CoreStrings.roleName(viewer.role))无权查看督办")
            }
            let params = request.uri.queryParameters
            var level: SupervisionLevel?
            if let raw = params["level"].map(String.init), !raw.isEmpty {
                guard let l = SupervisionLevel(rawValue: raw) else {
                    throw HTTPError(.badRequest, message: "level 参数无效：可选 warning（预警）、order（督办单）、notice（通报）")
                }
                level = l
            }
            let page = try QueryParsing.int(params["page"].map(String.init), name: "page", range: 1...1_000_000) ?? 1
            return views.render("supervision", try await self.page(viewer: viewer, web: web, level: level, page: page))
        }
    }

    func page(viewer: Viewer, web: WebSession, level: SupervisionLevel?, page: Int) async throws -> Page {
        let found = try await services.supervision.orders(for: viewer, level: level, page: page, perPage: Self.perPage)
        func href(_ level: SupervisionLevel?, _ page: Int) -> String {
            var items: [String] = []
            if let level { items.append("level=\(level.rawValue)") }
            if page > 1 { items.append("page=\(page)") }
            return "/supervision" + (items.isEmpty ? "" : "?" + items.joined(separator: "&"))
        }
        let lastPage = max(1, found.pageCount)
        let pages = Set([1, page - 2, page - 1, page, page + 1, page + 2, lastPage]).sorted().filter { $0 >= 1 && $0 <= lastPage }.map {
            LedgerController.PageLink(href: href(level, $0), label: String($0), current: $0 == page)
        }
        let levels =
            [LevelLink(href: href(nil, 1), label: "全部", current: level == nil)]
            + SupervisionLevel.allCases.map {
                LevelLink(href: href($0, 1), label: CoreStrings.supervisionLevelName($0), current: level == $0)
            }
        let steps = Dictionary(uniqueKeysWithValues: DeadlineStep.allCases.map { ($0.rawValue, $0.chineseName) })
        return Page(
            chrome: PageChrome(session: web, current: "supervision"),
            rows: found.items.map {
                Row(
                    level: CoreStrings.supervisionLevelName($0.level), caseNumber: $0.caseNumber, step: steps[$0.step] ?? "",
                    message: $0.message, issuedAt: WebFormat.time($0.issuedAt))
            },
            hasRows: !found.items.isEmpty, total: found.total, levels: levels, pages: found.total > Self.perPage ? pages : [])
    }
}

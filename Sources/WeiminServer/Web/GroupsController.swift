import Foundation
import Hummingbird
import WeiminApp
import WeiminCore
import WeiminPersistence

/// 群组: the registry by township and village — members, admins, whether a police officer and a township cadre
/// are in each group (覆盖率), activity, last message, robot — and the quarantine of messages from
/// unregistered groups, with the action to register one (county desk and administrators).
struct GroupsController {
    let services: AppServices
    let views = WebViews.shared

    struct Row {
        let township: String
        let village: String
        let name: String
        let platform: String
        let members: Int
        let admins: String
        let police: Bool
        let cadre: Bool
        let covered: Bool
        let perDay: String
        let lastAt: String
        let robot: Bool
    }

    struct Waiting {
        let platform: String
        let platformName: String
        let externalID: String
        let name: String
        let count: Int
        let lastAt: String
    }

    struct Option {
        let value: String
        let label: String
    }

    struct Page {
        let chrome: PageChrome
        let rows: [Row]
        let groupCount: Int
        let coverage: String
        let quarantine: [Waiting]
        let mayRegister: Bool
        let villages: [Option]
        let csrf: String
        let done: String?
        let error: String?
    }

    static func mayRegister(_ role: Role) -> Bool { role == .intakeOperator || role == .admin }

    func addRoutes(to router: RouterGroup<WeiminRequestContext>) {
        router.get("groups") { request, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            let done = request.uri.queryParameters["registered"].map { "已登记群组，隔离的 \($0) 条消息已归入该群。" }
            return views.render("groups", try await page(viewer: viewer, web: web, done: done, error: nil))
        }

        router.post("groups/register") { request, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            let form = try await WebForm.fields(request)
            func field(_ n: String) -> String { form[n]?.trimmingCharacters(in: .whitespaces) ?? "" }
            guard field("_csrf") == web.csrf else {
                return views.render(
                    "groups", try await page(viewer: viewer, web: web, done: nil, error: "页面已过期，请刷新后再操作。"), status: .forbidden)
            }
            guard Self.mayRegister(viewer.role) else {
                return views.render(
                    "groups", try await page(viewer: viewer, web: web, done: nil, error: "登记群组由县受理中心或系统管理员办理。"), status: .forbidden)
            }
            let county = viewer.region.countyCode ?? viewer.region
            guard let platform = Platform(rawValue: field("platform")), !field("external_id").isEmpty,
                let village = RegionCode(field("village")), village.level == .village, village.countyCode == county
            else {
                return views.render(
                    "groups", try await page(viewer: viewer, web: web, done: nil, error: "请选择本县的村，并保留群的平台和编号。"), status: .badRequest)
            }
            let name = field("name").isEmpty ? field("external_id") : field("name")
            do {
                try InputRules.check(field("external_id"), field: "群编号", limit: InputRules.maxIdentifier)
                try InputRules.check(name, field: "群名称", limit: InputRules.maxGroupName)
            } catch {
                return views.render("groups", try await page(viewer: viewer, web: web, done: nil, error: "\(error)"), status: .badRequest)
            }
            let (_, attached) = try await services.ingest.store
                .registerGroup(platform: platform, externalID: field("external_id"), name: name, village: village)
            return WebViews.redirect("/groups?registered=\(attached)")
        }
    }

    func page(viewer: Viewer, web: WebSession, done: String?, error: String?, now: Date = Date()) async throws -> Page {
        let registry = services.groupRegistry
        let entries = try await registry.entries(scopePrefix: viewer.region.scopePrefix, now: now)
        let county = (viewer.region.countyCode ?? viewer.region)
        let register = Self.mayRegister(viewer.role)
        let quarantine = register ? try await registry.quarantine(county: county.rawValue) : []
        let villages = register ? try await services.regions.regions(level: .village, within: county) : []
        let covered = entries.filter { $0.hasPolice && $0.hasTownshipCadre }.count
        return Page(
            chrome: PageChrome(session: web, current: "groups"),
            rows: entries.map { e in
                Row(
                    township: e.township, village: e.village, name: e.name,
                    platform: CoreStrings.platformName(Platform(rawValue: e.platform) ?? .wechat),
                    members: e.members, admins: e.admins.joined(separator: "、"), police: e.hasPolice, cadre: e.hasTownshipCadre,
                    covered: e.hasPolice && e.hasTownshipCadre, perDay: String(format: "%.1f", Double(e.messagesLastWeek) / 7),
                    lastAt: e.lastMessageAt.map(WebFormat.time) ?? "—", robot: e.hasRobot)
            },
            groupCount: entries.count,
            coverage: entries.isEmpty
                ? "—" : String(format: "%.1f%%（%d/%d）", Double(covered) * 100 / Double(entries.count), covered, entries.count),
            quarantine: quarantine.map {
                Waiting(
                    platform: $0.platform, platformName: CoreStrings.platformName(Platform(rawValue: $0.platform) ?? .wechat),
                    externalID: $0.externalID, name: $0.name, count: $0.count, lastAt: WebFormat.time($0.lastAt))
            },
            mayRegister: register, villages: villages.map { Option(value: $0.code.rawValue, label: $0.name) },
            csrf: web.csrf, done: done, error: error)
    }
}

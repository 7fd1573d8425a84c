import Foundation
import Hummingbird
import Logging
import WeiminApp
import WeiminCore
import WeiminPersistence

/// 群组: the registry by township and village — members, admins, whether a police officer and a township cadre
/// are in each group (覆盖率), activity, last message, robot — and the quarantine of messages from
/// unregistered groups, with the action to register one (county desk and administrators). Each group's page lists
/// its members with what they are (民警, 乡镇干部…), which is what 覆盖率 counts, and lets those responsible mark them.
struct GroupsController {
    let services: AppServices
    let views = WebViews.shared

    struct Row {
        let id: String
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
        addGroupPageRoutes(to: router)
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
                    id: e.id.uuidString, township: e.township, village: e.village, name: e.name,
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

// MARK: One group's page: its members and what they are

extension GroupsController {
    struct KindOption {
        let value: String
        let label: String
        let selected: Bool
    }

    struct MemberRow {
        let name: String
        let platformUserID: String
        let kindName: String
        let admin: Bool
        let onRoster: Bool
        let left: String?
        let kinds: [KindOption]
    }

    struct GroupPage {
        let chrome: PageChrome
        let id: String
        let name: String
        let place: String
        let platform: String
        let externalID: String
        let police: Bool
        let cadre: Bool
        let members: [MemberRow]
        let memberCount: Int
        let mayChange: Bool
        let csrf: String
        let done: String?
        let error: String?
    }

    /// Marking who is the police officer or township cadre moves 覆盖率, so it stays with those answerable for the
    /// group: the county desk and administrators, the township's cadres for their own township, the village admin
    /// for their own village. Everyone who may open the groups list may read the page.
    static func mayMarkRoles(_ viewer: Viewer, village: RegionCode) -> Bool {
        switch viewer.role {
        case .admin, .intakeOperator: return viewer.region.contains(village)
        case .townshipCadre: return viewer.region.level == .township && viewer.region.contains(village)
        case .villageAdmin: return viewer.region == village
        default: return false
        }
    }

    func addGroupPageRoutes(to router: RouterGroup<WeiminRequestContext>) {
        router.get("groups/:id") { request, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            let group = try await visibleGroup(context, viewer: viewer)
            let done = request.uri.queryParameters["done"] == nil ? nil : "已更新成员身份，覆盖率随之重新计算。"
            return views.render("group", try await groupPage(group, viewer: viewer, web: web, done: done, error: nil))
        }

        router.post("groups/:id/members/role") { request, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            // Outside the viewer's region the group does not exist for them (404), whatever the form says.
            let group = try await visibleGroup(context, viewer: viewer)
            let form = try await WebForm.fields(request)
            func refuse(_ error: String, _ status: HTTPResponse.Status) async throws -> Response {
                views.render("group", try await groupPage(group, viewer: viewer, web: web, done: nil, error: error), status: status)
            }
            guard form["_csrf"] == web.csrf else { return try await refuse("页面已过期，请刷新后再操作。", .forbidden) }
            guard Self.mayMarkRoles(viewer, village: group.villageCode) else {
                return try await refuse(
                    "\(CoreStrings.roleName(viewer.role))不能更改群成员身份：由县受理中心、系统管理员、所在乡镇干部或本村管理员办理。", .forbidden)
            }
            guard let kind = PersonKind(rawValue: form["kind"] ?? "") else {
                let names = PersonKind.allCases.map(CoreStrings.personKindName).joined(separator: "、")
                return try await refuse("请从列表中选择成员身份（\(names)）。", .badRequest)
            }
            let member = form["member"]?.trimmingCharacters(in: .whitespaces) ?? ""
            let before: PersonKind
            do {
                before = try await services.groupRegistry.setRole(
                    group: group.id, platformUserID: member, kind: kind, county: group.countyCode.rawValue)
            } catch let e as PersistenceError {
                return try await refuse(e.description, .notFound)
            }
            // Coverage is assessed: who changed what stays in the log.
            services.logger.notice(
                "group member role",
                metadata: [
                    "staff": "\(viewer.username)", "group": "\(group.id)", "member": "\(member)", "from": "\(before.rawValue)",
                    "to": "\(kind.rawValue)",
                ])
            return WebViews.redirect("/groups/\(group.id)?done=1")
        }
    }

    /// The group in the path when the viewer's region holds it; otherwise 404, as for a group that does not exist.
    func visibleGroup(_ context: WeiminRequestContext, viewer: Viewer) async throws -> ChatGroup {
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let group = try await services.groups.group(id: id), viewer.region.contains(group.villageCode)
        else { throw HTTPError(.notFound, message: "群不存在或不在您的管辖范围内") }
        return group
    }

    func groupPage(_ group: ChatGroup, viewer: Viewer, web: WebSession, done: String?, error: String?) async throws -> GroupPage {
        let members = try await services.groupRegistry.members(group: group.id)
        var place: [String] = []
        for code in [group.villageCode.townshipCode, group.villageCode].compactMap({ $0 }) {
            place.append(try await services.regions.region(code)?.name ?? code.rawValue)
        }
        // As the assessment counts it: anyone on the roster with that role.
        let roster = members.filter(\.onRoster)
        return GroupPage(
            chrome: PageChrome(session: web, current: "groups"), id: group.id.uuidString, name: group.name,
            place: place.joined(separator: " · "), platform: CoreStrings.platformName(group.platform), externalID: group.externalID,
            police: roster.contains { $0.kind == .police }, cadre: roster.contains { $0.kind == .townshipCadre },
            members: members.map { m in
                MemberRow(
                    name: m.name, platformUserID: m.platformUserID, kindName: CoreStrings.personKindName(m.kind), admin: m.isAdmin,
                    onRoster: m.onRoster, left: m.leftAt.map { "已于 \(WebFormat.time($0)) 退群" },
                    kinds: PersonKind.allCases.map {
                        KindOption(value: $0.rawValue, label: CoreStrings.personKindName($0), selected: $0 == m.kind)
                    })
            },
            memberCount: members.filter { $0.leftAt == nil }.count, mayChange: Self.mayMarkRoles(viewer, village: group.villageCode),
            csrf: web.csrf, done: done, error: error)
    }
}

import Foundation
import Hummingbird
import WeiminCore
import WeiminPersistence

/// 值班表: the county's roster for the coming week, kept from the console by those who may (the centre, supervisors and
/// administrators for the county and every township, a township cadre for their own township), and the last week's
/// alerts with how each reached its person (workbench, SMS, WeCom, DingTalk) — the same rules as `/api/v1/duty/shifts`.
struct DutyPageController {
    let services: AppServices
    let views = WebViews.shared

    struct ShiftRow {
        let id: String
        let region: String
        let person: String
        let kind: String
        let startsAt: String
        let endsAt: String
        let now: Bool
        let mayDelete: Bool
    }

    struct AlertRow {
        let caseNumber: String
        let level: String
        let person: String
        let sentAt: String
        let acknowledged: String
        let ways: String
        let problem: String?
    }

    struct Option {
        let value: String
        let label: String
    }

    struct Page {
        let chrome: PageChrome
        let shifts: [ShiftRow]
        let hasShifts: Bool
        let alerts: [AlertRow]
        let showAlerts: Bool
        let mayKeep: Bool
        let regions: [Option]
        let people: [Option]
        let defaultStart: String
        let defaultEnd: String
        let escalateHint: String
        let csrf: String
        let notice: String?
        let error: String?
    }

    /// Who sees the page at all: whoever may be put on duty or keeps the roster.
    static func maySee(_ role: Role) -> Bool { [.admin, .supervisor, .intakeOperator, .townshipCadre, .leader].contains(role) }

    func addRoutes(to router: RouterGroup<WeiminRequestContext>) {
        router.get("duty") { request, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            guard Self.maySee(viewer.role) else {
                throw HTTPError(.forbidden, message: "值班表由县受理中心、督办、乡镇和领导使用，\(CoreStrings.roleName(viewer.role))无需排班")
            }
            let q = request.uri.queryParameters
            let notice = q["added"] != nil ? "已排班。" : q["removed"] != nil ? "已删除该班次。" : nil
            return views.render("duty", try await page(viewer: viewer, web: web, notice: notice, error: nil))
        }
        router.post("duty/shifts") { request, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            let form = try await WebForm.fields(request)
            func refuse(_ status: HTTPResponse.Status, _ words: String) async throws -> Response {
                views.render("duty", try await page(viewer: viewer, web: web, notice: nil, error: words), status: status)
            }
            guard form["_csrf"] == web.csrf else { return try await refuse(.forbidden, "页面已过期，请刷新后再操作。") }
            guard let region = RegionCode(form["region"] ?? ""), [.county, .township].contains(region.level) else {
                return try await refuse(.badRequest, "请选择本县或一个乡镇。")
            }
            guard DutyController.mayKeep(region, viewer: viewer) else {
                return try await refuse(.forbidden, "\(CoreStrings.roleName(viewer.role))不能为该区域排班。")
            }
            guard let start = Self.localTime(form["starts_at"]), let end = Self.localTime(form["ends_at"]) else {
                return try await refuse(.badRequest, "请填写开始和结束时间（北京时间），例如 2026-12-01 18:00。")
            }
            let kind = DutyKind(rawValue: form["kind"] ?? "") ?? .duty
            let shift = DutyShift(id: UUID(), region: region, username: form["username"] ?? "", kind: kind, startsAt: start, endsAt: end)
            do {
                try await services.duty.addShift(shift, county: viewer.region.countyCode ?? viewer.region, by: viewer.username)
            } catch let e as CaseOperationError {
                return try await refuse(e.status, e.description)
            }
            return WebViews.redirect("/duty?added=1")
        }
        router.post("duty/shifts/:id/delete") { request, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            let form = try await WebForm.fields(request)
            guard form["_csrf"] == web.csrf else {
                return views.render(
                    "duty", try await page(viewer: viewer, web: web, notice: nil, error: "页面已过期，请刷新后再操作。"), status: .forbidden)
            }
            let county = viewer.region.countyCode ?? viewer.region
            guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)),
                let shift = try await services.duty.shifts(county: county, from: .distantPast, to: .distantFuture).first(where: {
                    $0.id == id
                })
            else { return views.render("duty", try await page(viewer: viewer, web: web, notice: nil, error: "没有这条排班。"), status: .notFound) }
            guard DutyController.mayKeep(shift.region, viewer: viewer) else {
                return views.render(
                    "duty", try await page(viewer: viewer, web: web, notice: nil, error: "不能修改该区域的排班。"), status: .forbidden)
            }
            _ = try await services.duty.deleteShift(id, county: county)
            return WebViews.redirect("/duty?removed=1")
        }
    }

    /// `datetime-local` as typed in Beijing time ("2026-12-01T18:00"), or with a space instead of the T.
    static func localTime(_ text: String?) -> Date? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm:ss"] {
            f.dateFormat = format
            if let d = f.date(from: text) { return d }
        }
        return nil
    }

    static func inputTime(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm"
        return f.string(from: d)
    }

    func page(viewer: Viewer, web: WebSession, notice: String?, error: String?, now: Date = Date()) async throws -> Page {
        let county = viewer.region.countyCode ?? viewer.region
        let townships = try await services.regions.regions(level: .township, within: county)
        var names = Dictionary(uniqueKeysWithValues: townships.map { ($0.code, $0.name) })
        names[county] = try await services.regions.region(county)?.name ?? county.rawValue
        let staff = try await services.staff.list().filter { ($0.region.countyCode ?? $0.region) == county }
        let people = Dictionary(
            staff.map { ($0.username, "\($0.displayName) · \(CoreStrings.roleName($0.role))") }, uniquingKeysWith: { a, _ in a })
        let shifts = try await services.duty.shifts(
            county: county, from: now.addingTimeInterval(-12 * 3600), to: now.addingTimeInterval(7 * 86400))
        let keepable = ([county] + townships.map(\.code)).filter { DutyController.mayKeep($0, viewer: viewer) }
        // Who was alerted and how it went is for those who keep the county's desk; a cadre sees theirs on the workbench.
        let showAlerts = [.admin, .supervisor, .intakeOperator, .leader].contains(viewer.role)
        var alertRows: [AlertRow] = []
        if showAlerts {
            for a in try await services.duty.alerts(county: county, since: now.addingTimeInterval(-7 * 86400), limit: 50) {
                let ways = try await services.duty.deliveries(alert: a.id)
                alertRows.append(
                    AlertRow(
                        caseNumber: a.caseNumber, level: a.level == 1 ? "值班提醒" : "升级提醒", person: people[a.username] ?? a.username,
                        sentAt: WebFormat.time(a.sentAt), acknowledged: a.acknowledgedAt.map { "已确认 \(WebFormat.time($0))" } ?? "未确认",
                        ways: (["工作台"]
                            + ways.map {
                                "\($0.channel.displayName)\($0.deliveredAt == nil ? (($0.lastError == nil) ? "（发送中）" : "（失败）") : "✓")"
                            })
                            .joined(separator: "、"),
                        problem: ways.compactMap(\.lastError).first))
            }
        }
        // From the top of this hour (Beijing is a whole number of hours from UTC), for twelve hours: tonight's shift.
        let start = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
        return Page(
            chrome: PageChrome(session: web, current: "duty"),
            shifts: shifts.map { s in
                ShiftRow(
                    id: s.id.uuidString.lowercased(), region: names[s.region] ?? s.region.rawValue,
                    person: people[s.username] ?? s.username,
                    kind: s.kind == .duty ? "值班员" : "带班领导", startsAt: WebFormat.time(s.startsAt), endsAt: WebFormat.time(s.endsAt),
                    now: s.startsAt <= now && now < s.endsAt, mayDelete: DutyController.mayKeep(s.region, viewer: viewer))
            },
            hasShifts: !shifts.isEmpty, alerts: alertRows, showAlerts: showAlerts, mayKeep: !keepable.isEmpty,
            regions: keepable.map { Option(value: $0.rawValue, label: names[$0] ?? $0.rawValue) },
            people: staff.filter { $0.role != .discipline }.sorted { $0.username < $1.username }.map {
                Option(value: $0.username, label: people[$0.username] ?? $0.username)
            },
            defaultStart: Self.inputTime(start), defaultEnd: Self.inputTime(start.addingTimeInterval(12 * 3600)),
            escalateHint: "\(services.config.dutyEscalateMinutes) 分钟", csrf: web.csrf,
            notice: notice, error: error)
    }
}

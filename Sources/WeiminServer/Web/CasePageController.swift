import Foundation
import Hummingbird
import WeiminApp
import WeiminCore
import WeiminPersistence

/// 工单页面: the case with the messages it came from inside their group conversation, triage's decision and
/// reasons, its deadlines with working time left, its full record from the audit chain, and a form for each
/// action the user's role allows in this state. Actions go through the same workflow as the API.
struct CasePageController {
    let services: AppServices
    let views = WebViews.shared

    struct Line {
        let sender: String
        let text: String
        let time: String
        let own: Bool
        /// The photos and files the villager sent with it (the case's own messages only), and the words read from them.
        var media: [MediaLink] = []
        var read: String?
        var readLabel = ""
    }

    struct MediaLink {
        let href: String
        let label: String
        let image: Bool
        /// A voice note: played in the page through its decoded copy (`?as=wav`), the original still a link.
        let voice: Bool
        /// Why it cannot be opened (not fetched yet, too large, gone), or nil.
        let missing: String?
    }

    struct Conversation {
        let group: String
        let lines: [Line]
    }

    struct Deadline {
        let label: String
        let due: String
        let left: String
        let overdue: Bool
    }

    struct Event {
        let time: String
        let actor: String
        let action: String
        let note: String
        let hash: String
    }

    struct Option {
        let value: String
        let label: String
    }

    struct ActionForm {
        let name: String
        let label: String
        let noteLabel: String
        let noteRequired: Bool
        let department: Bool
        let category: Bool
        let satisfaction: Bool
        let into: Bool
        let limit: Bool
        let approve: Bool
        /// Each field's label, from the catalogue (empty when the action has no such field).
        let departmentLabel: String
        let categoryLabel: String
        let satisfactionLabel: String
        let intoLabel: String
        let limitLabel: String
        let approveLabel: String
        let confirmationLabel: String
        /// nil: no confirmation (Mustache treats an empty string as present).
        let confirm: String?
    }

    struct Page {
        let chrome: PageChrome
        let number: String
        let title: String
        let summary: String
        let category: String
        let state: String
        let urgent: Bool
        let sealed: Bool
        let place: String
        let department: String
        let createdAt: String
        let deadlines: [Deadline]
        /// 协办 units, by name (nil when none: Mustache shows an empty string's section).
        let coHandlers: String?
        let conversations: [Conversation]
        let triage: [String]
        let triageHead: String
        let events: [Event]
        let actions: [ActionForm]
        let hasActions: Bool
        let departments: [Option]
        let categories: [Option]
        let csrf: String
        let done: String?
        let error: String?
        /// 核减: a supervisor may exclude the case from the assessment, once, with a reason shown to all assessed.
        let mayExclude: Bool
        let exclusion: String?
    }

    /// Administrators run the system, not the casework: no case page for them (as the ledger and the API).
    static func mayReadCases(_ viewer: Viewer) throws {
        guard Access.mayRead(viewer.role, .cases) else {
            throw HTTPError(.forbidden, message: "\(CoreStrings.roleName(viewer.role))无权查看工单")
        }
    }

    func addRoutes(to router: RouterGroup<WeiminRequestContext>) {
        router.get("cases/:number") { request, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            try Self.mayReadCases(viewer)
            let number = try Self.number(context)
            let done = request.uri.queryParameters["done"].map { "已\(CoreStrings.commandName(String($0)))。" }
            return try await render(number, viewer: viewer, web: web, done: done, error: nil, status: .ok)
        }

        router.post("cases/:number/exclude") { request, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            try Self.mayReadCases(viewer)
            let number = try Self.number(context)
            let form = try await WebForm.fields(request)
            guard form["_csrf"] == web.csrf else {
                return try await render(number, viewer: viewer, web: web, done: nil, error: "页面已过期，请刷新后再操作。", status: .forbidden)
            }
            let reason = form["reason"] ?? ""
            do {
                try await services.assessment.exclude(number, reason: reason, by: viewer)
                return WebViews.redirect("/cases/\(number)?done=exclude")
            } catch let e as CaseOperationError {
                return try await render(number, viewer: viewer, web: web, done: nil, error: e.description, status: e.status)
            }
        }

        router.post("cases/:number/act") { request, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            try Self.mayReadCases(viewer)
            let number = try Self.number(context)
            let raw = String(buffer: try await request.body.collect(upTo: 64 * 1024))
            guard WebForm.parse(raw)["_csrf"] == web.csrf else {
                return try await render(number, viewer: viewer, web: web, done: nil, error: "页面已过期，请刷新后再操作。", status: .forbidden)
            }
            let body: CaseActionRequest
            do {
                body = try URLEncodedFormDecoder().decode(CaseActionRequest.self, from: raw)
            } catch {
                return try await render(number, viewer: viewer, web: web, done: nil, error: "表单内容无法识别，请刷新后重试。", status: .badRequest)
            }
            do {
                guard let current = try await services.caseStore.find(number: number), viewer.caseVisibility.allows(current) else {
                    throw HTTPError(.notFound, message: "工单 \(number) 不存在或无权查看")
                }
                let command = try await CaseActionCommands.command(
                    body, for: current, viewer: viewer, departments: services.departments, cases: services.cases)
                let after = try await services.actOnCase.run(command, on: number, by: viewer, at: Date())
                if after.sealed && !viewer.caseVisibility.allows(after) {
                    // 转纪委: the case has left this user's ledger; its sealed number is not theirs to know.
                    return WebViews.redirect("/cases")
                }
                return WebViews.redirect("/cases/\(after.number)?done=\(body.action)")
            } catch let e as HTTPError {
                return try await render(number, viewer: viewer, web: web, done: nil, error: e.body, status: e.status)
            } catch let e as CaseOperationError {
                return try await render(number, viewer: viewer, web: web, done: nil, error: e.description, status: e.status)
            } catch let e as CaseStoreError {
                return try await render(number, viewer: viewer, web: web, done: nil, error: e.description, status: .conflict)
            }
        }
    }

    static func number(_ context: WeiminRequestContext) throws -> CaseNumber {
        guard let n = CaseNumber(try context.parameters.require("number")) else {
            throw HTTPError(.badRequest, message: "工单编号格式应为 县代码-年份-序号，例如 433125-2026-000123")
        }
        return n
    }

    func render(_ number: CaseNumber, viewer: Viewer, web: WebSession, done: String?, error: String?, status: HTTPResponse.Status)
        async throws -> Response
    {
        guard let detail = try await services.cases.detail(number: number, visibility: viewer.caseVisibility) else {
            throw HTTPError(.notFound, message: "工单 \(number) 不存在或无权查看")
        }
        return views.render("case", try await page(detail, viewer: viewer, web: web, done: done, error: error), status: status)
    }

    func page(_ detail: CaseDetail, viewer: Viewer, web: WebSession, done: String?, error: String?, now: Date = Date()) async throws -> Page
    {
        // A sealed case's words are decrypted for the commission only, with a read_sealed event each time.
        let c =
            detail.case.sealed
            ? try await services.sealedReports.reveal([detail.case], to: viewer, purpose: "工单页面").first
                ?? detail.case
            : detail.case
        let calendar = services.workflow.calendar
        let rules = services.workflow.rules
        // Each limit in its own kind of time: an urgent answer runs at any hour, a handling limit in working days.
        func limit(_ step: DeadlineStep) -> TimeLimit? {
            rules.rule(for: step, category: c.category, urgency: c.urgency, sealed: c.sealed)?.limit
        }
        func deadline(_ label: String, _ due: Date?, _ limit: TimeLimit?) -> Deadline? {
            guard let due else { return nil }
            let overdue = due < now && c.state.isOpen
            let left = c.state.isOpen ? CoreStrings.timeLeft(until: due, limit: limit, now: now, calendar: calendar) : ""
            return Deadline(label: label, due: WebFormat.time(due), left: c.state == .suspended ? "已挂起，计时暂停" : left, overdue: overdue)
        }
        let reviewStep: DeadlineStep =
            switch c.petition.stage {
            case .reviewRequested: .reviewDecision
            case .recheckRequested: .recheckDecision
            case .reviewDecided: .recheckRequest
            default: .reviewRequest
            }
        let deadlines = [
            deadline("首次响应", c.respondedAt == nil ? c.responseDueAt : nil, limit(.response)),
            deadline(
                "受理告知", c.acceptanceNotifiedAt == nil ? c.acceptanceDueAt : nil,
                limit(c.sealed ? .reportAcceptance : .petitionAcceptance)),
            deadline("办结期限", c.dueAt, c.clock.limit ?? limit(.handling)),
            deadline("可退回至", c.returnDueAt, limit(.returnWindow)),
            deadline("复查/复核期限", c.petition.dueAt, limit(reviewStep)),
        ].compactMap { $0 }

        // The messages the case came from, each inside its conversation (sealed material never here: it is
        // read through the discipline commission's own, audited route).
        let departments = try await services.departments.departments(county: c.countyCode)
        let departmentByCode = Dictionary(departments.map { ($0.code, $0.name) }) { a, _ in a }
        let departmentByID = Dictionary(departments.map { ($0.id.uuidString.lowercased(), $0.name) }) { a, _ in a }
        var conversations: [Conversation] = []
        var triage: [String] = []
        var triageHead = ""
        if !c.sealed {
            let own = Set(detail.messages.map(\.id))
            var shownAround: [Date] = []
            for m in detail.messages.prefix(3) where !shownAround.contains(where: { abs($0.timeIntervalSince(m.sentAt)) < 600 }) {
                shownAround.append(m.sentAt)
                let lines = try await services.messages.conversation(groupID: m.groupID, around: m.sentAt, before: 3, after: 3)
                let group = try await services.groups.group(id: m.groupID)?.name ?? ""
                let ownIDs = lines.map(\.id).filter(own.contains)
                let items = Dictionary(grouping: try await services.mediaStore.items(messages: ownIDs), by: \.messageID)
                let reads = try await services.mediaStore.reads(messages: ownIDs)
                conversations.append(
                    Conversation(
                        group: group,
                        lines: lines.map { line in
                            var shown = Line(
                                sender: line.senderName, text: PIIMask.redact(line.text), time: WebFormat.time(line.sentAt),
                                own: own.contains(line.id))
                            guard shown.own else { return shown }
                            shown.media = (items[line.id] ?? []).map { item in
                                MediaLink(
                                    href: "/media/\(item.id.uuidString.lowercased())",
                                    label: "\(CoreStrings.messageKind(item.kind))\(item.fileName.map { "（\($0)）" } ?? "")",
                                    image: item.status == .stored && (item.contentType ?? "").hasPrefix("image/"),
                                    voice: item.status == .stored && (item.kind == .voice || (item.contentType ?? "").hasPrefix("audio/")),
                                    missing: item.status == .stored ? nil : MediaController.statusName(item.status))
                            }
                            shown.read = reads[line.id].map(PIIMask.redact)
                            shown.readLabel =
                                shown.media.contains(where: \.voice) ? "语音转写（机器转写，可能有误）" : "图片中的文字（机器识别，可能有误）"
                            return shown
                        }))
            }
            if let origin = detail.messages.first,
                let d = try await services.triageStore.decision(message: origin.id)
            {
                triageHead =
                    "分诊：\(CoreStrings.categoryName(Category(rawValue: d.category) ?? .none)) \(Int((d.categoryScore * 100).rounded()))%"
                    + (d.department.map { "，建议部门 \(departmentByCode[$0] ?? $0)" } ?? "") + (d.urgency == "urgent" ? "，紧急" : "")
                    + (d.opinionRisk > 0 ? "，舆情风险 \(d.opinionRisk) 级" : "")
                    + "（模型 \(d.modelVersion.prefix(8))）"
                // Reasons name the catalogue's department by code ("… → slj"): show its name.
                triage = d.reasons.map { reason in
                    guard let arrow = reason.range(of: " → ", options: .backwards) else { return reason }
                    let code = String(reason[arrow.upperBound...])
                    return departmentByCode[code].map { String(reason[..<arrow.upperBound]) + $0 } ?? reason
                }
            }
        }

        let place = [c.townshipCode, c.villageCode].compactMap { $0 }.last.map { $0.rawValue } ?? c.countyCode.rawValue
        let placeName = try await services.regions.region(RegionCode(place) ?? c.countyCode)?.name ?? place
        // The person on duty may take an urgent case themselves (accept, dispatch to 公安, 消防, 应急…).
        let actions = try await services.availableActions(on: c, to: viewer, at: now).map(Self.form)
        let excluded = c.sealed ? nil : try await services.assessment.exclusion(caseID: c.id)
        // People by name and role, not by account.
        let staff = try await services.staff.byUsername(Set(detail.events.map(\.actor) + (excluded.map { [$0.actor] } ?? [])))
        func person(_ username: String) -> String {
            if username == AuditActor.system.name { return "系统" }
            guard let v = staff[username] else { return username }
            return "\(v.displayName)（\(CoreStrings.roleName(v.role))）"
        }
        let exclusion = excluded.map { "已核减（\(person($0.actor))，\(WebFormat.time($0.at))）：\($0.reason)" }
        let coHandlerNames = c.coHandlerIDs.compactMap { departmentByID[$0.uuidString.lowercased()] }
        let coHandlers = coHandlerNames.isEmpty ? nil : coHandlerNames.joined(separator: "、")
        return Page(
            chrome: PageChrome(session: web, current: "cases"), number: c.number.description, title: c.title,
            summary: PIIMask.redact(c.summary),
            category: CoreStrings.categoryName(c.category), state: CoreStrings.stateName(c.state), urgent: c.urgency == .urgent,
            sealed: c.sealed,
            place: placeName, department: detail.departmentName ?? "县受理中心", createdAt: WebFormat.time(c.createdAt),
            deadlines: deadlines, coHandlers: coHandlers, conversations: conversations, triage: triage, triageHead: triageHead,
            events: detail.events.map { e in
                // 派单 and 改派 say to whom: the department recorded in the event's snapshot of the case.
                let to =
                    ["dispatch", "reassign"].contains(e.action)
                    ? e.snapshot.flatMap(CaseSnapshot.init(encoded:)).flatMap { departmentByID[$0.values["department"] ?? ""] } : nil
                return Event(
                    time: WebFormat.time(e.occurredAt), actor: person(e.actor),
                    action: Self.eventName(e.action) + (to.map { " → \($0)" } ?? ""),
                    note: e.note, hash: String(e.hash.prefix(12)))
            },
            actions: actions, hasActions: !actions.isEmpty,
            departments: departments.map { Option(value: $0.code, label: $0.name) },
            categories: Category.actionable.filter { $0 != c.category }.map {
                Option(value: $0.rawValue, label: CoreStrings.categoryName($0))
            },
            csrf: web.csrf, done: done, error: error, mayExclude: viewer.role == .supervisor && !c.sealed && exclusion == nil,
            exclusion: exclusion)
    }

    static func eventName(_ action: String) -> String {
        switch action {
        case "open": return "立案"
        case "thread": return "并入后续消息"
        case "read_sealed": return "查阅密封内容"
        case "encrypt_sealed_words": return "密封内容加密"
        case "erase_personal_data": return "删除个人信息"
        case "supervise", "supervision": return "督办"
        case "follow_up_task": return "回访任务"
        case "assessment_exclusion": return "核减"
        case "split": return "拆分"
        case "duty_alert": return "值班提醒"
        case "duty_ack": return "确认收到提醒"
        default: return CoreStrings.commandName(action)
        }
    }

    /// What each action's form asks for: the catalogue's fields and confirmation (co-departments and the accused
    /// are the API's only). An unknown name gets a bare form.
    static func form(_ name: String) -> ActionForm {
        let entry = CaseActionCatalogue.entry(named: name)
        let fields = entry?.fields ?? []
        func has(_ kind: CaseActionField.Kind) -> Bool { fields.contains { $0.kind == kind } }
        func label(_ kind: CaseActionField.Kind) -> String { fields.first { $0.kind == kind }?.label ?? "" }
        let note = entry?.note
        return ActionForm(
            name: name, label: entry?.label ?? name, noteLabel: note?.label ?? "说明（可不填）", noteRequired: note?.required ?? false,
            department: has(.department), category: has(.category), satisfaction: has(.satisfaction), into: has(.caseNumber),
            limit: has(.timeLimit), approve: has(.decision), departmentLabel: label(.department), categoryLabel: label(.category),
            satisfactionLabel: label(.satisfaction), intoLabel: label(.caseNumber), limitLabel: label(.timeLimit),
            approveLabel: label(.decision), confirmationLabel: label(.confirmation), confirm: entry?.confirm)
    }
}

import Foundation
import Testing
import WeiminCore

private let workflow = CaseWorkflow(calendar: WorkCalendar(holidays: HolidayCalendar.bundled()))
private let zjj = UUID()
private let jtj = UUID()
private let village = RegionCode("433125111201")!

private func at(_ date: String, _ hh: Int, _ mm: Int = 0) -> Date {
    workflow.calendar.instant(LocalDate(iso: date)!, minute: Double(hh * 60 + mm))
}

private func makeCase(
    _ status: CaseStatus, category: Category = .service, sealed: Bool = false, department: UUID? = zjj, created: Date = at("2026-11-23", 9)
) -> Case {
    var c = Case(
        id: UUID(), number: CaseNumber("433125-2026-000001")!, countyCode: RegionCode("433125")!, townshipCode: village.townshipCode,
        villageCode: village, groupID: nil, category: category, departmentID: department, urgency: .normal, status: status, sealed: sealed,
        title: "路灯坏了", summary: "路灯坏了半个月", opinionRisk: 0, createdAt: created, updatedAt: created)
    c = workflow.opening(c)
    return c
}

/// A signed-in user of each role, scoped so the test case is inside their region.
private func user(_ role: Role, department: UUID? = nil) -> Viewer {
    let region: String
    switch role {
    case .townshipCadre: region = "433125111"
    case .villageAdmin: region = "433125111201"
    default: region = "433125"
    }
    return Viewer(
        userID: UUID(), username: role.rawValue, displayName: role.rawValue, role: role, region: RegionCode(region)!,
        departmentID: role == .departmentHandler ? (department ?? zjj) : nil)
}

private enum Outcome: Equatable { case ok, notFound, forbidden, conflict, invalid }

private func outcome(_ command: CaseCommand, _ c: Case, _ v: Viewer, at now: Date = at("2026-11-24", 10)) -> Outcome {
    do {
        _ = try workflow.plan(command, on: c, by: v, at: now)
        return .ok
    } catch {
        switch error {
        case .notFound: return .notFound
        case .forbidden: return .forbidden
        case .conflict: return .conflict
        case .invalid: return .invalid
        }
    }
}

/// Who may take each state-changing step, written from docs/domain.md §2.5 independently of the workflow:
/// the centre (operator) accepts, declines, merges, dispatches, reassigns, registers reviews and may close;
/// the lead department starts, returns, suspends, resumes and resolves; the centre may itself resolve or
/// suspend a case it has accepted but not dispatched (即办件); supervisors reopen and close.
private func mayAct(_ role: Role, _ action: CaseAction, state: CaseState, resumeState: CaseState?) -> Bool {
    switch action {
    case .accept, .decline, .merge, .dispatch, .reassign: return role == .intakeOperator
    case .start, .returnToCentre: return role == .departmentHandler
    case .suspend, .resume, .resolve:
        if role == .departmentHandler { return true }
        let centreStage = state == .accepted || (state == .suspended && resumeState == .accepted)
        return role == .intakeOperator && centreStage
    case .review: return role == .intakeOperator || role == .townshipCadre
    case .reopen, .close: return role == .intakeOperator || role == .supervisor
    }
}

private let statuses: [CaseStatus] = CaseState.allCases.flatMap { s -> [CaseStatus] in
    switch s {
    case .suspended:
        return [CaseStatus(state: .suspended, resumeState: .accepted), CaseStatus(state: .suspended, resumeState: .inProgress)]
    case .reviewed: return [CaseStatus(state: .reviewed, lastReview: .satisfied), CaseStatus(state: .reviewed, lastReview: .unsatisfied)]
    default: return [CaseStatus(state: s)]
    }
}

@Suite("Closed-loop operations")
struct CaseWorkflowTests {
    @Test("every state-changing operation in every state for every role", arguments: Role.allCases)
    func matrix(role: Role) {
        let v = user(role)
        for status in statuses {
            let c = makeCase(status)
            for action in CaseAction.all {
                let command: CaseCommand
                switch action {
                case .accept: command = .accept(note: "")
                case .decline: command = .decline(reason: "不属于受理范围")
                case .merge: command = .merge(into: UUID(), note: "")
                case .dispatch: command = .dispatch(lead: zjj, coHandlers: [jtj], note: "")
                case .returnToCentre: command = .returnToCentre(reason: "非本部门职责")
                case .reassign: command = .reassign(lead: jtj, coHandlers: [], note: "")
                case .start: command = .start(note: "")
                case .suspend: command = .suspend(reason: "等群众补材料")
                case .resume: command = .resume(note: "")
                case .resolve: command = .resolve(reply: "已修好")
                case .review(let s): command = .review(s, note: "")
                case .reopen: command = .reopen(reason: "群众不满意")
                case .close: command = .close(note: "")
                }
                let got = outcome(command, c, v)
                let expected: Outcome
                if [.leader, .admin, .discipline, .villageAdmin].contains(role)
                    || !mayAct(role, action, state: status.state, resumeState: status.resumeState)
                {
                    expected = .forbidden
                } else {
                    expected = (try? CaseStateMachine.apply(action, to: status)) == nil ? .conflict : .ok
                }
                #expect(
                    got == expected,
                    "\(role) \(action.name) in \(status.state)(\(String(describing: status.resumeState ?? nil)), \(String(describing: status.lastReview))) → \(got), expected \(expected)"
                )
            }
        }
    }

    @Test("a handler of another department, or a co-handler, cannot act on the case")
    func otherDepartment() {
        let c = makeCase(CaseStatus(state: .dispatched))
        #expect(outcome(.start(note: ""), c, user(.departmentHandler, department: jtj)) == .notFound)  // not even visible
        var shared = c
        shared.coHandlerIDs = [jtj]
        // Co-handlers see it (storage includes them) but the workflow lets only the lead act.
        #expect(outcome(.start(note: ""), shared, user(.departmentHandler, department: zjj)) == .ok)
    }

    @Test("a township cadre handles cases dispatched to the township government")
    func township() {
        var c = makeCase(CaseStatus(state: .dispatched), department: UUID())
        c.departmentCode = "433125111"
        #expect(outcome(.start(note: ""), c, user(.townshipCadre)) == .ok)
        c.departmentCode = "433125100"
        #expect(outcome(.start(note: ""), c, user(.townshipCadre)) == .forbidden)
    }

    @Test("sealed reports: invisible to everyone but discipline, who handles them")
    func sealed() {
        let c = makeCase(CaseStatus(state: .new), category: .petition, sealed: true, department: nil)
        for role in Role.allCases where role != .discipline {
            #expect(outcome(.accept(note: ""), c, user(role)) == .notFound, "\(role)")
        }
        #expect(outcome(.accept(note: ""), c, user(.discipline)) == .ok)
        #expect(c.acceptanceDueAt == at("2026-12-14", 17, 30))  // 15 working days from 2026-11-23
    }

    @Test("payloads are checked: reasons are required")
    func payloads() {
        #expect(outcome(.decline(reason: " "), makeCase(.initial), user(.intakeOperator)) == .invalid)
        #expect(outcome(.resolve(reply: ""), makeCase(CaseStatus(state: .inProgress)), user(.departmentHandler)) == .invalid)
        #expect(outcome(.returnToCentre(reason: ""), makeCase(CaseStatus(state: .dispatched)), user(.departmentHandler)) == .invalid)
    }

    @Test("opening sets the response deadline; accepting starts the handling clock from the rule")
    func clocks() throws {
        let c = makeCase(.initial, created: at("2026-11-26", 11))  // Thursday 11:00
        #expect(c.responseDueAt == at("2026-11-26", 15, 30))  // 2 working hours, over lunch
        let accepted = try workflow.plan(.accept(note: ""), on: c, by: user(.intakeOperator), at: at("2026-11-26", 11, 30)).after
        #expect(accepted.respondedAt == at("2026-11-26", 11, 30))
        #expect(accepted.clock.ruleID == "handling.service")
        #expect(accepted.dueAt == at("2026-12-03", 17, 30))  // 5 working days
    }

    @Test("a co-handler named twice, or the lead named as one, is one department (it was a UNIQUE failure, a 500)")
    func coHandlersOnce() throws {
        var c = makeCase(.initial, created: at("2026-11-23", 9))
        c = try workflow.plan(.accept(note: ""), on: c, by: user(.intakeOperator), at: at("2026-11-23", 9)).after
        let other = UUID()
        let dispatched = try workflow.plan(
            .dispatch(lead: zjj, coHandlers: [jtj, jtj, zjj, other, jtj], note: ""), on: c, by: user(.intakeOperator),
            at: at("2026-11-23", 9, 30)
        ).after
        #expect(dispatched.coHandlerIDs == [jtj, other])
    }

    @Test("suspension stops the clock and resuming gives the time back")
    func suspension() throws {
        var c = makeCase(.initial, created: at("2026-11-23", 9))
        c = try workflow.plan(.accept(note: ""), on: c, by: user(.intakeOperator), at: at("2026-11-23", 9)).after
        c = try workflow.plan(.dispatch(lead: zjj, coHandlers: [], note: ""), on: c, by: user(.intakeOperator), at: at("2026-11-23", 9, 30))
            .after
        c = try workflow.plan(.start(note: ""), on: c, by: user(.departmentHandler), at: at("2026-11-23", 10)).after
        #expect(c.dueAt == at("2026-11-30", 17, 30))
        c = try workflow.plan(.suspend(reason: "等群众提供照片"), on: c, by: user(.departmentHandler), at: at("2026-11-24", 17, 30)).after
        #expect(c.state == .suspended)
        // Suspended from Tuesday close of business to Thursday close: two working days given back.
        c = try workflow.plan(.resume(note: ""), on: c, by: user(.departmentHandler), at: at("2026-11-26", 17, 30)).after
        #expect(c.state == .inProgress)
        #expect(c.dueAt == at("2026-12-02", 17, 30))
    }

    @Test("extension: within the cap, approved by a supervisor, only once, and only after telling the villager")
    func extensions() throws {
        var c = makeCase(.initial)
        c = try workflow.plan(.accept(note: ""), on: c, by: user(.intakeOperator), at: at("2026-11-23", 9)).after
        c = try workflow.plan(.dispatch(lead: zjj, coHandlers: [], note: ""), on: c, by: user(.intakeOperator), at: at("2026-11-23", 9))
            .after
        let due = try #require(c.dueAt)
        #expect(outcome(.requestExtension(.workingDays(11), reason: "需招标"), c, user(.departmentHandler)) == .invalid)
        #expect(outcome(.requestExtension(.calendarDays(5), reason: "需招标"), c, user(.departmentHandler)) == .invalid)
        #expect(outcome(.requestExtension(.workingDays(5), reason: "需招标"), c, user(.intakeOperator)) == .forbidden)
        c = try workflow.plan(
            .requestExtension(.workingDays(5), reason: "需采购材料"), on: c, by: user(.departmentHandler), at: at("2026-11-24", 9)
        ).after
        #expect(outcome(.decideExtension(approve: true, villagerNotified: true, note: ""), c, user(.departmentHandler)) == .forbidden)
        #expect(outcome(.decideExtension(approve: true, villagerNotified: false, note: ""), c, user(.supervisor)) == .invalid)
        c = try workflow.plan(
            .decideExtension(approve: true, villagerNotified: true, note: "同意"), on: c, by: user(.supervisor), at: at("2026-11-24", 10)
        ).after
        #expect(
            c.dueAt
                == workflow.calendar.instant(workflow.calendar.addingWorkingDays(5, to: workflow.calendar.local(due).date), minute: 1050))
        #expect(c.clock.extensions == 1)
        #expect(outcome(.requestExtension(.workingDays(1), reason: "再延"), c, user(.departmentHandler)) == .conflict)
        // Categories without an extension rule cannot be extended.
        var p = makeCase(.initial, category: .publicity)
        p = try workflow.plan(.accept(note: ""), on: p, by: user(.intakeOperator), at: at("2026-11-23", 9)).after
        p = try workflow.plan(.dispatch(lead: zjj, coHandlers: [], note: ""), on: p, by: user(.intakeOperator), at: at("2026-11-23", 9))
            .after
        #expect(outcome(.requestExtension(.workingDays(1), reason: "x"), p, user(.departmentHandler)) == .conflict)
    }

    @Test("return only within 5 working days of dispatch")
    func returnWindow() throws {
        var c = makeCase(.initial)
        c = try workflow.plan(.accept(note: ""), on: c, by: user(.intakeOperator), at: at("2026-11-23", 9)).after
        c = try workflow.plan(.dispatch(lead: zjj, coHandlers: [], note: ""), on: c, by: user(.intakeOperator), at: at("2026-11-23", 9))
            .after
        #expect(c.returnDueAt == at("2026-11-30", 17, 30))
        #expect(outcome(.returnToCentre(reason: "非本部门职责"), c, user(.departmentHandler), at: at("2026-11-30", 17)) == .ok)
        #expect(outcome(.returnToCentre(reason: "非本部门职责"), c, user(.departmentHandler), at: at("2026-12-01", 9)) == .conflict)
    }

    @Test("petitions: acceptance notice in 15 days, 60-day handling, then 复查 and 复核 within their windows")
    func petition() throws {
        var c = makeCase(.initial, category: .petition, created: at("2026-11-02", 10))
        #expect(c.acceptanceDueAt == at("2026-11-17", 17, 30))
        #expect(outcome(.notifyAcceptance(note: "已受理"), c, user(.intakeOperator)) == .conflict)  // decide first
        c = try workflow.plan(.accept(note: ""), on: c, by: user(.intakeOperator), at: at("2026-11-03", 10)).after
        #expect(c.dueAt == at("2027-01-04", 17, 30))  // 60 days → 2027-01-02 (Saturday) → next working day
        c = try workflow.plan(.notifyAcceptance(note: "您的信访事项已受理"), on: c, by: user(.intakeOperator), at: at("2026-11-03", 11)).after
        #expect(outcome(.notifyAcceptance(note: "again"), c, user(.intakeOperator)) == .conflict)
        #expect(outcome(.requestReview(note: "不服"), c, user(.intakeOperator)) == .conflict)  // no opinion yet
        c = try workflow.plan(.dispatch(lead: zjj, coHandlers: [], note: ""), on: c, by: user(.intakeOperator), at: at("2026-11-03", 12))
            .after
        c = try workflow.plan(.start(note: ""), on: c, by: user(.departmentHandler), at: at("2026-11-04", 9)).after
        c = try workflow.plan(.resolve(reply: "处理意见书"), on: c, by: user(.departmentHandler), at: at("2026-11-20", 9)).after
        #expect(c.petition.dueAt == at("2026-12-21", 17, 30))  // 30 days → 12-20 Sunday → Monday
        c = try workflow.plan(.requestReview(note: "请求复查"), on: c, by: user(.intakeOperator), at: at("2026-12-01", 9)).after
        #expect(c.petition.stage == .reviewRequested)
        #expect(outcome(.requestReview(note: "again"), c, user(.intakeOperator)) == .conflict)
        c = try workflow.plan(.decideReview(note: "维持原处理意见"), on: c, by: user(.supervisor), at: at("2026-12-10", 9)).after
        #expect(c.petition.stage == .reviewDecided)
        // 复核 must be asked within 30 days of the 复查 opinion.
        #expect(outcome(.requestReview(note: "请求复核"), c, user(.intakeOperator), at: at("2027-01-20", 9)) == .conflict)
        c = try workflow.plan(.requestReview(note: "请求复核"), on: c, by: user(.intakeOperator), at: at("2026-12-20", 9)).after
        #expect(c.petition.stage == .recheckRequested)
        c = try workflow.plan(.decideReview(note: "复核维持"), on: c, by: user(.supervisor), at: at("2026-12-25", 9)).after
        #expect(outcome(.requestReview(note: "再复核"), c, user(.intakeOperator), at: at("2026-12-26", 9)) == .conflict)
    }

    @Test("reopening after an unsatisfied review starts a new clock")
    func reopen() throws {
        var c = makeCase(.initial)
        let op = user(.intakeOperator)
        let h = user(.departmentHandler)
        c = try workflow.plan(.accept(note: ""), on: c, by: op, at: at("2026-11-02", 9)).after
        c = try workflow.plan(.dispatch(lead: zjj, coHandlers: [], note: ""), on: c, by: op, at: at("2026-11-02", 9)).after
        c = try workflow.plan(.start(note: ""), on: c, by: h, at: at("2026-11-02", 10)).after
        c = try workflow.plan(.resolve(reply: "已修"), on: c, by: h, at: at("2026-11-04", 10)).after
        c = try workflow.plan(.review(.unsatisfied, note: "还是不亮"), on: c, by: op, at: at("2026-11-05", 10)).after
        c = try workflow.plan(.reopen(reason: "群众不满意"), on: c, by: user(.supervisor), at: at("2026-11-26", 10)).after
        #expect(c.state == .dispatched)
        #expect(c.dueAt == at("2026-12-03", 17, 30))
        #expect(c.resolvedAt == nil)
    }

    @Test("the console's list of available actions follows role and state")
    func available() throws {
        let c = makeCase(.initial)
        #expect(
            workflow.available(on: c, to: user(.intakeOperator)) == [
                "accept", "decline", "merge", "reclassify", "dismiss", "transfer_discipline",
            ])
        #expect(workflow.available(on: c, to: user(.leader)).isEmpty)
        var d = try workflow.plan(.accept(note: ""), on: c, by: user(.intakeOperator), at: at("2026-11-23", 9)).after
        d = try workflow.plan(.dispatch(lead: zjj, coHandlers: [], note: ""), on: d, by: user(.intakeOperator), at: at("2026-11-23", 9))
            .after
        #expect(
            Set(workflow.available(on: d, to: user(.departmentHandler))) == [
                "return", "start", "suspend", "request_extension", "transfer_discipline", "record_progress",
            ])
        // A co-handler (协办) records its part and does nothing else; a township government co-handles by its code.
        d.coHandlerIDs = [jtj]  // as storage loads it after 派单 with a co-handler
        #expect(
            Set(workflow.available(on: d, to: user(.departmentHandler, department: jtj))) == ["record_progress", "transfer_discipline"])
        #expect(!workflow.available(on: d, to: user(.townshipCadre)).contains("record_progress"))
        d.coHandlerCodes = ["433125111"]
        #expect(workflow.available(on: d, to: user(.townshipCadre)).contains("record_progress"))
        let recorded = try workflow.plan(.recordProgress(note: "已到现场"), on: d, by: user(.townshipCadre), at: at("2026-11-23", 11))
        #expect(recorded.after.state == d.state && recorded.eventAction == "record_progress" && recorded.note == "已到现场")
        #expect(throws: CaseOperationError.self) {
            try workflow.plan(.recordProgress(note: " "), on: d, by: user(.townshipCadre), at: at("2026-11-23", 11))
        }
    }

    @Test("改类 moves the case to another function and its clocks to that function's rules; 非诉求 closes a new case quietly")
    func reclassify() throws {
        let operatorUser = user(.intakeOperator)
        let c = makeCase(.initial, created: at("2026-11-26", 11))
        #expect(c.acceptanceDueAt == nil)
        let plan = try workflow.plan(.reclassify(.petition, note: "是对征地补偿的投诉"), on: c, by: operatorUser, at: at("2026-11-26", 11, 10))
        #expect(plan.after.category == .petition && plan.after.state == .new)
        #expect(plan.after.acceptanceDueAt != nil, "a petition must be answered on acceptance within its limit")
        #expect(plan.note.contains("便民服务") && plan.note.contains("信访举报") && plan.note.contains("征地补偿"))

        // Accepted: the handling clock restarts from when it started, under the new rule.
        let accepted = try workflow.plan(.accept(note: ""), on: c, by: operatorUser, at: at("2026-11-26", 11, 30)).after
        let moved = try workflow.plan(.reclassify(.opinion, note: "有人在群里煽动"), on: accepted, by: operatorUser, at: at("2026-11-26", 14, 30))
            .after
        #expect(accepted.clock.ruleID == "handling.service" && moved.clock.ruleID == "handling.opinion")
        #expect(moved.clock.startedAt == accepted.clock.startedAt && moved.dueAt! < accepted.dueAt!)

        let dispatched = try workflow.plan(
            .dispatch(lead: zjj, coHandlers: [], note: ""), on: accepted, by: operatorUser, at: at("2026-11-26", 12)
        ).after
        #expect(outcome(.reclassify(.opinion, note: "x"), dispatched, operatorUser) == .conflict)
        #expect(outcome(.reclassify(.opinion, note: "x"), c, user(.departmentHandler)) == .forbidden)
        #expect(outcome(.reclassify(.service, note: "x"), c, operatorUser) == .invalid)
        #expect(outcome(.reclassify(.none, note: "x"), c, operatorUser) == .invalid)
        #expect(outcome(.reclassify(.opinion, note: " "), c, operatorUser) == .invalid)

        let dismissed = try workflow.plan(.dismiss(note: "群聊闲谈"), on: c, by: operatorUser, at: at("2026-11-26", 11, 5))
        #expect(dismissed.after.state == .declined && dismissed.eventAction == "dismiss")
        #expect(outcome(.dismiss(note: "x"), accepted, operatorUser) == .conflict)
    }
}

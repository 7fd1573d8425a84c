import Foundation

/// What an operation does to a case: the new case (state, clocks, departments) and what the audit
/// record says. Storage writes exactly this, in one transaction.
public struct CasePlan: Sendable {
    public var after: Case
    public var eventAction: String
    public var note: String
    /// The case changed function before any department had it: the department triage suggested for the old function
    /// is wrong, and the county's 派单目录 suggests one for the new (`CaseWorkflow.suggestDepartment`).
    public var resuggestDepartment = false

    public init(after: Case, eventAction: String, note: String) {
        self.after = after
        self.eventAction = eventAction
        self.note = note
    }
}

/// The closed loop's rules in one place: who may do what to which case, in which state, and what it
/// does to the deadlines. Pure: give it the case, the viewer, the time and the calendar.
public struct CaseWorkflow: Sendable {
    public var calendar: WorkCalendar
    public var rules: DeadlineRules

    public init(calendar: WorkCalendar, rules: DeadlineRules = .defaults) {
        self.calendar = calendar
        self.rules = rules
    }

    // MARK: Opening

    /// Deadlines a new case starts with: the first response, and for petitions and sealed reports the
    /// acceptance notice.
    public func opening(_ c: Case) -> Case {
        var c = c
        if let r = rules.rule(for: .response, category: c.category, urgency: c.urgency, sealed: c.sealed) {
            c.responseDueAt = calendar.deadline(from: c.createdAt, limit: r.limit)
        }
        let acceptanceStep: DeadlineStep? = c.sealed ? .reportAcceptance : (c.category == .petition ? .petitionAcceptance : nil)
        if let step = acceptanceStep, let r = rules.rule(for: step, category: c.category, urgency: c.urgency, sealed: c.sealed) {
            c.acceptanceDueAt = calendar.deadline(from: c.createdAt, limit: r.limit)
        }
        return c
    }

    // MARK: Operations

    /// `onDuty`: the viewer is on the duty roster (值班) for the case's township or county now — then they may accept
    /// and dispatch an urgent case themselves (to 公安, 消防, 应急…) instead of waiting for the centre.
    public func plan(_ command: CaseCommand, on c: Case, by viewer: Viewer, at now: Date, onDuty: Bool = false) throws(CaseOperationError)
        -> CasePlan
    {
        guard viewer.caseVisibility.allows(c) else { throw .notFound }
        try authorize(command, on: c, by: viewer, onDuty: onDuty)
        try validate(command)

        var after = c
        after.updatedAt = now
        if let step = command.transition {
            do {
                after.status = try CaseStateMachine.apply(step, to: c.status)
            } catch {
                throw .conflict(error.reason)
            }
        }

        switch command {
        case .accept:
            startHandlingClock(&after, at: now)
            if after.respondedAt == nil { after.respondedAt = now }
        case .decline, .merge, .dismiss:
            if case .dismiss = command, c.state != .new { throw .conflict("只有新工单可以标为非诉求；已受理的请用不予受理") }
            if after.respondedAt == nil { after.respondedAt = now }
            if case .merge(let into, _) = command {
                guard into != c.id else { throw .invalid("不能合并到自身") }
                after.mergedIntoID = into
            }
        case .dispatch(let lead, let co, _), .reassign(let lead, let co, _):
            after.departmentID = lead
            // Each co-handler once, in the order given: a department named twice is still one department.
            var seen: Set<UUID> = [lead]
            after.coHandlerIDs = co.filter { seen.insert($0).inserted }
            after.departmentCode = nil  // re-resolved by storage
            if let r = rules.rule(for: .returnWindow, category: c.category, urgency: c.urgency, sealed: c.sealed) {
                after.returnDueAt = calendar.deadline(from: now, limit: r.limit)
            }
        case .returnToCentre:
            if let due = c.returnDueAt, now > due {
                throw .conflict(
                    "已超过退回时限（\(rules.rule(for: .returnWindow, category: c.category, urgency: c.urgency, sealed: c.sealed)?.limit.description ?? "5个工作日")），请与受理中心协商改派"
                )
            }
            after.returnDueAt = nil
        case .start:
            break
        case .suspend:
            after.clock.suspendedAt = now
            if let due = c.dueAt, let limit = c.clock.limit {
                after.clock.remaining = remaining(limit: limit, from: now, to: due)
            }
        case .resume:
            if let left = c.clock.remaining, let limit = c.clock.limit {
                after.dueAt = resumed(limit: limit, remaining: left, at: now)
            }
            after.clock.suspendedAt = nil
            after.clock.remaining = nil
        case .resolve:
            after.resolvedAt = now
            if after.respondedAt == nil { after.respondedAt = now }
            if c.category == .petition, let r = rules.rule(for: .reviewRequest, category: .petition, urgency: c.urgency, sealed: c.sealed) {
                after.petition = PetitionProgress(stage: .none, dueAt: calendar.deadline(from: now, limit: r.limit), stageAt: now)
            }
        case .review:
            break
        case .reopen:
            // 重办: a new clock, as if just accepted; no extension carried over.
            after.clock = CaseClock()
            startHandlingClock(&after, at: now)
            after.resolvedAt = nil
        case .close:
            after.closedAt = now
        case .requestExtension(let limit, let reason):
            try planExtensionRequest(limit, reason: reason, on: c, into: &after)
        case .decideExtension(let approve, let notified, _):
            try planExtensionDecision(approve: approve, villagerNotified: notified, on: c, into: &after)
        case .requestReview:
            try planReviewRequest(on: c, at: now, into: &after)
        case .decideReview:
            try planReviewDecision(on: c, at: now, into: &after)
        case .notifyAcceptance:
            guard c.category == .petition || c.sealed else { throw .conflict("只有信访事项和检举控告需要受理告知") }
            guard c.acceptanceNotifiedAt == nil else { throw .conflict("已告知过受理情况") }
            guard c.state != .new else { throw .conflict("请先决定是否受理（受理或不予受理），再告知") }
            after.acceptanceNotifiedAt = now
        case .transferToDiscipline:
            guard !c.sealed else { throw .conflict("该工单已是密封件，由纪委监委办理") }
            // Storage finishes the seal (number, encryption, recusal, the commission as lead department).
            after.sealed = true
            after.coHandlerIDs = []
            after.departmentCode = nil
            after.returnDueAt = nil
            if after.acceptanceNotifiedAt == nil { after.acceptanceDueAt = opening(after).acceptanceDueAt }
        case .publishRebuttal:
            guard c.category == .opinion else { throw .conflict("只有舆情管控类工单可以发布辟谣；如是谣言，请先改类为舆情管控") }
            guard ![.declined, .merged].contains(c.state) else { throw .conflict("工单已不予受理或已合并，不能发布辟谣") }
        case .recordProgress:
            guard [.dispatched, .inProgress, .suspended].contains(c.state) else {
                throw .conflict("只有交办后、办结前的工单可以记录办理情况")
            }
        case .reclassify(let category, let reason):
            let change = try planReclassification(to: category, on: c, into: &after)
            var plan = CasePlan(after: after, eventAction: command.name, note: "\(change)：\(reason)")
            plan.resuggestDepartment = true
            return plan
        }
        return CasePlan(after: after, eventAction: command.name, note: command.note)
    }

    /// Commands a viewer could run on a case now, for the console's buttons.
    public func available(on c: Case, to viewer: Viewer, onDuty: Bool = false) -> [String] {
        guard viewer.caseVisibility.allows(c) else { return [] }
        return CaseCommand.allNames.filter { name in
            guard let sample = Self.sample(name, c) else { return false }
            do {
                _ = try plan(sample, on: c, by: viewer, at: Date(), onDuty: onDuty)
                return true
            } catch let error as CaseOperationError {
                // A payload problem still means the action is available in principle.
                if case .invalid = error { return true }
                return false
            } catch {
                return false
            }
        }
    }

    // MARK: Authorization

    /// Role, department and seal: who may act. Visibility (scope) is checked before this.
    func authorize(_ command: CaseCommand, on c: Case, by v: Viewer, onDuty: Bool = false) throws(CaseOperationError) {
        let role = v.role
        let roleName = CoreStrings.roleName(role)
        // Sealed reports are handled inside the discipline commission only.
        if c.sealed {
            guard role == .discipline else { throw .notFound }
            return
        }
        // Which roles may use the action: the catalogue (`CaseActionCatalogue`). Below: what each of them needs besides.
        let roles = CaseActionCatalogue.entry(for: command).roles
        let mayUse = roles.contains(role)
        // 转纪委: every handler who can see the case, and the commission itself; waiting for the right person would
        // leave the report readable by the accused meanwhile.
        if case .transferToDiscipline = command, mayUse {
            return
        }
        // The duty cadre takes an urgent case at once: accept it and send it to who must act, whatever their role.
        if onDuty, c.urgency == .urgent, [.accept, .dispatch].contains(where: { $0 == command.transition }) {
            return
        }
        guard CaseActionCatalogue.handlingRoles.contains(role) else {
            throw .forbidden("\(roleName)只能查看，不能办理工单")
        }
        let isLeadHandler = role == .departmentHandler && v.departmentID != nil && v.departmentID == c.departmentID
        let isTownshipHandler = role == .townshipCadre && c.departmentCode == v.region.rawValue
        let isHandler = isLeadHandler || isTownshipHandler
        let isCoHandler = v.coHandles(c)
        switch command {
        case .accept, .decline, .merge, .dispatch, .reassign, .notifyAcceptance, .requestReview, .reclassify, .dismiss:
            guard mayUse else { throw .forbidden("\(Self.verb(command))由受理员办理，\(roleName)无此权限") }
        case .start, .returnToCentre, .requestExtension:
            guard mayUse, isHandler else {
                throw .forbidden(
                    role == .departmentHandler ? "只有主办部门可以\(Self.verb(command))，协办部门请配合主办部门" : "\(roleName)不能\(Self.verb(command))")
            }
        case .suspend, .resume, .resolve:
            // The centre may answer a simple matter itself (即办件) before dispatching it.
            let centreOwnsIt =
                role == .intakeOperator && (c.state == .accepted || (c.state == .suspended && c.status.resumeState == .accepted))
            guard mayUse, isHandler || centreOwnsIt else { throw .forbidden("\(roleName)不能\(Self.verb(command))此工单") }
        case .review:
            guard mayUse, role != .townshipCadre || c.townshipCode == v.region else { throw .forbidden("回访由受理员或所在乡镇干部登记") }
        case .reopen, .close:
            guard mayUse else { throw .forbidden("\(roleName)不能\(Self.verb(command))") }
        case .decideExtension:
            guard mayUse else { throw .forbidden("延期须经督办负责人批准，\(roleName)无此权限") }
        case .decideReview:
            // A department or township answers for its own cases only.
            guard mayUse, isHandler || ![.departmentHandler, .townshipCadre].contains(role) else {
                throw .forbidden("\(roleName)不能出具复查、复核意见")
            }
        case .recordProgress:
            guard mayUse, isHandler || isCoHandler else { throw .forbidden("只有主办或协办单位可以记录办理情况") }
        case .publishRebuttal:
            guard mayUse, isHandler || [.intakeOperator, .supervisor].contains(role) else { throw .forbidden("只有受理中心、督办或主办单位可以发布辟谣") }
        case .transferToDiscipline:
            // Allowed above for the catalogue's roles.
            throw .forbidden("\(roleName)不能转纪委")
        }
    }

    func validate(_ command: CaseCommand) throws(CaseOperationError) {
        func need(_ text: String, _ what: String) throws(CaseOperationError) {
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw .invalid("请填写\(what)") }
            if text.count > 4000 { throw .invalid("\(what)过长（最多4000字）") }
        }
        switch command {
        case .decline(let r): try need(r, "不予受理的理由（将告知群众）")
        case .returnToCentre(let r): try need(r, "退回理由")
        case .suspend(let r): try need(r, "挂起原因")
        case .resolve(let r): try need(r, "答复群众的内容")
        case .reopen(let r): try need(r, "重办原因")
        case .requestExtension(_, let r): try need(r, "延期理由（将告知群众）")
        case .notifyAcceptance(let n): try need(n, "告知内容")
        case .decideReview(let n): try need(n, "复查（复核）意见")
        case .reclassify(_, let n): try need(n, "改类原因")
        case .recordProgress(let n): try need(n, "办理情况")
        case .publishRebuttal(let n): try need(n, "辟谣内容")
        case .transferToDiscipline(let accused, let usernames, let n):
            try need(n, "转纪委的理由")
            if (accused ?? "").count > 200 { throw .invalid("被反映人过长（最多200字）") }
            if usernames.count > 10 { throw .invalid("被反映人账号最多10个") }
        case .dispatch(_, let co, _), .reassign(_, let co, _):
            if co.count > 10 { throw .invalid("协办部门最多10个") }
        default: break
        }
    }

    static func verb(_ c: CaseCommand) -> String {
        switch c {
        case .requestExtension: return "申请延期"
        case .decideExtension: return "审批延期"
        case .notifyAcceptance: return "告知受理情况"
        case .requestReview: return "登记复查复核申请"
        case .decideReview: return "出具复查复核意见"
        case .reclassify: return "改类"
        case .dismiss: return "标为非诉求"
        case .transferToDiscipline: return "转纪委"
        case .recordProgress: return "记录办理情况"
        case .publishRebuttal: return "发布辟谣"
        default: return CoreStrings.actionName(c.transition!)
        }
    }

    /// A representative command for each name, to probe what is available.
    static func sample(_ name: String, _ c: Case) -> CaseCommand? {
        let x = "x"
        let someDept = c.departmentID ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1))
        switch name {
        case "accept": return .accept(note: x)
        case "decline": return .decline(reason: x)
        case "merge": return .merge(into: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2)), note: x)
        case "dispatch": return .dispatch(lead: someDept, coHandlers: [], note: x)
        case "return": return .returnToCentre(reason: x)
        case "reassign": return .reassign(lead: someDept, coHandlers: [], note: x)
        case "start": return .start(note: x)
        case "suspend": return .suspend(reason: x)
        case "resume": return .resume(note: x)
        case "resolve": return .resolve(reply: x)
        case "review": return .review(.satisfied, note: x)
        case "reopen": return .reopen(reason: x)
        case "close": return .close(note: x)
        case "request_extension": return .requestExtension(.workingDays(1), reason: x)
        case "decide_extension": return .decideExtension(approve: false, villagerNotified: false, note: x)
        case "notify_acceptance": return .notifyAcceptance(note: x)
        case "request_review": return .requestReview(note: x)
        case "decide_review": return .decideReview(note: x)
        case "reclassify": return .reclassify(c.category == .service ? .opinion : .service, note: x)
        case "dismiss": return .dismiss(note: x)
        case "transfer_discipline": return .transferToDiscipline(accused: nil, accusedUsernames: [], note: x)
        case "record_progress": return .recordProgress(note: x)
        case "publish_rebuttal": return .publishRebuttal(text: x)
        default: return nil
        }
    }
}

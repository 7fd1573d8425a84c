import Foundation

// The longer steps of `CaseWorkflow.plan`, one function each: extensions (a capped, once-only request and its
// approval) and the petition's review stages (信访工作条例 art. 35–36), and reclassification. Each checks the case and
// writes its part of the case after the change into `after`.
extension CaseWorkflow {
    func planExtensionRequest(_ limit: TimeLimit, reason: String, on c: Case, into after: inout Case) throws(CaseOperationError) {
        guard [.dispatched, .inProgress].contains(c.state) else { throw .conflict("只有办理中的工单可以申请延期") }
        guard c.clock.extensions == 0 else { throw .conflict("该工单已延期一次，不能再次延期") }
        guard c.clock.extensionRequested == nil else { throw .conflict("已有待审批的延期申请") }
        guard let ruleID = c.clock.ruleID, let rule = rules.rules.first(where: { $0.id == ruleID }), let cap = rule.maxExtension else {
            throw .conflict("该类事项的时限规则不允许延期")
        }
        guard Self.sameKind(limit, cap), Self.amount(limit) <= Self.amount(cap) else {
            throw .invalid("延期不能超过\(cap.description)（\(rule.source)）")
        }
        after.clock.extensionRequested = limit
        after.clock.extensionReason = reason
    }

    func planExtensionDecision(approve: Bool, villagerNotified notified: Bool, on c: Case, into after: inout Case)
        throws(CaseOperationError)
    {
        guard let requested = c.clock.extensionRequested else { throw .conflict("没有待审批的延期申请") }
        if approve {
            guard notified else { throw .invalid("批准延期前须将延期理由告知群众（请确认已告知）") }
            if let due = c.dueAt {
                after.dueAt = extend(due, by: requested)
            }
            after.clock.extensions += 1
        }
        after.clock.extensionRequested = nil
    }

    func planReviewRequest(on c: Case, at now: Date, into after: inout Case) throws(CaseOperationError) {
        guard c.category == .petition else { throw .conflict("只有信访事项可以申请复查、复核") }
        guard [.resolved, .reviewed, .closed].contains(c.state) else { throw .conflict("信访事项办结出具处理意见后，才能申请复查") }
        let next: PetitionStage
        let decisionStep: DeadlineStep
        switch c.petition.stage {
        case .none: (next, decisionStep) = (.reviewRequested, .reviewDecision)
        case .reviewDecided: (next, decisionStep) = (.recheckRequested, .recheckDecision)
        case .reviewRequested, .recheckRequested: throw .conflict("已有待作出决定的复查或复核请求")
        case .recheckDecided: throw .conflict("复核意见为最终意见，不再受理复查、复核请求（信访工作条例第三十六条）")
        }
        if let window = c.petition.dueAt, now > window {
            throw .conflict("已超过申请期限（收到意见之日起30日内），不予受理")
        }
        after.petition.stage = next
        after.petition.stageAt = now
        if let r = rules.rule(for: decisionStep, category: .petition, urgency: c.urgency, sealed: c.sealed) {
            after.petition.dueAt = calendar.deadline(from: now, limit: r.limit)
        }
    }

    func planReviewDecision(on c: Case, at now: Date, into after: inout Case) throws(CaseOperationError) {
        let next: PetitionStage
        switch c.petition.stage {
        case .reviewRequested: next = .reviewDecided
        case .recheckRequested: next = .recheckDecided
        default: throw .conflict("没有待作出决定的复查或复核请求")
        }
        after.petition.stage = next
        after.petition.stageAt = now
        after.petition.dueAt = nil
        if next == .reviewDecided, let r = rules.rule(for: .recheckRequest, category: .petition, urgency: c.urgency, sealed: c.sealed) {
            after.petition.dueAt = calendar.deadline(from: now, limit: r.limit)
        }
    }

    /// Returns the words that say what changed, for the case's event.
    func planReclassification(to category: Category, on c: Case, into after: inout Case) throws(CaseOperationError) -> String {
        guard [.new, .accepted].contains(c.state) else { throw .conflict("工单交办后不能再改类；如确属分类错误，请退回受理中心后再改") }
        guard category.isActionable else { throw .invalid("请选择五类事项之一；不是诉求的请用“非诉求”") }
        guard category != c.category else { throw .invalid("该工单已是\(CoreStrings.categoryName(category))类") }
        after.category = category
        // The clocks follow the new category's rules, counted from when each started.
        let reopened = opening(after)
        if after.respondedAt == nil { after.responseDueAt = reopened.responseDueAt }
        if after.acceptanceNotifiedAt == nil { after.acceptanceDueAt = reopened.acceptanceDueAt }
        if let started = c.clock.startedAt {
            after.clock = CaseClock()
            startHandlingClock(&after, at: started)
        }
        return "类别由“\(CoreStrings.categoryName(c.category))”改为“\(CoreStrings.categoryName(category))”"
    }

    /// The 派单目录 entry for a case's new function: the one whose words the case uses (the longest word wins), or the
    /// function's first entry; for a 舆情 case that spreads a rumour, the entry that answers rumours.
    public static func suggestDepartment(
        for category: Category, text: String, catalogue: [(category: Category, departmentID: UUID, keywords: [String])]
    ) -> UUID? {
        let entries = catalogue.filter { $0.category == category }
        if category == .opinion, let rumours = entries.first(where: { $0.keywords.contains("谣言") }),
            ["谣", "听说", "据说", "在传", "转发"].contains(where: { text.contains($0) })
        {
            return rumours.departmentID
        }
        var best: (UUID, Int)?
        for e in entries {
            for w in e.keywords where w.count >= 1 && text.contains(w) && w.count > (best?.1 ?? 0) { best = (e.departmentID, w.count) }
        }
        return best?.0 ?? entries.first?.departmentID
    }
}

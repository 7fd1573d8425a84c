import Foundation
import WeiminCore

/// Models stay inside this module; these turn rows into Core values. A row that does not map
/// (a code or enum value this binary cannot read) is a storage fault, reported with the row's identity.
extension RegionModel {
    func toCore() throws -> Region {
        guard let raw = id, let code = RegionCode(raw) else { throw PersistenceError.invalid(StoreMessages.Records.regionCode(id)) }
        return Region(code: code, name: name, parentCode: parentCode.flatMap(RegionCode.init))
    }
}

extension DepartmentModel {
    func toCore() throws -> Department {
        guard let id, let county = RegionCode(countyCode) else { throw PersistenceError.invalid(StoreMessages.Records.department(code)) }
        return Department(id: id, countyCode: county, code: code, name: name)
    }
}

extension MessageModel {
    func toCore() throws -> Message {
        guard let id, let platform = Platform(rawValue: platform) else {
            throw PersistenceError.invalid(StoreMessages.Records.message(platformMessageID))
        }
        return Message(
            id: id, groupID: groupID, platform: platform, platformMessageID: platformMessageID, senderID: senderID,
            senderName: senderName, kind: MessageKind(stored: kind), text: text, sentAt: sentAt, quotedPlatformID: quotedPlatformID,
            quoteOf: quoteOf,
            echo: echo.flatMap(OutboundEcho.Reason.init(rawValue:)))
    }
}

extension CaseModel {
    func toCore() throws -> Case {
        func bad(_ field: StoreMessages.Records.CaseField) -> PersistenceError { .invalid(StoreMessages.Records.caseField(number, field)) }
        guard let id else { throw bad(.number) }
        guard let n = CaseNumber(number) else { throw bad(.number) }
        guard let county = RegionCode(countyCode) else { throw bad(.county) }
        guard let category = Category(rawValue: category) else { throw bad(.category) }
        guard let urgency = Urgency(rawValue: urgency) else { throw bad(.urgency) }
        guard let state = CaseState(rawValue: state) else { throw bad(.state) }
        let status = CaseStatus(
            state: state, resumeState: resumeState.flatMap(CaseState.init(rawValue:)),
            lastReview: lastReview.flatMap(Satisfaction.init(rawValue:)))
        var c = Case(
            id: id, number: n, countyCode: county, townshipCode: townshipCode.flatMap(RegionCode.init),
            villageCode: villageCode.flatMap(RegionCode.init), groupID: groupID, category: category,
            departmentID: departmentID, urgency: urgency, status: status, sealed: sealed, title: title, summary: summary,
            opinionRisk: opinionRisk, createdAt: createdAt, updatedAt: updatedAt, responseDueAt: responseDueAt, dueAt: dueAt,
            resolvedAt: resolvedAt, closedAt: closedAt, mergedIntoID: mergedIntoID)
        c.respondedAt = respondedAt
        c.acceptanceDueAt = acceptanceDueAt
        c.acceptanceNotifiedAt = acceptanceNotifiedAt
        c.returnDueAt = returnDueAt
        c.clock = CaseClock(
            ruleID: clockRule, limit: clockLimit.flatMap { try? TimeLimit(parse: $0) }, startedAt: clockStartedAt,
            suspendedAt: clockSuspendedAt, remaining: clockRemaining,
            extensionRequested: extensionRequested.flatMap { try? TimeLimit(parse: $0) },
            extensionReason: extensionReason, extensions: extensions ?? 0)
        c.petition = PetitionProgress(
            stage: petitionStage.flatMap(PetitionStage.init(rawValue:)) ?? .none, dueAt: petitionDueAt, stageAt: petitionStageAt)
        return c
    }

    /// Copies every field a workflow plan may change onto the row.
    func apply(_ c: Case) {
        state = c.status.state.rawValue
        resumeState = c.status.resumeState?.rawValue
        lastReview = c.status.lastReview?.rawValue
        category = c.category.rawValue
        departmentID = c.departmentID
        updatedAt = c.updatedAt
        responseDueAt = c.responseDueAt
        dueAt = c.dueAt
        resolvedAt = c.resolvedAt
        closedAt = c.closedAt
        mergedIntoID = c.mergedIntoID
        respondedAt = c.respondedAt
        acceptanceDueAt = c.acceptanceDueAt
        acceptanceNotifiedAt = c.acceptanceNotifiedAt
        returnDueAt = c.returnDueAt
        clockRule = c.clock.ruleID
        clockLimit = c.clock.limit?.compact
        clockStartedAt = c.clock.startedAt
        clockSuspendedAt = c.clock.suspendedAt
        clockRemaining = c.clock.remaining
        extensionRequested = c.clock.extensionRequested?.compact
        extensionReason = c.clock.extensionReason
        extensions = c.clock.extensions
        petitionStage = c.petition.stage == .none ? nil : c.petition.stage.rawValue
        petitionDueAt = c.petition.dueAt
        petitionStageAt = c.petition.stageAt
    }
}

extension CaseEventModel {
    func toCore() -> CaseEvent {
        CaseEvent(
            sequence: sequence, occurredAt: occurredAt, actor: actor, actorRole: actorRole, action: action,
            fromState: fromState.flatMap(CaseState.init(rawValue:)), toState: toState.flatMap(CaseState.init(rawValue:)),
            note: note, previousHash: previousHash, hash: hash, snapshot: snapshot)
    }
}

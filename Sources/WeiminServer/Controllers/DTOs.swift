import Foundation
import Hummingbird
import WeiminCore

/// What the JSON API returns. Codes stay machine-readable; `_name` fields carry the Chinese words from
/// the strings table so a client need not translate.
struct PageDTO<Item: Codable & Sendable>: ResponseEncodable, Sendable {
    let items: [Item]
    let page: Int
    let perPage: Int
    let total: Int
    let pageCount: Int

    init<T>(_ page: WeiminCore.Page<T>, map: (T) -> Item) {
        self.items = page.items.map(map)
        self.page = page.page
        self.perPage = page.perPage
        self.total = page.total
        self.pageCount = page.pageCount
    }
}

struct ListDTO<Item: Codable & Sendable>: ResponseEncodable, Sendable {
    let items: [Item]
}

struct RegionDTO: Codable, Sendable {
    let code: String
    let name: String
    let level: String
    let levelName: String
    let parentCode: String?

    init(_ r: Region) {
        code = r.code.rawValue
        name = r.name
        level = r.level.rawValue
        levelName = CoreStrings.regionLevelName(r.level)
        parentCode = r.parentCode?.rawValue
    }
}

struct GroupDTO: Codable, Sendable {
    let id: UUID
    let name: String
    let platform: String
    let platformName: String
    let externalId: String
    let countyCode: String
    let villageCode: String
    let memberCount: Int
    let hasPolice: Bool
    let hasTownshipCadre: Bool
    let admins: [String]

    init(_ g: ChatGroup) {
        id = g.id
        name = g.name
        platform = g.platform.rawValue
        platformName = CoreStrings.platformName(g.platform)
        externalId = g.externalID
        countyCode = g.countyCode.rawValue
        villageCode = g.villageCode.rawValue
        memberCount = g.memberCount
        hasPolice = g.hasPolice
        hasTownshipCadre = g.hasTownshipCadre
        admins = g.admins
    }
}

struct MemberDTO: Codable, Sendable {
    let platformUserId: String
    let displayName: String
    let kind: String
    let kindName: String
    let isAdmin: Bool
}

struct DepartmentDTO: Codable, Sendable {
    let id: UUID
    let code: String
    let name: String
}

struct CaseDTO: Codable, Sendable, ResponseEncodable {
    let number: String
    let title: String
    let summary: String
    let category: String
    let categoryName: String
    let state: String
    let stateName: String
    let urgency: String
    let urgencyName: String
    let opinionRisk: Int
    let sealed: Bool
    let countyCode: String
    let townshipCode: String?
    let villageCode: String?
    let groupId: UUID?
    let departmentId: UUID?
    let createdAt: Date
    let updatedAt: Date
    let responseDueAt: Date?
    let dueAt: Date?
    let resolvedAt: Date?
    let closedAt: Date?
    let overdue: Bool
    let lastReview: String?
    let allowedActions: [String]
    let respondedAt: Date?
    let acceptanceDueAt: Date?
    let acceptanceNotifiedAt: Date?
    let returnDueAt: Date?
    let coDepartmentIds: [UUID]
    let timeLimit: String?
    let timeLimitSource: String?
    let suspendedAt: Date?
    let extensionRequested: String?
    let extensions: Int
    let petitionStage: String?
    let petitionDueAt: Date?

    static let sealedPlaceholder = "（密封件：举报人身份和原始内容须通过“查阅密封材料”查看，每次查阅均记录在案）"

    /// `allowed` lists the operations the viewer may run now; `rules` supplies the source of the limit.
    init(_ c: Case, now: Date, allowed: [String] = [], rules: DeadlineRules = .defaults) {
        number = c.number.description
        title = c.title
        // The original words of a report about a cadre are read only through the audited sealed route.
        summary = c.sealed ? CaseDTO.sealedPlaceholder : PIIMask.redact(c.summary)
        category = c.category.rawValue
        categoryName = CoreStrings.categoryName(c.category)
        state = c.state.rawValue
        stateName = CoreStrings.stateName(c.state)
        urgency = c.urgency.rawValue
        urgencyName = CoreStrings.urgencyName(c.urgency)
        opinionRisk = c.opinionRisk
        sealed = c.sealed
        countyCode = c.countyCode.rawValue
        townshipCode = c.townshipCode?.rawValue
        villageCode = c.villageCode?.rawValue
        groupId = c.groupID
        departmentId = c.departmentID
        createdAt = c.createdAt
        updatedAt = c.updatedAt
        responseDueAt = c.responseDueAt
        dueAt = c.dueAt
        resolvedAt = c.resolvedAt
        closedAt = c.closedAt
        overdue = c.isOverdue(at: now)
        lastReview = c.status.lastReview?.rawValue
        allowedActions = allowed
        respondedAt = c.respondedAt
        acceptanceDueAt = c.acceptanceDueAt
        acceptanceNotifiedAt = c.acceptanceNotifiedAt
        returnDueAt = c.returnDueAt
        coDepartmentIds = c.coHandlerIDs
        timeLimit = c.clock.limit?.description
        timeLimitSource = c.clock.ruleID.flatMap { id in rules.rules.first { $0.id == id }?.source }
        suspendedAt = c.clock.suspendedAt
        extensionRequested = c.clock.extensionRequested?.description
        extensions = c.clock.extensions
        petitionStage = c.petition.stage == .none ? nil : c.petition.stage.rawValue
        petitionDueAt = c.petition.dueAt
    }
}

struct MessageDTO: Codable, Sendable {
    let id: Int
    let platformMessageId: String
    let senderId: String
    let senderName: String
    let kind: String
    let text: String
    let sentAt: Date
}

struct EventDTO: Codable, Sendable {
    let sequence: Int
    let occurredAt: Date
    let actor: String
    let actorRole: String
    let action: String
    let actionName: String
    let fromState: String?
    let toState: String?
    let note: String
    let previousHash: String
    let hash: String

    init(_ e: CaseEvent, note: String? = nil) {
        sequence = e.sequence
        occurredAt = e.occurredAt
        actor = e.actor
        actorRole = e.actorRole
        action = e.action
        actionName = e.actionDisplayName
        fromState = e.fromState?.rawValue
        toState = e.toState?.rawValue
        self.note = note ?? e.note
        previousHash = e.previousHash
        hash = e.hash
    }
}

struct CaseDetailDTO: ResponseEncodable, Sendable {
    let `case`: CaseDTO
    let departmentName: String?
    let messages: [MessageDTO]
    let events: [EventDTO]
}

extension CaseEvent {
    var actionDisplayName: String {
        switch action {
        case "open": return "立案"
        case "supervise": return "督办"
        case "read_sealed": return "查阅密封材料"
        case "transfer_discipline": return "转纪委"
        case "encrypt_sealed_words": return "密封内容加密"
        case "erase_personal_data": return "删除个人信息"
        case "request_extension": return "延期申请"
        case "decide_extension": return "延期审批"
        case "notify_acceptance": return "受理告知"
        case "request_review": return "复查复核申请"
        case "decide_review": return "复查复核意见"
        default:
            let match = CaseAction.all.first { $0.name == action }
            return match.map(CoreStrings.actionName) ?? action
        }
    }
}

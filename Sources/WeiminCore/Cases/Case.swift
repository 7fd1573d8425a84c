import Foundation

/// A tracked demand (工单). `status` carries the state machine's view; the rest is what the ledger shows.
public struct Case: Sendable, Hashable, Codable {
    public var id: UUID
    public var number: CaseNumber
    public var countyCode: RegionCode
    public var townshipCode: RegionCode?
    public var villageCode: RegionCode?
    public var groupID: UUID?
    public var category: Category
    public var departmentID: UUID?
    public var urgency: Urgency
    public var status: CaseStatus
    /// A report about a cadre (问题线索): visible to the discipline role only (docs/domain.md §4.1).
    public var sealed: Bool
    public var title: String
    public var summary: String
    /// 0–3, from triage: how likely the matter is to escalate in public.
    public var opinionRisk: Int
    public var createdAt: Date
    public var updatedAt: Date
    public var responseDueAt: Date?
    public var dueAt: Date?
    public var resolvedAt: Date?
    public var closedAt: Date?
    public var mergedIntoID: UUID?
    /// 协办: departments helping the lead department; they see the case but do not act on it.
    public var coHandlerIDs: [UUID] = []
    /// The co-handlers' codes (a township government's is its township's code), for who-may-act checks.
    public var coHandlerCodes: [String] = []
    /// The lead department's code (e.g. a township's own code for 乡镇人民政府), for who-may-act checks.
    public var departmentCode: String?
    /// The handling clock: which rule, when it started, and (while suspended) what was left of it.
    public var clock: CaseClock = CaseClock()
    /// When the villager was first answered (响应).
    public var respondedAt: Date?
    /// Petitions and sealed reports: when acceptance must be told, and when it was.
    public var acceptanceDueAt: Date?
    public var acceptanceNotifiedAt: Date?
    /// Until when the lead department may return the case (退回).
    public var returnDueAt: Date?
    public var petition: PetitionProgress = PetitionProgress()
    /// Staff who must never see this case (回避): the accused and the source group's admins.
    public var recusedUsernames: [String] = []

    public init(
        id: UUID, number: CaseNumber, countyCode: RegionCode, townshipCode: RegionCode?, villageCode: RegionCode?,
        groupID: UUID?, category: Category, departmentID: UUID?, urgency: Urgency, status: CaseStatus, sealed: Bool,
        title: String, summary: String, opinionRisk: Int, createdAt: Date, updatedAt: Date,
        responseDueAt: Date? = nil, dueAt: Date? = nil, resolvedAt: Date? = nil, closedAt: Date? = nil,
        mergedIntoID: UUID? = nil
    ) {
        self.id = id
        self.number = number
        self.countyCode = countyCode
        self.townshipCode = townshipCode
        self.villageCode = villageCode
        self.groupID = groupID
        self.category = category
        self.departmentID = departmentID
        self.urgency = urgency
        self.status = status
        self.sealed = sealed
        self.title = title
        self.summary = summary
        self.opinionRisk = opinionRisk
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.responseDueAt = responseDueAt
        self.dueAt = dueAt
        self.resolvedAt = resolvedAt
        self.closedAt = closedAt
        self.mergedIntoID = mergedIntoID
    }

    public var state: CaseState { status.state }

    /// Overdue: still open and past its handling deadline.
    public func isOverdue(at now: Date) -> Bool {
        guard status.state.isOpen, status.state != .suspended, let due = dueAt else { return false }
        return due < now
    }
}

/// One entry of a case's history: who did what, when, and from which state to which.
/// Events are append-only; `previousHash`/`hash` chain them so that any edit is detectable.
public struct CaseEvent: Sendable, Hashable, Codable {
    public var sequence: Int
    public var occurredAt: Date
    public var actor: String
    public var actorRole: String
    public var action: String
    public var fromState: CaseState?
    public var toState: CaseState?
    public var note: String
    public var previousHash: String
    public var hash: String
    /// The case's key fields after this event (`CaseSnapshot.encoded`); nil on events written before M028.
    public var snapshot: String?

    public init(
        sequence: Int, occurredAt: Date, actor: String, actorRole: String, action: String,
        fromState: CaseState?, toState: CaseState?, note: String, previousHash: String = "", hash: String = "",
        snapshot: String? = nil
    ) {
        self.sequence = sequence
        self.occurredAt = occurredAt
        self.actor = actor
        self.actorRole = actorRole
        self.action = action
        self.fromState = fromState
        self.toState = toState
        self.note = note
        self.previousHash = previousHash
        self.hash = hash
        self.snapshot = snapshot
    }

    /// The bytes the hash covers: every field but the hash itself, in a fixed order, length-prefixed so
    /// that no two different events encode the same way. Time is whole milliseconds since 1970 so
    /// SQLite and PostgreSQL round-trip it identically.
    public func canonicalContent(caseNumber: CaseNumber) -> [UInt8] {
        var out: [UInt8] = []
        func put(_ s: String) {
            let bytes = Array(s.utf8)
            out.append(contentsOf: Array(String(bytes.count).utf8))
            out.append(0x3A)  // ":"
            out.append(contentsOf: bytes)
            out.append(0x0A)
        }
        // v2 adds the snapshot; events without one hash exactly as they always did.
        let snapshot = self.snapshot ?? ""
        put(snapshot.isEmpty ? "weimin.case-event.v1" : "weimin.case-event.v2")
        put(caseNumber.description)
        put(String(sequence))
        put(String(Int64((occurredAt.timeIntervalSince1970 * 1000).rounded())))
        put(actor)
        put(actorRole)
        put(action)
        put(fromState?.rawValue ?? "")
        put(toState?.rawValue ?? "")
        put(note)
        put(previousHash)
        if !snapshot.isEmpty { put(snapshot) }
        return out
    }
}

/// A message as shown with its case: the group conversation around a demand.
public struct Message: Sendable, Hashable, Codable {
    public var id: Int
    public var groupID: UUID
    public var platform: Platform
    public var platformMessageID: String
    public var senderID: String
    public var senderName: String
    public var kind: MessageKind
    public var text: String
    public var sentAt: Date
    /// A quote-reply: the platform id of the message it answers, and our id for it when that is stored.
    public var quotedPlatformID: String?
    public var quoteOf: Int?
    /// Weimin's own words come back through a bridge: why this message is ours (nil for everyone else's).
    public var echo: OutboundEcho.Reason?

    public init(
        id: Int, groupID: UUID, platform: Platform, platformMessageID: String, senderID: String, senderName: String,
        kind: MessageKind, text: String, sentAt: Date, quotedPlatformID: String? = nil, quoteOf: Int? = nil,
        echo: OutboundEcho.Reason? = nil
    ) {
        self.echo = echo
        self.quotedPlatformID = quotedPlatformID
        self.quoteOf = quoteOf
        self.id = id
        self.groupID = groupID
        self.platform = platform
        self.platformMessageID = platformMessageID
        self.senderID = senderID
        self.senderName = senderName
        self.kind = kind
        self.text = text
        self.sentAt = sentAt
    }
}

import FluentKit
import Foundation

final class MessageModel: Model, @unchecked Sendable {
    static let schema = "messages"

    @ID(custom: "id", generatedBy: .database) var id: Int?
    @Field(key: "county_code") var countyCode: String
    @Field(key: "group_id") var groupID: UUID
    @Field(key: "platform") var platform: String
    @Field(key: "platform_message_id") var platformMessageID: String
    @Field(key: "sender_id") var senderID: String
    @Field(key: "sender_name") var senderName: String
    @Field(key: "kind") var kind: String
    @Field(key: "text") var text: String
    @Field(key: "sent_at") var sentAt: Date
    @Field(key: "received_at") var receivedAt: Date
    @OptionalField(key: "sealed") var sealed: Bool?
    @OptionalField(key: "quoted_platform_id") var quotedPlatformID: String?
    @OptionalField(key: "quote_of") var quoteOf: Int?
    /// M029: why the message is Weimin's own (`OutboundEcho.Reason`); nil for everyone else's.
    @OptionalField(key: "echo") var echo: String?

    init() {}
}

final class CaseModel: Model, @unchecked Sendable {
    static let schema = "cases"

    @ID(key: .id) var id: UUID?
    @Field(key: "number") var number: String
    @Field(key: "county_code") var countyCode: String
    @OptionalField(key: "township_code") var townshipCode: String?
    @OptionalField(key: "village_code") var villageCode: String?
    /// The most specific region the case belongs to; scope queries use it.
    @Field(key: "scope_code") var scopeCode: String
    @OptionalField(key: "group_id") var groupID: UUID?
    @Field(key: "category") var category: String
    @OptionalField(key: "department_id") var departmentID: UUID?
    @Field(key: "urgency") var urgency: String
    @Field(key: "state") var state: String
    @OptionalField(key: "resume_state") var resumeState: String?
    @OptionalField(key: "last_review") var lastReview: String?
    @Field(key: "sealed") var sealed: Bool
    @Field(key: "title") var title: String
    @Field(key: "summary") var summary: String
    @Field(key: "opinion_risk") var opinionRisk: Int
    @OptionalField(key: "merged_into_id") var mergedIntoID: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @OptionalField(key: "response_due_at") var responseDueAt: Date?
    @OptionalField(key: "due_at") var dueAt: Date?
    @OptionalField(key: "resolved_at") var resolvedAt: Date?
    @OptionalField(key: "closed_at") var closedAt: Date?
    // M011
    @OptionalField(key: "version") var version: Int?
    @OptionalField(key: "responded_at") var respondedAt: Date?
    @OptionalField(key: "acceptance_due_at") var acceptanceDueAt: Date?
    @OptionalField(key: "acceptance_notified_at") var acceptanceNotifiedAt: Date?
    @OptionalField(key: "return_due_at") var returnDueAt: Date?
    @OptionalField(key: "clock_rule") var clockRule: String?
    @OptionalField(key: "clock_limit") var clockLimit: String?
    @OptionalField(key: "clock_started_at") var clockStartedAt: Date?
    @OptionalField(key: "clock_suspended_at") var clockSuspendedAt: Date?
    @OptionalField(key: "clock_remaining") var clockRemaining: Double?
    @OptionalField(key: "extension_requested") var extensionRequested: String?
    @OptionalField(key: "extension_reason") var extensionReason: String?
    @OptionalField(key: "extensions") var extensions: Int?
    @OptionalField(key: "petition_stage") var petitionStage: String?
    @OptionalField(key: "petition_due_at") var petitionDueAt: Date?
    @OptionalField(key: "petition_stage_at") var petitionStageAt: Date?
    @OptionalField(key: "event_head") var eventHead: String?
    @OptionalField(key: "event_count") var eventCount: Int?
    @OptionalField(key: "erased_at") var erasedAt: Date?
    // M027: a sealed case's words, encrypted (the plain columns then hold a placeholder), and the number a
    // case had before it was transferred to the discipline commission.
    @OptionalField(key: "title_cipher") var titleCipher: String?
    @OptionalField(key: "summary_cipher") var summaryCipher: String?
    @OptionalField(key: "former_number") var formerNumber: String?

    init() {}
}

/// 协办: a department helping on a case.
final class CaseDepartmentModel: Model, @unchecked Sendable {
    static let schema = "case_departments"

    @ID(key: .id) var id: UUID?
    @Field(key: "case_id") var caseID: UUID
    @Field(key: "department_id") var departmentID: UUID
    @Field(key: "county_code") var countyCode: String
    @Field(key: "role") var role: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// The next free sequence number per county and year, e.g. id `433125-2026`.
final class CaseSequenceModel: Model, @unchecked Sendable {
    static let schema = "case_sequences"

    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "next_value") var nextValue: Int

    init() {}

    init(id: String, nextValue: Int) {
        self.id = id
        self.nextValue = nextValue
    }
}

final class CaseMessageModel: Model, @unchecked Sendable {
    static let schema = "case_messages"

    @ID(key: .id) var id: UUID?
    @Field(key: "case_id") var caseID: UUID
    @Field(key: "message_id") var messageID: Int
    @Field(key: "county_code") var countyCode: String
    /// `origin` for the message that opened the case, `followup` for messages joined later.
    @Field(key: "relation") var relation: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

final class CaseEventModel: Model, @unchecked Sendable {
    static let schema = "case_events"

    @ID(custom: "id", generatedBy: .database) var id: Int?
    @Field(key: "case_id") var caseID: UUID
    @Field(key: "county_code") var countyCode: String
    @Field(key: "sequence") var sequence: Int
    @Field(key: "occurred_at") var occurredAt: Date
    @Field(key: "actor") var actor: String
    @Field(key: "actor_role") var actorRole: String
    @Field(key: "action") var action: String
    @OptionalField(key: "from_state") var fromState: String?
    @OptionalField(key: "to_state") var toState: String?
    @Field(key: "note") var note: String
    @Field(key: "previous_hash") var previousHash: String
    @Field(key: "hash") var hash: String
    /// M028: the case's key fields after this event (`CaseSnapshot`), covered by the hash.
    @OptionalField(key: "snapshot") var snapshot: String?

    init() {}
}

final class SealedReportModel: Model, @unchecked Sendable {
    static let schema = "sealed_reports"

    @ID(key: .id) var id: UUID?
    @Field(key: "case_id") var caseID: UUID
    @Field(key: "county_code") var countyCode: String
    @OptionalField(key: "reporter_name_cipher") var reporterNameCipher: String?
    @OptionalField(key: "reporter_platform_id_cipher") var reporterPlatformIDCipher: String?
    @OptionalField(key: "reporter_phone_cipher") var reporterPhoneCipher: String?
    @OptionalField(key: "original_text_cipher") var originalTextCipher: String?
    @OptionalField(key: "accused_cipher") var accusedCipher: String?
    @OptionalField(key: "source_group_id") var sourceGroupID: UUID?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "erased_at") var erasedAt: Date?

    init() {}
}

final class CaseRecusalModel: Model, @unchecked Sendable {
    static let schema = "case_recusals"

    @ID(key: .id) var id: UUID?
    @Field(key: "case_id") var caseID: UUID
    @Field(key: "county_code") var countyCode: String
    @Field(key: "username") var username: String
    @Field(key: "reason") var reason: String

    init() {}
}

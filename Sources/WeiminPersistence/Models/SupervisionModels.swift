import FluentKit
import Foundation

final class SupervisionOrderModel: Model, @unchecked Sendable {
    static let schema = "supervision_orders"

    @ID(key: .id) var id: UUID?
    @Field(key: "county_code") var countyCode: String
    @OptionalField(key: "township_code") var townshipCode: String?
    @OptionalField(key: "case_id") var caseID: UUID?
    @OptionalField(key: "department_id") var departmentID: UUID?
    @Field(key: "level") var level: String
    @Field(key: "step") var step: String
    @Field(key: "dedupe_key") var dedupeKey: String
    @OptionalField(key: "due_at") var dueAt: Date?
    @Field(key: "overdue_minutes") var overdueMinutes: Int
    @Field(key: "message") var message: String
    @Field(key: "recipients") var recipients: String
    @Field(key: "issued_at") var issuedAt: Date

    init() {}
}

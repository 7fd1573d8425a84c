import FluentKit
import Foundation

/// Regions are keyed by their administrative code, which never changes and nests by prefix.
final class RegionModel: Model, @unchecked Sendable {
    static let schema = "regions"

    @ID(custom: "code", generatedBy: .user) var id: String?
    @Field(key: "name") var name: String
    @Field(key: "level") var level: String
    @OptionalField(key: "parent_code") var parentCode: String?
    /// Null only for provinces and prefectures; every row at county level or below carries its county.
    @OptionalField(key: "county_code") var countyCode: String?
    @Field(key: "created_at") var createdAt: Date

    init() {}

    init(code: String, name: String, level: String, parentCode: String?, countyCode: String?, createdAt: Date) {
        self.id = code
        self.name = name
        self.level = level
        self.parentCode = parentCode
        self.countyCode = countyCode
        self.createdAt = createdAt
    }
}

final class SettingModel: Model, @unchecked Sendable {
    static let schema = "system_settings"

    @ID(custom: "key", generatedBy: .user) var id: String?
    @Field(key: "value") var value: String
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    init(key: String, value: String, updatedAt: Date) {
        self.id = key
        self.value = value
        self.updatedAt = updatedAt
    }
}

final class DepartmentModel: Model, @unchecked Sendable {
    static let schema = "departments"

    @ID(key: .id) var id: UUID?
    @Field(key: "county_code") var countyCode: String
    @Field(key: "code") var code: String
    @Field(key: "name") var name: String
    @Field(key: "active") var active: Bool
    @Field(key: "created_at") var createdAt: Date

    init() {}

    init(id: UUID? = nil, countyCode: String, code: String, name: String, createdAt: Date) {
        self.id = id
        self.countyCode = countyCode
        self.code = code
        self.name = name
        self.active = true
        self.createdAt = createdAt
    }
}

final class DispatchEntryModel: Model, @unchecked Sendable {
    static let schema = "dispatch_entries"

    @ID(key: .id) var id: UUID?
    @Field(key: "county_code") var countyCode: String
    @Field(key: "category") var category: String
    @Field(key: "matter") var matter: String
    @Parent(key: "department_id") var department: DepartmentModel
    /// Keywords separated by "|"; short and human-edited, so no JSON is needed.
    @Field(key: "keywords") var keywords: String

    init() {}
}

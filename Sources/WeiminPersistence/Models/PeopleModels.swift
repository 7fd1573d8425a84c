import FluentKit
import Foundation

/// A person known to a county: villager, cadre, police. Phone and ID numbers are stored only as
/// AES-GCM ciphertext plus a masked copy for display and a keyed hash for lookup (docs/domain.md §4.4).
final class PersonModel: Model, @unchecked Sendable {
    static let schema = "people"

    @ID(key: .id) var id: UUID?
    @Field(key: "county_code") var countyCode: String
    @OptionalField(key: "village_code") var villageCode: String?
    @Field(key: "name") var name: String
    @Field(key: "kind") var kind: String
    @OptionalField(key: "phone_cipher") var phoneCipher: String?
    @OptionalField(key: "phone_masked") var phoneMasked: String?
    @OptionalField(key: "phone_index") var phoneIndex: String?
    @OptionalField(key: "id_number_cipher") var idNumberCipher: String?
    @OptionalField(key: "id_number_masked") var idNumberMasked: String?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

final class ChatGroupModel: Model, @unchecked Sendable {
    static let schema = "chat_groups"

    @ID(key: .id) var id: UUID?
    @Field(key: "county_code") var countyCode: String
    @Field(key: "township_code") var townshipCode: String
    @Field(key: "village_code") var villageCode: String
    @Field(key: "platform") var platform: String
    @Field(key: "external_id") var externalID: String
    @Field(key: "name") var name: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

final class GroupMemberModel: Model, @unchecked Sendable {
    static let schema = "group_members"

    @ID(key: .id) var id: UUID?
    @Field(key: "group_id") var groupID: UUID
    @Field(key: "county_code") var countyCode: String
    @OptionalField(key: "person_id") var personID: UUID?
    @Field(key: "platform_user_id") var platformUserID: String
    @Field(key: "display_name") var displayName: String
    @Field(key: "kind") var kind: String
    @Field(key: "is_admin") var isAdmin: Bool
    @Field(key: "joined_at") var joinedAt: Date
    @OptionalField(key: "left_at") var leftAt: Date?

    init() {}
}

/// Staff who sign in to the console or the API. Passwords are bcrypt hashes only.
final class StaffUserModel: Model, @unchecked Sendable {
    static let schema = "staff_users"

    @ID(key: .id) var id: UUID?
    @Field(key: "username") var username: String
    @Field(key: "display_name") var displayName: String
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "role") var role: String
    @Field(key: "region_code") var regionCode: String
    @OptionalField(key: "county_code") var countyCode: String?
    @OptionalField(key: "department_id") var departmentID: UUID?
    @Field(key: "active") var active: Bool
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    /// Their own WeChat id, for duty alerts sent privately through a bridge (M034).
    @OptionalField(key: "wechat_id") var wechatID: String?
    /// Their WeCom and DingTalk user ids, for duty alerts through the county's own application (M035).
    @OptionalField(key: "wecom_userid") var weComUserID: String?
    @OptionalField(key: "dingtalk_userid") var dingTalkUserID: String?

    init() {}
}

/// Bearer tokens for the JSON API. Only a SHA-256 of the token is stored, so a copy of the
/// database cannot be used to sign in.
final class APITokenModel: Model, @unchecked Sendable {
    static let schema = "api_tokens"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @Field(key: "last_used_at") var lastUsedAt: Date

    init() {}
}

import FluentKit

/// A staff member's own WeCom and DingTalk user ids, so that a duty alert reaches them as a WeCom application message or
/// a DingTalk work notice through the county's own application, not only on the workbench.
struct M035AddStaffPlatformAccounts: AsyncMigration {
    var name: String { "M035AddStaffPlatformAccounts" }

    func prepare(on database: any Database) async throws {
        try await database.schema("staff_users").field("wecom_userid", .string).update()
        try await database.schema("staff_users").field("dingtalk_userid", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("staff_users").deleteField("dingtalk_userid").update()
        try await database.schema("staff_users").deleteField("wecom_userid").update()
    }
}

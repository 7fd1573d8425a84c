import FluentKit

/// A staff member's own WeChat id (wxid), so that a duty alert reaches them privately through a group's
/// personal-WeChat bridge at night, not only on the workbench.
struct M034AddStaffWeChatIDs: AsyncMigration {
    var name: String { "M034AddStaffWeChatIDs" }

    func prepare(on database: any Database) async throws {
        try await database.schema("staff_users").field("wechat_id", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("staff_users").deleteField("wechat_id").update()
    }
}

import FluentKit

/// Reports about cadres (问题线索): who reported and the original words, encrypted and readable by the
/// discipline role only; who must be recused from the case (the accused and the source group's admins).
struct M014CreateSealedReports: AsyncMigration {
    var name: String { "M014CreateSealedReports" }

    func prepare(on database: any Database) async throws {
        try await database.schema("sealed_reports")
            .id()
            .field("case_id", .uuid, .required, .references("cases", "id", onDelete: .cascade))
            .field("county_code", .string, .required)
            .field("reporter_name_cipher", .string)
            .field("reporter_platform_id_cipher", .string)
            .field("reporter_phone_cipher", .string)
            .field("original_text_cipher", .string)
            .field("accused_cipher", .string)
            .field("source_group_id", .uuid)
            .field("created_at", .datetime, .required)
            .field("erased_at", .datetime)
            .unique(on: "case_id")
            .create()
        try await database.schema("case_recusals")
            .id()
            .field("case_id", .uuid, .required, .references("cases", "id", onDelete: .cascade))
            .field("county_code", .string, .required)
            .field("username", .string, .required)
            .field("reason", .string, .required)
            .unique(on: "case_id", "username")
            .create()
        try await MigrationSupport.index(database, "case_recusals_username", on: "case_recusals", "username")
        // Messages behind a sealed report are hidden from group conversation views too.
        try await database.schema("messages").field("sealed", .bool).update()
        try await database.schema("cases").field("erased_at", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("cases").deleteField("erased_at").update()
        try await database.schema("messages").deleteField("sealed").update()
        try await database.schema("case_recusals").delete()
        try await database.schema("sealed_reports").delete()
    }
}

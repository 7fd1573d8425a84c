import FluentKit

/// What a machine read from a photo (or, later, heard in a voice note): the words, the engine and its confidence, kept
/// beside the media item so triage can read the message it came with. One reading per item; an empty one records that
/// the item was read and held no words. Erased with the message (retention).
struct M037CreateMachineReads: AsyncMigration {
    var name: String { "M037CreateMachineReads" }

    func prepare(on database: any Database) async throws {
        try await database.schema("machine_reads")
            .id()
            .field("media_id", .uuid, .required, .references("media", "id", onDelete: .cascade))
            .field("message_id", .int64, .required)
            .field("county_code", .string, .required)
            .field("engine", .string, .required)
            .field("text", .string, .required)
            .field("confidence", .int, .required)
            .field("created_at", .datetime, .required)
            .field("triaged_at", .datetime)
            .unique(on: "media_id")
            .create()
        try await MigrationSupport.index(database, "machine_reads_untriaged", on: "machine_reads", "triaged_at", "created_at")
        try await MigrationSupport.index(database, "machine_reads_message", on: "machine_reads", "message_id")
    }

    func revert(on database: any Database) async throws {
        try await MigrationSupport.dropIndex(database, "machine_reads_message")
        try await MigrationSupport.dropIndex(database, "machine_reads_untriaged")
        try await database.schema("machine_reads").delete()
    }
}

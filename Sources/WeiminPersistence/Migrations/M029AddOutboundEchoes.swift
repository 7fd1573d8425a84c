import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// Weimin's own messages coming back through a bridge are stored as outbound echoes, never triaged
/// (docs/protocols.md §5): why a message is ours (`messages.echo`, also kept in quarantine), the hash of every outbox
/// text (the backstop when a bridge gives no self flag), and the accounts a source knows to be its own bot.
struct M029AddOutboundEchoes: AsyncMigration {
    var name: String { "M029AddOutboundEchoes" }

    func prepare(on database: any Database) async throws {
        try await database.schema("messages").field("echo", .string).update()
        try await database.schema("quarantined_messages").field("echo", .string).update()
        try await database.schema("outbox").field("text_hash", .string).update()
        try await database.schema("ingest_sources").field("self_ids", .string).update()
        try await MigrationSupport.index(database, "outbox_group_hash", on: "outbox", "group_id", "text_hash")
        // What went out in the last days can still come back: give those rows their hash now.
        let sql = MigrationSupport.sql(database)
        let since = Date().addingTimeInterval(-OutboundEcho.window)
        for row in try await sql.raw("SELECT id, text FROM outbox WHERE created_at >= \(bind: since)").all() {
            guard let hash = OutboundEcho.contentHash(try row.decode(column: "text", as: String.self)) else { continue }
            try await sql.raw("UPDATE outbox SET text_hash = \(bind: hash) WHERE id = \(bind: try row.decode(column: "id", as: Int.self))")
                .run()
        }
    }

    func revert(on database: any Database) async throws {
        try await MigrationSupport.dropIndex(database, "outbox_group_hash")
        try await database.schema("ingest_sources").deleteField("self_ids").update()
        try await database.schema("outbox").deleteField("text_hash").update()
        try await database.schema("quarantined_messages").deleteField("echo").update()
        try await database.schema("messages").deleteField("echo").update()
    }
}

import FluentKit
import SQLKit

/// Second-factor codes get their own failure count (a correct password no longer clears it) and the last TOTP time
/// step that was used (a code works once). Both live beside the password lock in `staff_sign_in`.
struct M026AddSecondFactorCounters: AsyncMigration {
    var name: String { "M026AddSecondFactorCounters" }

    func prepare(on database: any Database) async throws {
        let sql = MigrationSupport.sql(database)
        try await sql.raw("ALTER TABLE staff_sign_in ADD COLUMN code_failed_count INTEGER NOT NULL DEFAULT 0").run()
        try await sql.raw("ALTER TABLE staff_sign_in ADD COLUMN last_totp_step BIGINT").run()
    }

    func revert(on database: any Database) async throws {
        let sql = MigrationSupport.sql(database)
        try await sql.raw("ALTER TABLE staff_sign_in DROP COLUMN last_totp_step").run()
        try await sql.raw("ALTER TABLE staff_sign_in DROP COLUMN code_failed_count").run()
    }
}

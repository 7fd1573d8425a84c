import FluentKit
import SQLKit

/// Helpers shared by the migrations. Migrations are additive and never edited once landed:
/// SQLite cannot alter constraints, so a wrong column is fixed by a new migration, not an edit.
enum MigrationSupport {
    static func sql(_ database: any Database) -> any SQLDatabase {
        guard let sql = database as? any SQLDatabase else {
            preconditionFailure("Weimin runs on SQL databases only (SQLite or PostgreSQL)")
        }
        return sql
    }

    /// A plain (non-unique) index; Fluent's schema builder only knows unique constraints.
    static func index(_ database: any Database, _ name: String, on table: String, _ columns: String...) async throws {
        var builder = sql(database).create(index: name).on(table)
        for c in columns { builder = builder.column(c) }
        try await builder.run()
    }

    static func dropIndex(_ database: any Database, _ name: String) async throws {
        try await sql(database).drop(index: name).ifExists().run()
    }
}

/// Every migration, in order. The names are stored in the database; a database that knows a name this
/// list does not is newer than the binary and Weimin refuses to run on it.
public enum WeiminMigrations {
    /// The newest migration's name: with the count, the schema version `weimin --version` prints.
    public static var newest: String { all.last?.name ?? "-" }

    public static let all: [any Migration] = [
        M001CreateSystemSettings(),
        M002CreateRegions(),
        M003CreateDepartments(),
        M004CreatePeople(),
        M005CreateChatGroups(),
        M006CreateStaffUsers(),
        M007CreateMessages(),
        M008CreateCases(),
        M009CreateCaseMessages(),
        M010CreateCaseEvents(),
        M011AddCaseClocks(),
        M012CreateCalendarYears(),
        M013CreateSupervision(),
        M014CreateSealedReports(),
        M015CreateIngestSources(),
        M016AddQuotesAndRosterChanges(),
        M017CreateOutbox(),
        M018CreateNotices(),
        M019AddOutboundFilesAndAlerts(),
        M020CreateMessageTriage(),
        M021CreateTriageCorrections(),
        M022AddSignInSecurity(),
        M023CreateCaseSearch(),
        M024CreateAssessmentExclusions(),
        M025AddLedgerIndexes(),
        M026AddSecondFactorCounters(),
        M027AddSealedCaseWords(),
        M028AddEventSnapshots(),
        M029AddOutboundEchoes(),
        M030CreateMedia(),
        M031CreateCaseReviews(),
        M032AddExclusionUnits(),
        M033CreateDuty(),
        M034AddStaffWeChatIDs(),
        M035AddStaffPlatformAccounts(),
        M036CreateDutyDeliveries(),
        M037CreateMachineReads(),
    ]
}

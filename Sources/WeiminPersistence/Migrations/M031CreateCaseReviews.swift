import FluentKit
import Foundation
import SQLKit

/// Every 回访 answer, one row per review event: `cases.last_review` holds only the latest, and a redone case (重办)
/// clears it, so a 不满意 vanished from 满意率 once the case was reopened (docs/assessment.md). Earlier answers were
/// not kept anywhere, so the backfill can only give each case its latest answer, dated by its last review event.
struct M031CreateCaseReviews: AsyncMigration {
    var name: String { "M031CreateCaseReviews" }

    func prepare(on database: any Database) async throws {
        try await database.schema("case_reviews")
            .field("case_id", .uuid, .required, .references("cases", "id", onDelete: .cascade))
            .field("event_sequence", .int, .required)
            .field("county_code", .string, .required)
            .field("satisfaction", .string, .required)
            .field("reviewed_at", .datetime, .required)
            .unique(on: "case_id", "event_sequence")
            .create()
        try await MigrationSupport.index(database, "case_reviews_county_at", on: "case_reviews", "county_code", "reviewed_at")
        try await MigrationSupport.sql(database).raw(
            """
            INSERT INTO case_reviews (case_id, event_sequence, county_code, satisfaction, reviewed_at)
            SELECT c.id, e.sequence, c.county_code, c.last_review, e.occurred_at
            FROM cases c JOIN case_events e ON e.case_id = c.id
            WHERE c.last_review IS NOT NULL AND e.action = 'review'
              AND e.sequence = (SELECT MAX(e2.sequence) FROM case_events e2 WHERE e2.case_id = c.id AND e2.action = 'review')
            """
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await MigrationSupport.dropIndex(database, "case_reviews_county_at")
        try await database.schema("case_reviews").delete()
    }
}

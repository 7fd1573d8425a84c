import Foundation
import Testing
// Backend and TestDatabase come from WeiminTestSupport (shared with WeiminServerTests); re-exported here once so that
// every file of this target sees them.
@_exported import WeiminTestSupport

@Suite("Test environment")
struct TestEnvironmentTests {
    /// In CI the PostgreSQL suite must really run: a missing database is a failure, not a skip.
    @Test("PostgreSQL is configured when running in CI")
    func postgresInCI() {
        if ProcessInfo.processInfo.environment["CI"] != nil || ProcessInfo.processInfo.environment["WEIMIN_REQUIRE_POSTGRES"] != nil {
            #expect(Backend.postgresURL != nil, "WEIMIN_TEST_POSTGRES_URL must be set; run the tests through scripts/test.sh")
        }
    }
}

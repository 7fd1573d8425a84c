import Foundation
import Testing
import WeiminCore
@testable import WeiminPersistence

@Suite("Calendar years in the database")
struct CalendarStoreTests {
    @Test(
        "a newly published year is stored, reloaded and overrides the bundle; junk and empty years are refused",
        arguments: Backend.available)
    func loadYear(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let store = CalendarStore(database: db)
            let bundled = HolidayCalendar.bundled()
            #expect(!bundled.covers(year: 2027))
            let json =
                #"{"year": 2027, "papers": ["国办发明电〔2026〕"], "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}, {"name": "春节", "date": "2027-02-20", "isOffDay": false}]}"#
            #expect(try await store.load(json: Data(json.utf8), by: "admin") == 2027)
            let merged = try await store.calendar(bundled: bundled)
            #expect(merged.covers(year: 2027) && merged.covers(year: 2026))
            #expect(!merged.isWorkingDay(LocalDate(iso: "2027-01-01")!))
            #expect(merged.isWorkingDay(LocalDate(iso: "2027-02-20")!))  // a Saturday made a working day
            #expect(merged.missingNextYear(today: LocalDate(iso: "2026-11-26")!) == nil)
            // Loading the same year again replaces it: the make-up Saturday is gone.
            try await store.load(
                json: Data(#"{"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}"#.utf8), by: "admin")
            let replaced = try await store.calendar(bundled: bundled)
            #expect(!replaced.isWorkingDay(LocalDate(iso: "2027-02-20")!))
            #expect(!replaced.isWorkingDay(LocalDate(iso: "2027-01-01")!))
            #expect(try await store.storedYears() == [2027])
            await #expect(throws: HolidayCalendar.LoadError.self) {
                try await store.load(json: Data(#"{"year": 2028, "days": []}"#.utf8), by: "admin")
            }
            await #expect(throws: HolidayCalendar.LoadError.self) { try await store.load(json: Data("<html>".utf8), by: "admin") }
            #expect(try await store.storedYears() == [2027])
        }
    }
}

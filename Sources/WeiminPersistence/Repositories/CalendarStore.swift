import FluentKit
import Foundation
import WeiminCore

/// The holiday calendar in force: the years bundled with the release, overridden by years loaded
/// into the database.
public struct CalendarStore: Sendable {
    let database: WeiminDatabase

    public init(database: WeiminDatabase) { self.database = database }

    /// Validates a holiday-cn file and stores its year; returns the year.
    @discardableResult
    public func load(json: Data, by who: String, at now: Date = Date()) async throws -> Int {
        var probe = HolidayCalendar()
        let year = try probe.load(json: json)
        let db = database.db
        let row = try await CalendarYearModel.find(year, on: db) ?? CalendarYearModel()
        row.id = year
        row.data = String(decoding: json, as: UTF8.self)
        row.loadedAt = now
        row.loadedBy = who
        try await row.save(on: db)
        return year
    }

    /// Bundled years plus stored ones.
    public func calendar(bundled: HolidayCalendar) async throws -> HolidayCalendar {
        var c = bundled
        for row in try await CalendarYearModel.query(on: database.db).sort(\.$id).all() {
            _ = try? c.load(json: Data(row.data.utf8))
        }
        return c
    }

    public func storedYears() async throws -> [Int] {
        try await CalendarYearModel.query(on: database.db).sort(\.$id).all().compactMap(\.id)
    }
}

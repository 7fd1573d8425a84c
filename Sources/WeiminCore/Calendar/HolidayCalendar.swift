import Foundation

/// China's official calendar of statutory holidays and adjusted make-up working days (调休), one year at
/// a time, as published by the State Council and kept in holiday-cn's JSON files. Working day =
/// Monday–Friday, minus holidays, plus make-up days.
public struct HolidayCalendar: Sendable, Hashable {
    /// Days declared off that would otherwise be working days, with the holiday's name.
    public private(set) var offDays: [LocalDate: String] = [:]
    /// Weekend days declared working days (调休上班).
    public private(set) var makeUpDays: [LocalDate: String] = [:]
    public private(set) var years: Set<Int> = []

    public init() {}

    public enum LoadError: Error, CustomStringConvertible, Sendable, Equatable {
        case malformed(String)
        case unpublished(Int)

        public var description: String {
            switch self {
            case .malformed(let why): return "节假日文件格式错误：\(why)"
            case .unpublished(let y): return "\(y) 年的节假日安排为空（国务院尚未公布），未导入"
            }
        }
    }

    /// The years shipped with this release (those published when it was built).
    public static func bundled() -> HolidayCalendar {
        var c = HolidayCalendar()
        guard let dir = Bundle.module.url(forResource: "holiday-cn", withExtension: nil),
            let files = try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
        else { return c }
        for f in files.filter({ $0.pathExtension == "json" }).sorted(by: { $0.lastPathComponent < $1.lastPathComponent }) {
            if let data = try? Data(contentsOf: f) { _ = try? c.load(json: data) }
        }
        return c
    }

    private struct File: Decodable {
        struct Day: Decodable {
            let name: String
            let date: String
            let isOffDay: Bool
        }
        let year: Int
        let days: [Day]
    }

    /// Adds one year from a holiday-cn JSON file; replaces that year if it was loaded before.
    /// Returns the year.
    @discardableResult
    public mutating func load(json data: Data) throws -> Int {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw LoadError.malformed("应为 holiday-cn 格式（year、days[name, date, isOffDay]）：\(error)")
        }
        guard (1990...2200).contains(file.year) else { throw LoadError.malformed("年份 \(file.year) 不合理") }
        // holiday-cn ships an empty file for a year whose arrangement is not yet published: that year
        // is not known, and must keep warning until the real one is loaded.
        guard !file.days.isEmpty else { throw LoadError.unpublished(file.year) }
        var off: [LocalDate: String] = [:]
        var work: [LocalDate: String] = [:]
        for day in file.days {
            guard let d = LocalDate(iso: day.date) else { throw LoadError.malformed("日期 \(day.date) 无效") }
            // Make-up days for a holiday early in a year can sit in the previous December, and vice versa.
            guard abs(d.year - file.year) <= 1 else { throw LoadError.malformed("日期 \(day.date) 不属于 \(file.year) 年前后") }
            if day.isOffDay { off[d] = day.name } else { work[d] = day.name }
        }
        offDays = offDays.filter { $0.key.year != file.year || off[$0.key] != nil }.merging(off) { _, new in new }
        makeUpDays = makeUpDays.filter { $0.key.year != file.year || work[$0.key] != nil }.merging(work) { _, new in new }
        years.insert(file.year)
        return file.year
    }

    public func covers(year: Int) -> Bool { years.contains(year) }

    public func isWorkingDay(_ d: LocalDate) -> Bool {
        if makeUpDays[d] != nil { return true }
        if offDays[d] != nil { return false }
        return !d.isWeekend
    }

    /// The holiday's or make-up day's name, for showing why a day counts as it does.
    public func note(for d: LocalDate) -> String? {
        if let n = makeUpDays[d] { return "\(n)调休上班" }
        return offDays[d]
    }

    /// From November the next year's calendar should be loaded: the State Council usually publishes
    /// it in October or November, and limits started in December run into January.
    public func missingNextYear(today: LocalDate) -> Int? {
        let c = today.components
        guard c.month >= 11 else { return nil }
        return covers(year: c.year + 1) ? nil : c.year + 1
    }
}

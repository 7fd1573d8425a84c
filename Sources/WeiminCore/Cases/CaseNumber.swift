/// The number people read out on the phone and see in the group: county code, year, sequence —
/// `433125-2026-000123`. The sequence restarts each year per county.
///
/// Reports about cadres (问题线索) are numbered in a series of their own, `433125-JJ-2026-000001`, so the
/// ordinary series has no gaps that would tell an operator how many sealed cases exist and when.
public struct CaseNumber: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public enum Series: String, Sendable, Hashable, Codable {
        case ordinary = ""
        /// 纪检: sealed reports, seen by the discipline role only.
        case sealed = "JJ"
    }

    public let county: RegionCode
    public let year: Int
    public let sequence: Int
    public let series: Series

    public init?(county: RegionCode, year: Int, sequence: Int, series: Series = .ordinary) {
        guard county.level == .county, (2000...9999).contains(year), (1...999_999).contains(sequence) else { return nil }
        self.county = county
        self.year = year
        self.sequence = sequence
        self.series = series
    }

    /// Parses `433125-2026-000123` and `433125-JJ-2026-000001`; also tolerates a missing zero padding as
    /// people type it.
    public init?(_ text: String) {
        var parts = text.split(separator: "-", omittingEmptySubsequences: false)
        var series = Series.ordinary
        if parts.count == 4 {
            guard parts[1] == "JJ" else { return nil }
            series = .sealed
            parts.remove(at: 1)
        }
        guard parts.count == 3,
            let county = RegionCode(String(parts[0])),
            parts[1].utf8.count == 4, let year = Int(parts[1]),
            parts[2].utf8.count <= 6, parts[2].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let seq = Int(parts[2])
        else { return nil }
        self.init(county: county, year: year, sequence: seq, series: series)
    }

    public var description: String {
        let s = String(sequence)
        let prefix = series == .sealed ? "\(county.rawValue)-\(series.rawValue)" : county.rawValue
        return "\(prefix)-\(year)-\(String(repeating: "0", count: max(0, 6 - s.count)))\(s)"
    }

    /// The key of this number's counter in `case_sequences`: `433125-2026` or `433125-JJ-2026`.
    public static func sequenceKey(county: RegionCode, year: Int, series: Series) -> String {
        series == .sealed ? "\(county.rawValue)-\(series.rawValue)-\(year)" : "\(county.rawValue)-\(year)"
    }

    public static func < (a: CaseNumber, b: CaseNumber) -> Bool {
        (a.county, a.series.rawValue, a.year, a.sequence) < (b.county, b.series.rawValue, b.year, b.sequence)
    }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let n = CaseNumber(raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "不是有效的工单编号：\(raw)"))
        }
        self = n
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

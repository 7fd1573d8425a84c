/// The number people read out on the phone and see in the group: county code, year, sequence —
/// `433125-2026-000123`. The sequence restarts each year per county.
public struct CaseNumber: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let county: RegionCode
    public let year: Int
    public let sequence: Int

    public init?(county: RegionCode, year: Int, sequence: Int) {
        guard county.level == .county, (2000...9999).contains(year), (1...999_999).contains(sequence) else { return nil }
        self.county = county
        self.year = year
        self.sequence = sequence
    }

    /// Parses `433125-2026-000123`; also tolerates a missing zero padding as people type it.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3,
            let county = RegionCode(String(parts[0])),
            parts[1].utf8.count == 4, let year = Int(parts[1]),
            parts[2].utf8.count <= 6, parts[2].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let seq = Int(parts[2])
        else { return nil }
        self.init(county: county, year: year, sequence: seq)
    }

    public var description: String {
        let s = String(sequence)
        return "\(county.rawValue)-\(year)-\(String(repeating: "0", count: max(0, 6 - s.count)))\(s)"
    }

    public static func < (a: CaseNumber, b: CaseNumber) -> Bool {
        (a.county, a.year, a.sequence) < (b.county, b.year, b.sequence)
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

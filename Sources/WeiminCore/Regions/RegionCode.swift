/// Levels of the administrative hierarchy the product works in.
public enum RegionLevel: String, CaseIterable, Codable, Sendable, Hashable, Comparable {
    case province
    case prefecture
    case county
    case township
    case village

    private var rank: Int {
        switch self {
        case .province: return 0
        case .prefecture: return 1
        case .county: return 2
        case .township: return 3
        case .village: return 4
        }
    }

    public static func < (a: RegionLevel, b: RegionLevel) -> Bool { a.rank < b.rank }
}

/// An administrative division code (行政区划代码): 6 digits for a province, prefecture or county,
/// 9 for a township, 12 for a village. Codes nest by prefix, which is what scoping relies on:
/// a village's first 9 digits are its township, its first 6 its county.
public struct RegionCode: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public init?(_ raw: String) {
        guard [6, 9, 12].contains(raw.utf8.count), raw.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return nil
        }
        // A 6-digit code must name a real province ("43"), not "00".
        guard !raw.hasPrefix("00") else { return nil }
        self.rawValue = raw
    }

    public var description: String { rawValue }

    public var level: RegionLevel {
        switch rawValue.utf8.count {
        case 12: return .village
        case 9: return .township
        default:
            let digits = Array(rawValue.utf8)
            if digits[2] == 0x30 && digits[3] == 0x30 { return .province }  // 430000
            if digits[4] == 0x30 && digits[5] == 0x30 { return .prefecture }  // 433100
            return .county  // 433125
        }
    }

    /// The county this code belongs to, if it is at county level or below.
    public var countyCode: RegionCode? {
        guard level >= .county else { return nil }
        return RegionCode(String(rawValue.prefix(6)))
    }

    public var townshipCode: RegionCode? {
        guard level >= .township else { return nil }
        return RegionCode(String(rawValue.prefix(9)))
    }

    /// The significant prefix: every code inside this region starts with it.
    /// 430000 → "43", 433100 → "4331", 433125 → "433125", townships and villages are themselves.
    public var scopePrefix: String {
        switch level {
        case .province: return String(rawValue.prefix(2))
        case .prefecture: return String(rawValue.prefix(4))
        default: return rawValue
        }
    }

    /// Whether `other` lies inside (or is) this region.
    public func contains(_ other: RegionCode) -> Bool {
        other.level >= level && other.rawValue.hasPrefix(scopePrefix)
    }

    public static func < (a: RegionCode, b: RegionCode) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let code = RegionCode(raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "不是有效的行政区划代码：\(raw)"))
        }
        self = code
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

import Foundation

/// What a message names: phone and ID numbers (only ever shown masked), money amounts, the county's
/// places, and dates as villagers write them.
public struct Entities: Sendable, Hashable, Codable {
    /// Masked: `138****5678`.
    public var phones: [String] = []
    /// Masked: `433125********1234`.
    public var idNumbers: [String] = []
    /// As written: "3000元", "两万块", "¥1,200".
    public var money: [String] = []
    /// Region codes and names of the county's places found in the text.
    public var places: [Place] = []
    /// As written: "明天", "11月3号", "上周五".
    public var dates: [String] = []

    public struct Place: Sendable, Hashable, Codable {
        public var code: String
        public var name: String
    }

    public init() {}
    public var isEmpty: Bool { phones.isEmpty && idNumbers.isEmpty && money.isEmpty && places.isEmpty && dates.isEmpty }
}

/// Finds entities. The gazetteer is the county's regions: each place by its full name ("长潭河乡") and its
/// short name ("长潭河"), longest match first.
public struct EntityExtractor: Sendable {
    struct Name: Sendable {
        var scalars: [UInt32]
        var place: Entities.Place
    }

    var byFirst: [UInt32: [Name]] = [:]

    public init(places: [(code: String, name: String)]) {
        var seen = Set<String>()
        for p in places {
            var forms = [p.name]
            for suffix in ["社区", "居委会", "村委会", "乡", "镇", "村", "组", "街道"] where p.name.hasSuffix(suffix) {
                let short = String(p.name.dropLast(suffix.count))
                if short.count >= 2 { forms.append(short) }
            }
            for f in forms where seen.insert(p.code + f).inserted {
                let sc = f.unicodeScalars.map(\.value)
                byFirst[sc[0], default: []].append(Name(scalars: sc, place: Entities.Place(code: p.code, name: p.name)))
            }
        }
        for k in byFirst.keys { byFirst[k]!.sort { $0.scalars.count > $1.scalars.count } }
    }

    static func scalars(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }
    static let chineseDigits: Set<UInt32> = Set("零一二两三四五六七八九十百千万亿半".unicodeScalars.map(\.value))
    static let moneyUnits = ["万元", "元", "块钱", "块", "万块", "万", "毛"].map(scalars)
    static let relativeDays = ["今天", "明天", "后天", "昨天", "前天", "大前天", "今晚", "昨晚", "明早", "今早", "上午", "下午", "晚上", "半夜", "凌晨"].map(scalars)
    static let weekPrefixes = ["上周", "下周", "这周", "星期", "礼拜", "周"].map(scalars)
    static let weekdays: Set<UInt32> = Set("一二三四五六日天".unicodeScalars.map(\.value))
    static let dateUnits: Set<UInt32> = Set("月年号日点".unicodeScalars.map(\.value))
    static let dayUnits: Set<UInt32> = Set("月号日".unicodeScalars.map(\.value))
    static let notAfterWan: Set<UInt32> = Set("人亩斤".unicodeScalars.map(\.value))
    static let beforeZhou: Set<UInt32> = Set("每上下这".unicodeScalars.map(\.value))

    @inline(__always) static func isDigit(_ v: UInt32) -> Bool { v >= 0x30 && v <= 0x39 }

    static func string(_ s: ArraySlice<UInt32>) -> String {
        var out = ""
        for v in s { if let u = Unicode.Scalar(v) { out.unicodeScalars.append(u) } }
        return out
    }

    public func extract(_ text: String) -> Entities {
        let s = text.unicodeScalars.map(\.value)
        return extract(scalars: s)
    }

    /// Entities in a message given as its Unicode scalars (what triage already holds).
    public func extract(scalars s: [UInt32]) -> Entities {
        var e = Entities()
        let n = s.count
        var i = 0
        while i < n {
            let c = s[i]
            // Runs of ASCII digits: phone, ID, money, date.
            if Self.isDigit(c) {
                var j = i
                while j < n, Self.isDigit(s[j]) || ((s[j] == 0x2C || s[j] == 0x2E) && j + 1 < n && Self.isDigit(s[j + 1])) { j += 1 }
                if j - i == 17, j < n, s[j] == 0x58 || s[j] == 0x78 { j += 1 }
                let run = Self.string(s[i..<j]).uppercased()
                let digits = run.filter { $0.isNumber }
                if run.count == 18, PIIMask.isResidentID(run) {
                    e.idNumbers.append(PIIMask.idNumber(run))
                } else if digits.count == 11, PIIMask.isMobile(digits) {
                    e.phones.append(PIIMask.phone(digits))
                } else if let unit = Self.unit(at: j, in: s) {
                    e.money.append(run + Self.string(unit[...]))
                    j += unit.count
                } else if i > 0, s[i - 1] == 0xA5 || s[i - 1] == 0xFFE5 {
                    e.money.append("¥" + run)
                } else if j < n, Self.dateUnits.contains(s[j]) {
                    var k = j + 1
                    while k < n, Self.isDigit(s[k]) { k += 1 }
                    if k < n, k > j + 1, Self.dayUnits.contains(s[k]) { k += 1 }
                    e.dates.append(Self.string(s[i..<k]))
                    j = k
                }
                i = j
                continue
            }
            // Chinese numerals followed by a money unit: "两万块", "三千五百元".
            if Self.chineseDigits.contains(c) {
                var j = i
                while j < n, Self.chineseDigits.contains(s[j]) { j += 1 }
                if let unit = Self.unit(at: j, in: s), !(j - i == 1 && (c == 0x4E00 || c == 0x4E07)) {
                    e.money.append(Self.string(s[i..<(j + unit.count)]))
                    i = j + unit.count
                    continue
                }
            }
            // Relative days and weekdays.
            if let d = Self.relativeDays.first(where: { Self.starts($0, at: i, in: s) }) {
                e.dates.append(Self.string(d[...]))
                i += d.count
                continue
            }
            if let p = Self.weekPrefixes.first(where: { Self.starts($0, at: i, in: s) }) {
                let k = i + p.count
                if k < n, Self.weekdays.contains(s[k]), !(p.count == 1 && i > 0 && Self.beforeZhou.contains(s[i - 1])) {
                    e.dates.append(Self.string(s[i...k]))
                    i = k + 1
                    continue
                }
            }
            // Places of the county, longest first.
            if let names = byFirst[c], let found = names.first(where: { Self.starts($0.scalars, at: i, in: s) }) {
                if !e.places.contains(found.place) { e.places.append(found.place) }
                i += found.scalars.count
                continue
            }
            i += 1
        }
        return e
    }

    static func unit(at j: Int, in s: [UInt32]) -> [UInt32]? {
        for u in moneyUnits where starts(u, at: j, in: s) {
            // "万" alone after a number is money only when nothing follows it that makes it a count ("3万人").
            if u.count == 1, u[0] == 0x4E07, j + 1 < s.count, notAfterWan.contains(s[j + 1]) { return nil }
            return u
        }
        return nil
    }

    @inline(__always)
    static func starts(_ p: [UInt32], at i: Int, in s: [UInt32]) -> Bool {
        guard i + p.count <= s.count else { return false }
        for k in 0..<p.count where s[i + k] != p[k] { return false }
        return true
    }
}

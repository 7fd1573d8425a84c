/// Masking of personal numbers for display (docs/domain.md §4.4): `138****5678`, `433125********1234`.
/// Only masked forms ever leave storage; the clear values are encrypted at rest.
public enum PIIMask {
    /// Keeps the first 3 and last 4 digits of a mobile number; anything shorter is fully masked.
    public static func phone(_ raw: String) -> String {
        let digits = Array(raw.filter { $0.isASCII && $0.isNumber })
        guard digits.count >= 7 else { return String(repeating: "*", count: max(digits.count, 4)) }
        return String(digits.prefix(3)) + String(repeating: "*", count: digits.count - 7) + String(digits.suffix(4))
    }

    /// Keeps the 6-digit region prefix and the last 4 characters of an 18-character ID number.
    public static func idNumber(_ raw: String) -> String {
        let chars = Array(raw.uppercased().filter { $0.isASCII && ($0.isNumber || $0 == "X") })
        guard chars.count >= 10 else { return String(repeating: "*", count: max(chars.count, 4)) }
        return String(chars.prefix(6)) + String(repeating: "*", count: chars.count - 10) + String(chars.suffix(4))
    }

    /// A mainland mobile number: 11 digits starting with 1[3-9].
    public static func isMobile(_ raw: String) -> Bool {
        let d = Array(raw.utf8)
        guard d.count == 11, d.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), d[0] == 0x31 else { return false }
        return d[1] >= 0x33
    }

    /// A resident ID number (GB 11643): 17 digits and a check character, verified.
    public static func isResidentID(_ raw: String) -> Bool {
        let c = Array(raw.uppercased().utf8)
        guard c.count == 18, c[0..<17].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        var sum = 0
        for i in 0..<17 { sum += Int(c[i] - 0x30) * weights[i] }
        let check = Array("10X98765432".utf8)[sum % 11]
        return c[17] == check
    }

    /// Masks every mobile number and resident ID number found inside free text (messages, summaries),
    /// so villagers' numbers typed into a group never show in full on a screen or in an export.
    public static func redact(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var run = ""
        func flush() {
            if run.count == 18 {
                out += idNumber(run)
            } else if run.count == 11, isMobile(run) {
                out += phone(run)
            } else {
                out += run
            }
            run = ""
        }
        for ch in text {
            if ch.isASCII && ch.isNumber {
                run.append(ch)
            } else if (ch == "X" || ch == "x") && run.count == 17 {
                run.append("X")
            } else {
                flush()
                out.append(ch)
            }
        }
        flush()
        return out
    }
}

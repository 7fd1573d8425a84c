/// Escaping for everything Weimin writes into HTML, XML and CSV, one Unicode scalar at a time.
///
/// Why scalars and not `Character`s: a `Character` is a grapheme cluster, so `"\u{0600}<"` (a prepend mark
/// before `<`) or `"\"\u{0301}"` (a quote with a combining accent) is one `Character` that equals neither `<`
/// nor `"`. A browser's tokenizer and a spreadsheet's parser read code points, so a table keyed by
/// `Character` lets those through raw. Every view and export goes through this type.
public enum Escape {
    /// Text safe inside HTML element content and inside quoted attribute values.
    public static func html(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        out.reserveCapacity(text.unicodeScalars.count)
        for u in text.unicodeScalars {
            switch u {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&#39;".unicodeScalars)
            case "`": out.append(contentsOf: "&#96;".unicodeScalars)
            case "=": out.append(contentsOf: "&#61;".unicodeScalars)
            default:
                // Control characters have no business on a page (input rules refuse them; old rows may hold one).
                out.append(isControl(u) ? "\u{FFFD}" : u)
            }
        }
        return String(out)
    }

    /// Text safe inside XML 1.0 element content and attribute values (the .xlsx parts).
    public static func xml(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for u in text.unicodeScalars {
            switch u {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&apos;".unicodeScalars)
            // XML 1.0 forbids most control characters and the non-characters U+FFFE/U+FFFF.
            case _ where isControl(u) || u.value == 0xFFFE || u.value == 0xFFFF: out.append(" ")
            default: out.append(u)
            }
        }
        return String(out)
    }

    /// A spreadsheet cell that begins like a formula (`=`, `+`, `-`, `@`, tab, CR; also their full-width forms,
    /// which some spreadsheet programs normalise) gets a leading `'` so it is shown, never run. Looked at by
    /// scalar, so a combining mark after `=` does not hide it.
    public static func spreadsheetText(_ text: String) -> String {
        guard let first = text.unicodeScalars.first else { return text }
        let formulaStarts: Set<UnicodeScalar> = ["=", "+", "-", "@", "\t", "\r", "\u{FF1D}", "\u{FF0B}", "\u{FF0D}", "\u{FF20}"]
        return formulaStarts.contains(first) ? "'" + text : text
    }

    /// One RFC 4180 CSV field: formula-guarded, quoted when it holds a comma, quote or line break (by scalar).
    public static func csvField(_ text: String) -> String {
        let s = spreadsheetText(text)
        let needsQuotes = s.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
        guard needsQuotes else { return s }
        var out = String.UnicodeScalarView()
        out.append("\"")
        for u in s.unicodeScalars {
            if u == "\"" { out.append("\"") }
            out.append(u)
        }
        out.append("\"")
        return String(out)
    }

    /// C0 controls other than tab, line feed and carriage return; DEL; C1 controls.
    static func isControl(_ u: UnicodeScalar) -> Bool {
        let v = u.value
        return (v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D) || (v >= 0x7F && v <= 0x9F)
    }
}

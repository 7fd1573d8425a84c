import Foundation
import Testing
@testable import WeiminCore

/// Payloads that a table keyed by `Character` lets through: a prepend mark (U+0600) glued to `<`, a combining
/// accent (U+0301) glued to `"` or `=`. Searched for by UTF-8 bytes, since `String.contains` compares graphemes
/// and would not see the raw `<` inside them either.
@Suite("Escaping by Unicode scalar: HTML, XML and spreadsheet cells")
struct EscapeTests {
    static func rawBytes(_ haystack: String, contain needle: String) -> Bool {
        let h = Array(haystack.utf8), n = Array(needle.utf8)
        guard n.count <= h.count else { return false }
        return (0...(h.count - n.count)).contains { Array(h[$0..<($0 + n.count)]) == n }
    }

    @Test(
        "HTML: no raw < > \" ' & survives, whatever grapheme it hides in",
        arguments: [
            "\u{0600}<svg/onload=alert(1)>", "x\"\u{0301} onmouseover=alert(1) y=\"", "'\u{0301}><img src=x onerror=alert(1)>",
            "&\u{0301}lt;", "\u{200D}<script>alert(1)</script>", "<\u{0308}b>", "\u{1F468}\u{200D}<i>",
        ])
    func html(payload: String) {
        let out = Escape.html(payload)
        for raw in ["<", ">", "\"", "'"] { #expect(!Self.rawBytes(out, contain: raw), "raw \(raw) in \(out.debugDescription)") }
        // Every & that remains starts one of our entities.
        let ampersands = out.utf8.enumerated().filter { $0.element == UInt8(ascii: "&") }.map(\.offset)
        let bytes = Array(out.utf8)
        for i in ampersands {
            let tail = String(decoding: bytes[i..<min(bytes.count, i + 6)], as: UTF8.self)
            // By bytes: `hasPrefix` compares graphemes, and a mark after `;` joins it.
            #expect(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#96;", "&#61;"].contains { tail.utf8.starts(with: $0.utf8) },
                "stray & in \(out.debugDescription)")
        }
        // The villager's own words are kept.
        #expect(Escape.html("路灯坏了\u{0301}") == "路灯坏了\u{0301}")
    }

    @Test("HTML: control characters become U+FFFD; tab and line breaks stay")
    func controls() {
        #expect(Escape.html("a\u{0}b\u{7F}c\u{85}d\te\nf") == "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\te\nf")
    }

    /// Kept out of `#expect`: the macro cannot re-quote a literal whose `"` carries a combining mark.
    static let quoteInside = "a\"\u{0301}b"
    static let quoteInsideCSV = "\"a\"\"\u{0301}b\""

    @Test("CSV: a formula start is found under a combining mark, and a comma under one is still quoted")
    func csv() {
        #expect(Escape.csvField("=\u{0301}HYPERLINK(\"http://x\",\"y\")").utf8.starts(with: "\"'=".utf8), "guarded and quoted")
        #expect(Escape.csvField("+\u{0301}1") == "'+\u{0301}1")
        #expect(Escape.csvField("\u{FF1D}SUM(A1)") == "'\u{FF1D}SUM(A1)", "full-width equals")
        #expect(Escape.csvField("a,\u{0301}b") == "\"a,\u{0301}b\"", "a comma glued to an accent still splits a CSV row")
        let quoted = Escape.csvField(Self.quoteInside), expected = Self.quoteInsideCSV
        #expect(quoted == expected)
        #expect(Escape.csvField("村道塌方") == "村道塌方")
        #expect(Escape.csvField("-") == "'-")
    }

    @Test("the spreadsheet's CSV goes through the same guard")
    func spreadsheet() {
        let sheet = Spreadsheet.Sheet(
            name: "台账", columns: [.init("标题", width: 20)],
            rows: [[.text("=\u{0301}HYPERLINK(\"http://evil\",\"点我\")")], [.text("a,\u{0301}b")]])
        let text = String(decoding: Spreadsheet(sheets: [sheet]).csv(), as: UTF8.self)
        #expect(text.contains("\"'=\u{0301}HYPERLINK"))
        #expect(text.contains("\"a,\u{0301}b\""))
        let xml = Spreadsheet.escape("\u{0600}<c>\u{0}")
        #expect(!Self.rawBytes(xml, contain: "<") && !xml.unicodeScalars.contains("\u{0}"))
    }
}

import Foundation
import Testing
@testable import WeiminCore

@Suite("Input rules")
struct InputRulesTests {
    @Test(
        "NUL, other C0, DEL and C1 are refused; tab, newline and CR are kept",
        arguments: [0x00, 0x01, 0x1B, 0x1F, 0x7F, 0x80, 0x85, 0x9F] as [UInt32])
    func controls(value: UInt32) throws {
        let text = "路灯坏了" + String(Character(Unicode.Scalar(value)!)) + "三天"
        #expect(throws: InputRules.Violation.self) { try InputRules.check(text, field: "text") }
        do {
            try InputRules.check(text, field: "text")
        } catch {
            #expect(error.field == "text")
            #expect(error.description.contains("第 5 个字符"))
            #expect(error.description.contains(String(format: "U+%04X", value)))
        }
    }

    @Test("tab, newline, CR and ordinary Chinese text pass")
    func allowed() throws {
        try InputRules.check("第一行\n第二行\r\n\t缩进 😀 e\u{301}", field: "text", limit: 100)
    }

    @Test("limits count Unicode scalars: a few stacked combining marks are many scalars, one Character")
    func limits() throws {
        let marks = "a" + String(repeating: "\u{301}", count: 200)
        #expect(marks.count == 1)
        #expect(throws: InputRules.Violation.self) { try InputRules.check(marks, field: "sender_name", limit: InputRules.maxPersonName) }
        try InputRules.check(String(repeating: "民", count: 100), field: "sender_name", limit: InputRules.maxPersonName)
        #expect(throws: InputRules.Violation.self) {
            try InputRules.check(String(repeating: "民", count: 101), field: "sender_name", limit: InputRules.maxPersonName)
        }
        do {
            try InputRules.checkMessage(
                text: "好", senderID: "u", senderName: "张三", groupID: "g", groupName: String(repeating: "群", count: 201), messageID: "m")
            Issue.record("group name over the limit passed")
        } catch {
            #expect(error.field == "group_name")
            #expect(error.reason.contains("200"))
        }
        try InputRules.checkMessage(
            text: String(repeating: "字", count: InputRules.maxMessageText), senderID: "u", senderName: "张三", groupID: "g",
            groupName: "大白岩村群", messageID: "m")
    }

    @Test("dates are strict: impossible days and loose shapes are refused")
    func dates() {
        #expect(InputRules.date("2026-02-28") == LocalDate(year: 2026, month: 2, day: 28))
        #expect(InputRules.date("2024-02-29") != nil)
        for bad in [
            "2026-02-30", "2025-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-2-3", "2026-02-3", "+026-02-03", "2026/02/03",
            "2026-02-03x", "",
        ] {
            #expect(InputRules.date(bad) == nil, "\(bad)")
        }
    }

    @Test("integers are plain decimal within range")
    func integers() throws {
        #expect(try InputRules.integer("30", field: "days", range: 1...366) == 30)
        #expect(try InputRules.integer(nil, field: "days", range: 1...366) == nil)
        for bad in ["abc", "-1", "1e9", "+5", " 5", "0", "367", "99999999999999999999999"] {
            #expect(throws: InputRules.Violation.self, "\(bad)") { try InputRules.integer(bad, field: "days", range: 1...366) }
        }
    }

    @Test("LIKE wildcards and the escape character match only themselves")
    func like() {
        #expect(InputRules.likeContains("100%") == "%100\\%%")
        #expect(InputRules.likeContains("a_b") == "%a\\_b%")
        #expect(InputRules.likeContains("c:\\d") == "%c:\\\\d%")
        #expect(InputRules.likeContains("路灯") == "%路灯%")
        #expect(InputRules.needsLikeEscape("50%"))
        #expect(!InputRules.needsLikeEscape("路灯坏了"))
    }

    @Test("send times: from 2010 to a day ahead")
    func sentAt() throws {
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        try InputRules.checkSentAt(now.addingTimeInterval(-3600), field: "CreateTime", now: now)
        try InputRules.checkSentAt(Date(timeIntervalSince1970: 1_476_422_779), field: "CreateTime", now: now)  // WeCom's 2016 vector
        for t in [99_999_999_999.0, -99_999_999_999.0, 0, now.timeIntervalSince1970 + 2 * 86400, 1_262_303_999] {
            #expect(throws: InputRules.Violation.self) {
                try InputRules.checkSentAt(Date(timeIntervalSince1970: t), field: "CreateTime", now: now)
            }
        }
    }

    @Test("form encoding: + is a space, %2B a plus")
    func form() {
        let pairs = InputRules.formPairs("q=%E8%B7%AF%E7%81%AF+%E5%9D%8F&x=1%2B1&empty=&flag")
        #expect(pairs.map(\.name) == ["q", "x", "empty", "flag"])
        #expect(pairs.map(\.value) == ["路灯 坏", "1+1", "", ""])
    }
}

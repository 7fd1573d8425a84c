import Foundation

/// Reads a villager's answer to the satisfaction question (回访) from what they type in the group:
/// "1", "１", "①", "满意", "基本满意", "不满意！还没修", "3 不满意 433125-2026-000123" …
/// Only short messages (or ones that name the case) count: "大家对低保评定不满意" in a long message is
/// an opinion, not an answer.
public enum SatisfactionReply {
    public struct Answer: Sendable, Equatable {
        public var satisfaction: Satisfaction
        /// The case the reply names, when it names one; otherwise the sender's latest open question.
        public var caseNumber: CaseNumber?
        /// What the villager added ("还没修"), kept with the review.
        public var remark: String
    }

    /// Longest message, without the case number and mentions, still read as an answer.
    public static let maxLength = 30

    static let unsatisfied = ["不满意", "很不满意", "非常不满意", "不太满意", "不满", "没解决", "没有解决", "没修", "还没修", "没人管", "没人来", "差评", "太差"]
    static let basically = ["基本满意", "比较满意", "还算满意", "一般", "还行", "还可以", "马马虎虎", "凑合"]
    static let satisfied = ["非常满意", "很满意", "满意", "好评", "点赞", "👍"]

    public static func parse(_ text: String) -> Answer? {
        var rest = Substring(text)
        var number: CaseNumber?
        // The case number, wherever it is.
        if let found = findCaseNumber(in: text) {
            number = found.0
            rest = Substring(text.replacingOccurrences(of: found.1, with: " "))
        }
        // @mentions ("@为民小助手 ") are not part of the answer.
        var cleaned = ""
        var skipping = false
        for ch in rest {
            if ch == "@" { skipping = true; continue }
            if skipping { if ch.isWhitespace || ch == "\u{2005}" { skipping = false }; continue }
            cleaned.append(ch)
        }
        let core = cleaned.filter { !$0.isWhitespace && !$0.isPunctuation && !"～~、。，！？!?：:；;（）()【】[]\"'“”‘’".contains($0) }
        guard !core.isEmpty else { return nil }
        guard number != nil || core.count <= maxLength else { return nil }
        let remark = String(cleaned.trimmingCharacters())
        // A leading choice digit: 1 / １ / ① / 一 …, alone or before words.
        let digits: [Character: Satisfaction] = [
            "1": .satisfied, "１": .satisfied, "①": .satisfied, "2": .basicallySatisfied, "２": .basicallySatisfied, "②": .basicallySatisfied,
            "3": .unsatisfied, "３": .unsatisfied, "③": .unsatisfied,
        ]
        // Words first, unsatisfied before the rest, because "不满意" contains "满意".
        for (words, answer) in [(unsatisfied, Satisfaction.unsatisfied), (basically, .basicallySatisfied), (satisfied, .satisfied)] {
            if words.contains(where: { core.contains($0) }) {
                // "1 满意" agrees; "1 不满意" contradicts — the words win, they are what the villager meant.
                return Answer(satisfaction: answer, caseNumber: number, remark: remark)
            }
        }
        if let first = core.first, let answer = digits[first] {
            let tail = core.dropFirst()
            // "1" alone, or "1号"/"1分"-style noise; not "3组的路还没修" (a digit that starts a sentence).
            if tail.isEmpty || ["号", "分", "个", "选"].contains(where: { tail == $0 }) {
                return Answer(satisfaction: answer, caseNumber: number, remark: remark)
            }
        }
        if core.hasPrefix("选"), let d = core.dropFirst().first, let answer = digits[d], core.count == 2 {
            return Answer(satisfaction: answer, caseNumber: number, remark: remark)
        }
        return nil
    }

    /// The first `dddddd-dddd-d…` in the text that is a valid case number, with the text that spelled it.
    static func findCaseNumber(in text: String) -> (CaseNumber, String)? {
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            if chars[i].isASCII, chars[i].isNumber {
                var j = i
                while j < chars.count, chars[j].isASCII, chars[j].isNumber || chars[j] == "-" { j += 1 }
                let token = String(chars[i..<j])
                if token.contains("-"), let n = CaseNumber(token) { return (n, token) }
                i = j
            } else {
                i += 1
            }
        }
        return nil
    }
}

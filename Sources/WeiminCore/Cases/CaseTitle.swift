import Foundation

/// A case's title, made from the message that opened it. The title is what staff scan in lists and what the villager
/// reads back in the receipt ("您反映的“…”"), so it is cut where a sentence or clause ends, not mid-word; machine
/// markers ("[语音] 钉钉转写：") are dropped, and phone and ID numbers masked.
public enum CaseTitle {
    public static let limit = 30

    public static func make(from text: String, limit: Int = CaseTitle.limit) -> String {
        var t = PIIMask.redact(text)
        // "[语音] 企业微信转写：…", "[图片] …": the platform's marker is not what the villager said.
        if t.hasPrefix("["), let close = t.firstIndex(of: "]"), t.distance(from: t.startIndex, to: close) <= 6 {
            t = String(t[t.index(after: close)...]).trimmingCharacters(in: .whitespaces)
            if let colon = t.firstIndex(where: { $0 == "：" || $0 == ":" }), t.distance(from: t.startIndex, to: colon) <= 8,
                t[..<colon].hasSuffix("转写") || t[..<colon].hasSuffix("识别")
            {
                t = String(t[t.index(after: colon)...])
            }
        }
        // One line, single spaces.
        t = t.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        let chars = Array(t)
        guard chars.count > limit else { return t.isEmpty ? "（无文字内容）" : t }
        let minimum = min(8, limit / 2)
        let sentenceEnds: Set<Character> = ["。", "！", "？", "!", "?", "；", ";"]
        let clauseEnds: Set<Character> = ["，", ",", "、", "：", ":"]
        // The last sentence end within the limit, then the last clause end; otherwise a hard cut.
        if let i = (minimum..<limit).reversed().first(where: { sentenceEnds.contains(chars[$0]) }) {
            return String(chars[..<i])
        }
        if let i = (minimum..<limit).reversed().first(where: { clauseEnds.contains(chars[$0]) }) {
            return String(chars[..<i]) + "…"
        }
        return String(chars[..<(limit - 1)]) + "…"
    }
}

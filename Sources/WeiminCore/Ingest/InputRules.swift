import Foundation

/// What the server takes in, on every way in (batch API, platform callbacks, bridges, chat exports, console
/// forms, query parameters): one set of rules, so SQLite and PostgreSQL see the same text. PostgreSQL refuses
/// NUL in text and SQLite hides what follows it, so control characters are refused before either sees them;
/// lengths are counted in Unicode scalars, since a "character" of stacked combining marks can be megabytes.
public enum InputRules {
    /// Limits, in Unicode scalars.
    public static let maxMessageText = 20_000
    public static let maxPersonName = 100
    public static let maxGroupName = 200
    /// Platform ids (group, sender, message): generous for every platform's format, small enough to index.
    public static let maxIdentifier = 256
    public static let maxSearch = 100

    /// Platform timestamps before this (2010-01-01: none of the platforms existed), or ahead of the server's clock by more
    /// than `maxAhead`, are refused. Not "ten years back": WeCom's official test vectors are from 2016, and a chat export
    /// may rightly back-fill years of history.
    public static let earliest = Date(timeIntervalSince1970: 1_262_304_000)
    public static let maxAhead: TimeInterval = 86400

    /// A value that breaks a rule, with the field it came in and a message a person can act on (Simplified Chinese).
    public struct Violation: Error, Sendable, Equatable, CustomStringConvertible {
        public let field: String
        public let reason: String
        public init(field: String, reason: String) {
            self.field = field
            self.reason = reason
        }
        public var description: String { "\(field) \(reason)" }
    }

    /// C0 controls except tab, newline and carriage return; DEL; C1 controls. Nothing a person types, and NUL among them.
    public static func isForbidden(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09, 0x0A, 0x0D: return false
        case 0x00...0x1F, 0x7F...0x9F: return true
        default: return false
        }
    }

    /// The first forbidden scalar and its position (1-based, in scalars), or nil.
    public static func firstForbidden(in text: String) -> (scalar: Unicode.Scalar, position: Int)? {
        var position = 0
        for s in text.unicodeScalars {
            position += 1
            if isForbidden(s) { return (s, position) }
        }
        return nil
    }

    static func hex(_ s: Unicode.Scalar) -> String {
        let h = String(s.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - h.count)) + h
    }

    /// Refuses control characters and, with `limit`, more than that many Unicode scalars.
    public static func check(_ value: String, field: String, limit: Int? = nil) throws(Violation) {
        if let limit {
            // Counting stops just past the limit: a 2 MB value is not walked twice.
            var count = 0
            for _ in value.unicodeScalars {
                count += 1
                if count > limit { break }
            }
            if count > limit {
                throw Violation(field: field, reason: "过长：最多 \(limit) 个字符（按 Unicode 码位计），请缩短后重发")
            }
        }
        if let (s, at) = firstForbidden(in: value) {
            throw Violation(field: field, reason: "含有不允许的控制字符 \(hex(s))（第 \(at) 个字符），请删除后重发")
        }
    }

    /// The fields of one incoming chat message; names and ids may be empty (the caller decides what is required).
    public static func checkMessage(
        text: String, senderID: String, senderName: String, groupID: String, groupName: String, messageID: String,
        quotedID: String? = nil, fields: MessageFieldNames = .api
    ) throws(Violation) {
        try check(messageID, field: fields.messageID, limit: maxIdentifier)
        try check(groupID, field: fields.groupID, limit: maxIdentifier)
        try check(groupName, field: fields.groupName, limit: maxGroupName)
        try check(senderID, field: fields.senderID, limit: maxIdentifier)
        try check(senderName, field: fields.senderName, limit: maxPersonName)
        try check(text, field: fields.text, limit: maxMessageText)
        if let quotedID { try check(quotedID, field: fields.quotedID, limit: maxIdentifier) }
    }

    /// What each field is called where it came in, so the message names the field the sender wrote.
    public struct MessageFieldNames: Sendable {
        public var text, senderID, senderName, groupID, groupName, messageID, quotedID: String
        public init(
            text: String, senderID: String, senderName: String, groupID: String, groupName: String, messageID: String, quotedID: String
        ) {
            self.text = text
            self.senderID = senderID
            self.senderName = senderName
            self.groupID = groupID
            self.groupName = groupName
            self.messageID = messageID
            self.quotedID = quotedID
        }
        /// The batch API's JSON names.
        public static let api = MessageFieldNames(
            text: "text", senderID: "sender_id", senderName: "sender_name", groupID: "group_id", groupName: "group_name",
            messageID: "message_id", quotedID: "quote_id")
    }

    /// A platform's send time must fall between 2010 and a day ahead of the server's clock. Decision: refused, not clamped
    /// or replaced by the arrival time — a wrong time would put the message in the wrong place in its group's conversation.
    public static func checkSentAt(_ date: Date, field: String, now: Date) throws(Violation) {
        guard date.timeIntervalSince1970.isFinite, date >= earliest, date <= now.addingTimeInterval(maxAhead) else {
            throw Violation(field: field, reason: "时间不合理：应在 2010 年之后，且不晚于服务器时间一天以上（请检查时间戳的单位是秒还是毫秒）")
        }
    }

    /// `YYYY-MM-DD`, strictly: four-digit year, two-digit month and day, and a day that exists (no 2026-02-30).
    public static func date(_ text: String) -> LocalDate? {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
        for i in [0, 1, 2, 3, 5, 6, 8, 9] where !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) { return nil }
        func n(_ r: Range<Int>) -> Int { b[r].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) } }
        return LocalDate(year: n(0..<4), month: n(5..<7), day: n(8..<10))
    }

    /// A whole decimal integer within `range` (no sign tricks, exponents or spaces), or nil when absent or empty.
    public static func integer(_ raw: String?, field: String, range: ClosedRange<Int>) throws(Violation) -> Int? {
        guard let raw, !raw.isEmpty else { return nil }
        guard raw.utf8.count <= 19, raw.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), let v = Int(raw),
            range.contains(v)
        else {
            let shown = raw.count > 20 ? String(raw.prefix(20)) + "…" : raw
            throw Violation(field: field, reason: "应为 \(range.lowerBound)–\(range.upperBound) 之间的整数，收到：\(shown)")
        }
        return v
    }

    /// The escape character used in every LIKE (`LIKE ? ESCAPE '\'`): the same on SQLite and PostgreSQL.
    public static let likeEscape: Character = "\\"

    /// A term as a LIKE pattern that matches it anywhere, with `%`, `_` and `\` matching only themselves.
    public static func likeContains(_ term: String) -> String {
        "%" + escapeLike(term) + "%"
    }

    public static func escapeLike(_ term: String) -> String {
        var out = ""
        out.reserveCapacity(term.utf8.count)
        for c in term {
            if c == "%" || c == "_" || c == likeEscape { out.append(likeEscape) }
            out.append(c)
        }
        return out
    }

    /// True when a term needs the ESCAPE clause (a plain term can leave it off, which lets SQLite's FTS5 use its index).
    public static func needsLikeEscape(_ term: String) -> Bool {
        term.contains { $0 == "%" || $0 == "_" || $0 == likeEscape }
    }

    /// An `application/x-www-form-urlencoded` string (a form body, or a query string a form sent) as pairs in order:
    /// `+` is a space, then percent-escapes are decoded. Malformed escapes give nil for that value.
    public static func formPairs(_ raw: Substring) -> [(name: String, value: String?)] {
        raw.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String? { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            return (decode(kv[0]) ?? String(kv[0]), kv.count > 1 ? decode(kv[1]) : "")
        }
    }
}

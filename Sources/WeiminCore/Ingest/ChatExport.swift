import Foundation

/// Group history exported from a phone (MemoTrace / WeChatMsg "留痕"), read for back-filling a group:
/// the CSV export (UTF-8 with BOM) and the TXT export. docs/protocols.md §3.3–§3.4 has both formats.
///
/// Exports carry no platform message id, so each message gets a key made of its time, kind and words
/// (plus a counter for identical messages in the same second). The sender is left out on purpose: the
/// CSV names senders by wxid and the TXT by nickname, and an overlap of the two must still dedupe.
public enum ChatExport {
    public struct Item: Sendable, Equatable {
        public var key: String
        public var senderID: String
        public var senderName: String
        public var kind: MessageKind
        public var text: String
        public var sentAt: Date
        public var quotedKey: String?
        /// Line of the file where the message starts, for messages about it.
        public var line: Int
    }

    public struct Skipped: Sendable, Equatable {
        public var line: Int
        public var reason: String
    }

    public struct Result: Sendable {
        public var items: [Item] = []
        public var skipped: [Skipped] = []
        /// Records read (CSV rows or TXT blocks), parsed or not.
        public var read = 0
    }

    public enum Format: String, Sendable { case csv, txt }

    /// The input rules on every parsed message: a row with a control character or an over-long text or name is
    /// skipped with the reason (the rest of the file is imported).
    static func screened(_ result: Result) -> Result {
        var out = result
        out.items = []
        var kept: Set<String> = []
        for var item in result.items {
            do {
                try InputRules.checkMessage(
                    text: item.text, senderID: item.senderID, senderName: item.senderName, groupID: "", groupName: "", messageID: item.key,
                    fields: .init(
                        text: "内容", senderID: "发送者", senderName: "昵称", groupID: "群", groupName: "群名", messageID: "键", quotedID: "引用"))
                // A quote of a row refused here would point at a message that was never imported (found by fuzzing).
                if let q = item.quotedKey, !kept.contains(q) { item.quotedKey = nil }
                kept.insert(item.key)
                out.items.append(item)
            } catch {
                out.skipped.append(.init(line: item.line, reason: "\(error)"))
            }
        }
        return out
    }

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public static let csvHeader = [
        "localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status", "StrContent", "StrTime", "Remark", "NickName",
        "Sender",
    ]
    static let placeholders: [String: MessageKind] = [
        "[图片]": .image, "[语音]": .voice, "[视频]": .video, "[表情包]": .sticker, "[动画表情]": .sticker, "[文件]": .file,
    ]
    static let earliest = Date(timeIntervalSince1970: 1_262_304_000)  // 2010-01-01: WeChat did not exist before

    /// Which format a file is in, from its name and first line.
    public static func detect(fileName: String, head: String) -> Format? {
        let first = head.drop { $0 == "\u{FEFF}" }.prefix { $0 != "\n" && $0 != "\r" }
        if first.hasPrefix("localId,") { return .csv }
        if fileName.lowercased().hasSuffix(".csv") { return .csv }
        if fileName.lowercased().hasSuffix(".txt") { return .txt }
        return nil
    }

    // MARK: CSV

    public static func parseCSV(_ text: String, now: Date = Date()) throws(Problem) -> Result {
        let rows = try CSV.rows(text)
        guard let header = rows.first?.fields else { throw Problem(description: "文件为空") }
        var column: [String: Int] = [:]
        for (i, name) in header.enumerated() { column[name.trimmingCharacters()] = i }
        let needed = ["Type", "CreateTime", "StrContent"]
        let missing = needed.filter { column[$0] == nil }
        guard missing.isEmpty else {
            throw Problem(
                description: "第 1 行应是留痕（MemoTrace）导出的表头 \(csvHeader.joined(separator: ","))，缺少列：\(missing.joined(separator: "、"))")
        }
        var result = Result()
        var keys = KeyMaker()
        for row in rows.dropFirst() {
            if row.fields.count == 1 && row.fields[0].isEmpty { continue }  // blank line
            result.read += 1
            func field(_ name: String) -> String {
                guard let i = column[name], i < row.fields.count else { return "" }
                return row.fields[i]
            }
            guard row.fields.count == header.count else {
                result.skipped.append(.init(line: row.line, reason: "有 \(row.fields.count) 列，表头有 \(header.count) 列"))
                continue
            }
            guard let seconds = Double(field("CreateTime")) else {
                result.skipped.append(.init(line: row.line, reason: "CreateTime「\(field("CreateTime").prefix(20))」不是数字"))
                continue
            }
            let sentAt = Date(timeIntervalSince1970: seconds > 100_000_000_000 ? seconds / 1000 : seconds)
            guard sentAt >= earliest, sentAt <= now.addingTimeInterval(86400) else {
                result.skipped.append(.init(line: row.line, reason: "时间不合理（早于 2010 年或晚于明天）"))
                continue
            }
            let type = Int(field("Type")) ?? -1
            let sub = Int(field("SubType")) ?? 0
            var content = field("StrContent")
            var quoted: String?
            let kind: MessageKind
            switch (type, sub) {
            case (1, _): kind = .text
            case (3, _): kind = .image; content = "[图片]"
            case (34, _): kind = .voice; content = "[语音]"
            case (43, _): kind = .video; content = "[视频]"
            case (47, _): kind = .sticker; content = "[表情包]"
            case (49, 57):
                kind = .quote
                if let xml = try? XMLNode.parse(content) {
                    content = xml.value("appmsg", "title") ?? content
                    quoted = xml.value("appmsg", "refermsg", "content")
                }
            case (49, 6):
                kind = .file
                content = (try? XMLNode.parse(content)).flatMap { $0.value("appmsg", "title") }.map { "[文件] \($0)" } ?? "[文件]"
            case (49, _):
                kind = .link
                content = (try? XMLNode.parse(content)).flatMap { $0.value("appmsg", "title") } ?? content
            case (10000, _), (10002, _):
                kind = .system
                content = systemText(content)
            default:
                result.skipped.append(.init(line: row.line, reason: "不认识的消息类型 Type=\(field("Type")) SubType=\(field("SubType"))"))
                continue
            }
            if kind == .text && content.trimmingCharacters().isEmpty {
                result.skipped.append(.init(line: row.line, reason: "文本消息内容为空"))
                continue
            }
            let isSelf = field("IsSender") == "1"
            let sender = field("Sender").isEmpty ? (isSelf ? "self" : field("TalkerId")) : field("Sender")
            let name = [field("Remark"), field("NickName"), sender].first { !$0.isEmpty } ?? sender
            let key = keys.key(seconds: Int64(sentAt.timeIntervalSince1970), kind: kind, text: content)
            result.items.append(
                Item(
                    key: key, senderID: sender, senderName: name, kind: kind, text: content, sentAt: sentAt,
                    quotedKey: quoted.flatMap { keys.latest(text: $0) }, line: row.line))
        }
        return screened(result)
    }

    // MARK: TXT

    /// Blocks of "YYYY-MM-DD HH:MM:SS name", then the content (possibly several lines), then a blank line.
    /// Times are local; `utcOffset` is the county's offset from UTC in seconds (China: 8 hours).
    public static func parseTXT(_ text: String, utcOffset: Int = 8 * 3600, now: Date = Date()) -> Result {
        var result = Result()
        var keys = KeyMaker()
        // "\r\n" is a single Character, so split on it too: a Windows export was otherwise one long line.
        var lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = first.dropFirst() }
        var i = 0
        while i < lines.count {
            guard !lines[i].trimmingCharacters().isEmpty else { i += 1; continue }
            let start = i + 1
            result.read += 1
            guard let (seconds, name) = header(lines[i], utcOffset: utcOffset) else {
                result.skipped.append(.init(line: start, reason: "应为「YYYY-MM-DD HH:MM:SS 名字」：\(lines[i].prefix(30))"))
                // Resynchronise at the next header line.
                i += 1
                while i < lines.count, !looksLikeHeader(lines[i]) || (i > 0 && !lines[i - 1].trimmingCharacters().isEmpty) { i += 1 }
                continue
            }
            i += 1
            var body: [Substring] = []
            while i < lines.count {
                // A blank line followed by a header (or the end) closes the block; other blank lines belong to it.
                if lines[i].trimmingCharacters().isEmpty,
                    i + 1 >= lines.count || looksLikeHeader(lines[i + 1]) || lines[i + 1].trimmingCharacters().isEmpty
                {
                    break
                }
                body.append(lines[i])
                i += 1
            }
            var content = body.joined(separator: "\n").trimmingCharacters()
            let sentAt = Date(timeIntervalSince1970: Double(seconds))
            guard sentAt >= earliest, sentAt <= now.addingTimeInterval(86400) else {
                result.skipped.append(.init(line: start, reason: "时间不合理（早于 2010 年或晚于明天）"))
                continue
            }
            var kind: MessageKind
            var sender = unescapeHTML(name)
            var quoted: String?
            if content.isEmpty {
                // MemoTrace writes a group system message ("X邀请Y加入了群聊", a recall) on the time line itself, with no name.
                kind = .system
                content = systemText(name)
                sender = "system"
            } else if let reply = reply(body) {
                // A quote-reply: "{title}\n引用:{name}:{quoted words}" (or "引用:未知").
                kind = .quote
                content = reply.title
                quoted = reply.quoted.flatMap { keys.latest(quoting: $0) }
            } else if let card = shareCard(body) {
                kind = .link
                content = card
            } else {
                kind = placeholders.first { content.hasPrefix($0.key) }?.value ?? .text
                if content == "[音乐分享]" { kind = .link }
            }
            guard !content.isEmpty else {
                result.skipped.append(.init(line: start, reason: "消息内容为空"))
                continue
            }
            result.items.append(
                Item(
                    key: keys.key(seconds: seconds, kind: kind, text: content), senderID: sender,
                    senderName: sender == "system" ? "系统消息" : sender,
                    kind: kind, text: content, sentAt: sentAt, quotedKey: quoted, line: start))
        }
        return screened(result)
    }

    /// A group system message's words, as MemoTrace writes them to TXT (`system_msg`): the CDATA wrapper and the
    /// "重新编辑" link of a recall removed. The CSV's raw text and WeChatFerry's go through the same, so keys agree.
    public static func systemText(_ raw: String) -> String {
        raw.replacingOccurrences(of: "<![CDATA[", with: "")
            .replacingOccurrences(of: " <a href=\"weixin://revoke_edit_click\">重新编辑</a>]]>", with: "")
            .replacingOccurrences(of: "<a href=\"weixin://revoke_edit_click\">重新编辑</a>", with: "")
            .replacingOccurrences(of: "]]>", with: "")
            .trimmingCharacters()
    }

    /// MemoTrace's `refermsg` block: the reply's words, then a line "引用:{displayname}:{quoted content}" (the quoted
    /// content may run over several lines), or "引用:未知".
    static func reply(_ body: [Substring]) -> (title: String, quoted: String?)? {
        guard let at = body.lastIndex(where: { $0.hasPrefix("引用:") }), at > body.startIndex else { return nil }
        let title = body[..<at].joined(separator: "\n").trimmingCharacters()
        guard !title.isEmpty else { return nil }
        let rest = ([String(body[at].dropFirst("引用:".count))] + body[(at + 1)...].map(String.init)).joined(separator: "\n")
        return (title, rest == "未知" ? nil : rest)
    }

    /// MemoTrace's `share_card` block: indented lines "[链接]:title:…", "description:…", "url:…", "name:…"; the link's
    /// title is what the CSV keeps too.
    static func shareCard(_ body: [Substring]) -> String? {
        guard let first = body.first?.trimmingCharacters(), first.hasPrefix("[链接]:title:") else { return nil }
        return String(first.dropFirst("[链接]:title:".count)).trimmingCharacters()
    }

    /// MemoTrace escapes names for HTML before writing them to TXT.
    static func unescapeHTML(_ s: String) -> String {
        guard s.contains("&") else { return s }
        return s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(
            of: "&quot;", with: "\""
        )
        .replacingOccurrences(of: "&#x27;", with: "'").replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(
            of: "&amp;", with: "&")
    }

    /// The shape of a header ("dddd-dd-dd dd:dd:dd "), valid or not: it ends the previous block either way.
    static func looksLikeHeader(_ line: Substring) -> Bool {
        let u = Array(line.utf8.prefix(20))
        guard u.count == 20 else { return false }
        for (i, b) in u.enumerated() {
            switch i {
            case 4, 7: if b != 0x2D { return false }
            case 10, 19: if b != 0x20 { return false }
            case 13, 16: if b != 0x3A { return false }
            default: if b < 0x30 || b > 0x39 { return false }
            }
        }
        return true
    }

    static func header(_ line: Substring, utcOffset: Int) -> (Int64, String)? {
        let u = Array(line.utf8)
        guard u.count > 20, u[4] == 0x2D, u[7] == 0x2D, u[10] == 0x20, u[13] == 0x3A, u[16] == 0x3A, u[19] == 0x20 else { return nil }
        func n(_ r: Range<Int>) -> Int? {
            var v = 0
            for b in u[r] { guard b >= 0x30, b <= 0x39 else { return nil }; v = v * 10 + Int(b - 0x30) }
            return v
        }
        guard let y = n(0..<4), let mo = n(5..<7), let d = n(8..<10), let h = n(11..<13), let mi = n(14..<16), let s = n(17..<19),
            h < 24, mi < 60, s < 61, let date = LocalDate(year: y, month: mo, day: d)
        else { return nil }
        let name = String(decoding: u[20...], as: UTF8.self).trimmingCharacters()
        guard !name.isEmpty else { return nil }
        let day = date.dayNumber
        return (Int64(day) * 86400 + Int64(h * 3600 + mi * 60 + s) - Int64(utcOffset), name)
    }

    /// Stable keys: time, kind and an FNV-1a hash of the words, and a counter for repeats in the same second.
    struct KeyMaker {
        var seen: [String: Int] = [:]
        var byText: [String: String] = [:]

        mutating func key(seconds: Int64, kind: MessageKind, text: String) -> String {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in kind.rawValue.utf8 + [0] + text.utf8 {
                hash ^= UInt64(b)
                hash = hash &* 0x100_0000_01b3
            }
            let base = "exp:\(seconds):\(String(hash, radix: 16))"
            let n = seen[base, default: 0]
            seen[base] = n + 1
            let key = n == 0 ? base : "\(base):\(n)"
            byText[text] = key
            return key
        }

        /// The latest earlier message with exactly this text: what a quote quoted, as far as an export tells.
        func latest(text: String) -> String? { byText[text.trimmingCharacters()] }

        /// What a TXT "引用:{name}:{words}" quoted: the name may itself hold a colon, so each split is tried.
        func latest(quoting rest: String) -> String? {
            var i = rest.startIndex
            while let colon = rest[i...].firstIndex(where: { $0 == ":" || $0 == "：" }) {
                if let key = latest(text: String(rest[rest.index(after: colon)...])) { return key }
                i = rest.index(after: colon)
            }
            return latest(text: rest)
        }
    }
}

/// RFC 4180 CSV: quoted fields with doubled quotes and line breaks inside, CRLF or LF, a BOM tolerated.
/// The same reader takes tab-separated files (`delimiter: 0x09`).
enum CSV {
    struct Row {
        var fields: [String]
        var line: Int
    }

    static func rows(_ text: String, delimiter: UInt8 = 0x2C) throws(ChatExport.Problem) -> [Row] {
        var rows: [Row] = []
        var field: [UInt8] = []
        var fields: [String] = []
        var line = 1
        var rowLine = 1
        var quoted = false
        var u = Array(text.utf8)
        if u.starts(with: [0xEF, 0xBB, 0xBF]) { u.removeFirst(3) }
        var i = 0
        func endField() { fields.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true) }
        while i < u.count {
            let b = u[i]
            if quoted {
                if b == 0x22 {
                    if i + 1 < u.count, u[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                    quoted = false
                } else {
                    if b == 0x0A { line += 1 }
                    field.append(b)
                }
                i += 1
                continue
            }
            switch b {
            case 0x22 where field.isEmpty: quoted = true
            case delimiter: endField()
            case 0x0D: break
            case 0x0A:
                endField()
                rows.append(Row(fields: fields, line: rowLine))
                fields.removeAll()
                line += 1
                rowLine = line
            default: field.append(b)
            }
            i += 1
        }
        guard !quoted else { throw ChatExport.Problem(description: "第 \(rowLine) 行起的引号没有闭合（文件可能不完整）") }
        if !field.isEmpty || !fields.isEmpty {
            endField()
            rows.append(Row(fields: fields, line: rowLine))
        }
        return rows
    }
}

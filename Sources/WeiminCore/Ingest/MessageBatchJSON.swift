/// Reads the generic ingestion API's body — one message object, or `{"messages": [...]}` — straight
/// into fields, in one pass over the bytes. A batch of 1,000 is the hot path of ingestion, and the
/// general-purpose Codable decoder spent more time than the database did; this reader is strict JSON
/// (RFC 8259: escapes, surrogate pairs, valid UTF-8, no trailing commas) and says where input is wrong.
public enum MessageBatchJSON {
    public enum SentAt: Sendable, Equatable {
        case number(Double)
        case text(String)
    }

    /// The fields of one message as sent; validation happens after.
    public struct Fields: Sendable, Equatable {
        public var platform: String?
        public var groupID: String?
        public var groupName: String?
        public var messageID: String?
        public var senderID: String?
        public var senderName: String?
        public var type: String?
        public var text: String?
        public var quoteID: String?
        public var sentAt: SentAt?
        public init() {}
    }

    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let offset: Int
        public let reason: String
        public var description: String { "第 \(offset) 字节：\(reason)" }
    }

    public static func parse(_ bytes: [UInt8]) throws(Problem) -> [Fields] {
        var reader = Reader(bytes: bytes)
        let result = try reader.document()
        return result
    }

    struct Reader {
        let bytes: [UInt8]
        var i = 0

        func fail(_ reason: String) -> Problem { Problem(offset: i, reason: reason) }

        mutating func space() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        mutating func expect(_ b: UInt8, _ what: String) throws(Problem) {
            space()
            guard i < bytes.count, bytes[i] == b else { throw fail(i < bytes.count ? "应为 \(what)" : "内容不完整，缺少 \(what)") }
            i += 1
        }

        mutating func document() throws(Problem) -> [Fields] {
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
            space()
            guard i < bytes.count else { throw fail("请求体为空") }
            guard bytes[i] == UInt8(ascii: "{") else { throw fail("应为 JSON 对象 {…}") }
            var single = Fields()
            var batch: [Fields]?
            try object { (reader: inout Reader, key: String) throws(Problem) in
                if key == "messages" {
                    reader.space()
                    guard reader.i < reader.bytes.count, reader.bytes[reader.i] == UInt8(ascii: "[") else {
                        throw reader.fail("messages 应为数组")
                    }
                    var items: [Fields] = []
                    try reader.array { (r: inout Reader) throws(Problem) in
                        r.space()
                        guard r.i < r.bytes.count, r.bytes[r.i] == UInt8(ascii: "{") else { throw r.fail("messages 的每一项应为对象") }
                        var f = Fields()
                        try r.object { (r2: inout Reader, k: String) throws(Problem) in try r2.field(k, into: &f) }
                        items.append(f)
                    }
                    batch = items
                } else {
                    try reader.field(key, into: &single)
                }
            }
            space()
            guard i == bytes.count else { throw fail("JSON 之后还有多余内容") }
            return batch ?? [single]
        }

        mutating func field(_ key: String, into f: inout Fields) throws(Problem) {
            switch key {
            case "platform": f.platform = try optionalString(key)
            case "group_id": f.groupID = try optionalString(key)
            case "group_name": f.groupName = try optionalString(key)
            case "message_id": f.messageID = try optionalString(key)
            case "sender_id": f.senderID = try optionalString(key)
            case "sender_name": f.senderName = try optionalString(key)
            case "type": f.type = try optionalString(key)
            case "text": f.text = try optionalString(key)
            case "quote_id": f.quoteID = try optionalString(key)
            case "sent_at":
                space()
                guard i < bytes.count else { throw fail("内容不完整") }
                switch bytes[i] {
                case UInt8(ascii: "\""): f.sentAt = .text(try string())
                case UInt8(ascii: "n"): try literal("null"); f.sentAt = nil
                default: f.sentAt = .number(try number())
                }
            default: try skipValue(depth: 0)
            }
        }

        mutating func optionalString(_ key: String) throws(Problem) -> String? {
            space()
            guard i < bytes.count else { throw fail("内容不完整") }
            if bytes[i] == UInt8(ascii: "n") { try literal("null"); return nil }
            guard bytes[i] == UInt8(ascii: "\"") else { throw fail("字段 \(key) 应为字符串") }
            return try string()
        }

        /// Calls `member` for each key, positioned at its value.
        mutating func object(_ member: (inout Reader, String) throws(Problem) -> Void) throws(Problem) {
            try expect(UInt8(ascii: "{"), "{")
            space()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return }
            while true {
                space()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("应为用双引号括起的字段名") }
                let key = try string()
                try expect(UInt8(ascii: ":"), ":")
                try member(&self, key)
                space()
                guard i < bytes.count else { throw fail("对象未结束，缺少 }") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return }
                throw fail("应为 , 或 }")
            }
        }

        mutating func array(_ element: (inout Reader) throws(Problem) -> Void) throws(Problem) {
            try expect(UInt8(ascii: "["), "[")
            space()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return }
            while true {
                try element(&self)
                space()
                guard i < bytes.count else { throw fail("数组未结束，缺少 ]") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return }
                throw fail("应为 , 或 ]")
            }
        }

        mutating func skipValue(depth: Int) throws(Problem) {
            guard depth < 64 else { throw fail("嵌套过深") }
            space()
            guard i < bytes.count else { throw fail("内容不完整") }
            switch bytes[i] {
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "{"): try object { (r: inout Reader, _: String) throws(Problem) in try r.skipValue(depth: depth + 1) }
            case UInt8(ascii: "["): try array { (r: inout Reader) throws(Problem) in try r.skipValue(depth: depth + 1) }
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: _ = try number()
            }
        }

        mutating func literal(_ word: String) throws(Problem) {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, bytes[i..<i + w.count].elementsEqual(w) else { throw fail("无法识别的值") }
            i += w.count
        }

        mutating func number() throws(Problem) -> Double {
            let start = i
            while i < bytes.count,
                (bytes[i] >= 0x30 && bytes[i] <= 0x39) || bytes[i] == 0x2D || bytes[i] == 0x2B || bytes[i] == 0x2E || bytes[i] == 0x65
                    || bytes[i] == 0x45
            { i += 1 }
            guard i > start, let v = Double(String(decoding: bytes[start..<i], as: UTF8.self)) else { i = start; throw fail("无法识别的值") }
            return v
        }

        mutating func hex4() throws(Problem) -> UInt32 {
            guard i + 4 <= bytes.count else { throw fail("\\u 之后应有 4 位十六进制数") }
            var v: UInt32 = 0
            for b in bytes[i..<i + 4] {
                let d: UInt8
                switch b {
                case 0x30...0x39: d = b - 0x30
                case 0x41...0x46: d = b - 0x41 + 10
                case 0x61...0x66: d = b - 0x61 + 10
                default: throw fail("\\u 之后应有 4 位十六进制数")
                }
                v = v << 4 | UInt32(d)
            }
            i += 4
            return v
        }

        mutating func string() throws(Problem) -> String {
            i += 1  // opening quote
            let start = i
            // Fast path: no escapes — validate the UTF-8 slice as it is.
            while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\") {
                guard bytes[i] >= 0x20 else { throw fail("字符串中有未转义的控制字符") }
                i += 1
            }
            guard i < bytes.count else { throw fail("字符串未结束") }
            if bytes[i] == UInt8(ascii: "\"") {
                defer { i += 1 }
                guard let s = String(validating: bytes[start..<i], as: UTF8.self) else { throw fail("不是有效的 UTF-8 文本") }
                return s
            }
            var out = Array(bytes[start..<i])
            while true {
                guard i < bytes.count else { throw fail("字符串未结束") }
                let b = bytes[i]
                if b == UInt8(ascii: "\"") { i += 1; break }
                if b < 0x20 { throw fail("字符串中有未转义的控制字符") }
                if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
                i += 1
                guard i < bytes.count else { throw fail("字符串未结束") }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard i + 2 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                            throw fail("不成对的代理项 \\u")
                        }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("不成对的代理项 \\u") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw fail("不成对的代理项 \\u")
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw fail("无效的 \\u 转义") }
                    out += Array(String(Character(u)).utf8)
                default: throw fail("无效的转义 \\\(Character(Unicode.Scalar(e)))")
                }
            }
            guard let s = String(validating: out, as: UTF8.self) else { throw fail("不是有效的 UTF-8 文本") }
            return s
        }
    }
}

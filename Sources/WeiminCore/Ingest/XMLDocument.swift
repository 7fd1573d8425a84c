/// A small, strict XML reader for the platforms' callback bodies (WeCom's `<xml>` envelopes, WeChat
/// app-message XML). Elements, text, CDATA, the five entities and character references; attributes are
/// read and kept; DTDs are refused (no entity expansion, so no billion-laughs).
public struct XMLNode: Sendable, Equatable {
    public var name: String
    public var attributes: [String: String]
    public var text: String
    public var children: [XMLNode]

    /// The first child with this name.
    public subscript(_ child: String) -> XMLNode? { children.first { $0.name == child } }

    /// The text of a descendant along a path of names, trimmed; nil when absent.
    public func value(_ path: String...) -> String? {
        var node = self
        for name in path {
            guard let next = node[name] else { return nil }
            node = next
        }
        return node.text.trimmingCharacters()
    }

    /// Every element of this name, at any depth, in document order.
    public func all(_ name: String) -> [XMLNode] {
        children.flatMap { ($0.name == name ? [$0] : []) + $0.all(name) }
    }

    public static func parse(_ text: String) throws(XMLError) -> XMLNode {
        var reader = XMLReader(bytes: Array(text.utf8))
        return try reader.document()
    }
}

public struct XMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public let offset: Int
    public let reason: String
    public var description: String { "XML 格式错误（第 \(offset) 字节）：\(reason)" }
}

struct XMLReader {
    let bytes: [UInt8]
    var i = 0
    var depth = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func fail(_ reason: String) -> XMLError { XMLError(offset: i, reason: reason) }

    func starts(with s: String) -> Bool {
        let u = Array(s.utf8)
        return i + u.count <= bytes.count && Array(bytes[i..<i + u.count]) == u
    }

    mutating func skip(past s: String) throws(XMLError) {
        let u = Array(s.utf8)
        while i + u.count <= bytes.count {
            if Array(bytes[i..<i + u.count]) == u { i += u.count; return }
            i += 1
        }
        throw fail("缺少 \(s)")
    }

    mutating func skipSpace() { while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 } }

    /// Declarations, comments and processing instructions between elements.
    mutating func skipMisc() throws(XMLError) {
        while true {
            skipSpace()
            if starts(with: "<?") {
                try skip(past: "?>")
            } else if starts(with: "<!--") {
                try skip(past: "-->")
            } else if starts(with: "<!DOCTYPE") || starts(with: "<!doctype") {
                throw fail("不接受 DOCTYPE")
            } else {
                return
            }
        }
    }

    mutating func document() throws(XMLError) -> XMLNode {
        // A UTF-8 byte-order mark is allowed before the document.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        try skipMisc()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "<") else { throw fail(bytes.isEmpty ? "内容为空" : "应以 < 开头") }
        let root = try element()
        try skipMisc()
        guard i == bytes.count else { throw fail("根元素之后还有内容") }
        return root
    }

    mutating func name() throws(XMLError) -> String {
        let start = i
        while i < bytes.count, !([0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ">"), UInt8(ascii: "/"), UInt8(ascii: "=")].contains(bytes[i])) {
            i += 1
        }
        guard i > start else { throw fail("缺少元素名") }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    mutating func element() throws(XMLError) -> XMLNode {
        depth += 1
        defer { depth -= 1 }
        guard depth <= 64 else { throw fail("嵌套过深") }
        i += 1  // <
        var node = XMLNode(name: try name(), attributes: [:], text: "", children: [])
        while true {
            skipSpace()
            guard i < bytes.count else { throw fail("<\(node.name)> 未结束") }
            if bytes[i] == UInt8(ascii: "/") {
                guard i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: ">") else { throw fail("应为 />") }
                i += 2
                return node
            }
            if bytes[i] == UInt8(ascii: ">") { i += 1; break }
            let key = try name()
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "=") else { throw fail("属性 \(key) 缺少 =") }
            i += 1
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else { throw fail("属性 \(key) 的值应加引号") }
            let quote = bytes[i]
            i += 1
            let start = i
            while i < bytes.count, bytes[i] != quote { i += 1 }
            guard i < bytes.count else { throw fail("属性 \(key) 的值未结束") }
            node.attributes[key] = try unescape(bytes[start..<i])
            i += 1
        }
        var text: [UInt8] = []
        while true {
            guard i < bytes.count else { throw fail("<\(node.name)> 缺少结束标签") }
            if starts(with: "<![CDATA[") {
                i += 9
                let start = i
                try skip(past: "]]>")
                text += bytes[start..<i - 3]
            } else if starts(with: "<!--") {
                try skip(past: "-->")
            } else if starts(with: "</") {
                i += 2
                let closing = try name()
                guard closing == node.name else { throw fail("结束标签 </\(closing)> 与 <\(node.name)> 不匹配") }
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ">") else { throw fail("结束标签 </\(closing)> 未闭合") }
                i += 1
                node.text = String(decoding: text, as: UTF8.self)
                return node
            } else if bytes[i] == UInt8(ascii: "<") {
                node.children.append(try element())
            } else {
                let start = i
                while i < bytes.count, bytes[i] != UInt8(ascii: "<") { i += 1 }
                text += Array(try unescape(bytes[start..<i]).utf8)
            }
        }
    }

    func unescape(_ raw: ArraySlice<UInt8>) throws(XMLError) -> String {
        guard raw.contains(UInt8(ascii: "&")) else { return String(decoding: raw, as: UTF8.self) }
        let s = String(decoding: raw, as: UTF8.self)
        var out = ""
        // By Unicode scalar, not Character: a combining mark after "&" or ";" must not hide it.
        var rest = Substring(s).unicodeScalars
        while let amp = rest.firstIndex(of: "&") {
            out.unicodeScalars += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { throw fail("& 之后缺少 ;") }
            let entity = Substring(rest[rest.index(after: amp)..<semi])
            switch entity {
            case "lt": out += "<"
            case "gt": out += ">"
            case "amp": out += "&"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let scalar: UInt32?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    scalar = UInt32(entity.dropFirst(2), radix: 16)
                } else if entity.hasPrefix("#") {
                    scalar = UInt32(entity.dropFirst(), radix: 10)
                } else {
                    scalar = nil
                }
                guard let v = scalar, let u = Unicode.Scalar(v) else { throw fail("未知的实体 &\(entity);") }
                out.unicodeScalars.append(u)
            }
            rest = rest[rest.index(after: semi)...]
        }
        out.unicodeScalars += rest
        return out
    }
}

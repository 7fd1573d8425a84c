/// `multipart/form-data` (RFC 7578) as bridges such as wechatbot-webhook post it: text fields and files.
public struct MultipartForm: Sendable {
    public struct Part: Sendable {
        public var name: String
        public var filename: String?
        public var contentType: String?
        public var body: [UInt8]
        /// False for the last part of a body cut short on purpose (`parse(_:boundary:truncated:)`): `body` is its start.
        public var complete = true
        public var text: String? { String(validating: body, as: UTF8.self) }
    }

    public var parts: [Part]

    /// The text of the first field with this name.
    public subscript(_ name: String) -> String? { parts.first { $0.name == name }?.text }
    public func part(_ name: String) -> Part? { parts.first { $0.name == name } }

    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// The boundary named in a Content-Type header, or nil when it is not multipart/form-data.
    public static func boundary(contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters() }
        guard let first = pieces.first, first.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() where piece.lowercased().hasPrefix("boundary=") {
            var value = piece.dropFirst("boundary=".count)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            return value.isEmpty || value.count > 70 ? nil : String(value)
        }
        return nil
    }

    /// The parts of `body`. With `truncated` (the caller kept only the start of a body too large to keep whole), a last
    /// part without its closing delimiter is returned with `complete == false` instead of refusing the form; a form cut
    /// inside a part's headers ends before that part.
    public static func parse(_ body: [UInt8], boundary: String, truncated: Bool = false) throws(Problem) -> MultipartForm {
        let delimiter = Array("--\(boundary)".utf8)
        guard var at = find(delimiter, in: body, from: 0) else { throw Problem(description: "找不到分隔符 --\(boundary)") }
        var parts: [Part] = []
        while true {
            at += delimiter.count
            if body[at...].starts(with: Array("--".utf8)) { break }  // the closing delimiter
            guard body[at...].starts(with: [13, 10]) else {
                if truncated && body.count - at < 2 { break }
                throw Problem(description: "分隔符后应换行")
            }
            at += 2
            guard let headerEnd = find([13, 10, 13, 10], in: body, from: at) else {
                if truncated { break }
                throw Problem(description: "第 \(parts.count + 1) 部分缺少头部结束的空行")
            }
            let headers = String(decoding: body[at..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            let found = find([13, 10] + delimiter, in: body, from: contentStart)
            guard found != nil || truncated else {
                throw Problem(description: "第 \(parts.count + 1) 部分没有结束分隔符（内容不完整？）")
            }
            let next = found ?? body.count
            var part = Part(
                name: "", filename: nil, contentType: nil, body: Array(body[min(contentStart, next)..<next]), complete: found != nil)
            for line in headers.split(separator: "\r\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let key = line[..<colon].lowercased()
                let value = String(line[line.index(after: colon)...]).trimmingCharacters()
                if key == "content-disposition" {
                    part.name = parameter("name", in: value) ?? ""
                    part.filename = parameter("filename", in: value)
                } else if key == "content-type" {
                    part.contentType = value
                }
            }
            guard !part.name.isEmpty else { throw Problem(description: "第 \(parts.count + 1) 部分缺少 Content-Disposition 的 name") }
            parts.append(part)
            guard found != nil else { break }
            at = next + 2
            guard parts.count <= 100 else { throw Problem(description: "字段过多") }
        }
        return MultipartForm(parts: parts)
    }

    static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let p = piece.trimmingCharacters()
            guard p.lowercased().hasPrefix(name + "=") else { continue }
            var v = p.dropFirst(name.count + 1)
            if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = v.dropFirst().dropLast() }
            return String(v)
        }
        return nil
    }

    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, hay.count >= needle.count, from <= hay.count - needle.count else { return nil }
        let first = needle[0]
        var i = from
        while i <= hay.count - needle.count {
            if hay[i] == first, hay[i..<i + needle.count].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}

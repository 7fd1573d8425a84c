import WeiminCore

// Input: the boundary on the first line (as a Content-Type header would carry it), then the body.
// Parse must return or throw, never trap; what it reads must obey the format's bounds and survive a re-encode.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = bytes(data, size)
    guard let newline = input.firstIndex(of: 0x0A) else { return 0 }
    let header = String(decoding: input[..<newline], as: UTF8.self)
    guard let boundary = MultipartForm.boundary(contentType: "multipart/form-data; boundary=" + header) else { return 0 }
    check(!boundary.isEmpty && boundary.count <= 70, "boundary() returned \(boundary.count) characters")
    let body = Array(input[(newline + 1)...])
    guard let form = try? MultipartForm.parse(body, boundary: boundary) else { return 0 }
    check(form.parts.count <= 100, "\(form.parts.count) parts, over the limit of 100")
    check(form.parts.reduce(0) { $0 + $1.body.count } <= body.count, "parts hold more bytes than the body")
    let delimiter = Array("\r\n--\(boundary)".utf8)
    for part in form.parts {
        check(!part.name.isEmpty, "a part without a name was accepted")
        check(!contains(part.body, delimiter), "a part's body holds the delimiter")
        _ = part.text
    }
    // Re-encode when every header value can be written back as it was read: no ; or line breaks in them, and no
    // leading combining mark (it would fuse with the opening quote into one Character).
    let plain = form.parts.allSatisfy { p in
        [p.name, p.filename ?? "", p.contentType ?? ""].allSatisfy { v in
            !v.unicodeScalars.contains { $0 == ";" || $0 == "\r" || $0 == "\n" } && ("\"" + v).first == "\"" && (v + "\"").last == "\""
        }
    }
    guard plain else { return 0 }
    var out: [UInt8] = []
    for p in form.parts {
        var h = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(p.name)\""
        if let f = p.filename { h += "; filename=\"\(f)\"" }
        if let t = p.contentType { h += "\r\nContent-Type: \(t)" }
        out += Array((h + "\r\n\r\n").utf8) + p.body + Array("\r\n".utf8)
    }
    out += Array("--\(boundary)--\r\n".utf8)
    do {
        let again = try MultipartForm.parse(out, boundary: boundary)
        check(again.parts.count == form.parts.count, "re-encoded form has \(again.parts.count) parts, not \(form.parts.count)")
        for (a, b) in zip(again.parts, form.parts) {
            check(a.name == b.name && a.filename == b.filename && a.contentType == b.contentType && a.body == b.body,
                  "part \(b.name) changed on a re-encode")
        }
    } catch {
        check(false, "re-encoded form failed to parse: \(error)")
    }
    return 0
}

func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
    guard hay.count >= needle.count else { return false }
    return (0...(hay.count - needle.count)).contains { hay[$0..<$0 + needle.count].elementsEqual(needle) }
}

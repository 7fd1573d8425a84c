import Foundation
import WeiminCore

// A fixed "now", so a run is repeatable; late enough that the seeds' 2024–2026 dates are in range.
let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15
let earliest = Date(timeIntervalSince1970: 1_262_304_000)
let kinds: Set<MessageKind> = [.text, .image, .voice, .video, .sticker, .quote, .file, .link, .system]

// The same text goes to both readers (an upload may be either). Neither may trap; what they return must be consistent.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: bytes(data, size), as: UTF8.self)
    if let csv = try? ChatExport.parseCSV(text, now: now) { verify(csv, "csv") }
    let txt = ChatExport.parseTXT(text, utcOffset: 8 * 3600, now: now)
    verify(txt, "txt")
    // Windows line ends must not change what the TXT reader finds.
    if !text.unicodeScalars.contains("\r") {
        let crlf = ChatExport.parseTXT(text.replacingOccurrences(of: "\n", with: "\r\n"), utcOffset: 8 * 3600, now: now)
        check(crlf.items == txt.items && crlf.skipped == txt.skipped, "txt: CRLF line ends read differently from LF")
    }
    return 0
}

func verify(_ r: ChatExport.Result, _ format: String) {
    check(r.read == r.items.count + r.skipped.count, "\(format): read \(r.read) ≠ \(r.items.count) items + \(r.skipped.count) skipped")
    var keys: Set<String> = []
    var lastLine = 0
    for item in r.items {
        check(keys.insert(item.key).inserted, "\(format): key \(item.key) given twice")
        if let q = item.quotedKey { check(keys.contains(q), "\(format): quote \(q) does not point at an earlier message") }
        check(item.sentAt >= earliest && item.sentAt <= now.addingTimeInterval(86400), "\(format): time \(item.sentAt) out of range")
        check(kinds.contains(item.kind), "\(format): unknown kind \(item.kind)")
        check(item.line >= 1 && item.line > lastLine, "\(format): line \(item.line) after \(lastLine)")
        lastLine = item.line
        if format == "txt" { check(!item.text.isEmpty && !item.senderName.isEmpty, "txt: empty text or sender at line \(item.line)") }
    }
    for s in r.skipped { check(s.line >= 1, "\(format): skipped line \(s.line)") }
}

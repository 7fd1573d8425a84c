import WeiminCore

// Any bytes: parse must return or throw, never trap. What it accepts must survive a write-out and a re-read unchanged.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = bytes(data, size)
    let fields: [MessageBatchJSON.Fields]
    do { fields = try MessageBatchJSON.parse(input) } catch {
        check(error.offset >= 0 && error.offset <= input.count, "problem offset \(error.offset) outside 0…\(input.count)")
        return 0
    }
    // Every message takes at least "{}" of input.
    check(fields.count <= max(1, input.count / 2), "\(fields.count) messages from \(input.count) bytes")
    let again: [MessageBatchJSON.Fields]
    do { again = try MessageBatchJSON.parse(Array(write(fields).utf8)) } catch {
        check(false, "re-read of written batch failed: \(error)")
        return 0
    }
    check(again == fields, "batch changed on a write-out and re-read")
    return 0
}

func write(_ batch: [MessageBatchJSON.Fields]) -> String {
    "{\"messages\":[" + batch.map(write).joined(separator: ",") + "]}"
}

func write(_ f: MessageBatchJSON.Fields) -> String {
    var members: [String] = []
    let strings: [(String, String?)] = [
        ("platform", f.platform), ("group_id", f.groupID), ("group_name", f.groupName), ("message_id", f.messageID),
        ("sender_id", f.senderID), ("sender_name", f.senderName), ("type", f.type), ("text", f.text), ("quote_id", f.quoteID),
    ]
    for (key, value) in strings { members.append("\"\(key)\":" + (value.map(quote) ?? "null")) }
    switch f.sentAt {
    case .none: members.append("\"sent_at\":null")
    case .text(let s): members.append("\"sent_at\":" + quote(s))
    // An overflowing literal reads as ±infinity; write one back the same way.
    case .number(let v): members.append("\"sent_at\":" + (v.isFinite ? "\(v)" : v < 0 ? "-1e999" : "1e999"))
    }
    return "{" + members.joined(separator: ",") + "}"
}

func quote(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where u.value < 0x20:
            let hex = String(u.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}

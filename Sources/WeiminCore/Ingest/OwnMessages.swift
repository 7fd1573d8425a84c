/// Weimin's own messages coming back in (docs/protocols.md §5): a bridge that sits in the group as the bot account
/// sees what the bot said — WeChatFerry forwards it with `is_self: true`, wechatbot-webhook with `isMsgFromSelf=1` when
/// `ACCEPT_RECVD_MSG_MYSELF` is on. Such a message is stored (the record is complete) but marked as an outbound echo,
/// and triage never reads it: Weimin must not open a case from its own notice or receipt.
public enum OutboundEcho {
    /// How a message was recognised as ours; stored in `messages.echo` (nil for everyone else's).
    public enum Reason: String, Sendable, Hashable, Codable, CaseIterable {
        /// The platform said so (`is_self`, `isMsgFromSelf`).
        case selfFlag = "self_flag"
        /// The sender is the bridge's own account (learned from an earlier self-flagged message or its login, or configured).
        case robotIdentity = "robot_identity"
        /// The words are what the outbox sent to this group recently (the backstop when a bridge gives no flag).
        case outboxHash = "outbox_hash"
    }

    /// How far back the outbox is compared: a message can wait for a robot for a day, and a bridge may forward late.
    public static let window: Double = 3 * 86400

    /// The words of a message reduced to what survives every robot's formatting: letters, digits and CJK characters,
    /// lower-cased — no spaces, punctuation, markdown, emoji or leading mentions. Two texts that differ only in those
    /// have the same hash.
    public static func normalized(_ text: String) -> String {
        var s = Substring(text)
        // Leading mentions ("@为民小助手\u{2005}", "<@zhangsan>") are who it was said to, not what was said.
        while true {
            let trimmed = s.drop { $0.isWhitespace }
            if trimmed.hasPrefix("<@"), let end = trimmed.firstIndex(of: ">") {
                s = trimmed[trimmed.index(after: end)...]
            } else if trimmed.hasPrefix("@"), let end = trimmed.firstIndex(where: { $0 == "\u{2005}" || $0 == " " || $0 == "\n" }) {
                s = trimmed[trimmed.index(after: end)...]
            } else {
                s = trimmed
                break
            }
        }
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars where scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
            out.append(contentsOf: String(scalar).lowercased().unicodeScalars)
        }
        return String(out)
    }

    /// A 64-bit FNV-1a hash of the normalized words, as 16 hex digits; nil when nothing is left to compare (a bare
    /// "好的" is kept, but "👍" or "。。。" is not: too common to call anyone's words ours).
    public static func contentHash(_ text: String) -> String? {
        let n = normalized(text)
        guard n.unicodeScalars.count >= 4 else { return nil }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in n.utf8 {
            hash ^= UInt64(b)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// Mentions as personal WeChat writes them: `@昵称` followed by U+2005 (a four-per-em space), at the start of the text
/// when the message is addressed to someone.
public enum WeChatMention {
    public static let separator: Character = "\u{2005}"

    /// The text without its leading mentions of `names` (the bot's nickname and alias). When `names` is empty and the
    /// platform said the bot was mentioned, the first leading mention is taken as the bot's. Mentions of other people,
    /// and a mention anywhere but at the start, are kept.
    public static func strippingLeading(_ text: String, names: Set<String>, mentioned: Bool) -> String {
        var s = Substring(text)
        var strippedAny = false
        while true {
            let trimmed = s.drop { $0 == " " || $0 == separator }
            guard trimmed.hasPrefix("@"), let end = trimmed.firstIndex(of: separator) else { break }
            let name = String(trimmed[trimmed.index(after: trimmed.startIndex)..<end])
            let isBot = names.contains(name) || (names.isEmpty && mentioned && !strippedAny)
            guard isBot, !name.isEmpty else { break }
            s = trimmed[trimmed.index(after: end)...]
            strippedAny = true
        }
        guard strippedAny else { return text }
        let rest = s.drop { $0.isWhitespace }
        // A message that was only the mention keeps it: an empty text says nothing at all.
        return rest.isEmpty ? text : String(rest)
    }
}

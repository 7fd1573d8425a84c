/// What a chat message is, as every platform's kinds are mapped to ours (stored as the raw value in `messages.kind`).
/// Only text is triaged; the rest are kept and shown as placeholders (`CoreStrings.messageKind`).
public enum MessageKind: String, Sendable, Hashable, Codable, CaseIterable {
    case text, image, voice, video, file, sticker, link, quote, system, event

    /// A stored value; anything unknown (an older or foreign row) reads as a system message, never as text to triage.
    public init(stored: String) { self = MessageKind(rawValue: stored) ?? .system }

    /// A platform's own type name (WeCom robot `msgtype`, DingTalk `msgtype`, the batch API's `type`). Mixed and rich
    /// text carry words, so they are text; a type nobody maps is kept as a system message rather than refused.
    public init(platformType: String) {
        switch platformType {
        case "text", "mixed", "richText", "markdown": self = .text
        case "image", "picture": self = .image
        case "voice", "audio": self = .voice
        case "link", "urlLink", "location", "news": self = .link
        default: self = MessageKind(rawValue: platformType) ?? .system
        }
    }
}

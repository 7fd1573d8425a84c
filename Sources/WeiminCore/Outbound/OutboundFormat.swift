/// How a message is laid out for a robot that renders markdown, and who it @-mentions.
public enum OutboundFormat {
    /// The first line becomes a bold heading. Robots' markdown has no reliable escape (a backslash shows
    /// as is), so text is neutralised instead: `<@` (a mention) and `*` in the heading become full-width,
    /// and a villager's words cannot @ someone or break the layout.
    public static func markdown(_ text: String) -> (title: String, body: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let title = lines.first ?? ""
        var body = "**\(neutralise(title).replacing("*", with: "＊"))**"
        for line in lines.dropFirst() {
            // Markdown joins single newlines; a blank line between keeps each of the notice's lines its own.
            body += "\n\n" + neutralise(line)
        }
        return (title, body)
    }

    public static func neutralise(_ s: String) -> String {
        s.replacing("<@", with: "＜@")
    }

}

/// The people a message @-mentions, as the platforms address them.
public struct Mentions: Sendable, Hashable {
    public var userIDs: [String]
    public var mobiles: [String]
    public init(userIDs: [String] = [], mobiles: [String] = []) { self.userIDs = userIDs; self.mobiles = mobiles }
    public var isEmpty: Bool { userIDs.isEmpty && mobiles.isEmpty }
}

/// Whether a sealed case's reporter hears back from Weimin (docs/domain.md §4.1: never in the group).
public enum SealedReplyMode: String, Sendable, Codable, CaseIterable {
    /// Not at all: the discipline commission contacts the reporter itself.
    case silent = "none"
    /// A private message through the group's bridge, on acceptance and resolution.
    case privately = "private"
}

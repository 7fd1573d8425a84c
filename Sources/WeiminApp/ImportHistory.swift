import Foundation
import WeiminCore
import WeiminPersistence

/// Use case: import an export — back-fill a registered group from a phone's chat export (`ChatExport`, Core, parses
/// it). Messages are stored in transactions of 1,000 under keys derived from their content, so importing the same file
/// again — or an overlapping export — adds nothing; triage then reads them like any others.
public struct ImportHistory: Sendable {
    let messages: MessageStore

    public init(messages: MessageStore) { self.messages = messages }

    public struct Summary: Sendable {
        public var read = 0
        public var new = 0
        public var duplicate = 0
        public var skipped: [ChatExport.Skipped] = []
    }

    public static let chunk = 1000

    /// Stores the parsed export into the group; `progress(done, total)` is called after each chunk.
    public func run(
        _ parsed: ChatExport.Result, groupID: UUID, county: RegionCode, platform: Platform, at now: Date = Date(),
        progress: @Sendable (Int, Int) -> Void = { _, _ in }
    ) async throws -> Summary {
        var summary = Summary(read: parsed.read, skipped: parsed.skipped)
        let store = messages
        let total = parsed.items.count
        for start in stride(from: 0, to: total, by: Self.chunk) {
            let batch = parsed.items[start..<min(start + Self.chunk, total)].map {
                IncomingMessage(
                    groupID: groupID, countyCode: county, platform: platform, platformMessageID: $0.key, senderID: $0.senderID,
                    senderName: $0.senderName, kind: $0.kind, text: $0.text, sentAt: $0.sentAt, quotedPlatformID: $0.quotedKey)
            }
            for new in try await store.insert(batch, receivedAt: now) {
                if new { summary.new += 1 } else { summary.duplicate += 1 }
            }
            progress(min(start + Self.chunk, total), total)
        }
        return summary
    }
}

import Foundation
import Metrics
import Synchronization
import WeiminCore
import WeiminPersistence

/// Use case: take messages in (docs/architecture.md, "the path of a message"). Every platform callback, bridge and
/// the batch API hand their parsed messages to `accept`: the input rules hold here whatever the route parsed, and the
/// group-commit writer stores them before anything is acknowledged. A short-lived cache of source lookups keeps a
/// busy bridge from costing a database read per message just to check its token.
public final class TakeMessagesIn: Sendable {
    public let store: IngestStore
    public let writer: IngestWriter
    /// A revoked token or changed secret stops working within this time.
    static let cacheLifetime: TimeInterval = 30
    private let tokens = Mutex<[String: (IngestSource, Date)]>([:])
    private let sources = Mutex<[UUID: (IngestSource, [String: String], Date)]>([:])
    /// Recent id-less bridge pushes: content digest → (id given, last seen).
    private let recentPushes = Mutex<[String: (String, Date)]>([:])
    /// A bridge's repeat of the same push (same group, sender, kind and words) within this time is the same message.
    static let repeatWindow: TimeInterval = 10

    public init(store: IngestStore) {
        self.store = store
        writer = IngestWriter(store: store)
    }

    public func source(forToken token: String, now: Date = Date()) async throws -> IngestSource? {
        if let (source, at) = tokens.withLock({ $0[token] }), now.timeIntervalSince(at) < Self.cacheLifetime { return source }
        guard let source = try await store.source(forToken: token) else { return nil }
        tokens.withLock {
            if $0.count > 10_000 { $0.removeAll() }
            $0[token] = (source, now)
        }
        return source
    }

    public func source(id: UUID, now: Date = Date()) async throws -> (IngestSource, [String: String])? {
        if let (source, secrets, at) = sources.withLock({ $0[id] }), now.timeIntervalSince(at) < Self.cacheLifetime {
            return (source, secrets)
        }
        guard let (source, secrets) = try await store.source(id: id) else { return nil }
        sources.withLock {
            if $0.count > 10_000 { $0.removeAll() }
            $0[id] = (source, secrets, now)
        }
        return (source, secrets)
    }

    /// An id for a message from a bridge that sends none (wechatbot-webhook). `message.platformMessageID`
    /// holds a digest of group, sender, kind and words; a repeat within ten seconds gets the same id, so the
    /// database absorbs it, while the same words said again later get a new one (the time is part of it).
    public func bridgeMessageID(_ message: PlatformMessage, source: UUID, now: Date) -> String {
        let digest = "\(source.uuidString):\(message.platformMessageID)"
        return recentPushes.withLock { recent in
            if let (id, seen) = recent[digest], now.timeIntervalSince(seen) < Self.repeatWindow {
                recent[digest] = (id, now)
                return id
            }
            if recent.count > 5000 { recent = recent.filter { now.timeIntervalSince($0.value.1) < Self.repeatWindow } }
            let id = "\(message.platformMessageID):\(Int64(now.timeIntervalSince1970 * 1000))"
            recent[digest] = (id, now)
            return id
        }
    }

    public func accept(_ batch: [PlatformMessage], from source: IngestSource, at now: Date = Date()) async throws -> [IngestStore.Outcome] {
        var batch = batch
        for i in batch.indices where batch[i].echo == nil && source.selfIDs.contains(batch[i].senderID) {
            // The bridge's own account speaking: Weimin's words, even when the bridge gives no flag (docs/protocols.md §5).
            batch[i].echo = .robotIdentity
        }
        do {
            for message in batch { try Self.check(message, now: now) }
        } catch {
            Self.countRefused(batch.count, source: source)
            throw error
        }
        let started = ContinuousClock.now
        let outcomes = try await writer.submit(batch, from: source, at: now)
        Self.record(outcomes, batch: batch, source: source, took: ContinuousClock.now - started)
        // A self-flagged message names the bot's account: remember it for pushes that come without the flag.
        for id in Set(batch.filter { $0.echo == .selfFlag && !$0.senderID.isEmpty }.map(\.senderID)) where !source.selfIDs.contains(id) {
            try await learnSelfID(id, source: source.id)
        }
        return outcomes
    }

    /// Messages refused with 400 (nothing of them stored), wherever the refusal was decided.
    public static func countRefused(_ n: Int, source: IngestSource) {
        Counter(label: "weimin_messages_total", dimensions: [("source", source.kind), ("outcome", "refused")]).increment(by: n)
    }

    /// Messages by source and outcome (an echo of Weimin's own words counts apart), and how long the commit took.
    static func record(_ outcomes: [IngestStore.Outcome], batch: [PlatformMessage], source: IngestSource, took: Duration) {
        Timer(label: "weimin_ingest_commit_seconds").record(duration: took)
        var counts: [String: Int] = [:]
        for (i, outcome) in outcomes.enumerated() {
            let echo = i < batch.count && batch[i].echo != nil && outcome == .stored
            counts[echo ? "echo" : outcome.rawValue, default: 0] += 1
        }
        for (outcome, n) in counts {
            Counter(label: "weimin_messages_total", dimensions: [("source", source.kind), ("outcome", outcome)]).increment(by: n)
        }
    }

    /// Remembers `id` as the source's own bot account; the cached source is dropped so the next request sees it.
    public func learnSelfID(_ id: String, source: UUID) async throws {
        guard try await store.rememberSelfID(id, source: source) else { return }
        tokens.withLock { $0 = $0.filter { $0.value.0.id != source } }
        sources.withLock { _ = $0.removeValue(forKey: source) }
    }

    /// Every platform callback and bridge comes through `accept`: the input rules hold here whatever the route parsed.
    /// A refused message is answered 400 and nothing of it is stored (see docs/security.md).
    static func check(_ m: PlatformMessage, now: Date) throws {
        do {
            try InputRules.checkMessage(
                text: m.text, senderID: m.senderID, senderName: m.senderName, groupID: m.groupExternalID, groupName: m.groupName,
                messageID: m.platformMessageID, quotedID: m.quotedPlatformID, fields: platformFields)
            try InputRules.checkSentAt(m.sentAt, field: "发送时间", now: now)
        } catch {
            throw MessageRefused(reason: "消息未保存：\(error)")
        }
    }

    static let platformFields = InputRules.MessageFieldNames(
        text: "消息内容", senderID: "发送者 ID", senderName: "发送者名称", groupID: "群 ID", groupName: "群名称", messageID: "消息 ID", quotedID: "引用消息 ID")
}

/// A message the input rules refuse: nothing of it is stored, and the route answers 400 with `reason`.
public struct MessageRefused: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public var description: String { reason }
}

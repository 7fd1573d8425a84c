import Foundation
import Synchronization
import WeiminCore
import WeiminPersistence

/// What the ingest routes share: the group-commit writer and a short-lived cache of source lookups,
/// so a busy bridge does not cost a database read per message just to check its token.
public final class IngestService: Sendable {
    public let store: IngestStore
    public let writer: IngestWriter
    /// A revoked token or changed secret stops working within this time.
    static let cacheLifetime: TimeInterval = 30
    private let tokens = Mutex<[String: (IngestSource, Date)]>([:])
    private let sources = Mutex<[UUID: (IngestSource, [String: String], Date)]>([:])

    init(database: WeiminDatabase, cipher: FieldCipher) {
        store = IngestStore(database: database, cipher: cipher)
        writer = IngestWriter(store: store)
    }

    func source(forToken token: String, now: Date = Date()) async throws -> IngestSource? {
        if let (source, at) = tokens.withLock({ $0[token] }), now.timeIntervalSince(at) < Self.cacheLifetime { return source }
        guard let source = try await store.source(forToken: token) else { return nil }
        tokens.withLock {
            if $0.count > 10_000 { $0.removeAll() }
            $0[token] = (source, now)
        }
        return source
    }

    func source(id: UUID, now: Date = Date()) async throws -> (IngestSource, [String: String])? {
        if let (source, secrets, at) = sources.withLock({ $0[id] }), now.timeIntervalSince(at) < Self.cacheLifetime { return (source, secrets) }
        guard let (source, secrets) = try await store.source(id: id) else { return nil }
        sources.withLock {
            if $0.count > 10_000 { $0.removeAll() }
            $0[id] = (source, secrets, now)
        }
        return (source, secrets)
    }

    func accept(_ batch: [PlatformMessage], from source: IngestSource, at now: Date = Date()) async throws -> [IngestStore.Outcome] {
        try await writer.submit(batch, from: source, at: now)
    }
}

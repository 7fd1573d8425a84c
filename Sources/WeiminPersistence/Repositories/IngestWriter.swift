import Foundation
import WeiminCore

/// Group commit for ingestion. Requests arriving while a transaction is being written wait together
/// and are written by the next one, so a burst of single-message deliveries costs a few fsyncs rather
/// than one each — and no request waits for a timer: an idle writer flushes at once.
/// Every caller gets its answer only after its messages are committed.
public actor IngestWriter {
    let store: IngestStore
    /// Upper bound on one transaction, so one flush cannot hold the write lock for long.
    let maxPerFlush: Int
    private var pending: [Job] = []
    private var flushing = false
    private var cache = IngestStore.GroupCache()
    public private(set) var flushes = 0
    public private(set) var written = 0
    private var lastFlush: ContinuousClock.Instant?

    struct Job {
        let items: [(PlatformMessage, IngestSource)]
        let at: Date
        let done: CheckedContinuation<[IngestStore.Outcome], any Error>
    }

    public init(store: IngestStore, maxPerFlush: Int = 5000) {
        self.store = store
        self.maxPerFlush = maxPerFlush
    }

    /// Stores the batch (with the others waiting now) and returns each message's outcome, in order.
    public func submit(_ batch: [PlatformMessage], from source: IngestSource, at now: Date = Date()) async throws -> [IngestStore.Outcome] {
        guard !batch.isEmpty else { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            pending.append(Job(items: batch.map { ($0, source) }, at: now, done: continuation))
            if !flushing {
                flushing = true
                Task { await self.drain() }
            }
        }
    }

    /// Whether messages were written within `window`: background work (triage) gives way to ingestion then.
    public func busy(within window: Duration) -> Bool {
        flushing || lastFlush.map { ContinuousClock.now - $0 < window } == true
    }

    private func drain() async {
        while !pending.isEmpty {
            var jobs: [Job] = []
            var count = 0
            while let next = pending.first, jobs.isEmpty || count + next.items.count <= maxPerFlush {
                jobs.append(pending.removeFirst())
                count += next.items.count
            }
            await write(jobs)
        }
        flushing = false
    }

    private func write(_ jobs: [Job]) async {
        do {
            // Only this actor's drain loop writes, one flush at a time, so the copy cannot race.
            var groups = cache
            let outcomes = try await store.accept(jobs.flatMap(\.items), cache: &groups, at: jobs[0].at)
            cache = groups
            flushes += 1
            written += outcomes.count
            lastFlush = .now
            var offset = 0
            for job in jobs {
                job.done.resume(returning: Array(outcomes[offset..<offset + job.items.count]))
                offset += job.items.count
            }
        } catch {
            // One failing request must not fail the others sharing its transaction: retry each alone.
            guard jobs.count > 1 else {
                jobs[0].done.resume(throwing: error)
                return
            }
            for job in jobs { await write([job]) }
        }
    }
}

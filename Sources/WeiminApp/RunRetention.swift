import Foundation
import WeiminCore
import WeiminPersistence

/// Use case: retention (个人信息保护法 arts. 19, 47; docs/domain.md §4.4). Personal data of cases that ended longer ago
/// than the county's retention period is erased: the villagers' messages and names, the case summary and any sealed
/// reporter identity. The case itself — its number, category, timings and audit chain — stays: the record of public
/// work is kept; the people in it are not. Each case is one transaction with its event.
public struct RunRetention: Sendable {
    let store: RetentionStore

    public init(store: RetentionStore) { self.store = store }

    /// The numbers of the cases a run would erase now (for `weimin retention run --dry-run`).
    public func due(now: Date, days: Int) async throws -> [String] {
        try await store.due(now: now, days: days, limit: 100_000).map(\.number.description)
    }

    /// Erases what is due; returns the case numbers erased.
    @discardableResult
    public func run(now: Date, days: Int, progress: ((Int) -> Void)? = nil) async throws -> [String] {
        guard days > 0 else { return [] }
        var erased: [String] = []
        while true {
            let batch = try await store.due(now: now, days: days)
            if batch.isEmpty { break }
            for c in batch {
                try await store.erase(c, note: { "保存期限（\(days)日）届满，已删除群众个人信息（消息\($0)条）" }, at: now)
                erased.append(c.number.description)
                progress?(erased.count)
            }
        }
        return erased
    }
}

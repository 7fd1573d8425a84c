import Foundation

/// Results computed on several threads (`DispatchQueue.concurrentPerform`), each put in its own slot under
/// a lock, read once all are done.
final class Collected<Item>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var items: [Item?]

    init(count: Int) { items = Array(repeating: nil, count: count) }

    /// Stores `item`; returns how many slots are filled now (for progress).
    @discardableResult
    func put(_ i: Int, _ item: Item) -> Int {
        lock.lock()
        defer { lock.unlock() }
        items[i] = item
        return items.count { $0 != nil }
    }
}

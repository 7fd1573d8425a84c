import Foundation
import Synchronization

/// A clock tests can move forward, shared by the delivery service and the fakes.
final class TestClock: Sendable {
    let current: Mutex<Date>
    init(_ start: Date = Date()) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

import Foundation
import Synchronization

/// What `/readyz` needs to know about the process: each background service's last pass and the triage model.
/// Services report here; nothing here touches the database.
public final class ServiceHealth: Sendable {
    struct Entry {
        /// How often the service means to run.
        var every: TimeInterval
        var since: Date
        var lastPass: Date?
        var lastError: String?
    }

    public enum Model: Sendable, Equatable {
        case notUsed
        case loading
        case loaded(version: String)
        case failed(reason: String)
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let modelState = Mutex<Model>(.notUsed)

    public init() {}

    /// A service that will run every `seconds` from now on.
    public func expect(_ service: String, every seconds: TimeInterval, now: Date = Date()) {
        entries.withLock { $0[service] = Entry(every: seconds, since: now) }
    }

    /// A pass that ended without error (or found another instance holding the work: that is healthy too).
    public func passed(_ service: String, at now: Date = Date()) {
        entries.withLock {
            $0[service]?.lastPass = now
            $0[service]?.lastError = nil
        }
    }

    public func failed(_ service: String, error: String) {
        entries.withLock { $0[service]?.lastError = String(error.prefix(300)) }
    }

    public var model: Model {
        get { modelState.withLock { $0 } }
        set { modelState.withLock { $0 = newValue } }
    }

    /// A service is late when its last good pass (or its start) is older than three of its periods, and never less
    /// than two minutes: a slow pass under load is not an outage.
    static func allowance(_ every: TimeInterval) -> TimeInterval { max(120, every * 3) }

    /// Everything that keeps the process from serving its purpose, in words an integrator can act on.
    public func problems(now: Date = Date()) -> [String] {
        var problems: [String] = []
        switch model {
        case .notUsed, .loaded: break
        case .loading: problems.append("分诊模型正在加载 triage model loading")
        case .failed(let reason): problems.append("分诊模型加载失败 triage model failed: \(reason)")
        }
        let snapshot = entries.withLock { $0 }
        for (name, e) in snapshot.sorted(by: { $0.key < $1.key }) {
            let since = e.lastPass ?? e.since
            let age = now.timeIntervalSince(since)
            guard age > Self.allowance(e.every) else { continue }
            var line = "后台服务 \(name) 已 \(Int(age)) 秒未完成一轮 background service \(name) has not completed a pass for \(Int(age)) s"
            if let error = e.lastError { line += "：\(error)" }
            problems.append(line)
        }
        return problems
    }
}

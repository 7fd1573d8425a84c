import Foundation

/// How a robot's answer is read, and when to try again. All three robot platforms answer HTTP 200 even
/// when they refuse, so the JSON error code decides (docs/protocols.md §2.5).
public enum DeliveryResult: Sendable, Equatable {
    case delivered
    /// Try again later: rate limited, throttled, a timeout, a 5xx.
    case retry(reason: String, after: TimeInterval?)
    /// Will never work as configured: bad key, bad signature, robot removed. Alert the group's admins.
    case permanent(reason: String)
}

public enum DeliveryPolicy {
    /// Messages per robot per minute (WeCom, DingTalk and Feishu all allow 20).
    public static let perMinute = 20
    /// The window we count in: a minute and one second, since the platform counts arrivals and ours
    /// arrive a moment after we count them.
    public static let window: TimeInterval = 61
    /// Attempts before a retryable failure is given up as failed (about a day with the backoff below).
    public static let maxAttempts = 30

    /// Reads a robot's JSON answer. `code` is errcode (WeCom, DingTalk) or code (Feishu).
    public static func classify(platform: Platform, httpStatus: Int, code: Int?, message: String) -> DeliveryResult {
        if httpStatus == 429 || httpStatus >= 500 { return .retry(reason: "HTTP \(httpStatus)", after: nil) }
        if httpStatus == 401 || httpStatus == 403 || httpStatus == 404 { return .permanent(reason: "HTTP \(httpStatus)：机器人地址无效或已被删除") }
        guard (200..<300).contains(httpStatus) else { return .retry(reason: "HTTP \(httpStatus)", after: nil) }
        guard let code else { return .retry(reason: "应答无法解析", after: nil) }
        if code == 0 { return .delivered }
        switch (platform, code) {
        case (.wecom, 45009), (.wecom, -1): return .retry(reason: "企业微信：发送过于频繁（\(code)）", after: 60)
        case (.wecom, 93000): return .permanent(reason: "企业微信：机器人 key 无效（93000）")
        case (.wecom, 93004): return .permanent(reason: "企业微信：机器人已被停用（93004）")
        case (.dingtalk, 130101), (.dingtalk, 410100): return .retry(reason: "钉钉：发送过于频繁，已被限流（\(code)）", after: 600)
        case (.dingtalk, 310000): return .permanent(reason: "钉钉：签名、关键词或 IP 校验不通过（310000）")
        case (.dingtalk, 300001), (.dingtalk, 400101): return .permanent(reason: "钉钉：access_token 无效（\(code)）")
        case (.feishu, 19021): return .permanent(reason: "飞书：签名或时间戳校验失败（19021）")
        case (.feishu, 9499), (.feishu, 11232): return .retry(reason: "飞书：发送过于频繁（\(code)）", after: 60)
        default: return .permanent(reason: "平台返回错误 \(code)：\(message.prefix(100))")
        }
    }

    /// Exponential backoff from 5 s up to 30 min, with ±20 % jitter so a burst of failures spreads out.
    public static func backoff(attempt: Int, jitter: Double = Double.random(in: 0.8...1.2)) -> TimeInterval {
        min(1800, 5 * pow(2, Double(max(0, attempt - 1)))) * jitter
    }

    /// When the next message may go to a robot that sent at these times (a sliding minute), or nil for now.
    public static func nextSlot(sentAt: [Date], now: Date, perMinute: Int = perMinute) -> Date? {
        let recent = sentAt.filter { now.timeIntervalSince($0) < window }.sorted()
        guard recent.count >= perMinute else { return nil }
        // A hundredth of a second past the edge, so the oldest send is surely out of the window then.
        return recent[recent.count - perMinute].addingTimeInterval(window + 0.01)
    }
}

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import WeiminCore
import WeiminPersistence

/// Speaks each robot's send API (protocols.md §2–§3): builds the signed request, sends it, and reads the
/// answer — which is HTTP 200 even on failure for all three robot platforms, so the JSON code decides.
public struct RobotClient: Sendable {
    let session: URLSession

    public init(timeout: TimeInterval = 10) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        session = URLSession(configuration: configuration)
    }

    /// WeCom text is at most 2,048 bytes; longer text is cut at a character boundary with an ellipsis.
    static func clip(_ text: String, bytes: Int) -> String {
        guard text.utf8.count > bytes else { return text }
        var out = ""
        var used = 0
        for ch in text {
            let n = String(ch).utf8.count
            if used + n > bytes - 3 { break }
            out.append(ch)
            used += n
        }
        return out + "…"
    }

    public func request(_ robot: Robot, text: String, mentions: [String], now: Date = Date()) throws -> URLRequest {
        func json(_ object: [String: Any]) throws -> Data { try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) }
        var url = robot.endpoint
        let body: Data
        switch robot.kind {
        case .wecomRobot:
            var content: [String: Any] = ["content": Self.clip(text, bytes: 2048)]
            if !mentions.isEmpty { content["mentioned_list"] = mentions }
            body = try json(["msgtype": "text", "text": content])
        case .dingtalkRobot:
            if let secret = robot.secret {
                let ms = Int64(now.timeIntervalSince1970 * 1000)
                url += (url.contains("?") ? "&" : "?") + "timestamp=\(ms)&sign=\(PlatformSignature.dingTalkURLEncoded(timestampMillis: ms, secret: secret))"
            }
            body = try json(["msgtype": "text", "text": ["content": Self.clip(text, bytes: 4000)], "at": ["atUserIds": mentions, "isAtAll": false]])
        case .feishuBot:
            var object: [String: Any] = ["msg_type": "text", "content": ["text": Self.clip(text, bytes: 4000)]]
            if let secret = robot.secret {
                let ts = Int64(now.timeIntervalSince1970)
                object["timestamp"] = String(ts)
                object["sign"] = PlatformSignature.feishu(timestampSeconds: ts, secret: secret)
            }
            body = try json(object)
        case .wechatbot:
            url = url.trimmingSuffix("/") + "/webhook/msg/v2" + (robot.secret.map { "?token=\($0)" } ?? "")
            body = try json(["to": robot.target ?? "", "isRoom": true, "data": ["type": "text", "content": text]])
        case .wcf:
            url = url.trimmingSuffix("/") + "/text"
            body = try json(["msg": text, "receiver": robot.target ?? "", "aters": mentions.joined(separator: ",")])
        }
        guard let address = URL(string: url) else { throw RobotError.badEndpoint }
        var request = URLRequest(url: address)
        request.httpMethod = "POST"
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.httpBody = body
        return request
    }

    enum RobotError: Error { case badEndpoint }

    /// Sends and reads the answer. Network errors and timeouts are retryable.
    public func send(_ robot: Robot, text: String, mentions: [String], now: Date = Date()) async -> DeliveryResult {
        let request: URLRequest
        do { request = try self.request(robot, text: text, mentions: mentions, now: now) } catch {
            return .permanent(reason: "机器人地址无效")
        }
        do {
            let (data, response) = try await session.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            return Self.read(robot.kind, status: status, body: data)
        } catch {
            return .retry(reason: "网络错误：\(error.localizedDescription.prefix(80))", after: nil)
        }
    }

    static func read(_ kind: Robot.Kind, status: Int, body: Data) -> DeliveryResult {
        let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        func int(_ key: String) -> Int? { (object[key] as? NSNumber)?.intValue ?? (object[key] as? String).flatMap(Int.init) }
        let message = (object["errmsg"] ?? object["msg"] ?? object["message"]) as? String ?? ""
        switch kind {
        case .wecomRobot: return DeliveryPolicy.classify(platform: .wecom, httpStatus: status, code: int("errcode"), message: message)
        case .dingtalkRobot: return DeliveryPolicy.classify(platform: .dingtalk, httpStatus: status, code: int("errcode"), message: message)
        case .feishuBot: return DeliveryPolicy.classify(platform: .feishu, httpStatus: status, code: int("code") ?? int("StatusCode"), message: message)
        case .wechatbot:
            if (200..<300).contains(status), (object["success"] as? Bool) == true { return .delivered }
            if status == 401 || status == 403 { return .permanent(reason: "wechatbot-webhook 令牌无效") }
            return .retry(reason: "wechatbot-webhook：\(status) \(message.prefix(60))", after: nil)
        case .wcf:
            if (200..<300).contains(status), int("status") == 0 { return .delivered }
            return .retry(reason: "WeChatFerry：\(status) \(message.prefix(60))", after: nil)
        }
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var s = self
        while s.hasSuffix(suffix) { s.removeLast(suffix.count) }
        return s
    }
}

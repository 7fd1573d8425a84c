import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import WeiminCore

/// Writes to one staff member through the county's own application, for duty alerts (docs/protocols.md §7):
/// - WeCom self-built application: `POST cgi-bin/message/send?access_token=` `{touser, msgtype: "text", agentid, text:
///   {content}, enable_duplicate_check: 1}` (the token from `gettoken`, shared with media downloads). WeCom answers
///   `errcode` 0 even when the user id is unknown, naming it in `invaliduser`: that is a failure here.
/// - DingTalk internal application: `GET gettoken?appkey=&appsecret=` → `access_token` (7,200 s), then
///   `POST topapi/message/corpconversation/asyncsend_v2?access_token=` `{agent_id, userid_list, msg: {msgtype: "text",
///   text: {content}}}` → `task_id` (工作通知).
/// Tokens live in URLs because both platforms say so; no URL is ever logged, and reasons carry only the platform's code.
public struct StaffNoticeClient: Sendable {
    let session: URLSession
    let media: MediaFetcher
    let dingTalkOAPI: String

    public init(config: WeiminConfig, timeout: TimeInterval = 10) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout * 2
        session = URLSession(configuration: configuration)
        media = MediaFetcher(config: config, timeout: timeout)
        dingTalkOAPI = config.dingTalkOAPI
    }

    public enum Failure: Error, CustomStringConvertible, Sendable {
        /// Try again later (network, rate limit, the platform busy).
        case retry(String)
        /// Will not work until someone changes something (a wrong user id, the app not allowed to message them).
        case final(String)
        public var description: String {
            switch self {
            case .retry(let s), .final(let s): return s
            }
        }
    }

    /// WeCom text messages take 2,048 bytes.
    public func sendWeCom(_ text: String, to userID: String, source: UUID, secrets: [String: String], now: Date = Date())
        async throws(Failure)
    {
        guard let agent = secrets["agent_id"].flatMap(Int.init) else { throw .final("应用未配置 agent_id") }
        var fresh = false
        for _ in 0..<2 {
            let token: String
            do { token = try await media.weComToken(source: source, secrets: secrets, now: now, fresh: fresh) } catch {
                if case .retry(let s) = error { throw .retry(s) }
                throw .final(error.description)
            }
            var parts = URLComponents(string: media.weComAPI + "/cgi-bin/message/send")
            parts?.queryItems = [URLQueryItem(name: "access_token", value: token)]
            let object = try await post(
                parts?.url,
                [
                    "touser": userID, "msgtype": "text", "agentid": agent, "text": ["content": RobotClient.clip(text, bytes: 2048)],
                    "safe": 0, "enable_duplicate_check": 1, "duplicate_check_interval": 1800,
                ])
            let code = (object["errcode"] as? Int) ?? -1
            switch code {
            case 0:
                let invalid = (object["invaliduser"] as? String) ?? ""
                guard invalid.isEmpty else { throw .final("企业微信用户 \(invalid.prefix(64)) 不存在或不在应用可见范围内") }
                return
            case 40001, 40014, 42001:
                media.tokens.drop("wecom:\(source.uuidString)")
                fresh = true
            case -1, 45009, 45033: throw .retry("企业微信繁忙：\(code)")
            default: throw .final("企业微信 message/send 失败：\(code) \(((object["errmsg"] as? String) ?? "").prefix(80))")
            }
        }
        throw .retry("企业微信 access_token 连续失效")
    }

    /// A DingTalk work notice from the county's internal application.
    public func sendDingTalk(_ text: String, to userID: String, source: UUID, secrets: [String: String], now: Date = Date())
        async throws(Failure)
    {
        guard let agent = secrets["agent_id"].flatMap(Int.init), let key = secrets["app_key"], let secret = secrets["app_secret"] else {
            throw .final("应用未配置 app_key、app_secret 和 agent_id")
        }
        let cacheKey = "dingtalk-oapi:\(source.uuidString)"
        var fresh = false
        for _ in 0..<2 {
            var token = fresh ? nil : media.tokens.get(cacheKey, now: now)
            if token == nil {
                var parts = URLComponents(string: dingTalkOAPI + "/gettoken")
                parts?.queryItems = [URLQueryItem(name: "appkey", value: key), URLQueryItem(name: "appsecret", value: secret)]
                let object = try await get(parts?.url)
                guard (object["errcode"] as? Int) == 0, let t = object["access_token"] as? String else {
                    throw .final("钉钉 gettoken 失败：\((object["errcode"] as? Int) ?? -1) \(((object["errmsg"] as? String) ?? "").prefix(80))")
                }
                media.tokens.put(cacheKey, t, seconds: Double((object["expires_in"] as? Int) ?? 7200), now: now)
                token = t
            }
            var parts = URLComponents(string: dingTalkOAPI + "/topapi/message/corpconversation/asyncsend_v2")
            parts?.queryItems = [URLQueryItem(name: "access_token", value: token)]
            let object = try await post(
                parts?.url,
                [
                    "agent_id": agent, "userid_list": userID, "msg": ["msgtype": "text", "text": ["content": text]],
                ])
            let code = (object["errcode"] as? Int) ?? -1
            switch code {
            case 0: return
            case 88, 40014, 42001:
                media.tokens.drop(cacheKey)
                fresh = true
            case -1, 90018, 90002: throw .retry("钉钉繁忙：\(code)")
            default: throw .final("钉钉工作通知失败：\(code) \(((object["errmsg"] as? String) ?? "").prefix(80))")
            }
        }
        throw .retry("钉钉 access_token 连续失效")
    }

    func get(_ url: URL?) async throws(Failure) -> [String: Any] {
        guard let url else { throw .final("接口地址无效") }
        return try await exchange(URLRequest(url: url))
    }

    func post(_ url: URL?, _ body: [String: Any]) async throws(Failure) -> [String: Any] {
        guard let url else { throw .final("接口地址无效") }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.httpBody = try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        return try await exchange(request)
    }

    func exchange(_ request: URLRequest) async throws(Failure) -> [String: Any] {
        let result: (Data, URLResponse)
        do { result = try await session.data(for: request) } catch { throw .retry("网络错误：\(error.localizedDescription.prefix(80))") }
        let status = (result.1 as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            throw status == 429 || status >= 500 || status == 0 ? .retry("HTTP \(status)") : .final("HTTP \(status)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: result.0)) as? [String: Any] else { throw .retry("应答不是 JSON") }
        return object
    }
}

import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import WeiminCore
import WeiminPersistence

/// Speaks each robot's send API (docs/protocols.md §2, §3.1–§3.2): builds the signed request, sends it, and reads the
/// answer — which is HTTP 200 even on failure for all three robot platforms, so the JSON code decides.
public struct RobotClient: Sendable {
    let session: URLSession
    /// Download links for files a robot cannot carry (nil or without `public.url`: the group is told to ask).
    let links: FileLinks?

    public init(timeout: TimeInterval = 10, links: FileLinks? = nil) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        session = URLSession(configuration: configuration)
        self.links = links
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

    static func json(_ object: [String: Any]) throws -> Data { try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) }

    /// A file on a robot that cannot carry one (DingTalk and Feishu custom robots, a bridge that refused it) is announced
    /// by name instead: with a short-lived download link where the county has a public address, otherwise so that the
    /// group knows to ask for it.
    static func fileNotice(_ file: OutboundFile, link: FileLinks.Link? = nil) -> String {
        let kb = max(1, (file.data.count + 1023) / 1024)
        guard let link else { return "【附件】\(file.name)（\(kb) KB）本群机器人不能直接发送文件，请向村委会索取。" }
        return "【附件】\(file.name)（\(kb) KB）点击下载：\(link.url)（\(Self.beijing(link.expires)) 前有效，过期请向村委会索取）"
    }

    static func beijing(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let c = calendar.dateComponents([.month, .day, .hour, .minute], from: date)
        return String(format: "%d月%d日 %02d:%02d", c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    func link(_ file: OutboundFile, now: Date) -> FileLinks.Link? { file.id.flatMap { links?.link(to: $0, now: now) } }

    /// WeChatFerry's `POST /file {path, receiver}`: the bridge sends a file from a path on its own machine or, in the
    /// wcferry versions that accept one, from a URL it downloads — here the file's short-lived link.
    public func wcfFileRequest(_ robot: Robot, message: OutboundMessage, link: FileLinks.Link) throws -> URLRequest {
        guard let address = URL(string: robot.endpoint.trimmingSuffix("/") + "/file") else { throw RobotError.badEndpoint }
        var request = URLRequest(url: address)
        request.httpMethod = "POST"
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.httpBody = try Self.json(["path": link.url, "receiver": message.privateTo ?? robot.target ?? ""])
        return request
    }

    /// wechatbot-webhook sends a file from a multipart upload: `POST /webhook/msg?token=T` with `to` (the group's name,
    /// or the person), `isRoom` ("1"/"0") and the file as `content` — the bridge's v1 route, the one that takes files.
    public func wechatbotFileRequest(
        _ robot: Robot, message: OutboundMessage, file: OutboundFile, boundary: String = "weimin-\(UUID().uuidString)"
    )
        throws -> URLRequest
    {
        let url = robot.endpoint.trimmingSuffix("/") + "/webhook/msg" + (robot.secret.map { "?token=\($0)" } ?? "")
        guard let address = URL(string: url) else { throw RobotError.badEndpoint }
        let safeName = file.name.filter { $0 != "\"" && $0 != "\r" && $0 != "\n" }
        let to = (message.privateTo ?? robot.target ?? "").filter { $0 != "\r" && $0 != "\n" }
        var body = Data()
        for (name, value) in [("to", to), ("isRoom", message.privateTo == nil ? "1" : "0")] {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"content\"; filename=\"\(safeName)\"\r\n".utf8))
        body.append(Data("Content-Type: \(file.contentType.filter { $0 != "\r" && $0 != "\n" })\r\n\r\n".utf8))
        body.append(contentsOf: file.data)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        var request = URLRequest(url: address)
        request.httpMethod = "POST"
        request.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
        request.httpBody = body
        return request
    }

    /// The request that sends `message` (for a WeCom file: the send that follows `upload_media`).
    public func request(_ robot: Robot, message: OutboundMessage, mediaID: String? = nil, now: Date = Date()) throws -> URLRequest {
        // A personal-WeChat bridge that can carry the file sends it as it is.
        if robot.kind == .wechatbot, let file = message.file { return try wechatbotFileRequest(robot, message: message, file: file) }
        var url = robot.endpoint
        let body: Data
        let mentions = message.mentions
        var text = message.text
        if let file = message.file, mediaID == nil { text = Self.fileNotice(file, link: link(file, now: now)) }
        let markdown = message.kind.prefersMarkdown
        if message.privateTo != nil, robot.kind != .wechatbot, robot.kind != .wcf { throw RobotError.cannotMessagePrivately }
        switch robot.kind {
        case .wecomRobot:
            if let mediaID {
                body = try Self.json(["msgtype": "file", "file": ["media_id": mediaID]])
            } else if markdown || (!mentions.userIDs.isEmpty && mentions.mobiles.isEmpty) {
                // Markdown mentions by `<@userid>`; it has no mobile mentions, so those stay with text.
                var content = markdown ? OutboundFormat.markdown(text).body : OutboundFormat.neutralise(text)
                if !mentions.userIDs.isEmpty { content += "\n" + mentions.userIDs.map { "<@\($0)>" }.joined(separator: " ") }
                body = try Self.json(["msgtype": "markdown", "markdown": ["content": Self.clip(content, bytes: 4096)]])
            } else {
                var content: [String: Any] = ["content": Self.clip(text, bytes: 2048)]
                if !mentions.userIDs.isEmpty { content["mentioned_list"] = mentions.userIDs }
                if !mentions.mobiles.isEmpty { content["mentioned_mobile_list"] = mentions.mobiles }
                body = try Self.json(["msgtype": "text", "text": content])
            }
        case .dingtalkRobot:
            if let secret = robot.secret {
                let ms = Int64(now.timeIntervalSince1970 * 1000)
                url +=
                    (url.contains("?") ? "&" : "?")
                    + "timestamp=\(ms)&sign=\(PlatformSignature.dingTalkURLEncoded(timestampMillis: ms, secret: secret))"
            }
            // DingTalk highlights a mention only when the text also carries "@mobile" / "@userId".
            let tags = (mentions.mobiles + mentions.userIDs).map { "@\($0)" }.joined(separator: " ")
            let at: [String: Any] = ["atMobiles": mentions.mobiles, "atUserIds": mentions.userIDs, "isAtAll": false]
            if markdown && message.file == nil {
                let md = OutboundFormat.markdown(text)
                body = try Self.json([
                    "msgtype": "markdown",
                    "markdown": [
                        "title": String(md.title.prefix(30)), "text": Self.clip(md.body + (tags.isEmpty ? "" : "\n\n" + tags), bytes: 4000),
                    ], "at": at,
                ])
            } else {
                body = try Self.json([
                    "msgtype": "text", "text": ["content": Self.clip(tags.isEmpty ? text : text + "\n" + tags, bytes: 4000)], "at": at,
                ])
            }
        case .feishuBot:
            let tags = mentions.userIDs.map { "<at user_id=\"\($0)\"></at>" }.joined(separator: " ")
            var object: [String: Any] = [
                "msg_type": "text", "content": ["text": Self.clip(tags.isEmpty ? text : text + "\n" + tags, bytes: 4000)],
            ]
            if let secret = robot.secret {
                let ts = Int64(now.timeIntervalSince1970)
                object["timestamp"] = String(ts)
                object["sign"] = PlatformSignature.feishu(timestampSeconds: ts, secret: secret)
            }
            body = try Self.json(object)
        case .wechatbot:
            url = url.trimmingSuffix("/") + "/webhook/msg/v2" + (robot.secret.map { "?token=\($0)" } ?? "")
            let to = message.privateTo ?? robot.target ?? ""
            body = try Self.json(["to": to, "isRoom": message.privateTo == nil, "data": ["type": "text", "content": text]])
        case .wcf:
            url = url.trimmingSuffix("/") + "/text"
            let receiver = message.privateTo ?? robot.target ?? ""
            body = try Self.json([
                "msg": text, "receiver": receiver, "aters": message.privateTo == nil ? mentions.userIDs.joined(separator: ",") : "",
            ])
        }
        guard let address = URL(string: url) else { throw RobotError.badEndpoint }
        var request = URLRequest(url: address)
        request.httpMethod = "POST"
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.httpBody = body
        return request
    }

    /// WeCom's `upload_media` (the webhook's address with `send` → `upload_media`, `type=file`):
    /// multipart with one `media` part; answers a `media_id` valid for three days.
    public func uploadRequest(_ robot: Robot, file: OutboundFile, boundary: String = "weimin-\(UUID().uuidString)") throws -> URLRequest {
        guard robot.kind == .wecomRobot, let range = robot.endpoint.range(of: "/webhook/send") else { throw RobotError.badEndpoint }
        var url = robot.endpoint.replacingCharacters(in: range, with: "/webhook/upload_media")
        url += (url.contains("?") ? "&" : "?") + "type=file"
        guard let address = URL(string: url) else { throw RobotError.badEndpoint }
        // The filename is sent as UTF-8 in quotes (what WeCom reads); quotes and line breaks are dropped.
        let safeName = file.name.filter { $0 != "\"" && $0 != "\r" && $0 != "\n" }
        var body = Data()
        body.append(
            Data(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"media\"; filename=\"\(safeName)\"; filelength=\(file.data.count)\r\n"
                    .utf8))
        body.append(Data("Content-Type: application/octet-stream\r\n\r\n".utf8))
        body.append(contentsOf: file.data)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        var request = URLRequest(url: address)
        request.httpMethod = "POST"
        request.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
        request.httpBody = body
        return request
    }

    enum RobotError: Error { case badEndpoint, cannotMessagePrivately }

    /// Plain text with user-id mentions (what the signing checks and the bench send).
    public func send(_ robot: Robot, text: String, mentions: [String], now: Date = Date()) async -> DeliveryResult {
        await send(robot, message: OutboundMessage(kind: .progress, text: text, mentions: Mentions(userIDs: mentions)), now: now)
    }

    /// Sends and reads the answer. Network errors and timeouts are retryable.
    public func send(_ robot: Robot, message: OutboundMessage, now: Date = Date()) async -> DeliveryResult {
        var mediaID: String?
        if robot.kind == .wecomRobot, let file = message.file {
            do {
                let (data, response) = try await session.data(for: try uploadRequest(robot, file: file))
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                let result = Self.read(.wecomRobot, status: status, body: data)
                guard case .delivered = result else { return result }
                let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
                guard let id = object["media_id"] as? String, !id.isEmpty else { return .retry(reason: "企业微信上传附件未返回 media_id", after: nil) }
                mediaID = id
            } catch RobotError.badEndpoint {
                return .permanent(reason: "机器人地址无效")
            } catch {
                return .retry(reason: "网络错误：\(error.localizedDescription.prefix(80))", after: nil)
            }
        }
        if robot.kind == .wcf, let file = message.file, let link = link(file, now: now) {
            // The file itself first; a bridge that cannot take a URL answers non-zero, and the group gets the link as text.
            do {
                let (data, response) = try await session.data(for: try wcfFileRequest(robot, message: message, link: link))
                if case .delivered = Self.read(.wcf, status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data) {
                    return .delivered
                }
            } catch RobotError.badEndpoint {
                return .permanent(reason: "机器人地址无效")
            } catch {
                return .retry(reason: "网络错误：\(error.localizedDescription.prefix(80))", after: nil)
            }
        }
        let request: URLRequest
        do { request = try self.request(robot, message: message, mediaID: mediaID, now: now) } catch RobotError.cannotMessagePrivately {
            return .permanent(reason: "该机器人不能私信")
        } catch {
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
        case .feishuBot:
            return DeliveryPolicy.classify(platform: .feishu, httpStatus: status, code: int("code") ?? int("StatusCode"), message: message)
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

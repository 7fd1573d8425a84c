import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import Hummingbird
import HTTPTypes
import NIOCore
import Synchronization
import WeiminCore
import WeiminServer

/// Loopback stand-ins for the WeCom, DingTalk and Feishu robot servers, written to the published
/// protocols (docs/protocols.md §2): they check keys, signatures and timestamp windows, allow 20 messages a
/// minute per robot, and answer with the documented error codes — always with HTTP 200, like the real ones.
/// Used by the tests and by `weimin bench outbox`; no machine here can reach the real platforms.
public actor FakeRobots {
    let now: @Sendable () -> Date
    public init(now: @escaping @Sendable () -> Date = { Date() }) { self.now = now }

    public struct Received: Sendable, Equatable {
        public var robot: String
        public var text: String
        public var mentions: [String]
        public var at: Date
        /// "text", "markdown" or "file".
        public var format: String = "text"
        /// For a file: its name and bytes as uploaded.
        public var fileName: String?
        public var fileBytes: [UInt8]?
        /// wechatbot-webhook: false when sent to one person rather than a room.
        public var isRoom: Bool = true
    }

    public private(set) var received: [Received] = []
    /// Robot keys/tokens the fakes know, with the signing secret where the platform signs.
    var wecomKeys: Set<String> = []
    var dingTalk: [String: String] = [:]
    var feishu: [String: String] = [:]
    /// Injected trouble: answer WeCom 45009 to this many requests for a key.
    var wecomBusy: [String: Int] = [:]
    var sends: [String: [Date]] = [:]
    public private(set) var refusedForRate = 0

    public func allowWeCom(_ key: String) { wecomKeys.insert(key) }
    public func allowDingTalk(_ token: String, secret: String) { dingTalk[token] = secret }
    public func allowFeishu(_ token: String, secret: String) { feishu[token] = secret }
    /// The personal-WeChat bridges' send APIs (wechatbot-webhook v2 with its token; WeChatFerry HTTP).
    var wechatbotTokens: Set<String> = []
    public func allowWechatbot(_ token: String) { wechatbotTokens.insert(token) }
    /// WeChatFerry's `/file` takes a URL only in the wcferry versions that download one (local mode); older ones refuse.
    var wcfTakesURLs = true
    public func setWcfTakesURLs(_ yes: Bool) { wcfTakesURLs = yes }
    public func makeWeComBusy(_ key: String, requests: Int) { wecomBusy[key] = requests }
    func takeBusy(_ key: String) -> Bool {
        guard let n = wecomBusy[key], n > 0 else { return false }
        wecomBusy[key] = n - 1
        return true
    }
    public func messages(for robot: String) -> [Received] { received.filter { $0.robot == robot } }

    /// The sliding-minute limit every platform enforces.
    func admit(_ robot: String, at now: Date) -> Bool {
        var recent = (sends[robot] ?? []).filter { now.timeIntervalSince($0) < 60 }
        guard recent.count < 20 else { refusedForRate += 1; sends[robot] = recent; return false }
        recent.append(now)
        sends[robot] = recent
        return true
    }

    func record(
        _ robot: String, _ text: String, _ mentions: [String], format: String = "text", file: (String, [UInt8])? = nil, isRoom: Bool = true
    ) {
        received.append(
            Received(
                robot: robot, text: text, mentions: mentions, at: now(), format: format, fileName: file?.0, fileBytes: file?.1,
                isRoom: isRoom))
    }

    /// Files uploaded to WeCom's `upload_media`, by media id (valid three days there; for the whole run here).
    var media: [String: (key: String, name: String, bytes: [UInt8])] = [:]
    func keep(_ key: String, name: String, bytes: [UInt8]) -> String {
        let id = "media-\(media.count + 1)"
        media[id] = (key, name, bytes)
        return id
    }
    func medium(_ id: String) -> (key: String, name: String, bytes: [UInt8])? { media[id] }

    /// `<@userid>` mentions in WeCom markdown.
    static func markdownMentions(_ content: String) -> [String] {
        var found: [String] = []
        var rest = content[...]
        while let open = rest.range(of: "<@") {
            rest = rest[open.upperBound...]
            guard let close = rest.firstIndex(of: ">") else { break }
            found.append(String(rest[..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return found
    }

    /// The one `media` part of a multipart upload: its filename and bytes (nil when malformed).
    static func mediaPart(_ body: [UInt8], contentType: String) -> (name: String, bytes: [UInt8])? {
        guard let boundary = MultipartForm.boundary(contentType: contentType),
            let form = try? MultipartForm.parse(body, boundary: boundary),
            let part = form.part("media"), let name = part.filename, !name.isEmpty
        else { return nil }
        return (name, part.body)
    }

    static func json(_ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func body(_ request: Request) async throws -> [String: Any] {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        return (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
    }

    public nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router()
        // WeCom group robot: POST /cgi-bin/webhook/send?key=KEY
        router.post("/cgi-bin/webhook/send") { request, _ -> Response in
            let key = request.uri.queryParameters["key"].map(String.init) ?? ""
            guard await self.wecomKeys.contains(key) else {
                return Self.json(["errcode": 93000, "errmsg": "invalid webhook url, hint: [...]"])
            }
            let body = try await Self.body(request)
            let type = body["msgtype"] as? String ?? ""
            var content = "", mentions: [String] = [], file: (String, [UInt8])?
            switch type {
            case "text":
                guard let text = body["text"] as? [String: Any], let c = text["content"] as? String else {
                    return Self.json(["errcode": 40008, "errmsg": "invalid message type"])
                }
                guard c.utf8.count <= 2048 else { return Self.json(["errcode": 40058, "errmsg": "content exceed max length"]) }
                content = c
                mentions = (text["mentioned_list"] as? [String] ?? []) + (text["mentioned_mobile_list"] as? [String] ?? [])
            case "markdown":
                guard let c = (body["markdown"] as? [String: Any])?["content"] as? String else {
                    return Self.json(["errcode": 40008, "errmsg": "invalid message type"])
                }
                guard c.utf8.count <= 4096 else {
                    return Self.json(["errcode": 40058, "errmsg": "markdown.content exceed max length 4096"])
                }
                content = c
                mentions = Self.markdownMentions(c)
            case "file":
                // A media id is good only for the robot (key) that uploaded it.
                guard let id = (body["file"] as? [String: Any])?["media_id"] as? String, let m = await self.medium(id), m.key == key else {
                    return Self.json(["errcode": 40007, "errmsg": "invalid media_id"])
                }
                content = m.name
                file = (m.name, m.bytes)
            default:
                return Self.json(["errcode": 40008, "errmsg": "invalid message type"])
            }
            if await self.takeBusy(key) { return Self.json(["errcode": 45009, "errmsg": "api freq out of limit"]) }
            guard await self.admit("wecom:\(key)", at: self.now()) else {
                return Self.json(["errcode": 45009, "errmsg": "api freq out of limit"])
            }
            await self.record("wecom:\(key)", content, mentions, format: type, file: file)
            return Self.json(["errcode": 0, "errmsg": "ok"])
        }
        // WeCom group robot file upload: POST /cgi-bin/webhook/upload_media?key=KEY&type=file, multipart `media`.
        router.post("/cgi-bin/webhook/upload_media") { request, _ -> Response in
            let key = request.uri.queryParameters["key"].map(String.init) ?? ""
            guard await self.wecomKeys.contains(key) else { return Self.json(["errcode": 93000, "errmsg": "invalid webhook url"]) }
            guard request.uri.queryParameters["type"] == "file" || request.uri.queryParameters["type"] == "voice" else {
                return Self.json(["errcode": 40004, "errmsg": "invalid media type"])
            }
            let buffer = try await request.body.collect(upTo: 21 << 20)
            guard let part = Self.mediaPart(Array(buffer.readableBytesView), contentType: request.headers[.contentType] ?? "") else {
                return Self.json(["errcode": 41001, "errmsg": "missing media"])
            }
            guard part.bytes.count > 5, part.bytes.count <= 20 << 20 else {
                return Self.json(["errcode": 40006, "errmsg": "invalid media size"])
            }
            let id = await self.keep(key, name: part.name, bytes: part.bytes)
            return Self.json([
                "errcode": 0, "errmsg": "ok", "type": "file", "media_id": id, "created_at": String(Int(self.now().timeIntervalSince1970)),
            ])
        }
        // DingTalk custom robot: POST /robot/send?access_token=T&timestamp=MS&sign=S
        router.post("/robot/send") { request, _ -> Response in
            let q = request.uri.queryParameters
            let token = q["access_token"].map(String.init) ?? ""
            guard let secret = await self.dingTalk[token] else { return Self.json(["errcode": 300001, "errmsg": "token is not exist"]) }
            guard let ts = q["timestamp"].flatMap({ Int64(String($0)) }), let sign = q["sign"].map(String.init),
                PlatformSignature.withinWindow(timestampMillis: ts, now: self.now()),
                sign.removingPercentEncoding == PlatformSignature.dingTalk(timestampMillis: ts, secret: secret)
            else { return Self.json(["errcode": 310000, "errmsg": "sign not match"]) }
            let body = try await Self.body(request)
            let type = body["msgtype"] as? String ?? ""
            let text: String
            switch type {
            case "text":
                guard let t = (body["text"] as? [String: Any])?["content"] as? String else {
                    return Self.json(["errcode": 40035, "errmsg": "缺少参数 text"])
                }
                text = t
            case "markdown":
                guard let md = body["markdown"] as? [String: Any], let title = md["title"] as? String, !title.isEmpty,
                    let t = md["text"] as? String
                else {
                    return Self.json(["errcode": 40035, "errmsg": "缺少参数 markdown.title 或 markdown.text"])
                }
                text = t
            default:
                return Self.json(["errcode": 40035, "errmsg": "不支持的 msgtype"])
            }
            guard await self.admit("dingtalk:\(token)", at: self.now()) else {
                return Self.json(["errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"])
            }
            let at = body["at"] as? [String: Any]
            await self.record(
                "dingtalk:\(token)", text, (at?["atMobiles"] as? [String] ?? []) + (at?["atUserIds"] as? [String] ?? []), format: type)
            return Self.json(["errcode": 0, "errmsg": "ok"])
        }
        // Feishu custom bot: POST /open-apis/bot/v2/hook/TOKEN
        router.post("/open-apis/bot/v2/hook/:token") { request, context -> Response in
            let token = try context.parameters.require("token")
            guard let secret = await self.feishu[token] else {
                return Self.json(["code": 19001, "msg": "param invalid: incoming webhook access token invalid"])
            }
            let body = try await Self.body(request)
            guard let tsText = body["timestamp"] as? String, let ts = Int64(tsText),
                abs(self.now().timeIntervalSince1970 - Double(ts)) < 3600,
                body["sign"] as? String == PlatformSignature.feishu(timestampSeconds: ts, secret: secret)
            else { return Self.json(["code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"]) }
            guard let text = (body["content"] as? [String: Any])?["text"] as? String else {
                return Self.json(["code": 9499, "msg": "Bad Request"])
            }
            guard await self.admit("feishu:\(token)", at: self.now()) else {
                return Self.json(["code": 11232, "msg": "frequency limited"])
            }
            await self.record("feishu:\(token)", text, [])
            return Self.json(["code": 0, "msg": "success"])
        }
        addBridgeRoutes(to: router)
        return router
    }

    /// The personal-WeChat bridges: wechatbot-webhook (text by v2, files by v1 multipart) and WeChatFerry's HTTP API.
    nonisolated func addBridgeRoutes(to router: Router<BasicRequestContext>) {
        // wechatbot-webhook: POST /webhook/msg/v2?token=T {"to", "isRoom", "data": {"type", "content"}}
        router.post("/webhook/msg/v2") { request, _ -> Response in
            let token = request.uri.queryParameters["token"].map(String.init) ?? ""
            guard await self.wechatbotTokens.contains(token) else {
                let data = Data(#"{"success":false,"message":"Unauthorized: token is invalid"}"#.utf8)
                return Response(
                    status: .unauthorized, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
            }
            let body = try await Self.body(request)
            guard let to = body["to"] as? String, let data = body["data"] as? [String: Any], let content = data["content"] as? String else {
                return Self.json(["success": false, "message": "参数错误"])
            }
            await self.record("wechatbot:\(to)", content, [], isRoom: body["isRoom"] as? Bool ?? false)
            return Self.json(["success": true, "message": "Message sent successfully"])
        }
        // wechatbot-webhook's v1 route with a file: POST /webhook/msg?token=T, multipart `to`, `isRoom` ("1"/"0"), `content` (file).
        router.post("/webhook/msg") { request, _ -> Response in
            let token = request.uri.queryParameters["token"].map(String.init) ?? ""
            guard await self.wechatbotTokens.contains(token) else {
                let data = Data(#"{"success":false,"message":"Unauthorized: token is invalid"}"#.utf8)
                return Response(
                    status: .unauthorized, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
            }
            let buffer = try await request.body.collect(upTo: 40 << 20)
            guard let boundary = MultipartForm.boundary(contentType: request.headers[.contentType] ?? ""),
                let form = try? MultipartForm.parse(Array(buffer.readableBytesView), boundary: boundary),
                let to = form.part("to").map({ String(decoding: $0.body, as: UTF8.self) }), !to.isEmpty,
                let file = form.part("content"), let name = file.filename, !name.isEmpty, !file.body.isEmpty
            else {
                return Self.json(["success": false, "message": "[to, content] params  is not valid"])
            }
            let isRoom = form.part("isRoom").map { String(decoding: $0.body, as: UTF8.self) } ?? "0"
            guard ["0", "1"].contains(isRoom) else { return Self.json(["success": false, "message": "[isRoom] params  is not valid"]) }
            await self.record("wechatbot:\(to)", name, [], format: "file", file: (name, file.body), isRoom: isRoom == "1")
            return Self.json(["success": true, "message": "Message sent successfully"])
        }
        // WeChatFerry HTTP: POST /file {"path", "receiver"}: a path on the bridge's machine (none exists here), or a URL
        // the bridge downloads first — fetched here for real, so the link must work.
        router.post("/file") { request, _ -> Response in
            let body = try await Self.body(request)
            guard let path = body["path"] as? String, let receiver = body["receiver"] as? String, !receiver.isEmpty else {
                return Self.json(["status": -1, "message": "参数错误"])
            }
            guard await self.wcfTakesURLs, let url = URL(string: path), ["http", "https"].contains(url.scheme ?? "") else {
                return Self.json(["status": -1, "message": "失败"])
            }
            guard let (data, response) = try? await URLSession.shared.data(from: url), (response as? HTTPURLResponse)?.statusCode == 200
            else { return Self.json(["status": -1, "message": "失败"]) }
            let disposition = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Disposition") ?? ""
            let name = disposition.components(separatedBy: "filename*=UTF-8''").last.flatMap { $0.removingPercentEncoding } ?? "file"
            await self.record("wcf:\(receiver)", name, [], format: "file", file: (name, Array(data)))
            return Self.json(["status": 0, "message": "成功"])
        }
        // WeChatFerry HTTP: POST /text {"msg", "receiver", "aters"}
        router.post("/text") { request, _ -> Response in
            let body = try await Self.body(request)
            guard let msg = body["msg"] as? String, let receiver = body["receiver"] as? String, !receiver.isEmpty else {
                return Self.json(["status": -1, "message": "参数错误"])
            }
            let aters = (body["aters"] as? String ?? "").split(separator: ",").map(String.init)
            await self.record("wcf:\(receiver)", msg, aters)
            return Self.json(["status": 0, "message": "成功"])
        }
    }
}

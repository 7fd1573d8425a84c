import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import Synchronization
@testable import WeiminServer

/// Loopback stand-ins for the platform APIs Weimin fetches media from (docs/protocols.md §6), written to the published
/// interfaces and checking what the real ones check:
/// - WeCom `GET /cgi-bin/gettoken?corpid=&corpsecret=`: 40013 for an unknown corp id, 40001 for a wrong secret, else an
///   `access_token` with `expires_in`; `GET /cgi-bin/media/get?access_token=&media_id=`: 41001 without a token, 40014 for a
///   token it did not issue (or revoked), 40007 for an unknown media id, else the bytes with Content-Disposition;
/// - WeCom smart robot: `GET /robot-media/{name}`: the bytes encrypted with the robot's EncodingAESKey, 404 once expired;
/// - DingTalk `POST /v1.0/oauth2/accessToken {appKey, appSecret}`: 400 `invalidClientIdOrSecret`, else `accessToken` with
///   `expireIn`; `POST /v1.0/robot/messageFiles/download` with `x-acs-dingtalk-access-token`: 401 `InvalidAuthentication`
///   for a bad token, 400 for an unknown download code or robot, else a `downloadUrl`; `GET /dingtalk-files/{id}`;
/// - WeCom `POST /cgi-bin/message/send?access_token=` (application message): 40014 for a bad token, 40056 for an agent
///   id not the corp's, 45002 for text over 2,048 bytes, the unknown user ids in `invaliduser` (81013 if none is known);
/// - DingTalk `GET /gettoken?appkey=&appsecret=` (older API host): 40089 for a bad key or secret; `POST
///   /topapi/message/corpconversation/asyncsend_v2?access_token=` (work notice): 40014 for a bad token, 400 for an agent
///   id not the app's, 40035 without a text, else a `task_id` (DingTalk does not check the user ids here either).
final class FakePlatformAPIs: Sendable {
    struct State {
        var corps: [String: String] = [:]  // corp id → secret
        var wecomTokens: Set<String> = []
        var wecomMedia: [String: (name: String, type: String, bytes: [UInt8])] = [:]
        var robotMedia: [String: [UInt8]] = [:]  // already encrypted
        var dingApps: [String: String] = [:]  // app key → secret
        var dingTokens: Set<String> = []
        var dingFiles: [String: (robot: String, bytes: [UInt8])] = [:]  // download code → file
        var requests: [String] = []
        var issued = 0
        var wecomAgents: [Int: (corp: String, users: Set<String>)] = [:]
        var wecomTokenCorp: [String: String] = [:]
        var dingAgents: [Int: String] = [:]  // agent id → app key
        var dingOapiTokens: [String: String] = [:]  // token → app key
        /// What reached a person: (platform, user ids, text).
        var sent: [(platform: String, to: String, text: String)] = []
    }

    let state = Mutex(State())

    func allowWeCom(corp: String, secret: String) { state.withLock { $0.corps[corp] = secret } }
    func addWeComMedia(_ id: String, name: String, type: String, bytes: [UInt8]) {
        state.withLock { $0.wecomMedia[id] = (name, type, bytes) }
    }
    func revokeWeComTokens() { state.withLock { $0.wecomTokens.removeAll() } }
    func addRobotMedia(_ name: String, plain: [UInt8], encodingAESKey: String) {
        let encrypted = Self.weComEncrypt(plain, encodingAESKey: encodingAESKey)
        state.withLock { $0.robotMedia[name] = encrypted }
    }
    func allowDingTalk(appKey: String, secret: String) { state.withLock { $0.dingApps[appKey] = secret } }
    func addDingTalkFile(code: String, robot: String, bytes: [UInt8]) { state.withLock { $0.dingFiles[code] = (robot, bytes) } }
    var requests: [String] { state.withLock { $0.requests } }
    func allowWeComAgent(_ agent: Int, corp: String, users: Set<String>) { state.withLock { $0.wecomAgents[agent] = (corp, users) } }
    func allowDingTalkAgent(_ agent: Int, appKey: String) { state.withLock { $0.dingAgents[agent] = appKey } }
    var sent: [(platform: String, to: String, text: String)] { state.withLock { $0.sent } }

    static func body(_ request: Request) async throws -> [String: Any] {
        let body = try await request.body.collect(upTo: 64 * 1024)
        return (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }

    /// WeCom's media encryption (the same as Weimin decrypts, done the other way round).
    static func weComEncrypt(_ plain: [UInt8], encodingAESKey: String) -> [UInt8] {
        MediaFetcher.weComEncrypt(plain, key: [UInt8](Data(base64Encoded: encodingAESKey + "=")!))!
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data = try! JSONSerialization.data(withJSONObject: object)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func token(_ prefix: String) -> String {
        state.withLock { s in
            s.issued += 1
            return "\(prefix)-\(s.issued)"
        }
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(Recorder(fake: self))
        router.get("cgi-bin/gettoken") { request, _ -> Response in
            let q = request.uri.queryParameters
            let corp = q["corpid"].map(String.init) ?? "", secret = q["corpsecret"].map(String.init) ?? ""
            guard let expected = self.state.withLock({ $0.corps[corp] }) else {
                return Self.json(["errcode": 40013, "errmsg": "invalid corpid"])
            }
            guard expected == secret else { return Self.json(["errcode": 40001, "errmsg": "invalid credential"]) }
            let token = self.token("wxtoken")
            self.state.withLock {
                _ = $0.wecomTokens.insert(token)
                $0.wecomTokenCorp[token] = corp
            }
            return Self.json(["errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200])
        }
        router.get("cgi-bin/media/get") { request, _ -> Response in
            let q = request.uri.queryParameters
            guard let token = q["access_token"].map(String.init) else {
                return Self.json(["errcode": 41001, "errmsg": "access_token missing"])
            }
            guard self.state.withLock({ $0.wecomTokens.contains(token) }) else {
                return Self.json(["errcode": 40014, "errmsg": "invalid access_token"])
            }
            guard let id = q["media_id"].map(String.init), let media = self.state.withLock({ $0.wecomMedia[id] }) else {
                return Self.json(["errcode": 40007, "errmsg": "invalid media_id"])
            }
            return Response(
                status: .ok, headers: [.contentType: media.type, .contentDisposition: "attachment; filename=\"\(media.name)\""],
                body: .init(byteBuffer: ByteBuffer(bytes: media.bytes)))
        }
        router.post("cgi-bin/message/send") { request, _ -> Response in
            let token = request.uri.queryParameters["access_token"].map(String.init) ?? ""
            guard let corp = self.state.withLock({ $0.wecomTokens.contains(token) ? $0.wecomTokenCorp[token] : nil }) else {
                return Self.json(["errcode": 40014, "errmsg": "invalid access_token"])
            }
            let object = try await Self.body(request)
            guard let agent = object["agentid"] as? Int, let app = self.state.withLock({ $0.wecomAgents[agent] }), app.corp == corp else {
                return Self.json(["errcode": 40056, "errmsg": "invalid agentid"])
            }
            guard object["msgtype"] as? String == "text", let content = (object["text"] as? [String: Any])?["content"] as? String,
                !content.isEmpty
            else { return Self.json(["errcode": 44004, "errmsg": "empty content"]) }
            guard content.utf8.count <= 2048 else { return Self.json(["errcode": 45002, "errmsg": "content size out of limit"]) }
            let users = ((object["touser"] as? String) ?? "").split(separator: "|").map(String.init)
            let unknown = users.filter { !app.users.contains($0) }
            guard unknown.count < users.count else {
                return Self.json([
                    "errcode": 81013, "errmsg": "user & party & tag all invalid", "invaliduser": unknown.joined(separator: "|"),
                ])
            }
            self.state.withLock { $0.sent.append(("wecom", users.filter { app.users.contains($0) }.joined(separator: "|"), content)) }
            return Self.json(["errcode": 0, "errmsg": "ok", "invaliduser": unknown.joined(separator: "|"), "msgid": "msg-\(users.count)"])
        }
        router.get("gettoken") { request, _ -> Response in
            let q = request.uri.queryParameters
            let key = q["appkey"].map(String.init) ?? "", secret = q["appsecret"].map(String.init) ?? ""
            guard self.state.withLock({ $0.dingApps[key] }) == secret, !secret.isEmpty else {
                return Self.json(["errcode": 40089, "errmsg": "不合法的corpid或corpsecret"])
            }
            let token = self.token("dotoken")
            self.state.withLock { $0.dingOapiTokens[token] = key }
            return Self.json(["errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200])
        }
        router.post("topapi/message/corpconversation/asyncsend_v2") { request, _ -> Response in
            let token = request.uri.queryParameters["access_token"].map(String.init) ?? ""
            guard let app = self.state.withLock({ $0.dingOapiTokens[token] }) else {
                return Self.json(["errcode": 40014, "errmsg": "不合法的access_token"])
            }
            let object = try await Self.body(request)
            guard let agent = object["agent_id"] as? Int, self.state.withLock({ $0.dingAgents[agent] }) == app else {
                return Self.json(["errcode": 400, "errmsg": "agent_id 与应用不符"])
            }
            let msg = object["msg"] as? [String: Any]
            guard msg?["msgtype"] as? String == "text", let content = (msg?["text"] as? [String: Any])?["content"] as? String,
                !content.isEmpty
            else { return Self.json(["errcode": 40035, "errmsg": "缺少参数 text"]) }
            self.state.withLock { $0.sent.append(("dingtalk", (object["userid_list"] as? String) ?? "", content)) }
            return Self.json(["errcode": 0, "errmsg": "ok", "task_id": 256271667526, "request_id": "4jzllmte0wau"])
        }
        router.get("robot-media/:name") { _, context -> Response in
            guard let bytes = self.state.withLock({ $0.robotMedia[context.parameters.get("name") ?? ""] }) else {
                return Response(status: .notFound)
            }
            return Response(
                status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.post("v1.0/oauth2/accessToken") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 * 1024)
            let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
            guard let key = object?["appKey"] as? String, let secret = object?["appSecret"] as? String,
                self.state.withLock({ $0.dingApps[key] }) == secret
            else { return Self.json(["code": "invalidClientIdOrSecret", "message": "无效的clientId或者clientSecret"], status: .badRequest) }
            let token = self.token("dtoken")
            self.state.withLock { _ = $0.dingTokens.insert(token) }
            return Self.json(["accessToken": token, "expireIn": 7200])
        }
        router.post("v1.0/robot/messageFiles/download") { request, _ -> Response in
            guard let token = request.headers[HTTPField.Name("x-acs-dingtalk-access-token")!],
                self.state.withLock({ $0.dingTokens.contains(token) })
            else {
                return Self.json(["code": "InvalidAuthentication", "message": "不合法的access_token"], status: .unauthorized)
            }
            let body = try await request.body.collect(upTo: 64 * 1024)
            let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
            guard let code = object?["downloadCode"] as? String, let robot = object?["robotCode"] as? String,
                let file = self.state.withLock({ $0.dingFiles[code] }), file.robot == robot
            else { return Self.json(["code": "invalidParameter.downloadCode", "message": "downloadCode 无效"], status: .badRequest) }
            let host = request.head.authority ?? "127.0.0.1"
            return Self.json(["downloadUrl": "http://\(host)/dingtalk-files/\(code)"])
        }
        router.get("dingtalk-files/:code") { _, context -> Response in
            guard let file = self.state.withLock({ $0.dingFiles[context.parameters.get("code") ?? ""] }) else {
                return Response(status: .notFound)
            }
            return Response(status: .ok, headers: [.contentType: "image/jpeg"], body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
        }
        return router
    }

    struct Recorder: RouterMiddleware {
        let fake: FakePlatformAPIs
        func handle(_ request: Request, context: BasicRequestContext, next: (Request, BasicRequestContext) async throws -> Response)
            async throws -> Response
        {
            fake.state.withLock { $0.requests.append("\(request.method) \(request.uri.path)") }
            return try await next(request, context)
        }
    }
}

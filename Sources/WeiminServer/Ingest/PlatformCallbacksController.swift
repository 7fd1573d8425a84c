import Foundation
import HTTPTypes
import Hummingbird
import WeiminApp
import WeiminCore
import WeiminPersistence

/// Platform callbacks (docs/protocols.md §1, §2.3). The path names the source (an id, not a secret); each
/// request is authenticated by the platform's own signature with that source's secrets.
///   GET/POST /ingest/wecom-robot/{source}  — WeCom smart robot: URL check, then encrypted JSON
///   POST     /ingest/dingtalk/{source}     — DingTalk @robot: `timestamp` + `sign` headers, JSON
/// The 200 is sent only after the message is stored (or quarantined).
struct PlatformCallbacksController {
    let services: AppServices
    static let maxBody = 1024 * 1024

    var ingest: TakeMessagesIn { services.ingest }

    func addRoutes(to router: Router<WeiminRequestContext>) {
        let routes = router.group("ingest")

        addWeComAppRoutes(to: routes)
        addBridgeRoutes(to: routes)

        routes.get("wecom-robot/:source") { request, context -> Response in
            let (_, crypto) = try await wecom(context)
            return try Self.verifyURL(request, crypto: crypto)
        }

        routes.post("wecom-robot/:source") { request, context -> Response in
            let (source, crypto) = try await wecom(context)
            let q = request.uri.queryParameters
            guard let sig = q["msg_signature"].map(String.init), let ts = q["timestamp"].map(String.init), let nonce = q["nonce"].map(String.init) else {
                throw HTTPError(.badRequest, message: "缺少 msg_signature、timestamp 或 nonce")
            }
            let data = try await Self.body(request)
            struct Envelope: Decodable { let encrypt: String }
            guard let envelope = try? JSONDecoder().decode(Envelope.self, from: data) else { throw HTTPError(.badRequest, message: "请求体应为 JSON：{\"encrypt\": \"…\"}") }
            guard crypto.verify(signature: sig, timestamp: ts, nonce: nonce, encrypted: envelope.encrypt) else { throw HTTPError(.unauthorized, message: "签名校验失败") }
            let plain: String
            do { plain = try crypto.decrypt(envelope.encrypt) } catch { throw HTTPError(.badRequest, message: "\(error)") }
            struct RobotMessage: Decodable {
                struct From: Decodable { let userid: String }
                struct Text: Decodable { let content: String }
                let msgid: String
                let chatid: String?
                let chattype: String?
                let from: From
                let msgtype: String
                let text: Text?
            }
            guard let m = try? JSONDecoder().decode(RobotMessage.self, from: Data(plain.utf8)) else {
                throw HTTPError(.badRequest, message: "解密后的消息不是企业微信智能机器人的 JSON 格式")
            }
            // A private chat with the robot has no group: it is kept under the sender, in quarantine until registered.
            let group = m.chattype == "group" ? (m.chatid ?? "") : "single:\(m.from.userid)"
            let message = PlatformMessage(
                platform: .wecom, groupExternalID: group, groupName: "", platformMessageID: m.msgid, senderID: m.from.userid,
                senderName: m.from.userid, kind: MessageKind(platformType: m.msgtype), text: m.text?.content ?? "", sentAt: Date())
            _ = try await ingest.accept([message], from: source)
            return Response(status: .ok)
        }

        routes.post("dingtalk/:source") { request, context -> Response in
            let (source, secrets) = try await source(context, kind: "dingtalk")
            guard let secret = secrets["app_secret"] else { throw HTTPError(.internalServerError, message: "该来源未配置 app_secret") }
            guard let tsText = request.headers[HTTPField.Name("timestamp")!], let ts = Int64(tsText), let sign = request.headers[HTTPField.Name("sign")!] else {
                throw HTTPError(.unauthorized, message: "缺少 timestamp 或 sign 请求头")
            }
            guard PlatformSignature.withinWindow(timestampMillis: ts, now: Date()) else { throw HTTPError(.unauthorized, message: "timestamp 与服务器时间相差超过 1 小时") }
            guard Self.equal(sign, PlatformSignature.dingTalk(timestampMillis: ts, secret: secret)) else { throw HTTPError(.unauthorized, message: "签名校验失败") }
            let data = try await Self.body(request)
            struct DingMessage: Decodable {
                struct Text: Decodable { let content: String }
                let conversationId: String
                let conversationType: String?
                let conversationTitle: String?
                let senderId: String
                let senderStaffId: String?
                let senderNick: String?
                let msgId: String
                let createAt: Int64?
                let msgtype: String
                let text: Text?
            }
            let m: DingMessage
            do { m = try JSONDecoder().decode(DingMessage.self, from: data) } catch {
                throw HTTPError(.badRequest, message: "请求体不是钉钉机器人回调的 JSON 格式（\(MessagesController.describe(error))）")
            }
            let text = (m.text?.content ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let group = m.conversationType == "2" ? m.conversationId : "single:\(m.senderId)"
            let sentAt = m.createAt.map { Date(timeIntervalSince1970: Double($0) / 1000) } ?? Date()
            let message = PlatformMessage(
                platform: .dingtalk, groupExternalID: group, groupName: m.conversationTitle ?? "", platformMessageID: m.msgId,
                senderID: m.senderStaffId ?? m.senderId, senderName: m.senderNick ?? m.senderId, kind: MessageKind(platformType: m.msgtype),
                text: text, sentAt: sentAt)
            _ = try await ingest.accept([message], from: source)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: "{}")))
        }
    }

    func source(_ context: WeiminRequestContext, kind: String) async throws -> (IngestSource, [String: String]) {
        guard let id = UUID(uuidString: try context.parameters.require("source")), let (source, secrets) = try await ingest.source(id: id), source.kind == kind else {
            // Unknown and wrong-kind sources look alike: nothing tells a prober which ids exist.
            throw HTTPError(.unauthorized, message: "来源不存在或未启用")
        }
        return (source, secrets)
    }

    /// A WeCom source's crypto: the smart robot decrypts with receive id "", an app with its corp id.
    func wecom(_ context: WeiminRequestContext, kind: String = "wecom_robot") async throws -> (IngestSource, WeComCrypto) {
        let (source, secrets) = try await source(context, kind: kind)
        guard let token = secrets["token"], let key = secrets["encoding_aes_key"] else {
            throw HTTPError(.internalServerError, message: "该来源未配置 token 和 encoding_aes_key")
        }
        let receiveID = kind == "wecom_app" ? (secrets["corp_id"] ?? secrets["receive_id"] ?? "") : (secrets["receive_id"] ?? "")
        do {
            return (source, try WeComCrypto(token: token, encodingAESKey: key, receiveID: receiveID))
        } catch {
            throw HTTPError(.internalServerError, message: "该来源的 EncodingAESKey 无效")
        }
    }

    static func body(_ request: Request) async throws -> Data {
        do {
            return Data(try await request.body.collect(upTo: maxBody).readableBytesView)
        } catch {
            throw HTTPError(.contentTooLarge, message: "请求体超过 1 MB")
        }
    }

    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

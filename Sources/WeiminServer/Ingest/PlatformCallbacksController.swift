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
            guard let sig = q["msg_signature"].map(String.init), let ts = q["timestamp"].map(String.init),
                let nonce = q["nonce"].map(String.init)
            else {
                throw HTTPError(.badRequest, message: "缺少 msg_signature、timestamp 或 nonce")
            }
            let data = try await Self.body(request)
            struct Envelope: Decodable { let encrypt: String }
            guard let envelope = try? JSONDecoder().decode(Envelope.self, from: data) else {
                throw HTTPError(.badRequest, message: "请求体应为 JSON：{\"encrypt\": \"…\"}")
            }
            guard crypto.verify(signature: sig, timestamp: ts, nonce: nonce, encrypted: envelope.encrypt) else {
                throw HTTPError(.unauthorized, message: "签名校验失败")
            }
            let plain: String
            do { plain = try crypto.decrypt(envelope.encrypt) } catch { throw HTTPError(.badRequest, message: "\(error)") }
            let content: WeComRobotContent
            do { content = try JSONDecoder().decode(WeComRobotContent.self, from: Data(plain.utf8)) } catch {
                throw HTTPError(.badRequest, message: "解密后的消息不是企业微信智能机器人的 JSON 格式（\(MessagesController.describe(error))）")
            }
            guard let message = try Self.weComRobotMessage(content, source: source.id, now: Date()) else { return Response(status: .ok) }
            _ = try await ingest.accept([message], from: source)
            return Response(status: .ok)
        }

        routes.post("dingtalk/:source") { request, context -> Response in
            let (source, secrets) = try await source(context, kind: "dingtalk")
            guard let secret = secrets["app_secret"] else { throw HTTPError(.internalServerError, message: "该来源未配置 app_secret") }
            guard let tsText = request.headers[HTTPField.Name("timestamp")!], let ts = Int64(tsText),
                let sign = request.headers[HTTPField.Name("sign")!]
            else {
                throw HTTPError(.unauthorized, message: "缺少 timestamp 或 sign 请求头")
            }
            guard PlatformSignature.withinWindow(timestampMillis: ts, now: Date()) else {
                throw HTTPError(.unauthorized, message: "timestamp 与服务器时间相差超过 1 小时")
            }
            guard Self.equal(sign, PlatformSignature.dingTalk(timestampMillis: ts, secret: secret)) else {
                throw HTTPError(.unauthorized, message: "签名校验失败")
            }
            let data = try await Self.body(request)
            let m: DingTalkContent
            do { m = try JSONDecoder().decode(DingTalkContent.self, from: data) } catch {
                throw HTTPError(.badRequest, message: "请求体不是钉钉机器人回调的 JSON 格式（\(MessagesController.describe(error))）")
            }
            let message = try Self.dingTalkMessage(m, source: source.id, now: Date())
            _ = try await ingest.accept([message], from: source)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: "{}")))
        }
    }

    func source(_ context: WeiminRequestContext, kind: String) async throws -> (IngestSource, [String: String]) {
        guard let id = UUID(uuidString: try context.parameters.require("source")), let (source, secrets) = try await ingest.source(id: id),
            source.kind == kind
        else {
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

import Crypto
import Foundation
import Hummingbird
import WeiminApp
import WeiminCore
import WeiminPersistence

/// Personal-WeChat bridges (docs/protocols.md §3.1–§3.2), which post every group message they see:
///   POST /ingest/wechatbot/{source}  — wechatbot-webhook, multipart/form-data
///   POST /ingest/wcf/{source}        — WeChatFerry HTTP (wcfhttp), JSON
/// Bridges cannot sign, so each request carries the source's token: `Authorization: Bearer wms_…`,
/// or `?token=wms_…` for bridges that can only be given a URL. Query strings are never logged.
extension PlatformCallbacksController {
    func addBridgeRoutes(to routes: RouterGroup<WeiminRequestContext>) {
        routes.post("wechatbot/:source") { request, context -> Response in
            let source = try await bridgeSource(request, context, kind: "wechatbot")
            guard let contentType = request.headers[.contentType], let boundary = MultipartForm.boundary(contentType: contentType) else {
                throw HTTPError(.badRequest, message: "应为 multipart/form-data（wechatbot-webhook 的推送格式）")
            }
            let data = try await Self.body(request)
            let form: MultipartForm
            do { form = try MultipartForm.parse(Array(data), boundary: boundary) } catch { throw HTTPError(.badRequest, message: "表单格式错误：\(error)") }
            if var message = try Self.wechatbotMessage(form, now: Date()) {
                message.platformMessageID = ingest.bridgeMessageID(message, source: source.id, now: Date())
                _ = try await ingest.accept([message], from: source)
            }
            // wechatbot-webhook reads the answer as an optional inline reply; we reply later, through the outbox.
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: #"{"success":true}"#)))
        }

        routes.post("wcf/:source") { request, context -> Response in
            let source = try await bridgeSource(request, context, kind: "wcf")
            let data = try await Self.body(request)
            let message = try Self.wcfMessage(data, now: Date())
            _ = try await ingest.accept([message], from: source)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: #"{"status":0,"message":"ok"}"#)))
        }
    }

    func bridgeSource(_ request: Request, _ context: WeiminRequestContext, kind: String) async throws -> IngestSource {
        let header = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        guard let token = header ?? request.uri.queryParameters["token"].map(String.init),
            let id = UUID(uuidString: try context.parameters.require("source")),
            let source = try await ingest.source(forToken: token), source.id == id, source.kind == kind
        else {
            throw HTTPError(.unauthorized, message: "来源令牌无效：请在桥接程序的回调地址中带上 weimin source add 给出的令牌")
        }
        return source
    }

    /// One wechatbot-webhook push as a message; nil for the bridge's own status events (login, logout…).
    static func wechatbotMessage(_ form: MultipartForm, now: Date) throws -> PlatformMessage? {
        guard let type = form["type"] else { throw HTTPError(.badRequest, message: "表单缺少 type 字段") }
        if type.hasPrefix("system_event") || type == "friendship" { return nil }
        guard let sourceJSON = form["source"], let sourceData = sourceJSON.data(using: .utf8) else {
            throw HTTPError(.badRequest, message: "表单缺少 source 字段（发送者与群的 JSON）")
        }
        struct Contact: Decodable {
            struct Payload: Decodable { let name: String?; let alias: String? }
            let id: String
            let payload: Payload?
        }
        struct Room: Decodable {
            struct Payload: Decodable { let topic: String? }
            let id: String
            let topic: String?
            let payload: Payload?
        }
        struct Source: Decodable {
            let room: Room?
            let from: Contact?
            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                // A private message has "room": "" rather than an object.
                room = try? c.decodeIfPresent(Room.self, forKey: .room)
                from = try c.decodeIfPresent(Contact.self, forKey: .from)
            }
            enum CodingKeys: String, CodingKey { case room, from }
        }
        let src: Source
        do { src = try JSONDecoder().decode(Source.self, from: sourceData) } catch {
            throw HTTPError(.badRequest, message: "source 字段不是有效的 JSON（\(MessagesController.describe(error))）")
        }
        guard let from = src.from, !from.id.isEmpty else { throw HTTPError(.badRequest, message: "source.from.id 缺失") }
        let kind: MessageKind
        var text: String
        switch type {
        case "text":
            kind = .text
            text = form["content"] ?? ""
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw HTTPError(.badRequest, message: "文本消息 content 为空") }
        case "file":
            kind = .file
            text = "[文件] " + (form.part("content")?.filename ?? "")
        case "urlLink":
            kind = .link
            struct Link: Decodable { let title: String?; let url: String? }
            let link = form["content"].flatMap { try? JSONDecoder().decode(Link.self, from: Data($0.utf8)) }
            text = [link?.title, link?.url].compactMap { $0 }.joined(separator: " ")
        default:
            kind = .system
            text = form["content"] ?? "[\(type)]"
        }
        text = String(text.prefix(20_000))
        let group = src.room.map { $0.id } ?? "single:\(from.id)"
        let name = from.payload?.alias.flatMap { $0.isEmpty ? nil : $0 } ?? from.payload?.name ?? from.id
        // The bridge sends no message id; TakeMessagesIn.bridgeMessageID gives one (see there).
        let digest = SHA256.hash(data: Data("\(group)\u{1}\(from.id)\u{1}\(kind)\u{1}\(text)".utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
        return PlatformMessage(
            platform: .wechat, groupExternalID: group, groupName: src.room?.topic ?? src.room?.payload?.topic ?? "",
            platformMessageID: "wb:\(digest)", senderID: from.id, senderName: name, kind: kind, text: text, sentAt: now)
    }

    static let wcfKinds: [Int: MessageKind] = [1: .text, 3: .image, 34: .voice, 43: .video, 47: .sticker, 48: .link, 49: .link, 10000: .system, 10002: .system]

    /// One WeChatFerry push as a message. Type 49 carries app-message XML: quotes (57) link to the
    /// quoted message's server id, files (6) keep their title.
    static func wcfMessage(_ data: Data, now: Date) throws -> PlatformMessage {
        struct FlexibleID: Decodable {
            let value: String
            init(from decoder: any Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let n = try? c.decode(UInt64.self) { value = String(n) } else { value = try c.decode(String.self) }
            }
        }
        struct WCF: Decodable {
            let id: FlexibleID
            let ts: Int64?
            let type: Int
            let xml: String?
            let sender: String
            let roomid: String?
            let content: String?
            let is_group: Bool?
        }
        let m: WCF
        do { m = try JSONDecoder().decode(WCF.self, from: data) } catch {
            throw HTTPError(.badRequest, message: "请求体不是 WeChatFerry 的消息 JSON（\(MessagesController.describe(error))）")
        }
        guard !m.sender.isEmpty, !m.id.value.isEmpty else { throw HTTPError(.badRequest, message: "sender 与 id 不能为空") }
        var kind = wcfKinds[m.type] ?? .system
        var text = m.content ?? ""
        var quoted: String?
        switch m.type {
        case 1:
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw HTTPError(.badRequest, message: "文本消息 content 为空") }
        case 3, 34, 43, 47: text = "[\(CoreStrings.messageKind(kind))]"
        case 49:
            if let xml = try? XMLNode.parse(text), let app = xml["appmsg"] ?? (xml.name == "appmsg" ? xml : nil) {
                switch app.value("type") {
                case "57":
                    kind = .quote
                    quoted = app.value("refermsg", "svrid")
                    text = app.value("title") ?? ""
                case "6":
                    kind = .file
                    text = "[文件] \(app.value("title") ?? "")"
                default:
                    text = [app.value("title"), app.value("url")].compactMap { $0 }.joined(separator: " ")
                }
            }
        default: break
        }
        var sentAt = now
        if let ts = m.ts {
            sentAt = Date(timeIntervalSince1970: ts > 100_000_000_000 ? Double(ts) / 1000 : Double(ts))
            guard sentAt > Date(timeIntervalSince1970: 1_262_304_000), sentAt < now.addingTimeInterval(86400) else {
                throw HTTPError(.badRequest, message: "ts 不合理（早于 2010 年或晚于明天）")
            }
        }
        let isGroup = m.is_group ?? (m.roomid?.hasSuffix("@chatroom") ?? false)
        return PlatformMessage(
            platform: .wechat, groupExternalID: isGroup ? (m.roomid ?? "") : "single:\(m.sender)", groupName: "",
            platformMessageID: m.id.value, senderID: m.sender, senderName: m.sender, kind: kind, text: String(text.prefix(20_000)), sentAt: sentAt,
            quotedPlatformID: quoted)
    }
}

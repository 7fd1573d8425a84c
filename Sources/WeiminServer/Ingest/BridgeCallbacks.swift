import Crypto
import Foundation
import Hummingbird
import NIOCore
import WeiminApp
import WeiminCore
import WeiminPersistence

/// Personal-WeChat bridges (docs/protocols.md §3.1–§3.2), which post every group message they see:
///   POST /ingest/wechatbot/{source}  — wechatbot-webhook, multipart/form-data
///   POST /ingest/wcf/{source}        — WeChatFerry HTTP (wcfhttp), JSON
/// Bridges cannot sign, so each request carries the source's token: `Authorization: Bearer wms_…`,
/// or `?token=wms_…` for bridges that can only be given a URL. Query strings are never logged.
/// The bot's own messages come back through both (docs/protocols.md §5) and are stored as outbound echoes.
extension PlatformCallbacksController {
    func addBridgeRoutes(to routes: RouterGroup<WeiminRequestContext>) {
        routes.post("wechatbot/:source") { request, context -> Response in
            let source = try await bridgeSource(request, context, kind: "wechatbot")
            guard let contentType = request.headers[.contentType], let boundary = MultipartForm.boundary(contentType: contentType) else {
                throw HTTPError(.badRequest, message: "应为 multipart/form-data（wechatbot-webhook 的推送格式）")
            }
            // The file comes last in the form: a body larger than the media limit is kept up to it, so the message is
            // stored (with the file marked too large) rather than refused.
            let files = services.mediaFiles
            let (data, truncated) = try await Self.body(request, keeping: files.maxBytes + 256 * 1024)
            let form: MultipartForm
            do { form = try MultipartForm.parse(data, boundary: boundary, truncated: truncated) } catch {
                throw HTTPError(.badRequest, message: "表单格式错误：\(error)")
            }
            switch try Self.wechatbotPush(form, now: Date()) {
            case .ignored:
                break
            case .login(let selfID):
                // The bridge's own account: its messages are Weimin's from now on, flag or no flag.
                try await ingest.learnSelfID(selfID, source: source.id)
            case .message(var message, let content):
                message.platformMessageID = ingest.bridgeMessageID(message, source: source.id, now: Date())
                if let content, [.image, .voice, .video, .file].contains(message.kind) {
                    message.media = [try Self.keep(content, kind: message.kind, files: files, source: source.id)]
                }
                _ = try await ingest.accept([message], from: source)
            }
            // wechatbot-webhook reads the answer as an optional inline reply; we reply later, through the outbox.
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: #"{"success":true}"#)))
        }

        routes.post("wcf/:source") { request, context -> Response in
            let source = try await bridgeSource(request, context, kind: "wcf")
            let data = try await Self.body(request)
            var message = try Self.wcfMessage(data, now: Date())
            message.media = message.media.map {
                var m = $0; m.sourceID = source.id; return m
            }
            _ = try await ingest.accept([message], from: source)
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: .init(string: #"{"status":0,"message":"ok"}"#)))
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

    /// A body of any size, of which the first `keeping` bytes are kept; `truncated` when more came. The rest is read
    /// and dropped (the bridge sends it anyway), up to a hard limit.
    static func body(_ request: Request, keeping: Int, hardLimit: Int = 512 * 1024 * 1024) async throws -> ([UInt8], truncated: Bool) {
        var kept: [UInt8] = []
        var total = 0
        for try await var chunk in request.body {
            total += chunk.readableBytes
            guard total <= hardLimit else { throw HTTPError(.contentTooLarge, message: "请求体超过 \(hardLimit / 1024 / 1024) MB") }
            if kept.count < keeping, let bytes = chunk.readBytes(length: min(chunk.readableBytes, keeping - kept.count)) {
                kept += bytes
            }
        }
        return (kept, total > kept.count)
    }

    /// A file part's bytes kept content-addressed (durably, before the message is acknowledged), with the type read from
    /// the bytes; a part cut short by the size limit is recorded as too large.
    static func keep(_ part: MultipartForm.Part, kind: MessageKind, files: MediaFiles, source: UUID) throws -> IncomingMedia {
        let name = part.filename.map { String($0.prefix(200)) }
        guard part.complete, part.body.count <= files.maxBytes else {
            return IncomingMedia(
                ordinal: 0, kind: kind, fileName: name, declaredType: part.contentType, status: .tooLarge,
                failure: "超过媒体文件上限 \(files.maxBytes / 1024 / 1024) MB，只保存了消息", sourceID: source)
        }
        let sniffed = MediaType.sniff(part.body)
        do {
            let digest = try files.put(part.body)
            return IncomingMedia(
                ordinal: 0, kind: kind, fileName: name, declaredType: part.contentType, status: .stored, sha256: digest,
                size: part.body.count, contentType: sniffed.mime, sourceID: source)
        } catch {
            // The disk refused: the message must still be stored and acknowledged, so the failure is recorded with it.
            return IncomingMedia(
                ordinal: 0, kind: kind, fileName: name, declaredType: part.contentType, status: .failed,
                failure: "\(error)", sourceID: source)
        }
    }

    /// What a wechatbot-webhook push is.
    enum WechatbotPush {
        /// A chat message, with its file part for `type=file`.
        case message(PlatformMessage, content: MultipartForm.Part?)
        /// The bridge logged in as this account.
        case login(selfID: String)
        /// The bridge's other notices (logout, errors, reply reports) and friend requests: not group traffic.
        case ignored
    }

    /// One wechatbot-webhook push (danni-cool/wechatbot-webhook `src/service/msgUploader.js`): fields `source`,
    /// `isMentioned`, `isMsgFromSelf`, `type` and `content`, the file last.
    static func wechatbotPush(_ form: MultipartForm, now: Date) throws -> WechatbotPush {
        guard let type = form["type"] else { throw HTTPError(.badRequest, message: "表单缺少 type 字段") }
        if type == "system_event_login" {
            struct Login: Decodable {
                struct User: Decodable { let id: String }
                let user: User?
            }
            let id = form["content"].flatMap { try? JSONDecoder().decode(Login.self, from: Data($0.utf8)) }?.user?.id
            return id.map { .login(selfID: $0) } ?? .ignored
        }
        if type.hasPrefix("system_event") || type == "friendship" { return .ignored }
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
            let to: Contact?
            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                // A private message has "room": "" (older bridges) or {} (newer) rather than a room.
                room = try? c.decodeIfPresent(Room.self, forKey: .room)
                from = try c.decodeIfPresent(Contact.self, forKey: .from)
                to = try? c.decodeIfPresent(Contact.self, forKey: .to)
            }
            enum CodingKeys: String, CodingKey { case room, from, to }
        }
        let src: Source
        do { src = try JSONDecoder().decode(Source.self, from: sourceData) } catch {
            throw HTTPError(.badRequest, message: "source 字段不是有效的 JSON（\(MessagesController.describe(error))）")
        }
        guard let from = src.from, !from.id.isEmpty else { throw HTTPError(.badRequest, message: "source.from.id 缺失") }
        let kind: MessageKind
        var text: String
        var content: MultipartForm.Part?
        switch type {
        case "text":
            kind = .text
            text = form["content"] ?? ""
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw HTTPError(.badRequest, message: "文本消息 content 为空")
            }
            // "@为民小助手\u{2005}…": the bot's own mention is who it was said to, not what was said.
            if src.room != nil {
                let names = Set([src.to?.payload?.name, src.to?.payload?.alias].compactMap { $0 }.filter { !$0.isEmpty })
                text = WeChatMention.strippingLeading(text, names: names, mentioned: form["isMentioned"] == "1")
            }
        case "file":
            // Pictures, voice notes, videos and attachments all come as `file`; the part's Content-Type (or failing that
            // the bytes) says which.
            content = form.part("content")
            let declared = MediaType.kind(declared: content?.contentType)
            let sniffed = content.map { MediaType.sniff($0.body).kind }
            kind = declared ?? (sniffed == .file ? nil : sniffed) ?? .file
            let name = content?.filename ?? ""
            text = kind == .file ? "[文件] \(name)" : "[\(CoreStrings.messageKind(kind))]"
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
        let digest = SHA256.hash(data: Data("\(group)\u{1}\(from.id)\u{1}\(kind)\u{1}\(text)".utf8)).prefix(12).map {
            String(format: "%02x", $0)
        }.joined()
        let message = PlatformMessage(
            platform: .wechat, groupExternalID: group, groupName: src.room?.topic ?? src.room?.payload?.topic ?? "",
            platformMessageID: "wb:\(digest)", senderID: from.id, senderName: name, kind: kind, text: text, sentAt: now,
            echo: form["isMsgFromSelf"] == "1" ? .selfFlag : nil)
        return .message(message, content: content)
    }

    static let wcfKinds: [Int: MessageKind] = [
        1: .text, 3: .image, 34: .voice, 43: .video, 47: .sticker, 48: .link, 49: .link, 10000: .system, 10002: .system,
    ]

    /// One WeChatFerry push (wcfhttp `_forward_msg`: id, ts, sign, type, xml, sender, roomid, content, thumb, extra,
    /// is_at, is_self, is_group). Type 49 carries app-message XML: quotes (57) link to the quoted message's server id,
    /// files (6) keep their title. Group system messages (10000, 10002) have no sender. `extra` is the picture's, video's
    /// or file's path on the bridge's machine, kept as a pending media item.
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
            let sender: String?
            let roomid: String?
            let content: String?
            let extra: String?
            let is_at: Bool?
            let is_self: Bool?
            let is_group: Bool?
        }
        let m: WCF
        do { m = try JSONDecoder().decode(WCF.self, from: data) } catch {
            throw HTTPError(.badRequest, message: "请求体不是 WeChatFerry 的消息 JSON（\(MessagesController.describe(error))）")
        }
        var sender = m.sender ?? ""
        var senderName = sender
        let isSystem = m.type == 10000 || m.type == 10002
        if isSystem && sender.isEmpty {
            // "X邀请Y加入了群聊", "X撤回了一条消息": the group speaks, not a member.
            sender = "system"
            senderName = "系统消息"
        }
        guard !sender.isEmpty, !m.id.value.isEmpty else {
            throw HTTPError(.badRequest, message: "sender 与 id 不能为空（群系统消息 type 10000/10002 除外）")
        }
        var kind = wcfKinds[m.type] ?? .system
        var text = m.content ?? ""
        var quoted: String?
        var media: [IncomingMedia] = []
        let path = (m.extra ?? "").trimmingCharacters(in: .whitespaces)
        switch m.type {
        case 1:
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw HTTPError(.badRequest, message: "文本消息 content 为空")
            }
        case 3, 34, 43, 47:
            text = "[\(CoreStrings.messageKind(kind))]"
            if m.type != 47 {
                // A voice note has no path in the push (wcfhttp's /save-audio converts it on the bridge); pictures and videos do.
                media = [
                    path.isEmpty
                        ? IncomingMedia(
                            ordinal: 0, kind: kind, status: .unavailable, failure: "WeChatFerry 未提供文件路径（语音需在桥接机器上用 /save-audio 导出）")
                        : IncomingMedia(
                            ordinal: 0, kind: kind,
                            fileName: path.split(whereSeparator: { $0 == "\\" || $0 == "/" }).last.map { String($0.prefix(200)) },
                            status: .pending, fetchRef: MediaRef.bridgePath(path).encoded)
                ]
            }
        case 10000, 10002:
            // Group notices may carry a little markup (revoke links, CDATA); the words are what matters.
            text = ChatExport.systemText(text)
        case 49:
            if let xml = try? XMLNode.parse(text), let app = xml["appmsg"] ?? (xml.name == "appmsg" ? xml : nil) {
                switch app.value("type") {
                case "57":
                    kind = .quote
                    quoted = app.value("refermsg", "svrid")
                    text = app.value("title") ?? ""
                case "6":
                    kind = .file
                    let title = app.value("title") ?? ""
                    text = "[文件] \(title)"
                    if !path.isEmpty {
                        media = [
                            IncomingMedia(
                                ordinal: 0, kind: .file, fileName: title.isEmpty ? nil : String(title.prefix(200)), status: .pending,
                                fetchRef: MediaRef.bridgePath(path).encoded)
                        ]
                    }
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
        if isGroup, m.type == 1 {
            // WeChat writes "@昵称\u{2005}" for a mention; WeChatFerry does not say the bot's nickname, so the first
            // leading mention is taken as the bot's when wcfhttp says the bot was mentioned (`is_at`: its wxid is in the
            // XML's atuserlist and it is not @所有人).
            if m.is_at == true { text = WeChatMention.strippingLeading(text, names: [], mentioned: true) }
        }
        return PlatformMessage(
            platform: .wechat, groupExternalID: isGroup ? (m.roomid ?? "") : "single:\(sender)", groupName: "",
            platformMessageID: m.id.value, senderID: sender, senderName: senderName, kind: kind, text: String(text.prefix(20_000)),
            sentAt: sentAt,
            quotedPlatformID: quoted, echo: m.is_self == true ? .selfFlag : nil, media: media)
    }
}

import Crypto
import Foundation
import Hummingbird
import Logging
import WeiminApp
import WeiminCore
import WeiminPersistence

/// WeCom self-built app callback (docs/protocols.md §1.3–§1.5): GET verifies the URL, POST carries encrypted XML.
///   GET/POST /ingest/wecom/{source}
/// Text and media messages are stored; `change_external_chat` events are stored once (keyed on sender,
/// time and event, since events have no MsgId) and update the customer group's roster.
extension PlatformCallbacksController {
    func addWeComAppRoutes(to routes: RouterGroup<WeiminRequestContext>) {
        routes.get("wecom/:source") { request, context -> Response in
            let (_, crypto) = try await wecom(context, kind: "wecom_app")
            return try Self.verifyURL(request, crypto: crypto)
        }

        routes.post("wecom/:source") { request, context -> Response in
            let (source, crypto) = try await wecom(context, kind: "wecom_app")
            let q = request.uri.queryParameters
            guard let sig = q["msg_signature"].map(String.init), let ts = q["timestamp"].map(String.init),
                let nonce = q["nonce"].map(String.init)
            else {
                throw HTTPError(.badRequest, message: "缺少 msg_signature、timestamp 或 nonce")
            }
            let data = try await Self.body(request)
            guard let text = String(data: data, encoding: .utf8) else { throw HTTPError(.badRequest, message: "请求体不是有效的 UTF-8 文本") }
            let envelope: XMLNode
            do { envelope = try XMLNode.parse(text) } catch { throw HTTPError(.badRequest, message: "\(error)") }
            guard let encrypted = envelope.value("Encrypt"), !encrypted.isEmpty else {
                throw HTTPError(.badRequest, message: "XML 中缺少 Encrypt")
            }
            guard crypto.verify(signature: sig, timestamp: ts, nonce: nonce, encrypted: encrypted) else {
                throw HTTPError(.unauthorized, message: "签名校验失败")
            }
            let plain: String
            do { plain = try crypto.decrypt(encrypted) } catch { throw HTTPError(.badRequest, message: "\(error)") }
            let xml: XMLNode
            do { xml = try XMLNode.parse(plain) } catch { throw HTTPError(.badRequest, message: "解密后的内容：\(error)") }
            try await takeWeComApp(xml, from: source)
            // An empty 200 tells WeCom "received, no passive reply".
            return Response(status: .ok)
        }
    }

    /// The GET a WeCom admin triggers when saving the callback URL: answer with the decrypted echostr.
    static func verifyURL(_ request: Request, crypto: WeComCrypto) throws -> Response {
        let q = request.uri.queryParameters
        guard let sig = q["msg_signature"].map(String.init), let ts = q["timestamp"].map(String.init),
            let nonce = q["nonce"].map(String.init),
            let echo = q["echostr"].map(String.init)
        else { throw HTTPError(.badRequest, message: "缺少 msg_signature、timestamp、nonce 或 echostr") }
        guard crypto.verify(signature: sig, timestamp: ts, nonce: nonce, encrypted: echo) else {
            throw HTTPError(.unauthorized, message: "签名校验失败")
        }
        do {
            return Response(
                status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: .init(string: try crypto.decrypt(echo))))
        } catch {
            throw HTTPError(.badRequest, message: "\(error)")
        }
    }

    static func digest(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    static let weComKinds: [String: MessageKind] = [
        "text": .text, "image": .image, "voice": .voice, "video": .video, "file": .file, "location": .link, "link": .link,
    ]

    func takeWeComApp(_ xml: XMLNode, from source: IngestSource) async throws {
        guard let from = xml.value("FromUserName"), !from.isEmpty, let type = xml.value("MsgType") else {
            throw HTTPError(.badRequest, message: "解密后的 XML 缺少 FromUserName 或 MsgType")
        }
        guard let created = xml.value("CreateTime").flatMap(Int64.init) else {
            throw HTTPError(.badRequest, message: "CreateTime 应为 Unix 秒")
        }
        let sentAt = Date(timeIntervalSince1970: Double(created))
        if type == "event" {
            let event = xml.value("Event") ?? ""
            guard event == "change_external_chat", let chat = xml.value("ChatId"), !chat.isEmpty else {
                // Other events (entering the app, menu clicks) are not group traffic.
                services.logger.debug("wecom event ignored", metadata: ["event": "\(event)"])
                return
            }
            let change = xml.value("ChangeType") ?? ""
            let detail = xml.value("UpdateDetail") ?? ""
            let members = (xml["MemChangeList"]?.children ?? []).map { $0.text.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let words = [
                "add_member": "成员加入", "del_member": "成员退出", "change_owner": "群主变更", "change_name": "群名变更", "change_notice": "群公告变更",
            ]
            let summary =
                change == "dismiss"
                ? "群已解散"
                : change == "create"
                    ? "群已创建"
                    : ([words[detail] ?? detail] + (members.isEmpty ? [] : [members.joined(separator: "、")])).joined(separator: "：")
            // `FromUserName` is always "sys", so sender + time + event collapse two changes in the same second into one.
            // The member-list version after the change (`CurMemVer`) names each change; without it, the members changed.
            let version = xml.value("CurMemVer").flatMap { $0.isEmpty ? nil : $0 } ?? Self.digest(members.sorted().joined(separator: ","))
            let message = PlatformMessage(
                platform: .wecom, groupExternalID: chat, groupName: "",
                platformMessageID: "evt:\(created):\(event):\(change):\(detail):\(version)",
                senderID: from, senderName: from == "sys" ? "系统消息" : from, kind: .event, text: summary, sentAt: sentAt)
            let outcome = try await ingest.accept([message], from: source)
            // The roster changes only the first time the event is stored (retries are duplicates).
            if outcome == [.stored], change == "update", detail == "add_member" || detail == "del_member", !members.isEmpty {
                try await ingest.store.applyRosterChange(
                    platform: .wecom, externalID: chat, county: source.county,
                    joined: detail == "add_member" ? members : [], left: detail == "del_member" ? members : [], at: sentAt)
            }
            return
        }
        guard let id = xml.value("MsgId"), !id.isEmpty else { throw HTTPError(.badRequest, message: "消息缺少 MsgId") }
        let kind = Self.weComKinds[type] ?? .system
        let text: String
        switch type {
        case "text": text = xml.value("Content") ?? ""
        case "link": text = [xml.value("Title"), xml.value("Url")].compactMap { $0 }.joined(separator: " ")
        case "location": text = "[位置] \(xml.value("Label") ?? "")"
        default: text = "[\(CoreStrings.messageKind(kind))]"
        }
        guard type != "text" || !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw HTTPError(.badRequest, message: "文本消息内容为空")
        }
        // Pictures, voice notes and videos come as a MediaId (valid three days), fetched with the app's secret afterwards.
        var media: [IncomingMedia] = []
        if ["image", "voice", "video", "file"].contains(type), let mediaID = xml.value("MediaId"), !mediaID.isEmpty {
            media = [
                IncomingMedia(
                    ordinal: 0, kind: kind, declaredType: type == "voice" ? xml.value("Format").map { "audio/\($0.lowercased())" } : nil,
                    status: .pending, fetchRef: MediaRef.wecomMediaID(mediaID).encoded, sourceID: source.id)
            ]
        }
        // App messages are one-to-one with the app: kept under the sender until someone registers them.
        let message = PlatformMessage(
            platform: .wecom, groupExternalID: "single:\(from)", groupName: "", platformMessageID: id, senderID: from, senderName: from,
            kind: kind, text: text, sentAt: sentAt, media: media)
        _ = try await ingest.accept([message], from: source)
    }
}

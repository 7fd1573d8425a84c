import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import NIOCore
import SQLKit
import Testing
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

/// Issue 18, section 1: what the bridges and platforms really send (fixtures written from their source: wcfhttp's
/// `_forward_msg`, wechatbot-webhook's `msgUploader.js`, MemoTrace's exporters, WeCom's and DingTalk's robot payloads),
/// replayed through the routes.
@Suite("Upstream wire formats replayed: our own messages, system messages, mentions, roster changes, exports")
struct UpstreamReplayTests {
    static let county = RegionCode("433125")!

    /// A fixture's bytes with placeholders filled in, byte for byte (the wechatbot forms carry binary file parts).
    static func fixture(_ name: String, _ values: [String: String]) throws -> [UInt8] {
        var bytes = [UInt8](try Fixture.data(name))
        for (key, value) in values {
            let needle = Array(key.utf8), replacement = Array(value.utf8)
            var out: [UInt8] = []
            var i = 0
            while i < bytes.count {
                if i + needle.count <= bytes.count, bytes[i..<i + needle.count].elementsEqual(needle) {
                    out += replacement
                    i += needle.count
                } else {
                    out.append(bytes[i])
                    i += 1
                }
            }
            bytes = out
        }
        return bytes
    }

    struct Row: Equatable {
        var id: Int
        var senderID: String
        var kind: String
        var text: String
        var echo: String?
    }

    /// The group's newest messages, newest first.
    static func newest(_ services: AppServices, group: UUID, limit: Int = 20) async throws -> [Row] {
        try await services.database.sql.raw(
            """
            SELECT id, sender_id, kind, text, echo FROM messages WHERE group_id = \(bind: group) ORDER BY id DESC LIMIT \(bind: limit)
            """
        ).all().map {
            Row(
                id: try $0.decode(column: "id", as: Int.self), senderID: try $0.decode(column: "sender_id", as: String.self),
                kind: try $0.decode(column: "kind", as: String.self), text: try $0.decode(column: "text", as: String.self),
                echo: try $0.decode(column: "echo", as: String?.self))
        }
    }

    static func wechatGroup(_ services: AppServices) async throws -> ChatGroup {
        try #require(try await services.groups.groups(within: county, page: 1, perPage: 100).items.first { $0.platform == .wechat })
    }

    @Test(
        "WeChatFerry: is_self is stored as our echo and never triaged, the bot's wxid is learned, a type-10000 message with no sender is accepted, @bot is dropped",
        arguments: Backend.available)
    func wcf(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let store = IngestStore(database: services.database, cipher: services.cipher)
        let (source, token) = try await store.addSource(county: Self.county, kind: "wcf", name: "WeChatFerry")
        let group = try await Self.wechatGroup(services)
        let triageStore = TriageStore(database: services.database, cipher: services.cipher)
        let triage = TriageService(services: services, interval: .seconds(1))
        var triager = try await TriageService.triager(services: services, store: triageStore)
        _ = try await triage.runOnce(triager: &triager)  // starts the cursor after the demo's history
        let now = Int(Date().timeIntervalSince1970) - 60
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            func push(_ bytes: [UInt8]) async throws -> TestResponse {
                try await client.execute(
                    uri: "/ingest/wcf/\(source.id)", method: .post,
                    headers: [.contentType: "application/json", .authorization: "Bearer \(token)"], body: ByteBuffer(bytes: bytes))
            }
            let values = ["{{GROUP}}": group.externalID]
            func recent(_ name: String) throws -> [UInt8] {
                // The recorded time, moved to a minute ago so that triage's context and windows apply.
                var object = try #require(try JSONSerialization.jsonObject(with: Data(try Self.fixture(name, values))) as? [String: Any])
                object["ts"] = now
                return [UInt8](try JSONSerialization.data(withJSONObject: object))
            }
            let own = try await push(try recent("wcf-self.json"))
            #expect(own.status == .ok && String(buffer: own.body) == #"{"status":0,"message":"ok"}"#)
            // "X邀请Y加入了群聊": sender "", refused with 400 before, so wcfhttp only logged it and it was lost.
            #expect(try await push(try recent("wcf-system.json")).status == .ok)
            // The same account without the flag (a bridge or version that does not send it): known now, still ours.
            var unflagged = try #require(try JSONSerialization.jsonObject(with: Data(try recent("wcf-self.json"))) as? [String: Any])
            unflagged["id"] = 7481650423819575101 as UInt64
            unflagged["is_self"] = false
            unflagged["content"] = "【通知】今晚八点到十点三组检修自来水管，届时停水，请提前储水。"
            #expect(try await push([UInt8](try JSONSerialization.data(withJSONObject: unflagged))).status == .ok)
            #expect(try await push(try recent("wcf-mention.json")).status == .ok)
            // Still refused: a text message without a sender.
            #expect(
                try await push(
                    Array(#"{"id":9,"ts":1732500000,"type":1,"sender":"","roomid":"x@chatroom","content":"hi","is_group":true}"#.utf8)
                ).status == .badRequest)
        }
        let rows = try await Self.newest(services, group: group.id, limit: 4).reversed().map { $0 }
        #expect(rows.map(\.echo) == ["self_flag", nil, "robot_identity", nil])
        #expect(rows[1].senderID == "system" && rows[1].kind == "system" && rows[1].text == "\"彭书记\"邀请\"石老师\"加入了群聊")
        #expect(rows[3].text == "三组的自来水管又爆了，一晚上都在漏")
        #expect(try await store.source(id: source.id)?.0.selfIDs == ["wxid_weiminbot"])

        // Triage reads the villager's message only: our notice and our outage warning open nothing.
        let pass = try await triage.runOnce(triager: &triager, now: Date().addingTimeInterval(2))
        #expect(pass.triaged == 1, "\(pass)")
        #expect(try await triageStore.decision(message: rows[0].id) == nil)
        #expect(try await triageStore.decision(message: rows[2].id) == nil)
        let decided = try #require(try await triageStore.decision(message: rows[3].id))
        if let caseID = decided.caseID {
            #expect(try await services.caseStore.find(id: caseID)?.title.hasPrefix("@") == false)
        }
    }

    @Test(
        "the outbox backstop: words Weimin sent to the group in the last days, echoed without any flag, are ours",
        arguments: Backend.available)
    func outboxHash(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let store = IngestStore(database: services.database, cipher: services.cipher)
        let (source, token) = try await store.addSource(county: Self.county, kind: "wcf", name: "WeChatFerry")
        let group = try await Self.wechatGroup(services)
        let receipt = "【受理回执】您反映的“三组自来水管爆裂”已受理，工单号 433125-2026-000777，将在3个工作日内答复。"
        try await services.outbox.enqueue(
            county: "433125", groupID: group.id, causeKey: "test-echo-\(UUID())", kind: .receipt, text: receipt)
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        let ts = Int(Date().timeIntervalSince1970) - 30
        try await app.test(.router) { client in
            func push(_ id: Int, _ sender: String, _ content: String) async throws -> HTTPResponse.Status {
                let body: [String: Any] = [
                    "id": id, "ts": ts, "sign": "", "type": 1, "xml": "<msgsource/>", "sender": sender, "roomid": group.externalID,
                    "content": content, "thumb": "", "extra": "", "is_at": false, "is_self": false, "is_group": true,
                ]
                return try await client.execute(
                    uri: "/ingest/wcf/\(source.id)", method: .post, headers: [.authorization: "Bearer \(token)"],
                    body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body))
                ).status
            }
            let echoed = try await push(901, "wxid_otherbot", "@田大姐\u{2005}" + receipt)
            let asked = try await push(902, "wxid_tian0412", "三组自来水管爆裂的事受理了吗？还在漏水")
            #expect(echoed == .ok && asked == .ok)
        }
        let rows = try await Self.newest(services, group: group.id, limit: 2)
        #expect(rows.map(\.echo) == [nil, "outbox_hash"])
    }

    @Test(
        "wechatbot-webhook: isMsgFromSelf and the login's account mark our own; @bot\\u{2005} is dropped; pictures and voice notes come as type=file and keep their kind and bytes",
        arguments: Backend.available)
    func wechatbot(backend: Backend) async throws {
        var config = try await DemoApp.makeConfig(backend)
        config.mediaMaxBytes = 8 * 1024
        let services = try await AppServices.open(config: config, migrate: true, logger: DemoApp.logger)
        defer { Task { await services.shutdown() } }
        _ = try await services.demoSeeder().seed()
        let store = IngestStore(database: services.database, cipher: services.cipher)
        let (source, token) = try await store.addSource(county: Self.county, kind: "wechatbot", name: "个人微信桥接")
        let group = try await Self.wechatGroup(services)
        let boundary = "--------------------------515890814546601021194782"
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        let imageMedia = try await app.test(.router) { client -> UUID in
            func push(_ bytes: [UInt8], boundary: String = boundary) async throws -> TestResponse {
                try await client.execute(
                    uri: "/ingest/wechatbot/\(source.id)?token=\(token)", method: .post,
                    headers: [.contentType: "multipart/form-data; boundary=\(boundary)"], body: ByteBuffer(bytes: bytes))
            }
            let values = ["{{GROUP}}": group.externalID]
            #expect(try await push(try Self.fixture("wechatbot-self.form", values)).status == .ok)
            let login = try Fixture.text("wechatbot-login.form")
            #expect(try await push(Array(login.utf8), boundary: "----WechatbotWebhookBoundary7MA4YWxkTrZu0gW").status == .ok)
            #expect(try await push(try Self.fixture("wechatbot-mention.form", values)).status == .ok)
            #expect(try await push(try Self.fixture("wechatbot-image.form", values)).status == .ok)
            #expect(try await push(try Self.fixture("wechatbot-voice.form", values)).status == .ok)
            // A video over the media limit: the message is kept, the bytes are not.
            let big = try Self.fixture("wechatbot-image.form", values)
            let head = Array(String(decoding: big, as: UTF8.self).components(separatedBy: "Content-Type: image/jpeg\r\n\r\n")[0].utf8)
            let video =
                head.map { $0 } + Array("Content-Type: video/mp4\r\n\r\n".utf8) + [0, 0, 0, 0x18] + Array("ftypmp42".utf8)
                + [UInt8](repeating: 7, count: 300 * 1024) + Array("\r\n--\(boundary)--\r\n".utf8)
            #expect(try await push(video).status == .ok)

            // Serving: only to those who may see the message; the type is the one sniffed from the bytes.
            let rows = try await Self.newest(services, group: group.id, limit: 5)
            let image = try #require(rows.first { $0.kind == "image" })
            let item = try #require(try await services.mediaStore.items(messages: [image.id]).first)
            let got = try await client.execute(
                uri: "/api/v1/media/\(item.id)", method: .get, headers: [.authorization: try await DemoApp.auth("shouli", services)])
            #expect(got.status == .ok && got.headers[.contentType] == "image/jpeg")
            #expect(got.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(MediaFiles.sha256(Array(buffer: got.body)) == item.sha256 && Array(buffer: got.body).prefix(3) == [0xFF, 0xD8, 0xFF])
            #expect(
                try await client.execute(
                    uri: "/api/v1/media/\(item.id)", method: .get, headers: [.authorization: try await DemoApp.auth("zhujian", services)]
                ).status == .notFound)
            #expect(try await client.execute(uri: "/api/v1/media/\(item.id)", method: .get).status == .unauthorized)
            #expect(
                try await client.execute(
                    uri: "/api/v1/media/\(UUID())", method: .get, headers: [.authorization: try await DemoApp.auth("shouli", services)]
                ).status == .notFound)
            #expect(
                try await client.execute(
                    uri: "/api/v1/media/x", method: .get, headers: [.authorization: try await DemoApp.auth("shouli", services)]
                ).status == .badRequest)
            return item.id
        }
        let rows = try await Self.newest(services, group: group.id, limit: 5).reversed().map { $0 }
        #expect(rows.map(\.kind) == ["text", "text", "image", "voice", "video"])
        #expect(rows[0].echo == "self_flag" && rows[0].senderID == "wxid_weiminbot")
        #expect(rows[1].echo == nil && rows[1].text == "村口桥的栏杆断了一截，小孩上学要过，麻烦派人来修")
        #expect(rows[2].text == "[图片]" && rows[3].text == "[语音]" && rows[4].text == "[视频]")
        #expect(try await store.source(id: source.id)?.0.selfIDs == ["wxid_weiminbot"])
        let media = try await services.mediaStore.items(messages: rows.map(\.id))
        #expect(media.map(\.status) == [.stored, .stored, .tooLarge])
        #expect(media.map(\.contentType) == ["image/jpeg", "audio/silk", nil])
        let jpeg = try #require(media.first)
        #expect(jpeg.id == imageMedia && jpeg.fileName == "3f5ac25836d60fe4b43a83ab90b7c245.jpg")
        let jpegDigest = try #require(jpeg.sha256)
        let path = try #require(services.mediaFiles.path(jpegDigest))
        #expect(path.hasPrefix(config.dir + "/media/") && FileManager.default.fileExists(atPath: path))
        #expect(MediaFiles.sha256(try #require(services.mediaFiles.read(jpeg.sha256!))) == jpeg.sha256)
    }

    @Test(
        "WeCom change_external_chat: two changes in the same second (FromUserName is always sys) are two events, and both members join",
        arguments: Backend.available)
    func rosterChanges(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let store = IngestStore(database: services.database, cipher: services.cipher)
        let key = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt", corp = "ww1436e0e65a779aee", token = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
        let (source, _) = try await store.addSource(
            county: Self.county, kind: "wecom_app", name: "企业微信应用",
            secrets: ["token": token, "encoding_aes_key": key, "corp_id": corp])
        let group = try #require(
            try await services.groups.groups(within: Self.county, page: 1, perPage: 100).items.first { $0.platform == .wecom })
        let crypto = try WeComCrypto(token: token, encodingAESKey: key, receiveID: corp)
        let t = Int(Date().timeIntervalSince1970) - 10
        // The event as WeCom documents it (客户群变更事件), with the member-list versions before and after.
        @Sendable func event(_ members: [String], last: String, current: String) -> String {
            "<xml><ToUserName><![CDATA[\(corp)]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>\(t)</CreateTime>"
                + "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[\(group.externalID)]]></ChatId>"
                + "<ChangeType><![CDATA[update]]></ChangeType><UpdateDetail><![CDATA[add_member]]></UpdateDetail><JoinScene>3</JoinScene>"
                + "<QuitScene>0</QuitScene><MemChangeCnt>\(members.count)</MemChangeCnt><MemChangeList>"
                + members.map { "<Item><![CDATA[\($0)]]></Item>" }.joined()
                + "</MemChangeList><LastMemVer><![CDATA[\(last)]]></LastMemVer><CurMemVer><![CDATA[\(current)]]></CurMemVer></xml>"
        }
        let before = try await services.messages.count()
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            func post(_ xml: String) async throws -> HTTPResponse.Status {
                let encrypted = try crypto.encrypt(xml)
                let sig = crypto.signature(timestamp: "1700000000", nonce: "7", encrypted: encrypted)
                return try await client.execute(
                    uri: "/ingest/wecom/\(source.id)?msg_signature=\(sig)&timestamp=1700000000&nonce=7", method: .post,
                    body: ByteBuffer(string: "<xml><Encrypt><![CDATA[\(encrypted)]]></Encrypt></xml>")
                ).status
            }
            let first = event(["wmTianDaJie0412"], last: "9c3f97c2ada667dfb5f6d03308d963e1", current: "71217227bbd112ecfe3a49c482195cb4")
            let one = try await post(first)
            let two = try await post(
                event(["wmLongDaGe3021"], last: "71217227bbd112ecfe3a49c482195cb4", current: "0d8c2a4cf1b7e5a913d0c7e6b2f41a77"))
            let retry = try await post(first)  // WeCom's retry of the first
            #expect(one == .ok && two == .ok && retry == .ok)
        }
        #expect(try await services.messages.count() == before + 2)
        let roster = try await services.groups.members(of: group.id).map(\.platformUserID)
        #expect(roster.contains("wmTianDaJie0412") && roster.contains("wmLongDaGe3021"))
    }

    @Test(
        "MemoTrace: a TXT export of the history already imported from its CSV adds nothing — system lines, quotes and share cards read as the CSV does"
    )
    func memoTrace() throws {
        let csv = try ChatExport.parseCSV(Fixture.text("memotrace-full.csv"))
        let txt = ChatExport.parseTXT(try Fixture.text("memotrace-full.txt"), utcOffset: 8 * 3600)
        #expect(csv.skipped.isEmpty && txt.skipped.isEmpty, "\(csv.skipped) \(txt.skipped)")
        #expect(txt.items.count == 10 && csv.items.count == 10)
        #expect(Set(txt.items.map(\.key)) == Set(csv.items.map(\.key)))
        #expect(txt.items.map(\.kind) == [.text, .system, .text, .image, .text, .quote, .link, .system, .voice, .text])
        let system = txt.items[1]
        #expect(system.text == "\"彭书记\"邀请\"石老师\"加入了群聊" && system.senderID == "system")
        #expect(txt.items[7].text == "\"向阿姨\" 撤回了一条消息")
        let quote = txt.items[5]
        #expect(quote.text == "我马上报给乡里" && quote.quotedKey == txt.items[4].key)
        #expect(txt.items[6].text == "保靖县2024年冬季森林防火通告")
    }
}

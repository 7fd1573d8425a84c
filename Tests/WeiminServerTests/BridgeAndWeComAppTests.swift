import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import NIOCore
import SQLKit
import Testing
import WeiminApp
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

enum Fixture {
    static func data(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return try Data(contentsOf: url)
    }

    /// A recorded payload with the demo group's platform id put in for the placeholder.
    static func text(_ name: String, group: String = "") throws -> String {
        String(decoding: try data(name), as: UTF8.self).replacingOccurrences(of: "{{GROUP}}", with: group)
    }
}

@Suite("WeCom app callback and personal-WeChat bridges")
struct BridgeAndWeComAppTests {
    static let county = RegionCode("433125")!
    static let vectorToken = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
    static let vectorKey = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
    static let vectorCorp = "ww1436e0e65a779aee"

    @Test("WeCom app: the official vectors, member changes update the roster once, bad input refused", arguments: Backend.available)
    func wecomApp(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let store = IngestStore(database: services.database, cipher: services.cipher)
        let (source, _) = try await store.addSource(
            county: Self.county, kind: "wecom_app", name: "企业微信应用",
            secrets: ["token": Self.vectorToken, "encoding_aes_key": Self.vectorKey, "corp_id": Self.vectorCorp])
        let group = try #require(
            try await services.groups.groups(within: Self.county, page: 1, perPage: 100).items.first { $0.platform == .wecom })
        let crypto = try WeComCrypto(token: Self.vectorToken, encodingAESKey: Self.vectorKey, receiveID: Self.vectorCorp)
        let quarantinedBefore = try await store.quarantineCount(county: Self.county)
        let messagesBefore = try await services.messages.count()
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            // Vector A, URL check: exactly the values from the official sample.
            let echo = "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="
            let esc = echo.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let check = try await client.execute(
                uri:
                    "/ingest/wecom/\(source.id)?msg_signature=012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb&timestamp=1476416373&nonce=47744683&echostr=\(esc)",
                method: .get)
            #expect(check.status == .ok)
            #expect(String(buffer: check.body) == "1288432023552776189")

            // Vector A, message: a text from ChenJiaShun to the app, twice (a retry).
            let encrypted =
                "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+"
            let envelope =
                "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName><Encrypt><![CDATA[\(encrypted)]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>"
            let uri =
                "/ingest/wecom/\(source.id)?msg_signature=0c3914025cb4b4d68103f6bfc8db550f79dcf48e&timestamp=1476422779&nonce=1597212914"
            for _ in 0..<2 {
                let r = try await client.execute(
                    uri: uri, method: .post, headers: [.contentType: "text/xml"], body: ByteBuffer(string: envelope))
                #expect(r.status == .ok)
                #expect(r.body.readableBytes == 0)
            }
            #expect(
                try await client.execute(
                    uri: uri.replacingOccurrences(of: "nonce=1597212914", with: "nonce=1"), method: .post,
                    body: ByteBuffer(string: envelope)
                ).status == .unauthorized)
            #expect(try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: "<xml><Encrypt>")).status == .badRequest)
            #expect(
                try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: "<xml><ToUserName>x</ToUserName></xml>")).status
                    == .badRequest)

            // A ciphertext made for another corp is refused even with a valid signature.
            let other = try WeComCrypto(token: Self.vectorToken, encodingAESKey: Self.vectorKey, receiveID: "wwSomeoneElse")
            let foreign = try other.encrypt(
                "<xml><FromUserName>x</FromUserName><CreateTime>1700000000</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>9</MsgId></xml>"
            )
            #expect(try await post(client, crypto: other, encrypted: foreign, source: source.id).status == .badRequest)

            // Customer-group member changes: two join (delivered twice), then one leaves.
            let now = Int(Date().timeIntervalSince1970)
            func event(_ detail: String, _ members: [String], at t: Int) -> String {
                "<xml><ToUserName><![CDATA[\(Self.vectorCorp)]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>\(t)</CreateTime>"
                    + "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[\(group.externalID)]]></ChatId>"
                    + "<ChangeType><![CDATA[update]]></ChangeType><UpdateDetail><![CDATA[\(detail)]]></UpdateDetail><JoinScene>1</JoinScene>"
                    + "<MemChangeCnt>\(members.count)</MemChangeCnt><MemChangeList>"
                    + members.map { "<Item><![CDATA[\($0)]]></Item>" }.joined() + "</MemChangeList></xml>"
            }
            let join = try crypto.encrypt(event("add_member", ["wmNewVillagerA", "wmNewVillagerB"], at: now - 60))
            #expect(try await post(client, crypto: crypto, encrypted: join, source: source.id).status == .ok)
            #expect(try await post(client, crypto: crypto, encrypted: join, source: source.id).status == .ok)
            let leave = try crypto.encrypt(event("del_member", ["wmNewVillagerA"], at: now))
            #expect(try await post(client, crypto: crypto, encrypted: leave, source: source.id).status == .ok)
        }
        #expect(try await store.quarantineCount(county: Self.county) == quarantinedBefore + 1)
        let roster = try await services.groups.members(of: group.id).map(\.platformUserID)
        #expect(roster.contains("wmNewVillagerB"))
        #expect(!roster.contains("wmNewVillagerA"))
        // Two events stored (join once despite the retry, leave once), each as a readable line in the conversation.
        #expect(try await services.messages.count() == messagesBefore + 2)
        let events = try await services.messages.conversation(
            groupID: group.id, around: Date().addingTimeInterval(-3600), before: 0, after: 50
        ).filter { $0.kind == .event }
        #expect(events.map(\.text) == ["成员加入：wmNewVillagerA、wmNewVillagerB", "成员退出：wmNewVillagerA"])
    }

    func post(_ client: some TestClientProtocol, crypto: WeComCrypto, encrypted: String, source: UUID) async throws -> TestResponse {
        let sig = crypto.signature(timestamp: "1700000000", nonce: "5", encrypted: encrypted)
        return try await client.execute(
            uri: "/ingest/wecom/\(source)?msg_signature=\(sig)&timestamp=1700000000&nonce=5", method: .post,
            headers: [.contentType: "text/xml"],
            body: ByteBuffer(string: "<xml><Encrypt><![CDATA[\(encrypted)]]></Encrypt></xml>"))
    }

    @Test(
        "wechatbot-webhook: recorded multipart pushes stored once; private chats quarantined; status events ignored; bad tokens refused",
        arguments: Backend.available)
    func wechatbot(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let store = IngestStore(database: services.database, cipher: services.cipher)
        let (source, token) = try await store.addSource(county: Self.county, kind: "wechatbot", name: "个人微信桥接")
        let (otherSource, otherToken) = try await store.addSource(county: Self.county, kind: "wcf", name: "另一个桥接")
        let group = try #require(
            try await services.groups.groups(within: Self.county, page: 1, perPage: 100).items.first { $0.platform == .wechat })
        let messagesBefore = try await services.messages.count()
        let quarantinedBefore = try await store.quarantineCount(county: Self.county)
        let boundary = "----WechatbotWebhookBoundary7MA4YWxkTrZu0gW"
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            func push(_ fixture: String, uri: String? = nil, headers: HTTPFields = [:], contentType: String? = nil) async throws
                -> TestResponse
            {
                var h = headers
                h[.contentType] = contentType ?? "multipart/form-data; boundary=\(boundary)"
                return try await client.execute(
                    uri: uri ?? "/ingest/wechatbot/\(source.id)?token=\(token)", method: .post, headers: h,
                    body: ByteBuffer(string: try Fixture.text(fixture, group: group.externalID)))
            }
            // The bridge posting the same message twice at once. Sent together, not one after the other: on a starved
            // machine a first request can take longer than the 10-second repeat window, which is a different case.
            async let firstPush = push("wechatbot-text.form")
            async let repeatPush = push("wechatbot-text.form")
            let (first, repeated) = try await (firstPush, repeatPush)
            #expect(first.status == .ok)
            #expect(String(buffer: first.body) == #"{"success":true}"#)
            #expect(repeated.status == .ok)
            #expect(
                try await push("wechatbot-file.form", uri: "/ingest/wechatbot/\(source.id)", headers: [.authorization: "Bearer \(token)"])
                    .status == .ok)
            #expect(try await push("wechatbot-private.form").status == .ok)
            #expect(try await push("wechatbot-login.form").status == .ok)
            // Refused: no token, a wrong one, another source's token, a non-form body, a truncated form.
            #expect(try await push("wechatbot-text.form", uri: "/ingest/wechatbot/\(source.id)").status == .unauthorized)
            #expect(try await push("wechatbot-text.form", uri: "/ingest/wechatbot/\(source.id)?token=wms_wrong").status == .unauthorized)
            #expect(
                try await push("wechatbot-text.form", uri: "/ingest/wechatbot/\(source.id)?token=\(otherToken)").status == .unauthorized)
            #expect(
                try await push("wechatbot-text.form", uri: "/ingest/wechatbot/\(otherSource.id)?token=\(otherToken)").status
                    == .unauthorized)
            #expect(try await push("wechatbot-text.form", contentType: "application/json").status == .badRequest)
            let cut = String(try Fixture.text("wechatbot-text.form", group: group.externalID).prefix(300))
            let truncated = try await client.execute(
                uri: "/ingest/wechatbot/\(source.id)?token=\(token)", method: .post,
                headers: [.contentType: "multipart/form-data; boundary=\(boundary)"], body: ByteBuffer(string: cut))
            #expect(truncated.status == .badRequest)
        }
        #expect(try await services.messages.count() == messagesBefore + 2)
        #expect(try await store.quarantineCount(county: Self.county) == quarantinedBefore + 1)
        let stored = try await services.messages.conversation(
            groupID: group.id, around: Date().addingTimeInterval(-60), before: 0, after: 10)
        #expect(
            stored.contains {
                $0.kind == .text && $0.text.hasPrefix("@为民小助手 三组的水管又爆了") && $0.senderName == "田大姐" && $0.senderID == "wxid_tian0412"
            })
        #expect(stored.contains { $0.kind == .file && $0.text == "[文件] 低保申请表.pdf" })
    }

    @Test("WeChatFerry: text, image and a quote linked to the quoted message; duplicates and junk", arguments: Backend.available)
    func wcf(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let store = IngestStore(database: services.database, cipher: services.cipher)
        let (source, token) = try await store.addSource(county: Self.county, kind: "wcf", name: "WeChatFerry")
        let group = try #require(
            try await services.groups.groups(within: Self.county, page: 1, perPage: 100).items.first { $0.platform == .wechat })
        let messagesBefore = try await services.messages.count()
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            func push(_ body: String) async throws -> HTTPResponse.Status {
                try await client.execute(
                    uri: "/ingest/wcf/\(source.id)", method: .post,
                    headers: [.contentType: "application/json", .authorization: "Bearer \(token)"],
                    body: ByteBuffer(string: body)
                ).status
            }
            for name in ["wcf-text.json", "wcf-text.json", "wcf-quote.json", "wcf-image.json"] {
                let status = try await push(try Fixture.text(name, group: group.externalID))
                #expect(status == .ok)
            }
            let junk = [
                "{\"id\": 1}",
                #"{"id":5,"ts":1732500000,"type":1,"sender":"wxid_a","roomid":"x@chatroom","content":"  ","is_group":true}"#,
                #"{"id":6,"ts":4102444800,"type":1,"sender":"wxid_a","roomid":"x@chatroom","content":"来自未来","is_group":true}"#,
            ]
            for body in junk {
                let status = try await push(body)
                #expect(status == .badRequest)
            }
        }
        #expect(try await services.messages.count() == messagesBefore + 3)
        let rows = try await services.messages.conversation(
            groupID: group.id, around: Date(timeIntervalSince1970: 1_732_499_000), before: 0, after: 10)
        let text = try #require(rows.first { $0.platformMessageID == "7481650423819573401" })
        let quote = try #require(rows.first { $0.platformMessageID == "7481650423819573999" })
        #expect(text.text == "村里那段通组公路塌方了一半，摩托车都过不去")
        #expect(quote.kind == .quote && quote.text == "已经报给乡里交通站了，明天来人看")
        #expect(quote.quotedPlatformID == "7481650423819573401")
        #expect(quote.quoteOf == text.id)
        #expect(rows.contains { $0.platformMessageID == "7481650423819574100" && $0.kind == .image && $0.text == "[图片]" })
    }

    @Test(
        "Importing a MemoTrace CSV, again, and an overlapping TXT export: nothing doubled, bad rows explained", arguments: Backend.available
    )
    func importExports(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let store = IngestStore(database: services.database, cipher: services.cipher)
        let village = try #require(RegionCode("433125111201"))
        let (groupID, _) = try await store.registerGroup(
            platform: .wechat, externalID: "45612345@chatroom", name: "大白岩村二组群", village: village)
        let target = try #require(try await store.group(reference: "45612345@chatroom", platform: .wechat))
        #expect(target.id == groupID)
        let importer = ImportHistory(messages: MessageStore(database: services.database))
        let csv = try ChatExport.parseCSV(Fixture.text("memotrace.csv"))
        let first = try await importer.run(csv, groupID: groupID, county: target.county, platform: .wechat)
        #expect((first.read, first.new, first.duplicate, first.skipped.count) == (11, 10, 0, 1))
        #expect(first.skipped.first?.reason.contains("CreateTime") == true)
        let again = try await importer.run(
            try ChatExport.parseCSV(Fixture.text("memotrace.csv")), groupID: groupID, county: target.county, platform: .wechat)
        #expect((again.new, again.duplicate) == (0, 10))
        let txt = ChatExport.parseTXT(try Fixture.text("memotrace.txt"), utcOffset: 8 * 3600)
        let overlap = try await importer.run(txt, groupID: groupID, county: target.county, platform: .wechat)
        #expect((overlap.read, overlap.new, overlap.duplicate) == (5, 1, 4))
        let rows = try await services.messages.conversation(
            groupID: groupID, around: Date(timeIntervalSince1970: 1_732_400_000), before: 0, after: 50)
        #expect(rows.count == 11)
        let slope = try #require(rows.first { $0.text.hasPrefix("你们看这个坡") })
        #expect(rows.first { $0.kind == .quote }?.quoteOf == slope.id)
        #expect(rows.map(\.kind).filter { $0 != .text } == [.image, .quote, .voice, .sticker, .system])
    }
}

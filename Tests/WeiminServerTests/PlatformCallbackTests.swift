import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import NIOCore
import Testing
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

@Suite("Platform callbacks")
struct PlatformCallbackTests {
    @Test(
        "DingTalk @robot callback: signed messages stored once; bad signatures, stale timestamps and junk refused",
        arguments: Backend.available)
    func dingTalk(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let (source, _) = try await IngestStore(database: services.database, cipher: services.cipher)
            .addSource(county: RegionCode("433125")!, kind: "dingtalk", name: "钉钉机器人", secrets: ["app_secret": "appsecret123"])
        let group = try #require(
            try await services.groups.groups(within: RegionCode("433125")!, page: 1, perPage: 100).items.first { $0.platform == .dingtalk })
        let before = try await services.messages.count()
        let sourceID = source.id
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            func post(ts: Int64, sign: String?, body: String, to other: UUID? = nil) async throws -> HTTPResponse.Status {
                let id = other ?? sourceID
                var h: HTTPFields = [.contentType: "application/json", HTTPField.Name("timestamp")!: String(ts)]
                if let sign { h[HTTPField.Name("sign")!] = sign }
                return try await client.execute(uri: "/ingest/dingtalk/\(id)", method: .post, headers: h, body: ByteBuffer(string: body))
                    .status
            }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let body =
                #"{"conversationId":"\#(group.externalID)","conversationType":"2","conversationTitle":"\#(group.name)","senderId":"$:LWCP_v1:$abc","senderStaffId":"staff01","senderNick":"田大姐","isInAtList":true,"msgId":"msgDing1","createAt":\#(now),"msgtype":"text","text":{"content":" 村口的路灯坏了 "}}"#
            let sign = PlatformSignature.dingTalk(timestampMillis: now, secret: "appsecret123")
            let status1 = try await post(ts: now, sign: sign, body: body)
            #expect(status1 == .ok)
            let status2 = try await post(ts: now, sign: sign, body: body)
            #expect(status2 == .ok)  // DingTalk retries: still one row
            let status3 = try await post(ts: now, sign: "AAAA" + sign.dropFirst(4), body: body)
            #expect(status3 == .unauthorized)
            let status4 = try await post(ts: now, sign: nil, body: body)
            #expect(status4 == .unauthorized)
            let stale = now - 2 * 3600 * 1000
            let status5 = try await post(
                ts: stale, sign: PlatformSignature.dingTalk(timestampMillis: stale, secret: "appsecret123"), body: body)
            #expect(status5 == .unauthorized)
            let status6 = try await post(ts: now, sign: sign, body: "{not json")
            #expect(status6 == .badRequest)
            let status7 = try await post(ts: now, sign: sign, body: body, to: UUID())
            #expect(status7 == .unauthorized)
        }
        #expect(try await services.messages.count() == before + 1)
        let stored = try await services.messages.conversation(
            groupID: group.id, around: Date().addingTimeInterval(-60), before: 0, after: 5)
        #expect(stored.contains { $0.text == "村口的路灯坏了" && $0.senderName == "田大姐" })
    }

    @Test("WeCom smart robot: URL check and an encrypted group message", arguments: Backend.available)
    func wecomRobot(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let token = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
        let key = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
        let (source, _) = try await IngestStore(database: services.database, cipher: services.cipher)
            .addSource(
                county: RegionCode("433125")!, kind: "wecom_robot", name: "企微机器人", secrets: ["token": token, "encoding_aes_key": key])
        let group = try #require(
            try await services.groups.groups(within: RegionCode("433125")!, page: 1, perPage: 100).items.first { $0.platform == .wecom })
        let crypto = try WeComCrypto(token: token, encodingAESKey: key, receiveID: "")
        let before = try await services.messages.count()
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            let echo = try crypto.encrypt("1288432023552776189")
            let esc = echo.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let sig = crypto.signature(timestamp: "1700000000", nonce: "42", encrypted: echo)
            let check = try await client.execute(
                uri: "/ingest/wecom-robot/\(source.id)?msg_signature=\(sig)&timestamp=1700000000&nonce=42&echostr=\(esc)", method: .get)
            #expect(check.status == .ok)
            #expect(String(buffer: check.body) == "1288432023552776189")
            #expect(
                try await client.execute(
                    uri: "/ingest/wecom-robot/\(source.id)?msg_signature=0000&timestamp=1700000000&nonce=42&echostr=\(esc)", method: .get
                ).status == .unauthorized)

            let plain =
                #"{"msgid":"robot-1","aibotid":"bot1","chatid":"\#(group.externalID)","chattype":"group","from":{"userid":"zhangsan"},"response_url":"https://example.invalid","msgtype":"text","text":{"content":"@机器人 我们组停水了"}}"#
            let enc = try crypto.encrypt(plain)
            let s = crypto.signature(timestamp: "1700000001", nonce: "7", encrypted: enc)
            let body = ByteBuffer(string: #"{"encrypt":"\#(enc)"}"#)
            let uri = "/ingest/wecom-robot/\(source.id)?msg_signature=\(s)&timestamp=1700000001&nonce=7"
            #expect(
                try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/json"], body: body).status == .ok)
            #expect(
                try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/json"], body: body).status == .ok)
            #expect(
                try await client.execute(
                    uri: uri.replacingOccurrences(of: "nonce=7", with: "nonce=8"), method: .post,
                    headers: [.contentType: "application/json"], body: body
                ).status == .unauthorized)
            #expect(
                try await client.execute(
                    uri: uri, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "[]")
                ).status == .badRequest)
        }
        #expect(try await services.messages.count() == before + 1)
    }
}

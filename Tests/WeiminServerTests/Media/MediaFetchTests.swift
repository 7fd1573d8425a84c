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

/// Issue 18, section 2: media that the platforms keep for Weimin to fetch, through loopback fakes of their APIs.
@Suite("Media kept: platform downloads after the acknowledgement, WeChatFerry files, retention")
struct MediaFetchTests {
    static let county = RegionCode("433125")!
    static let jpeg: [UInt8] =
        [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01] + [UInt8](repeating: 0x42, count: 200) + [0xFF, 0xD9]
    static let amr: [UInt8] = Array("#!AMR\n".utf8) + [UInt8](repeating: 0x3C, count: 100)

    static func message(_ services: AppServices, platformID: String) async throws -> (id: Int, kind: String, text: String)? {
        try await services.database.sql.raw("SELECT id, kind, text FROM messages WHERE platform_message_id = \(bind: platformID)").first()
            .map {
                (
                    try $0.decode(column: "id", as: Int.self), try $0.decode(column: "kind", as: String.self),
                    try $0.decode(column: "text", as: String.self)
                )
            }
    }

    @Test(
        "DingTalk rich text and picture, the WeCom robot's mixed message, the WeCom app's image: the words are triaged text, the media is fetched after the 200",
        arguments: Backend.available)
    func platformMedia(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let fake = FakePlatformAPIs()
        let store = IngestStore(database: services.database, cipher: services.cipher)
        let village = try #require(RegionCode("433125111201"))
        try await store.registerGroup(platform: .dingtalk, externalID: "cidDaBaiYan433125==", name: "大白岩村钉钉群", village: village)
        let wecomGroup = try #require(
            try await services.groups.groups(within: Self.county, page: 1, perPage: 100).items.first { $0.platform == .wecom })
        let robotKey = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt", robotToken = "robot-token-433125"
        let (ding, _) = try await store.addSource(
            county: Self.county, kind: "dingtalk", name: "钉钉", secrets: ["app_secret": "dsecret-433125"])
        let (robot, _) = try await store.addSource(
            county: Self.county, kind: "wecom_robot", name: "智能机器人",
            secrets: ["token": robotToken, "encoding_aes_key": robotKey])
        let appKey = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", corp = "ww1436e0e65a779aee"
        let (wecomApp, _) = try await store.addSource(
            county: Self.county, kind: "wecom_app", name: "企业微信应用",
            secrets: ["token": "apptoken", "encoding_aes_key": appKey, "corp_id": corp, "secret": "corp-secret-433125"])
        fake.allowDingTalk(appKey: "dingr0b0tk3y433125", secret: "dsecret-433125")
        fake.addDingTalkFile(code: "dl-c0de-1", robot: "dingr0b0tk3y433125", bytes: Self.jpeg)
        fake.addDingTalkFile(code: "dl-c0de-3", robot: "dingr0b0tk3y433125", bytes: Self.amr)
        fake.allowWeCom(corp: corp, secret: "corp-secret-433125")
        fake.addWeComMedia("1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0", name: "bridge.jpg", type: "image/jpeg", bytes: Self.jpeg)
        fake.addRobotMedia("bridge.jpg", plain: Self.jpeg, encodingAESKey: robotKey)

        let fakeApp = Application(
            router: fake.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await fakeApp.test(.live) { fakeClient in
            let base = "http://127.0.0.1:\(try #require(fakeClient.port))"
            var config = services.config
            config.weComAPI = base
            config.dingTalkAPI = base
            let media = MediaService(services: services, interval: .seconds(1), fetcher: MediaFetcher(config: config), photos: .off)
            let app = Application(
                router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                logger: DemoApp.logger)
            let created = Int64(Date().timeIntervalSince1970 * 1000) - 60_000
            try await app.test(.router) { client in
                func dingTalk(_ name: String) async throws -> HTTPResponse.Status {
                    let ts = Int64(Date().timeIntervalSince1970 * 1000)
                    let body = try Fixture.text(name, group: "cidDaBaiYan433125==").replacingOccurrences(
                        of: "{{CREATED}}", with: "\(created)")
                    return try await client.execute(
                        uri: "/ingest/dingtalk/\(ding.id)", method: .post,
                        headers: [
                            .contentType: "application/json", HTTPField.Name("timestamp")!: "\(ts)",
                            HTTPField.Name("sign")!: PlatformSignature.dingTalk(timestampMillis: ts, secret: "dsecret-433125"),
                        ],
                        body: ByteBuffer(string: body)
                    ).status
                }
                let rich = try await dingTalk("dingtalk-richtext.json")
                let picture = try await dingTalk("dingtalk-picture.json")
                let audio = try await dingTalk("dingtalk-audio.json")
                #expect(rich == .ok && picture == .ok && audio == .ok)

                let robotCrypto = try WeComCrypto(token: robotToken, encodingAESKey: robotKey, receiveID: "")
                let plain = try Fixture.text("wecom-robot-mixed.json", group: wecomGroup.externalID).replacingOccurrences(
                    of: "{{MEDIA}}", with: base)
                let encrypted = try robotCrypto.encrypt(plain)
                let sig = robotCrypto.signature(timestamp: "1732500000", nonce: "42", encrypted: encrypted)
                let robotPush = try await client.execute(
                    uri: "/ingest/wecom-robot/\(robot.id)?msg_signature=\(sig)&timestamp=1732500000&nonce=42", method: .post,
                    headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"encrypt":"\#(encrypted)"}"#))
                #expect(robotPush.status == .ok)

                let appCrypto = try WeComCrypto(token: "apptoken", encodingAESKey: appKey, receiveID: corp)
                for (mediaID, msgID) in [
                    ("1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0", "7481650423819576001"), ("no-such-media", "7481650423819576002"),
                ] {
                    let xml = try Fixture.text("wecom-app-image.xml").replacingOccurrences(of: "{{CREATED}}", with: "\(created / 1000)")
                        .replacingOccurrences(of: "{{MEDIA_ID}}", with: mediaID).replacingOccurrences(
                            of: "7481650423819576001", with: msgID)
                    let enc = try appCrypto.encrypt(xml)
                    let s = appCrypto.signature(timestamp: "1732500000", nonce: "43", encrypted: enc)
                    #expect(
                        try await client.execute(
                            uri: "/ingest/wecom/\(wecomApp.id)?msg_signature=\(s)&timestamp=1732500000&nonce=43", method: .post,
                            body: ByteBuffer(string: "<xml><Encrypt><![CDATA[\(enc)]]></Encrypt></xml>")
                        ).status == .ok)
                }
            }
            // Acknowledged, stored, nothing fetched yet: the platforms' APIs were not called on the ingest path.
            #expect(fake.requests.isEmpty)
            let rich = try #require(try await Self.message(services, platformID: "msgRichT3xt01=="))
            #expect(rich.kind == "text" && rich.text == "村口桥的栏杆断了一截，小孩上学要过\n麻烦尽快派人来修")
            #expect(try await Self.message(services, platformID: "msgP1cture01==")?.kind == "image")
            #expect(try await Self.message(services, platformID: "msgAud10001==")?.text == "[语音] 钉钉转写：三组的水管又爆了")
            let mixed = try #require(try await Self.message(services, platformID: "CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI="))
            #expect(mixed.kind == "text" && mixed.text == "@为民助手 村口桥的栏杆断了一截\n小孩上学要过，麻烦尽快来修")
            #expect(try await services.mediaStore.counts()[.pending] == 6)

            // The WeCom app's token is revoked between two fetches: a fresh one is taken, once.
            let first = try await media.runOnce(limit: 5)
            fake.revokeWeComTokens()
            let rest = try await media.runOnce(limit: 10)
            #expect(first.stored + rest.stored == 4, "\(first) \(rest)")
            // The picture DingTalk has no file for and the unknown WeCom media id fail for good, with the platform's words.
            #expect(first.failed + rest.failed == 2, "\(first) \(rest)")
            let counts = try await services.mediaStore.counts()
            #expect(counts[.stored] == 4 && counts[.failed] == 2)
            let richItem = try #require(try await services.mediaStore.items(messages: [rich.id]).first)
            #expect(
                richItem.status == .stored && richItem.contentType == "image/jpeg"
                    && services.mediaFiles.read(richItem.sha256!) == Self.jpeg)
            let mixedItem = try #require(try await services.mediaStore.items(messages: [mixed.id]).first)
            #expect(
                mixedItem.status == .stored && services.mediaFiles.read(mixedItem.sha256!) == Self.jpeg, "decrypted with the robot's key")
            let voice = try #require(try await Self.message(services, platformID: "msgAud10001=="))
            #expect(try await services.mediaStore.items(messages: [voice.id]).first?.contentType == "audio/amr")
            // The app's messages are one-to-one, so they wait in quarantine; their media waited with them and joins the
            // message when the sender's "group" is registered.
            #expect(try await Self.message(services, platformID: "7481650423819576001") == nil)
            try await store.registerGroup(platform: .wecom, externalID: "single:PengDeSheng", name: "彭德胜（应用消息）", village: village)
            let attached = try #require(try await Self.message(services, platformID: "7481650423819576001"))
            #expect(try await services.mediaStore.items(messages: [attached.id]).map(\.status) == [.stored])
            let failures = try await services.database.sql.raw("SELECT failure FROM media WHERE status = 'failed' ORDER BY failure").all()
                .map { try $0.decode(column: "failure", as: String.self) }
            #expect(failures.contains { $0.contains("40007") }, "\(failures)")
            #expect(failures.contains { $0.contains("invalidParameter.downloadCode") }, "\(failures)")
            #expect(!failures.joined().contains("corp-secret") && !failures.joined().contains("dsecret"), "secrets never in a reason")
            #expect(fake.requests.filter { $0.hasSuffix("/cgi-bin/gettoken") }.count == 2)
            #expect(try await media.runOnce() == MediaService.Pass())
        }
    }

    @Test(
        "WeChatFerry's picture through the shared WeChat Files folder: the .dat is decoded and kept; without the folder it is recorded as unavailable",
        arguments: Backend.available)
    func wcfFiles(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let store = IngestStore(database: services.database, cipher: services.cipher)
        let (source, token) = try await store.addSource(county: Self.county, kind: "wcf", name: "WeChatFerry")
        let group = try #require(
            try await services.groups.groups(within: Self.county, page: 1, perPage: 100).items.first { $0.platform == .wechat })
        let shared = FileManager.default.temporaryDirectory.appendingPathComponent("wechat-files-\(UUID().uuidString)").path
        let folder = shared + "/wxid_weiminbot/FileStorage/MsgAttach/9e4f/Image/2024-11"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(Self.jpeg.map { $0 ^ 0x37 }).write(to: URL(fileURLWithPath: folder + "/0a1b2c3d.dat"))
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            for id in ["7481650423819575003", "7481650423819575013"] {
                let body = try Fixture.text("wcf-image-path.json", group: group.externalID).replacingOccurrences(
                    of: "7481650423819575003", with: id)
                #expect(
                    try await client.execute(uri: "/ingest/wcf/\(source.id)?token=\(token)", method: .post, body: ByteBuffer(string: body))
                        .status == .ok)
            }
        }
        var config = services.config
        config.wcfFilesDir = shared
        let withFolder = MediaService(services: services, interval: .seconds(1), fetcher: MediaFetcher(config: config), photos: .off)
        #expect(try await withFolder.runOnce(limit: 1).stored == 1)
        let without = MediaService(services: services, interval: .seconds(1), fetcher: MediaFetcher(config: services.config), photos: .off)
        #expect(try await without.runOnce().failed == 1)
        let first = try #require(try await Self.message(services, platformID: "7481650423819575003"))
        let second = try #require(try await Self.message(services, platformID: "7481650423819575013"))
        let kept = try #require(try await services.mediaStore.items(messages: [first.id]).first)
        #expect(kept.status == .stored && kept.contentType == "image/jpeg" && services.mediaFiles.read(kept.sha256!) == Self.jpeg)
        let missing = try #require(try await services.mediaStore.items(messages: [second.id]).first)
        #expect(missing.status == .unavailable && missing.failure?.contains("media.wcf_dir") == true)
        // A path that climbs out of the shared folder is never read.
        #expect(MediaFetcher.localPath("C:\\WeChat Files\\..\\..\\etc\\passwd", root: shared) == nil)
        #expect(MediaFetcher.localPath("C:\\Windows\\win.ini", root: shared) == nil)
    }

    @Test(
        "retention erases a case's media with its messages, and the file once no other item uses the same bytes",
        arguments: Backend.available)
    func retention(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let group = try #require(
            try await services.groups.groups(within: Self.county, page: 1, perPage: 100).items.first { $0.platform == .wechat })
        let digest = try services.mediaFiles.put(Self.jpeg)
        let other = try services.mediaFiles.put(Self.amr)
        func say(_ id: String, bytes digest: String, size: Int, type: String) async throws -> Int {
            let r = try await services.messages.append([
                IncomingMessage(
                    groupID: group.id, countyCode: Self.county, platform: .wechat, platformMessageID: id, senderID: "wxid_long3021",
                    senderName: "龙大哥",
                    kind: .image, text: "[图片]", sentAt: Date().addingTimeInterval(-3600),
                    media: [IncomingMedia(ordinal: 0, kind: .image, status: .stored, sha256: digest, size: size, contentType: type)])
            ])
            guard case .stored(let m) = r[0] else { throw PersistenceError.invalid("not stored") }
            return m
        }
        let inCase = try await say("ret-1", bytes: digest, size: Self.jpeg.count, type: "image/jpeg")
        let elsewhere = try await say("ret-2", bytes: digest, size: Self.jpeg.count, type: "image/jpeg")
        let alone = try await say("ret-3", bytes: other, size: Self.amr.count, type: "audio/amr")
        let opened = try await services.caseStore.open(
            NewCase(
                county: Self.county, township: group.villageCode.townshipCode, village: group.villageCode, groupID: group.id,
                category: .service,
                title: "桥栏杆断了", summary: "桥栏杆断了", messageIDs: [inCase, alone]), actor: .system, at: Date())
        try await services.retention.erase(RetentionStore.Due(id: opened.id, number: opened.number), note: { "erased \($0)" }, at: Date())
        let items = try await services.mediaStore.items(messages: [inCase, elsewhere, alone])
        #expect(items.map(\.status) == [.erased, .stored, .erased])
        #expect(try await services.mediaStore.sweepErased(files: services.mediaFiles) == 1)
        // The picture's bytes stay for the message outside the case; the voice note's are gone.
        #expect(services.mediaFiles.read(digest) == Self.jpeg)
        #expect(services.mediaFiles.read(other) == nil)
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            let gone = try await client.execute(
                uri: "/api/v1/media/\(items[0].id)", method: .get, headers: [.authorization: try await DemoApp.auth("shouli", services)])
            #expect(gone.status == .notFound && String(buffer: gone.body).contains("已按保存期限删除"))
            // The same bytes outside any case are still the county desk's to open.
            #expect(
                try await client.execute(
                    uri: "/api/v1/media/\(items[1].id)", method: .get, headers: [.authorization: try await DemoApp.auth("shouli", services)]
                ).status == .ok)
        }
    }
}

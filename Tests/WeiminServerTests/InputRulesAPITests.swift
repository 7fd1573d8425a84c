import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import NIOCore
import Testing
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

/// The input rules on every way in, over real HTTP on loopback, on SQLite and PostgreSQL.
@Suite("Input rules over HTTP")
struct InputRulesAPITests {
    static func message(
        id: String, text: String = "路灯坏了", sender: String = "彭德胜", groupName: String = "大白岩村村民群",
        sentAt: String = "2026-11-26T08:00:00Z"
    ) -> String {
        #"{"platform":"wechat","group_id":"433125111201@chatroom","group_name":"\#(groupName)","message_id":"\#(id)","sender_id":"wxid_a","sender_name":"\#(sender)","type":"text","text":"\#(text)","sent_at":"\#(sentAt)"}"#
    }

    static func errorMessage(_ r: TestResponse) -> String {
        (try? r.json()["error"] as? [String: Any])??["message"] as? String ?? r.text
    }

    static func app(_ services: AppServices) -> some ApplicationProtocol {
        Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
    }

    @Test(
        "batch API: NUL, over-long names and text, impossible dates refused naming item and field; earlier messages kept",
        arguments: Backend.available)
    func batch(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let (_, token) = try await IngestStore(database: services.database, cipher: services.cipher)
            .addSource(county: RegionCode("433125")!, kind: "generic", name: "输入规则")
        let before = try await services.messages.count()
        try await Self.app(services).test(.live) { client in
            func post(_ json: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/messages", method: .post,
                    headers: [.contentType: "application/json", .authorization: "Bearer \(token)"], body: ByteBuffer(string: json))
            }
            #expect(try await post(Self.message(id: "ok1")).status == .ok)
            let marks = String(repeating: "\u{301}", count: 100)
            let cases: [(String, [String])] = [
                (
                    #"{"messages":[\#(Self.message(id: "ok2")),\#(Self.message(id: "nul", text: #"路灯\u0000坏了"#))]}"#,
                    ["第 2 条", "text", "U+0000"]
                ),
                (Self.message(id: "esc", text: #"路灯\u001b[2J"#), ["text", "U+001B"]),
                (Self.message(id: "c1", sender: #"张\u0085三"#), ["sender_name", "U+0085"]),
                (Self.message(id: "name", sender: "a" + marks), ["sender_name", "100"]),
                (Self.message(id: "group", groupName: String(repeating: "群", count: 201)), ["group_name", "200"]),
                (Self.message(id: "long", text: "a" + String(repeating: "\u{301}", count: 20_000)), ["text", "20000"]),
                (Self.message(id: "feb30", sentAt: "2026-02-30T08:00:00Z"), ["sent_at"]),
                (Self.message(id: "future", sentAt: "99999999999999"), ["sent_at"]),
            ]
            for (json, words) in cases {
                let r = try await post(json)
                #expect(r.status == .badRequest, "\(json.prefix(120))")
                let m = Self.errorMessage(r)
                for w in words { #expect(m.contains(w), "\(m)") }
            }
        }
        // The first message stays; nothing of a refused batch is stored, not even its good item.
        #expect(try await services.messages.count() == before + 1)
    }

    @Test(
        "WeCom app and DingTalk: out-of-range CreateTime, over-long content, NUL refused with 400 and nothing stored",
        arguments: Backend.available)
    func platforms(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let store = IngestStore(database: services.database, cipher: services.cipher)
        let t = BridgeAndWeComAppTests.self
        let (wecom, _) = try await store.addSource(
            county: RegionCode("433125")!, kind: "wecom_app", name: "企业微信应用",
            secrets: ["token": t.vectorToken, "encoding_aes_key": t.vectorKey, "corp_id": t.vectorCorp])
        let (dingSource, _) = try await store.addSource(
            county: RegionCode("433125")!, kind: "dingtalk", name: "钉钉", secrets: ["app_secret": "s3cret"])
        let group = try #require(
            try await services.groups.groups(within: RegionCode("433125")!, page: 1, perPage: 100).items.first { $0.platform == .dingtalk })
        let crypto = try WeComCrypto(token: t.vectorToken, encodingAESKey: t.vectorKey, receiveID: t.vectorCorp)
        let before = try await services.messages.count() + (try await store.quarantineCount(county: RegionCode("433125")!))
        try await Self.app(services).test(.live) { client in
            func wecomText(created: Int64, content: String, id: Int) throws -> String {
                try crypto.encrypt(
                    "<xml><ToUserName><![CDATA[\(t.vectorCorp)]]></ToUserName><FromUserName><![CDATA[ZhangSan]]></FromUserName>"
                        + "<CreateTime>\(created)</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[\(content)]]></Content><MsgId>\(id)</MsgId></xml>"
                )
            }
            let now = Int64(Date().timeIntervalSince1970)
            for (created, content, word) in [
                (Int64(99_999_999_999), "路灯坏了", "发送时间"), (-99_999_999_999, "路灯坏了", "发送时间"),
                (now, String(repeating: "字", count: 21_000), "20000"), (now, "路灯\u{0}坏了", "U+0000"),
            ] {
                let encrypted = try wecomText(created: created, content: content, id: Int.random(in: 1...1_000_000))
                let r = try await BridgeAndWeComAppTests().post(client, crypto: crypto, encrypted: encrypted, source: wecom.id)
                #expect(r.status == .badRequest, "\(created)")
                #expect(Self.errorMessage(r).contains(word), "\(Self.errorMessage(r))")
            }

            func ding(_ body: String) async throws -> TestResponse {
                let ts = Int64(Date().timeIntervalSince1970 * 1000)
                let h: HTTPFields = [
                    .contentType: "application/json", HTTPField.Name("timestamp")!: String(ts),
                    HTTPField.Name("sign")!: PlatformSignature.dingTalk(timestampMillis: ts, secret: "s3cret"),
                ]
                return try await client.execute(
                    uri: "/ingest/dingtalk/\(dingSource.id)", method: .post, headers: h, body: ByteBuffer(string: body))
            }
            func dingBody(nick: String, text: String, id: String) -> String {
                #"{"conversationId":"\#(group.externalID)","conversationType":"2","conversationTitle":"\#(group.name)","senderId":"$:abc","senderNick":"\#(nick)","msgId":"\#(id)","createAt":\#(Int64(Date().timeIntervalSince1970 * 1000)),"msgtype":"text","text":{"content":"\#(text)"}}"#
            }
            let nul = try await ding(dingBody(nick: "田大姐", text: "路灯\\u0000坏了", id: "d1"))
            #expect(nul.status == .badRequest)
            #expect(Self.errorMessage(nul).contains("消息内容"))
            let longNick = try await ding(dingBody(nick: String(repeating: "田", count: 101), text: "路灯坏了", id: "d2"))
            #expect(longNick.status == .badRequest)
            #expect(Self.errorMessage(longNick).contains("发送者名称"))
            #expect(try await ding(dingBody(nick: "田大姐", text: "路灯坏了", id: "d3")).status == .ok)
        }
        #expect(try await services.messages.count() + (try await store.quarantineCount(county: RegionCode("433125")!)) == before + 1)
    }

    @Test("query parameters: NUL, non-numbers, impossible dates answered 400 naming the parameter", arguments: Backend.available)
    func queries(backend: Backend) async throws {
        let services = try await DemoApp.services(backend)
        let token = try await DemoApp.token("shouli", backend)
        try await Self.app(services).test(.live) { client in
            for (uri, word) in [
                ("/api/v1/cases?q=%00", "q"), ("/api/v1/cases?q=%E8%B7%AF%00%E7%81%AF", "U+0000"), ("/api/v1/hot-issues?days=abc", "days"),
                ("/api/v1/hot-issues?days=1e3", "days"), ("/api/v1/cases?page=-1", "page"), ("/api/v1/cases?per_page=1e9", "per_page"),
                ("/api/v1/cases?from=2026-02-30", "from"), ("/api/v1/cases?to=2026-02-30T00:00:00Z", "to"),
                ("/api/v1/groups?page=abc", "page"), ("/api/v1/cases?state=%00", "state"),
            ] {
                let r = try await client.get(uri, token: token)
                #expect(r.status == .badRequest, "\(uri)")
                #expect(Self.errorMessage(r).contains(word), "\(uri): \(Self.errorMessage(r))")
            }
            #expect(try await client.get("/api/v1/hot-issues?days=7", token: token).status == .ok)
            #expect(try await client.get("/api/v1/cases?from=2026-02-28&to=2026-03-01", token: token).status == .ok)
        }
    }

    @Test("a NUL in a console form field (the sign-in username) is 400, not a database error", arguments: Backend.available)
    func form(backend: Backend) async throws {
        let services = try await DemoApp.services(backend)
        try await Self.app(services).test(.live) { client in
            let r = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "username=shou%00li&password=x"))
            #expect(r.status == .badRequest)
            #expect(Self.errorMessage(r).contains("username"))
        }
    }

    @Test("a NUL in an API JSON body (sign-in, case action) is 400 naming the field; group names are limited", arguments: Backend.available)
    func jsonBodies(backend: Backend) async throws {
        let services = try await DemoApp.services(backend)
        let token = try await DemoApp.token("shouli", backend)
        try await Self.app(services).test(.live) { client in
            let signIn = try await client.execute(
                uri: "/api/v1/sessions", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"username":"shou\u0000li","password":"x"}"#))
            #expect(signIn.status == .badRequest)
            #expect(Self.errorMessage(signIn).contains("username"), "\(Self.errorMessage(signIn))")
            let list = try await client.get("/api/v1/cases?per_page=1", token: token)
            let number = try #require((try list.json()["items"] as? [[String: Any]])?.first?["number"] as? String)
            let act = try await client.execute(
                uri: "/api/v1/cases/\(number)/actions", method: .post,
                headers: [.contentType: "application/json", .authorization: "Bearer \(token)"],
                body: ByteBuffer(string: #"{"action":"accept","note":"已受理\u0000"}"#))
            #expect(act.status == .badRequest)
            #expect(Self.errorMessage(act).contains("note"), "\(Self.errorMessage(act))")
        }
        let store = IngestStore(database: services.database, cipher: services.cipher)
        await #expect(throws: PersistenceError.self) {
            try await store.registerGroup(
                platform: .wechat, externalID: "long-name@chatroom", name: String(repeating: "群", count: 201),
                village: RegionCode("433125100201")!)
        }
    }

    @Test("the console ledger's search form: two words sent as word1+word2 find the case; a NUL is 400", arguments: Backend.available)
    func consoleSearch(backend: Backend) async throws {
        let services = try await DemoApp.services(backend)
        let everything = CaseVisibility(regionPrefix: "433125", departmentID: nil, includeSealed: false, onlySealed: false)
        let sample = try #require(
            try await services.cases.cases(CaseQuery(perPage: 50), visibility: everything).items.first { $0.title.count >= 4 })
        let half = sample.title.count / 2
        let (a, b) = (String(sample.title.prefix(half)), String(sample.title.dropFirst(half)))
        let viewer = try #require(try await services.staff.user(named: "shouli"))
        let session = try await SignInStore(database: services.database, cipher: services.cipher, staff: services.staff)
            .startSession(for: viewer, secondFactorDone: true)
        let cookie: HTTPFields = [.cookie: "weimin_session=\(session.cookie)"]
        let uri =
            "/cases?state=\(sample.state.rawValue)&q="
            + [a, b].map { $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }.joined(separator: "+")
        try await Self.app(services).test(.live) { client in
            let found = try await client.execute(uri: uri, method: .get, headers: cookie)
            #expect(found.status == .ok)
            #expect(found.text.contains(sample.number.description), "q=\(a)+\(b)")
            #expect(try await client.execute(uri: "/cases?q=%00", method: .get, headers: cookie).status == .badRequest)
        }
    }

    @Test("search: % and _ match only themselves, + is a space, quotes are harmless", arguments: Backend.available)
    func search(backend: Backend) async throws {
        let services = try await DemoApp.services(backend)
        let token = try await DemoApp.token("shouli", backend)
        try await Self.app(services).test(.live) { client in
            func page(_ query: String) async throws -> (total: Int, texts: [String]) {
                let r = try await client.get("/api/v1/cases?per_page=200" + query, token: token)
                #expect(r.status == .ok, "\(query): \(r.text.prefix(200))")
                let json = try r.json()
                let items = json["items"] as? [[String: Any]] ?? []
                let texts = items.map { i in
                    ["number", "title", "summary"].compactMap { i[$0] as? String }.joined(separator: " ").lowercased()
                }
                return (json["total"] as? Int ?? -1, texts)
            }
            let all = try await page("")
            #expect(all.total > 0)
            for (q, literal) in [("%25", "%"), ("_", "_"), ("%5C", "\\"), ("%E8%B7%AF_%E7%81%AF", "路_灯"), ("100%25%25", "100%%")] {
                let found = try await page("&q=" + q)
                #expect(found.total < all.total, "q=\(q) matched everything")
                #expect(found.texts.allSatisfy { $0.contains(literal) }, "q=\(q)")
            }
            _ = try await page("&q=" + "路灯'坏".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)

            // Two words from a real title, sent as a form sends them: "word1+word2".
            let title = try #require(all.texts.first { $0.split(separator: " ").count >= 2 })
            let words = title.split(separator: " ").map(String.init)
            let a = String(words[1].prefix(2)), b = String(words[1].suffix(2))
            let encode = { (s: String) in s.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }
            let two = try await page("&q=\(encode(a))+\(encode(b))")
            #expect(two.total >= 1, "q=\(a)+\(b)")
            #expect(two.texts.allSatisfy { $0.contains(a) && $0.contains(b) })
        }
    }
}

import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

@Suite("Generic ingestion API")
struct IngestAPITests {
    /// A migrated database with the demo's regions and groups, private to the test.
    static func services(_ backend: Backend) async throws -> AppServices {
        try await DemoApp.make(backend)
    }

    static func body(_ json: String) -> ByteBuffer { ByteBuffer(string: json) }

    static func message(id: String, group: String = "433125111201@chatroom", text: String = "路灯坏了", sentAt: String = "2026-11-26T08:00:00Z")
        -> String
    {
        #"{"platform":"wechat","group_id":"\#(group)","group_name":"大白岩村村民群","message_id":"\#(id)","sender_id":"wxid_a","sender_name":"彭德胜","type":"text","text":"\#(text)","sent_at":"\#(sentAt)"}"#
    }

    @Test("tokens, validation, exactly-once storage and the quarantine", arguments: Backend.available)
    func ingest(backend: Backend) async throws {
        let services = try await Self.services(backend)
        defer { Task { await services.shutdown() } }
        let store = IngestStore(database: services.database, cipher: services.cipher)
        let (_, token) = try await store.addSource(county: RegionCode("433125")!, kind: "generic", name: "测试桥接")
        let before = try await services.messages.count()
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            func post(_ json: String, token: String?) async throws -> TestResponse {
                var h: HTTPFields = [.contentType: "application/json"]
                if let token { h[.authorization] = "Bearer \(token)" }
                return try await client.execute(uri: "/api/v1/messages", method: .post, headers: h, body: Self.body(json))
            }
            // Who may send.
            #expect(try await post(Self.message(id: "m1"), token: nil).status == .unauthorized)
            #expect(try await post(Self.message(id: "m1"), token: "wms_forged").status == .unauthorized)
            let staff = try await DemoApp.token("shouli", backend)
            #expect(try await post(Self.message(id: "m1"), token: staff).status == .unauthorized)

            // Bad input: explained, nothing stored.
            for (json, word) in [
                ("{not json", "JSON"), (Self.message(id: "m1", text: " "), "text"),
                (Self.message(id: "m1", sentAt: "2001-01-01T00:00:00Z"), "sent_at"),
                (#"{"messages":[]}"#, "空"),
                (#"{"platform":"qq","group_id":"g","message_id":"1","sender_id":"s","text":"x","sent_at":1764144000}"#, "platform"),
                (#"{"messages":[\#(Self.message(id: "ok")),\#(Self.message(id: "bad", text: ""))]}"#, "第 2 条"),
            ] {
                let r = try await post(json, token: token)
                #expect(r.status == .badRequest, "\(json)")
                let m = (try? r.json()["error"] as? [String: Any])??["message"] as? String ?? ""
                #expect(m.contains(word), "\(m)")
            }
            var bytes = [UInt8](Self.message(id: "utf").utf8)
            bytes.insert(0xFF, at: 10)
            #expect(
                try await client.execute(
                    uri: "/api/v1/messages", method: .post, headers: [.authorization: "Bearer \(token)"], body: ByteBuffer(bytes: bytes)
                ).status == .badRequest)
            let huge =
                #"{"messages":["#
                + Array(repeating: Self.message(id: "x", text: String(repeating: "长", count: 2000)), count: 800).joined(separator: ",")
                + "]}"
            #expect(try await post(huge, token: token).status == .contentTooLarge)
            #expect(try await services.messages.count() == before)

            // One message, then the same again and a batch mixing new, duplicate and unknown-group messages.
            var r = try await post(Self.message(id: "m1"), token: token)
            #expect(r.status == .ok)
            #expect(try r.json()["stored"] as? Int == 1)
            r = try await post(
                #"{"messages":[\#(Self.message(id: "m1")),\#(Self.message(id: "m2")),\#(Self.message(id: "q1", group: "unregistered@chatroom")),\#(Self.message(id: "q1", group: "unregistered@chatroom"))]}"#,
                token: token)
            let body = try r.json()
            #expect(body["stored"] as? Int == 1 && body["duplicates"] as? Int == 2 && body["quarantined"] as? Int == 1)
            #expect(try await services.messages.count() == before + 2)
            #expect(try await store.quarantineCount(county: RegionCode("433125")!) == 1)
        }
        // Registering the group attaches its quarantined message, once.
        let (_, attached) = try await store.registerGroup(
            platform: .wechat, externalID: "unregistered@chatroom", name: "新群", village: RegionCode("433125100201")!)
        #expect(attached == 1)
        #expect(
            try await store.registerGroup(
                platform: .wechat, externalID: "unregistered@chatroom", name: "新群", village: RegionCode("433125100201")!
            ).1 == 0)
        #expect(try await services.messages.count() == before + 3)
        #expect(try await store.quarantineCount(county: RegionCode("433125")!) == 0)
    }

    @Test("50 concurrent deliveries of one message over real HTTP leave exactly one row", arguments: Backend.available)
    func concurrentDeliveries(backend: Backend) async throws {
        let services = try await Self.services(backend)
        defer { Task { await services.shutdown() } }
        let (_, token) = try await IngestStore(database: services.database, cipher: services.cipher).addSource(
            county: RegionCode("433125")!, kind: "generic", name: "并发")
        let before = try await services.messages.count()
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        // Fifty connections at once (a URLSession allowed 50 per host): the deliveries really arrive at the same time.
        // Not the test framework's AHC client: its pool of 8 connections and fixed 15-s deadline time out the last
        // queued requests when the whole suite loads a 2-core machine, which is not what this test is about.
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let configuration = URLSessionConfiguration.ephemeral
            configuration.httpMaximumConnectionsPerHost = 50
            configuration.timeoutIntervalForRequest = 120
            let session = URLSession(configuration: configuration)
            let body = Data(Self.message(id: "same-\(backend)").utf8)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/messages")!)
                        request.httpMethod = "POST"
                        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                        request.httpBody = body
                        let (_, response) = try await session.data(for: request)
                        return (response as? HTTPURLResponse)?.statusCode ?? 0
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            session.finishTasksAndInvalidate()
            #expect(statuses.count == 50 && statuses.allSatisfy { $0 == 200 }, "\(statuses)")
        }
        #expect(try await services.messages.count() == before + 1)
    }
}

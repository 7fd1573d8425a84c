import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import NIOCore
import SQLKit
import Testing
import WeiminBench
import WeiminApp
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

@Suite("Notices: 公示 with objection windows, archive, rate limits")
struct NoticeTests {
    @Test(
        "a village 公示 goes to its group, objections in the window become linked disclosure cases, the archive says what went where",
        arguments: Backend.available)
    func disclosure(backend: Backend) async throws {
        let f = try await OutboxFixture(backend)
        defer { Task { await f.services.shutdown() } }
        try await f.clearOutbox()
        let village = RegionCode("433125111201")!
        let group = try #require(try await f.services.groups.groups(within: village, page: 1, perPage: 10).items.first)
        let app = Application(
            router: buildRouter(services: f.services), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: DemoApp.logger)
        try await f.withFakes { port in
            await f.fakes.allowWeCom("k-village")
            try await f.outbox.bindRobot(
                groupID: group.id, kind: .wecomRobot, endpoint: "http://127.0.0.1:\(port)/cgi-bin/webhook/send?key=k-village", secret: nil)
            let noticeID: UUID? = try await app.test(.router) { client -> UUID? in
                let secretary = try await DemoApp.auth("dabaiyan", f.services), handler = try await DemoApp.auth("jiaotong", f.services)
                func post(_ auth: String, _ json: String) async throws -> TestResponse {
                    try await client.execute(
                        uri: "/api/v1/notices", method: .post,
                        headers: [.authorization: auth, .contentType: "application/json"], body: ByteBuffer(string: json))
                }
                let body =
                    #"{"kind":"finance","title":"2026年第三季度村级财务收支公示","body":"修村道支出 82,000 元；低保评议会误工补贴 1,200 元。","attachments":[{"name":"收支明细表.xlsx"}],"disclosure":true,"objection_days":7,"all":true}"#
                #expect(try await post(handler, body).status == .forbidden)
                #expect(
                    try await post(secretary, body.replacingOccurrences(of: #""all":true"#, with: #""region":"433125100""#)).status
                        == .forbidden)
                #expect(try await post(secretary, body.replacingOccurrences(of: #""finance""#, with: #""gossip""#)).status == .badRequest)
                #expect(
                    try await post(secretary, body.replacingOccurrences(of: #""all":true"#, with: #""groups":[]"#)).status == .badRequest)
                let created = try await post(secretary, body)
                #expect(created.status == .created)
                let json = try JSONSerialization.jsonObject(with: Data(created.body.readableBytesView)) as? [String: Any]
                let notice = json?["notice"] as? [String: Any]
                #expect((notice?["deliveries"] as? [[String: Any]])?.count == 1)
                return (notice?["id"] as? String).flatMap(UUID.init(uuidString:))
            }
            let id = try #require(noticeID)
            // The route published at the wall clock's now; the fixture's clock catches up.
            f.clock.advance(60)
            try await f.drain()
            let sent = await f.fakes.messages(for: "wecom:k-village")
            #expect(sent.count == 1)
            // Notices go as markdown with the title as a bold heading.
            #expect(sent.first?.format == "markdown")
            #expect(sent.first?.text.hasPrefix("**【财务公开·公示】2026年第三季度村级财务收支公示**") == true)
            #expect(sent.first?.text.contains("公示期至") == true && sent.first?.text.contains("收支明细表.xlsx") == true)

            // In the window: one objection, one agreement. After the window: an objection that no longer counts.
            func say(_ text: String, at offset: TimeInterval) async throws {
                _ = try await f.services.messages.append([
                    IncomingMessage(
                        groupID: group.id, countyCode: OutboxFixture.county, platform: group.platform,
                        platformMessageID: "n-\(UUID().uuidString)",
                        senderID: "wxid_long3021", senderName: "龙大哥", text: text, sentAt: f.clock.now.addingTimeInterval(offset))
                ])
            }
            try await say("我对修村道 82000 元有异议，路才修了两百米", at: 3600)
            try await say("没有异议，支持", at: 7200)
            try await say("这个公示不合理", at: 8 * 86400)
            f.clock.advance(7.5 * 86400)
            let pass = try await f.satisfaction.processOnce()
            #expect(pass.objections.count == 1)
            let number = try #require(pass.objections.first)
            let objection = try #require(try await f.services.caseStore.find(number: number))
            #expect(objection.category == .disclosure && objection.title.contains("村级财务收支公示"))
            #expect(objection.villageCode == village)
            // Running again opens nothing new.
            #expect(try await f.satisfaction.processOnce().objections.isEmpty)
            let record = try #require(try await NoticeStore(database: f.services.database).record(id))
            #expect(record.deliveries.map(\.status) == ["delivered"])
            #expect(record.deliveries.first?.deliveredAt != nil)
            #expect(record.objections == [objection.number.description])
        }
    }

    @Test("22 notices to 100 groups: every robot gets 20 in the first minute and the rest after, none refused, none lost or doubled")
    func hundredGroups() async throws {
        let f = try await OutboxFixture(.sqlite)
        defer { Task { await f.services.shutdown() } }
        try await f.clearOutbox()
        let store = IngestStore(database: f.services.database, cipher: f.services.cipher)
        var groups = try await f.services.groups.groups(within: OutboxFixture.county, page: 1, perPage: 100).items.map(\.id)
        let villages = try await f.services.groups.groups(within: OutboxFixture.county, page: 1, perPage: 100).items.map(\.villageCode)
        var n = 0
        while groups.count < 100 {
            let (id, _) = try await store.registerGroup(
                platform: .wechat, externalID: "extra\(n)@chatroom", name: "扩展群\(n)", village: villages[n % villages.count])
            groups.append(id)
            n += 1
        }
        let admin = try await f.viewer("admin")
        let all = groups
        try await f.withFakes { port in
            for (i, g) in all.enumerated() {
                await f.fakes.allowWeCom("k\(i)")
                try await f.outbox.bindRobot(
                    groupID: g, kind: .wecomRobot, endpoint: "http://127.0.0.1:\(port)/cgi-bin/webhook/send?key=k\(i)", secret: nil)
            }
            for k in 0..<22 {
                _ = try await NoticeStore(database: f.services.database).publish(
                    NoticeDraft(kind: .policy, title: "政策宣传第\(k)期", body: "今年医保缴费截止到12月31日。", groupIDs: all), by: admin, at: f.clock.now)
            }
            var first = try await f.drain(passes: 40)
            #expect(first.delivered == 2000 && first.failed == 0)
            f.clock.advance(62)
            first = try await f.drain(passes: 40)
            #expect(first.delivered == 200)
            #expect(await f.fakes.refusedForRate == 0)
            let received = await f.fakes.received
            #expect(received.count == 2200)
            for i in [0, 37, 99] {
                #expect(
                    await f.fakes.messages(for: "wecom:k\(i)").map { $0.text.prefix(11) }
                        == (0..<22).map { "**【政策宣传】政策宣传第\($0)期".prefix(11) })
            }
            #expect(try await f.outbox.counts(county: "433125") == ["delivered": 2200])
        }
    }
}

@Suite("Message templates over the API")
struct TemplateAPITests {
    @Test("admins edit templates (checked), others may not; the edited text is what the next receipt says", arguments: Backend.available)
    func edit(backend: Backend) async throws {
        let f = try await OutboxFixture(backend)
        defer { Task { await f.services.shutdown() } }
        try await f.clearOutbox()
        let app = Application(
            router: buildRouter(services: f.services), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: DemoApp.logger)
        try await app.test(.router) { client in
            func put(_ user: String, _ kind: String, _ json: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/templates/\(kind)", method: .put,
                    headers: [.authorization: try await DemoApp.auth(user, f.services), .contentType: "application/json"],
                    body: ByteBuffer(string: json))
            }
            #expect(
                try await client.execute(
                    uri: "/api/v1/templates", method: .get, headers: [.authorization: try await DemoApp.auth("shouli", f.services)]
                ).status == .ok)
            #expect(
                try await client.execute(
                    uri: "/api/v1/templates", method: .get, headers: [.authorization: try await DemoApp.auth("jiaotong", f.services)]
                ).status == .forbidden)
            #expect(try await put("shouli", "receipt", #"{"text":"已受理 {case_number}"}"#).status == .forbidden)
            let typo = try await put("admin", "receipt", #"{"text":"已受理 {case_numbr}"}"#)
            #expect(typo.status == .badRequest)
            #expect(String(buffer: typo.body).contains("case_numbr"))
            #expect(try await put("admin", "gossip", #"{"text":"x"}"#).status == .notFound)
            #expect(try await put("admin", "receipt", #"{"text":"【收到】{mention}编号 {case_number}，{department}办理。"}"#).status == .ok)
        }
        let group = try await f.group(.wecom)
        let opened = try await f.openCase(in: group, text: "门口的水沟堵了")
        _ = try await f.services.caseStore.execute(
            .accept(note: "受理"), on: opened.number, by: try await f.viewer("shouli"), workflow: f.services.workflow, at: f.clock.now)
        let receipt = try #require(try await f.outbox.items(county: "433125").first { $0.kind == .receipt && $0.caseID == opened.id })
        #expect(receipt.text == "【收到】@田大姐 编号 \(opened.number)，县受理中心办理。")
        try await TemplateStore(database: f.services.database).set(.receipt, to: nil)
        #expect(try await TemplateStore(database: f.services.database).current() == MessageTemplates.defaults)
    }
}

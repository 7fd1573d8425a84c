import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing
import WeiminBench
import WeiminApp
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

/// A demo county with a fake robot server on loopback and a movable clock.
struct OutboxFixture {
    let services: AppServices
    let clock: TestClock
    let fakes: FakeRobots
    let outbox: OutboxStore
    let delivery: DeliveryService
    let satisfaction: SatisfactionService

    static let county = RegionCode("433125")!

    init(_ backend: Backend) async throws {
        services = try await DemoApp.make(backend)
        clock = TestClock()
        let c0 = clock
        fakes = FakeRobots(now: { c0.now })
        outbox = OutboxStore(database: services.database, cipher: services.cipher)
        let c = clock
        // A loopback send that takes over 5 s only happens on a starved machine (CI building beside the suite); a retry
        // then would change the counts these tests check, so these tests wait a minute, longer than the product (10 s).
        delivery = DeliveryService(services: services, client: RobotClient(timeout: 60), now: { c.now })
        satisfaction = SatisfactionService(services: services, now: { c.now })
    }

    /// Runs `body` with the fakes listening on a loopback port.
    func withFakes(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let app = Application(
            router: fakes.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.live) { client in try await body(try #require(client.port)) }
    }

    func group(_ platform: Platform, index: Int = 0) async throws -> ChatGroup {
        let all = try await services.groups.groups(within: Self.county, page: 1, perPage: 100).items.filter { $0.platform == platform }
        return all[index]
    }

    /// Forgets whatever the demo's own case history put in the outbox, so a test sees only its messages.
    func clearOutbox() async throws {
        try await (services.database.db as! any SQLDatabase).raw("DELETE FROM outbox").run()
    }

    /// Delivers until nothing more is due now.
    @discardableResult
    func drain(passes: Int = 10) async throws -> DeliveryService.Pass {
        var total = DeliveryService.Pass()
        for _ in 0..<passes {
            let p = try await delivery.deliverOnce()
            total.delivered += p.delivered
            total.retried += p.retried
            total.waited += p.waited
            total.failed += p.failed
            total.uncertain += p.uncertain
            total.unbound += p.unbound
            if p.claimed == 0 { break }
        }
        return total
    }

    func viewer(_ name: String) async throws -> Viewer {
        try #require(try await services.staff.authenticate(username: name, password: DemoApp.password))
    }

    /// A new case from a villager's message in the group, as intake would open it.
    func openCase(in group: ChatGroup, text: String, sender: String = "wxid_tian0412", name: String = "田大姐") async throws -> Case {
        let stored = try await services.messages.append([
            IncomingMessage(
                groupID: group.id, countyCode: Self.county, platform: group.platform, platformMessageID: "t-\(UUID().uuidString)",
                senderID: sender, senderName: name, text: text, sentAt: clock.now)
        ])
        guard case .stored(let id) = stored[0] else { throw PersistenceError.invalid("not stored") }
        return try await services.caseStore.open(
            NewCase(
                county: Self.county, township: group.villageCode.townshipCode, village: group.villageCode, groupID: group.id,
                category: .service,
                title: "路灯不亮", summary: text, messageIDs: [id]),
            actor: AuditActor(name: "system", role: "system"), at: clock.now, workflow: services.workflow)
    }
}

@Suite("Answering in the group: outbox, robots, satisfaction")
struct OutboxTests {
    @Test(
        "a case's whole life speaks in its group through each robot platform, in order, once",
        arguments: Backend.available, Robot.Kind.allCases)
    func wholeLife(backend: Backend, kind: Robot.Kind) async throws {
        let f = try await OutboxFixture(backend)
        defer { Task { await f.services.shutdown() } }
        try await f.clearOutbox()
        let platform: Platform = kind == .wecomRobot ? .wecom : (kind == .dingtalkRobot ? .dingtalk : .wechat)
        let group = try await f.group(platform, index: kind == .wcf ? 1 : 0)
        try await f.withFakes { port in
            let robotKey: String
            switch kind {
            case .wecomRobot:
                await f.fakes.allowWeCom("k-wecom")
                try await f.outbox.bindRobot(
                    groupID: group.id, kind: kind, endpoint: "http://127.0.0.1:\(port)/cgi-bin/webhook/send?key=k-wecom", secret: nil)
                robotKey = "wecom:k-wecom"
            case .dingtalkRobot:
                await f.fakes.allowDingTalk("t-ding", secret: "SECtest123")
                try await f.outbox.bindRobot(
                    groupID: group.id, kind: kind, endpoint: "http://127.0.0.1:\(port)/robot/send?access_token=t-ding", secret: "SECtest123"
                )
                robotKey = "dingtalk:t-ding"
            case .wechatbot:
                await f.fakes.allowWechatbot("bridge-token")
                try await f.outbox.bindRobot(
                    groupID: group.id, kind: kind, endpoint: "http://127.0.0.1:\(port)/", secret: "bridge-token", target: group.name)
                robotKey = "wechatbot:\(group.name)"
            case .wcf:
                try await f.outbox.bindRobot(
                    groupID: group.id, kind: kind, endpoint: "http://127.0.0.1:\(port)", secret: nil, target: group.externalID)
                robotKey = "wcf:\(group.externalID)"
            case .feishuBot:
                await f.fakes.allowFeishu("h-feishu", secret: "feishusecret")
                try await f.outbox.bindRobot(
                    groupID: group.id, kind: kind, endpoint: "http://127.0.0.1:\(port)/open-apis/bot/v2/hook/h-feishu",
                    secret: "feishusecret")
                robotKey = "feishu:h-feishu"
            }
            let shouli = try await f.viewer("shouli"), zhujian = try await f.viewer("zhujian")
            let zjj = try #require(try await f.services.departments.departments(county: OutboxFixture.county).first { $0.code == "zjj" })
            let opened = try await f.openCase(in: group, text: "村口路灯坏了三天了，晚上看不见")
            let w = f.services.workflow
            _ = try await f.services.caseStore.execute(.accept(note: "受理"), on: opened.number, by: shouli, workflow: w, at: f.clock.now)
            _ = try await f.services.caseStore.execute(
                .dispatch(lead: zjj.id, coHandlers: [], note: "请住建局处理"), on: opened.number, by: shouli, workflow: w, at: f.clock.now)
            _ = try await f.services.caseStore.execute(.start(note: "已派人"), on: opened.number, by: zhujian, workflow: w, at: f.clock.now)
            _ = try await f.services.caseStore.execute(
                .resolve(reply: "路灯已更换，今晚起恢复照明"), on: opened.number, by: zhujian, workflow: w, at: f.clock.now)
            let pass = try await f.drain()
            #expect(pass.delivered == 4 && pass.failed == 0)
            var got = await f.fakes.messages(for: robotKey)
            #expect(got.map { $0.text.prefix(6) } == ["【受理回执】", "【办理进展】", "【办结答复】", "【回访】@田"])
            #expect(got[0].text.contains(opened.number.description) && got[0].text.contains("@田大姐"))
            #expect(got[2].text.contains("路灯已更换"))
            if [.wecomRobot, .dingtalkRobot, .wcf].contains(kind) { #expect(got[0].mentions == ["wxid_tian0412"]) }
            // Delivering again sends nothing new.
            #expect(try await f.drain().delivered == 0)

            // The villager answers sloppily in the group: unsatisfied reopens the case, which says so.
            _ = try await f.services.messages.append([
                IncomingMessage(
                    groupID: group.id, countyCode: OutboxFixture.county, platform: group.platform,
                    platformMessageID: "reply-\(UUID().uuidString)",
                    senderID: "wxid_tian0412", senderName: "田大姐", text: "3 不满意！还是不亮", sentAt: f.clock.now.addingTimeInterval(60))
            ])
            f.clock.advance(120)
            let answers = try await f.satisfaction.processOnce()
            #expect(answers.reviewed[opened.number] == .unsatisfied)
            #expect(answers.reopened == [opened.number])
            let after = try #require(try await f.services.caseStore.find(number: opened.number))
            #expect(after.state == .dispatched)
            try await f.drain()
            got = await f.fakes.messages(for: robotKey)
            #expect(got.count == 5 && got[4].text.contains("重办"))
            // Processing again records nothing twice.
            #expect(try await f.satisfaction.processOnce() == SatisfactionService.Pass())
        }
    }

    @Test(
        "rate limits: 25 messages to one robot go 20 now and 5 a minute later; 45009 delays but never loses or doubles",
        arguments: Backend.available)
    func pacing(backend: Backend) async throws {
        let f = try await OutboxFixture(backend)
        defer { Task { await f.services.shutdown() } }
        try await f.clearOutbox()
        let group = try await f.group(.wecom)
        try await f.withFakes { port in
            await f.fakes.allowWeCom("k1")
            try await f.outbox.bindRobot(
                groupID: group.id, kind: .wecomRobot, endpoint: "http://127.0.0.1:\(port)/cgi-bin/webhook/send?key=k1", secret: nil)
            for n in 0..<25 {
                try await f.outbox.enqueue(
                    county: "433125", groupID: group.id, causeKey: "test:\(n)", kind: .progress, text: "第\(n)条", at: f.clock.now)
            }
            // The same cause again is not a new message.
            try await f.outbox.enqueue(
                county: "433125", groupID: group.id, causeKey: "test:0", kind: .progress, text: "第0条", at: f.clock.now)
            var pass = try await f.drain()
            #expect(pass.delivered == 20 && pass.waited == 5)
            #expect(await f.fakes.refusedForRate == 0)
            f.clock.advance(62)
            pass = try await f.drain()
            #expect(pass.delivered == 5)
            var texts = await f.fakes.messages(for: "wecom:k1").map(\.text)
            #expect(texts == (0..<25).map { "第\($0)条" })

            // The robot answers 45009 three times: the message waits (backoff) and goes once, in order.
            await f.fakes.makeWeComBusy("k1", requests: 3)
            f.clock.advance(62)
            for n in 25..<28 {
                try await f.outbox.enqueue(
                    county: "433125", groupID: group.id, causeKey: "test:\(n)", kind: .progress, text: "第\(n)条", at: f.clock.now)
            }
            var rounds = 0
            while try await f.outbox.counts(county: "433125")["pending"] ?? 0 > 0, rounds < 10 {
                try await f.drain()
                f.clock.advance(62)
                rounds += 1
            }
            texts = await f.fakes.messages(for: "wecom:k1").map(\.text)
            #expect(texts == (0..<28).map { "第\($0)条" })
            let items = try await f.outbox.items(county: "433125")
            #expect(items.allSatisfy { $0.status == "delivered" })
            #expect(items.first { $0.causeKey == "test:25" }?.attempts == 4)
        }
    }

    @Test("a bad key (93000) fails the message for good, disables the robot and tells admins why", arguments: Backend.available)
    func badKey(backend: Backend) async throws {
        let f = try await OutboxFixture(backend)
        defer { Task { await f.services.shutdown() } }
        try await f.clearOutbox()
        let group = try await f.group(.wecom)
        try await f.withFakes { port in
            try await f.outbox.bindRobot(
                groupID: group.id, kind: .wecomRobot, endpoint: "http://127.0.0.1:\(port)/cgi-bin/webhook/send?key=wrong", secret: nil)
            for n in 0..<3 {
                try await f.outbox.enqueue(
                    county: "433125", groupID: group.id, causeKey: "bad:\(n)", kind: .progress, text: "消息\(n)", at: f.clock.now)
            }
            let pass = try await f.drain()
            #expect(pass.failed == 3 && pass.delivered == 0)
            let failed = try await f.outbox.items(county: "433125", status: "failed")
            #expect(failed.count == 3)
            #expect(failed.contains { $0.lastError?.contains("93000") == true })
            let robot = try #require(try await f.outbox.robot(forGroup: group.id))
            #expect(!robot.active && robot.failure?.contains("93000") == true)
            #expect(await f.fakes.received.isEmpty)
            // Admins see it over the API; a department handler may not look.
            let app = Application(
                router: buildRouter(services: f.services), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                logger: DemoApp.logger)
            try await app.test(.router) { client in
                let seen = try await client.execute(
                    uri: "/api/v1/outbox?status=failed", method: .get,
                    headers: [.authorization: try await DemoApp.auth("admin", f.services)])
                #expect(seen.status == .ok)
                #expect(String(buffer: seen.body).contains("93000"))
                #expect(
                    try await client.execute(
                        uri: "/api/v1/outbox", method: .get, headers: [.authorization: try await DemoApp.auth("jiaotong", f.services)]
                    ).status == .forbidden)
                #expect(
                    try await client.execute(
                        uri: "/api/v1/outbox?status=lost", method: .get,
                        headers: [.authorization: try await DemoApp.auth("admin", f.services)]
                    ).status == .badRequest)
            }
        }
    }

    @Test(
        "a delivery cut off while sending is never sent twice (uncertain, for a person); one only claimed is sent after the lease",
        arguments: Backend.available)
    func crashedClaim(backend: Backend) async throws {
        let f = try await OutboxFixture(backend)
        defer { Task { await f.services.shutdown() } }
        try await f.clearOutbox()
        let group = try await f.group(.wecom)
        try await f.withFakes { port in
            await f.fakes.allowWeCom("k2")
            try await f.outbox.bindRobot(
                groupID: group.id, kind: .wecomRobot, endpoint: "http://127.0.0.1:\(port)/cgi-bin/webhook/send?key=k2", secret: nil)
            for n in 0..<6 {
                try await f.outbox.enqueue(
                    county: "433125", groupID: group.id, causeKey: "c:\(n)", kind: .progress, text: "条\(n)", at: f.clock.now)
            }
            // Another instance claims two, starts sending one of them, and dies.
            let lost = try await f.outbox.claim(owner: "dead-instance", limit: 2, lease: 30, at: f.clock.now)
            #expect(lost.count == 2)
            #expect(try await f.outbox.markSending(lost[0].id, owner: "dead-instance", at: f.clock.now))
            #expect(try await !f.outbox.markSending(lost[1].id, owner: "someone-else", at: f.clock.now))
            try await f.drain()
            #expect(await f.fakes.messages(for: "wecom:k2").count == 4)
            f.clock.advance(31)
            let pass = try await f.drain()
            // The one being sent may have reached the robot: not sent again, left for a person. The other goes now.
            #expect(pass.uncertain == 1 && pass.delivered == 1)
            let counts = try await f.outbox.counts(county: "433125")
            #expect(counts["uncertain"] == 1 && counts["delivered"] == 5)
            #expect(await f.fakes.messages(for: "wecom:k2").map(\.text).contains("条\(lost[1].causeKey.dropFirst(2))"))
        }
    }

    @Test(
        "dingtalkchatbot (PyPI) signs independently: the fake accepts its messages and refuses a wrong secret, as it does ours",
        .enabled(if: PythonClients.dingtalkchatbot || PythonClients.required, "needs pip install dingtalkchatbot"))
    func independentDingTalkSigner() async throws {
        let clock = TestClock()
        let fakes = FakeRobots(now: { clock.now })
        await fakes.allowDingTalk("t-py", secret: "SECpython")
        let app = Application(
            router: fakes.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let script = PythonClients.root.appendingPathComponent("Tests/Clients/dingtalkchatbot_send.py").path
            let (status, output) = try await run(
                "/usr/bin/env", ["python3", script, "http://127.0.0.1:\(port)/robot/send?access_token=t-py", "SECpython", "独立签名的测试消息"])
            #expect(status == 0, "dingtalkchatbot: \(output)")
            // Our own client, signing the same way, is accepted by the same fake.
            let ours = Robot(
                id: UUID(), groupID: UUID(), kind: .dingtalkRobot, endpoint: "http://127.0.0.1:\(port)/robot/send?access_token=t-py",
                secret: "SECpython", target: nil, active: true, failure: nil)
            #expect(await RobotClient().send(ours, text: "我们的签名", mentions: []) == .delivered)
            var wrong = ours
            wrong.secret = "SECwrong"
            #expect(await RobotClient().send(wrong, text: "错误的签名", mentions: []) == .permanent(reason: "钉钉：签名、关键词或 IP 校验不通过（310000）"))
        }
        #expect(await fakes.messages(for: "dingtalk:t-py").map(\.text) == ["独立签名的测试消息", "我们的签名"])
        #expect(await fakes.messages(for: "dingtalk:t-py").first?.mentions == ["user0412"])
    }

    @Test("sealed cases never speak in the group", arguments: Backend.available)
    func sealedStaysSilent(backend: Backend) async throws {
        let f = try await OutboxFixture(backend)
        defer { Task { await f.services.shutdown() } }
        let sealed = try await f.services.database.sql.raw(
            "SELECT COUNT(*) AS n FROM outbox o JOIN cases c ON c.id = o.case_id WHERE c.sealed = \(bind: true)"
        ).first()?
        .decode(column: "n", as: Int.self)
        let all = try await f.services.database.sql.raw("SELECT COUNT(*) AS n FROM outbox").first()?.decode(column: "n", as: Int.self)
        // The demo's history produced messages for ordinary cases, none for reports about cadres.
        #expect((all ?? 0) > 0)
        #expect(sealed == 0)
    }
}

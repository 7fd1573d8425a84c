import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import WeiminApp
import WeiminBench
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

/// Private matters (低保, health, family) are answered to the villager alone; the group hears only that the case moved.
@Suite("Private answers: 低保, health and family matters answered to the villager alone; reasons given for suspension and extension")
struct PrivateAnswerTests {
    @Test(
        "a 低保 answer goes privately through the bridge; through a group robot it stays out of the group; the county can turn it off",
        arguments: Backend.available, [Robot.Kind.wechatbot, .wecomRobot])
    func privateMatter(backend: Backend, kind: Robot.Kind) async throws {
        let f = try await OutboxFixture(backend)
        defer { Task { await f.services.shutdown() } }
        try await f.clearOutbox()
        let group = try await f.group(kind == .wecomRobot ? .wecom : .wechat)
        try await f.withFakes { port in
            let groupKey: String
            if kind == .wechatbot {
                await f.fakes.allowWechatbot("bridge")
                try await f.outbox.bindRobot(
                    groupID: group.id, kind: .wechatbot, endpoint: "http://127.0.0.1:\(port)/", secret: "bridge", target: group.name)
                groupKey = "wechatbot:\(group.name)"
            } else {
                await f.fakes.allowWeCom("k-private")
                try await f.outbox.bindRobot(
                    groupID: group.id, kind: .wecomRobot, endpoint: "http://127.0.0.1:\(port)/cgi-bin/webhook/send?key=k-private",
                    secret: nil)
                groupKey = "wecom:k-private"
            }
            let shouli = try await f.viewer("shouli")
            let w = f.services.workflow
            let opened = try await f.openCase(in: group, text: "我家的低保这个月怎么停了？")
            _ = try await f.services.caseStore.execute(.accept(note: ""), on: opened.number, by: shouli, workflow: w, at: f.clock.now)
            _ = try await f.services.caseStore.execute(
                .suspend(reason: "请提供家庭成员收入证明"), on: opened.number, by: shouli, workflow: w, at: f.clock.now)
            _ = try await f.services.caseStore.execute(.resume(note: ""), on: opened.number, by: shouli, workflow: w, at: f.clock.now)
            _ = try await f.services.caseStore.execute(
                .resolve(reply: "因子女收入超标停发，可在三个月后重新申请"), on: opened.number, by: shouli, workflow: w, at: f.clock.now)
            #expect(try await f.drain().failed == 0)
            let inGroup = await f.fakes.messages(for: groupKey).map(\.text)
            // The group never hears the reason or the answer.
            #expect(!inGroup.joined().contains("收入超标") && !inGroup.joined().contains("收入证明"))
            #expect(inGroup.contains { $0.contains("暂缓办理") } && inGroup.contains { $0.contains("已办结") })
            let toVillager = await f.fakes.messages(for: "wechatbot:wxid_tian0412")
            if kind == .wechatbot {
                #expect(toVillager.count == 2 && toVillager.allSatisfy { $0.isRoom == false })
                #expect(toVillager.contains { $0.text.contains("收入证明") } && toVillager.contains { $0.text.contains("收入超标") })
                #expect(inGroup.contains { $0.contains("已私信告知您") })
            } else {
                // A group robot cannot write to one person: the group is told where to ask, the answer stays in the record.
                #expect(toVillager.isEmpty && inGroup.contains { $0.contains("请与村委会联系了解") })
            }

            // Turned off: answers are said in the group again.
            try await f.services.templates.setPrivateMatters(PrivateMatters(mode: .inGroup, words: PrivateMatters.defaultWords))
            let second = try await f.openCase(in: group, text: "低保的事想问一下")
            _ = try await f.services.caseStore.execute(.accept(note: ""), on: second.number, by: shouli, workflow: w, at: f.clock.now)
            _ = try await f.services.caseStore.execute(
                .resolve(reply: "已核实，下月恢复发放"), on: second.number, by: shouli, workflow: w, at: f.clock.now)
            try await f.drain()
            #expect(await f.fakes.messages(for: groupKey).contains { $0.text.contains("下月恢复发放") })
        }
        // The administrator sees that a private answer went, never what it said.
        let app = Application(
            router: buildRouter(services: f.services), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: DemoApp.logger)
        try await app.test(.router) { client in
            let listed = try await client.execute(
                uri: "/api/v1/outbox", method: .get, headers: [.authorization: try await DemoApp.auth("admin", f.services)])
            #expect(listed.status == .ok && !String(buffer: listed.body).contains("收入超标"))
        }
    }

    @Test("the setting: admin or supervisor only, checked words, read back")
    func setting() async throws {
        let f = try await OutboxFixture(.sqlite)
        defer { Task { await f.services.shutdown() } }
        let app = Application(
            router: buildRouter(services: f.services), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: DemoApp.logger)
        try await app.test(.router) { client in
            func put(_ user: String, _ json: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/settings/private-answers", method: .put,
                    headers: [.authorization: try await DemoApp.auth(user, f.services), .contentType: "application/json"],
                    body: ByteBuffer(string: json))
            }
            #expect(try await put("shouli", #"{"mode":"private","words":["低保"]}"#).status == .forbidden)
            #expect(try await put("duban", #"{"mode":"loud","words":[]}"#).status == .badRequest)
            #expect(try await put("duban", #"{"mode":"private","words":["病"]}"#).status == .badRequest)
            #expect(try await put("duban", #"{"mode":"private","words":["低保","离婚"," 低保 "]}"#).status == .ok)
            let got = try await client.execute(
                uri: "/api/v1/settings/private-answers", method: .get,
                headers: [.authorization: try await DemoApp.auth("admin", f.services)])
            #expect(String(buffer: got.body).contains(#""words":["低保","离婚"]"#))
        }
    }
}

@Suite("Rumours: reclassified to 舆情 they go to the catalogue's rumour desk, the group never hears the rumour back, a 辟谣 is published")
struct RumourTests {
    @Test(
        "a rumour filed as a water case is reclassified: 网信办 handles it, the receipt quotes nothing and thanks nobody, the 辟谣 reaches the group",
        arguments: Backend.available)
    func rumour(backend: Backend) async throws {
        let f = try await OutboxFixture(backend)
        defer { Task { await f.services.shutdown() } }
        try await f.clearOutbox()
        let group = try await f.group(.wecom)
        try await f.withFakes { port in
            await f.fakes.allowWeCom("k-rumour")
            try await f.outbox.bindRobot(
                groupID: group.id, kind: .wecomRobot, endpoint: "http://127.0.0.1:\(port)/cgi-bin/webhook/send?key=k-rumour", secret: nil)
            let departments = try await f.services.departments.departments(county: OutboxFixture.county)
            let water = try #require(departments.first { $0.code == "slj" }), wxb = try #require(departments.first { $0.code == "wxb" })
            let text = "听说化工厂漏毒气了，自来水都不能喝了，大家赶紧转发"
            let stored = try await f.services.messages.append([
                IncomingMessage(
                    groupID: group.id, countyCode: OutboxFixture.county, platform: group.platform,
                    platformMessageID: "r-\(UUID().uuidString)",
                    senderID: "wxid_spreader", senderName: "李四", text: text, sentAt: f.clock.now)
            ])
            guard case .stored(let mid) = stored[0] else { Issue.record("not stored"); return }
            let opened = try await f.services.caseStore.open(
                NewCase(
                    county: OutboxFixture.county, township: group.villageCode.townshipCode, village: group.villageCode, groupID: group.id,
                    category: .service, departmentID: water.id, title: "化工厂漏毒气自来水不能喝", summary: text, messageIDs: [mid]),
                actor: AuditActor(name: "system", role: "system"), at: f.clock.now, workflow: f.services.workflow)
            let shouli = try await f.viewer("shouli")
            let w = f.services.workflow
            let reclassified = try await f.services.caseStore.execute(
                .reclassify(.opinion, note: "是谣言"), on: opened.number, by: shouli, workflow: w, at: f.clock.now)
            #expect(reclassified.departmentID == wxb.id, "the catalogue's rumour desk, not the water department")
            _ = try await f.services.caseStore.execute(.accept(note: ""), on: opened.number, by: shouli, workflow: w, at: f.clock.now)
            await #expect(throws: CaseOperationError.self) {
                try await f.services.caseStore.execute(
                    .publishRebuttal(text: " "), on: opened.number, by: shouli, workflow: w, at: f.clock.now)
            }
            _ = try await f.services.caseStore.execute(
                .publishRebuttal(text: "经县生态环境局现场检测，化工厂未发生泄漏，自来水水质达标，请勿轻信。"), on: opened.number, by: shouli, workflow: w,
                at: f.clock.now)
            try await f.drain()
            let said = await f.fakes.messages(for: "wecom:k-rumour")
            #expect(said.count == 2)
            #expect(said.allSatisfy { !$0.text.contains("毒气") && !$0.text.contains("李四") && $0.mentions.isEmpty })
            #expect(said.first?.text.contains(wxb.name) == true && said.first?.text.contains(water.name) == false)
            #expect(said.last?.text.contains("【辟谣】") == true && said.last?.text.contains("水质达标") == true)
        }
    }
}

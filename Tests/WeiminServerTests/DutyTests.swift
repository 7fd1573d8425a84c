import Foundation
import Hummingbird
import NIOFoundationCompat
import HummingbirdTesting
import Synchronization
import Testing
import WeiminApp
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

/// 值班: a fire at night reaches the township's duty cadre at once (console and SMS gateway), escalates to the leader on
/// duty when nobody acknowledges, and the duty cadre dispatches it to 公安 themselves.
@Suite("Duty alerts: roster, alert at any hour, SMS gateway, escalation, acknowledgement, dispatch by the person on duty")
struct DutyTests {
    /// The county's SMS gateway, as a loopback fake that keeps what it received (the contract is ours: JSON per alert).
    final class Gateway: Sendable {
        let received = Mutex<[[String: String]]>([])
        let authorization = Mutex<[String]>([])
        let failFirst = Mutex(1)

        func router() -> Router<BasicRequestContext> {
            let router = Router()
            router.post("sms") { request, _ -> HTTPResponse.Status in
                let body = try await request.body.collect(upTo: 1 << 16)
                self.authorization.withLock { $0.append(request.headers[.authorization] ?? "") }
                // The first post fails: the alert must be tried again, not lost.
                if self.failFirst.withLock({ n in
                    defer { n -= 1 }; return n > 0
                }) {
                    return .serviceUnavailable
                }
                let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
                let fields = object.mapValues { "\($0)" }
                self.received.withLock { $0.append(fields) }
                return .ok
            }
            return router
        }
    }

    func session(_ services: AppServices, _ username: String) async throws -> (HTTPFields, String) {
        let viewer = try #require(try await services.staff.user(named: username))
        let s = try await SignInStore(database: services.database, cipher: services.cipher, staff: services.staff).startSession(
            for: viewer, secondFactorDone: true)
        return ([.cookie: "weimin_session=\(s.cookie)"], s.csrf)
    }

    @Test(
        "a night-time fire: the duty cadre is alerted, the gateway gets it (after a retry), the leader after 15 minutes; the cadre acknowledges and dispatches to 公安",
        arguments: Backend.available)
    func nightFire(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let cadre = try #require(try await services.staff.user(named: "changtanhe"))
        let township = cadre.region
        let village = try #require(try await services.regions.regions(level: .village, within: township).first).code
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        // The last 23:10 Beijing time before now: the service runs on a test clock from then, while the cadre's own actions
        // (through the API) happen now, so the shift covers both, whenever the suite runs.
        let realNow = Date()
        let today = try #require(cal.date(bySettingHour: 23, minute: 10, second: 0, of: realNow))
        let night = today > realNow ? today.addingTimeInterval(-86400) : today
        let clock = Mutex(night)

        let api = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await api.test(.router) { (client: any TestClientProtocol) async throws -> Void in
            // The roster: the centre puts the township's cadre on duty tonight and the county leader as 带班领导.
            func addShift(_ who: String, _ json: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/duty/shifts", method: .post,
                    headers: [.authorization: try await DemoApp.auth(who, services), .contentType: "application/json"],
                    body: ByteBuffer(string: json))
            }
            let start = ISO8601DateFormatter().string(from: night.addingTimeInterval(-3600))
            let end = ISO8601DateFormatter().string(from: realNow.addingTimeInterval(3600 * 2))
            #expect(
                try await addShift(
                    "shouli",
                    #"{"region":"\#(township)","username":"changtanhe","kind":"duty","starts_at":"\#(start)","ends_at":"\#(end)"}"#
                ).status == .created)
            #expect(
                try await addShift(
                    "shouli", #"{"region":"433125","username":"lingdao","kind":"leader","starts_at":"\#(start)","ends_at":"\#(end)"}"#
                ).status == .created)
            #expect(
                try await addShift(
                    "dabaiyan", #"{"region":"\#(township)","username":"dabaiyan","starts_at":"\#(start)","ends_at":"\#(end)"}"#
                ).status == .forbidden)
            #expect(
                try await addShift(
                    "shouli", #"{"region":"433125111201","username":"dabaiyan","starts_at":"\#(start)","ends_at":"\#(end)"}"#
                ).status == .badRequest)
            #expect(
                try await addShift("shouli", #"{"region":"433125","username":"nobody","starts_at":"\#(start)","ends_at":"\#(end)"}"#).status
                    == .badRequest)
            #expect(
                try await addShift("shouli", #"{"region":"433125","username":"lingdao","starts_at":"\#(end)","ends_at":"\#(start)"}"#)
                    .status == .badRequest)
        }

        // The village group has a personal-WeChat bridge, and the cadre's own WeChat id is known: the alert also goes to them there.
        let villageGroup = try #require(try await services.groups.groups(within: township, page: 1, perPage: 20).items.first)
        try await OutboxStore(database: services.database, cipher: services.cipher).bindRobot(
            groupID: villageGroup.id, kind: .wechatbot, endpoint: "http://127.0.0.1:9/", secret: "t", target: villageGroup.name)
        try await services.staff.setWeChatID("wxid_changtanhe", for: "changtanhe")
        await #expect(throws: (any Error).self) { try await services.staff.setWeChatID("a\nb", for: "changtanhe") }
        let fire = try await services.caseStore.open(
            NewCase(
                county: RegionCode("433125")!, township: township, village: villageGroup.villageCode, groupID: villageGroup.id,
                category: .service, urgency: .urgent, title: "着火了，屋里还有老人没出来", summary: "着火了，屋里还有老人没出来",
                responseDueAt: night.addingTimeInterval(30 * 60)),
            actor: .system, at: night)

        let gateway = Gateway()
        let fake = Application(
            router: gateway.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await fake.test(.live) { gatewayClient in
            let port = try #require(gatewayClient.port)
            let service = DutyService(
                services: services, interval: .seconds(15), webhook: URL(string: "http://127.0.0.1:\(port)/sms"),
                now: { clock.withLock { $0 } })
            // The demo has urgent cases of its own (elsewhere, answered by the county's leader on duty); this test follows the fire.
            var pass = try await service.runOnce()
            #expect(pass.alerts.alerted >= 1 && pass.failed == 1, "the gateway refused the first post")
            var fireAlerts = try await services.duty.alerts(caseID: fire.id)
            #expect(fireAlerts.map(\.level) == [1] && fireAlerts[0].username == "changtanhe")
            let privately = try await services.outbox.items(county: "433125").filter { $0.kind == .dutyAlert && $0.caseID == fire.id }
            #expect(privately.count == 1 && privately.first?.recipientCipher.map { try? services.cipher.open($0) } == "wxid_changtanhe")
            pass = try await service.runOnce()
            #expect(pass.alerts.alerted == 0, "one alert per case, however many passes")
            clock.withLock { $0 = $0.addingTimeInterval(60) }
            pass = try await service.runOnce()
            #expect(pass.failed == 0 && gateway.authorization.withLock { $0 }.allSatisfy(\.isEmpty))
            let sms = gateway.received.withLock { $0 }.filter { $0["case_number"] == fire.number.description }
            #expect(sms.count == 1 && sms.first?["username"] == "changtanhe" && sms.first?["text"]?.contains("紧急工单") == true)
            #expect(try await services.duty.alerts(caseID: fire.id).first?.deliveredAt != nil)

            // Nobody acknowledges: 15 minutes later the leader on duty is alerted.
            clock.withLock { $0 = night.addingTimeInterval(16 * 60) }
            pass = try await service.runOnce()
            #expect(pass.alerts.escalated >= 1)
            fireAlerts = try await services.duty.alerts(caseID: fire.id)
            #expect(fireAlerts.map(\.level) == [1, 2] && fireAlerts[1].username == "lingdao" && fireAlerts[1].text.contains("升级"))
        }

        try await api.test(.router) { (client: any TestClientProtocol) async throws -> Void in
            // The cadre sees it first thing on the workbench, acknowledges, and dispatches it to 公安 without the centre.
            let (cookie, csrf) = try await session(services, "changtanhe")
            let bench = String(buffer: try await client.execute(uri: "/workbench", method: .get, headers: cookie).body)
            #expect(bench.contains("id=\"duty-alerts\"") && bench.contains("href=\"/cases/\(fire.number)\""))
            let alert = try #require(try await services.duty.alerts(for: "changtanhe").first)
            let ack = try await client.execute(
                uri: "/duty/alerts/\(alert.id.uuidString.lowercased())/ack", method: .post,
                headers: cookie + [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "_csrf=\(csrf)"))
            #expect(ack.status == .seeOther)
            #expect(try await services.duty.alert(alert.id)?.acknowledgedBy == "changtanhe")

            let auth: HTTPFields = [.authorization: try await DemoApp.auth("changtanhe", services), .contentType: "application/json"]
            // The API says so too: the person on duty may accept it (allowed_actions counts the roster).
            let shown = try await client.execute(uri: "/api/v1/cases/\(fire.number)", method: .get, headers: auth)
            let shownJSON = try JSONSerialization.jsonObject(with: Data(buffer: shown.body)) as? [String: Any]
            let allowed = (shownJSON?["case"] as? [String: Any])?["allowed_actions"] as? [String]
            #expect(allowed?.contains("accept") == true)
            let accepted = try await client.execute(
                uri: "/api/v1/cases/\(fire.number)/actions", method: .post, headers: auth,
                body: ByteBuffer(string: #"{"action":"accept","note":"值班受理"}"#))
            #expect(accepted.status == .ok)
            let dispatched = try await client.execute(
                uri: "/api/v1/cases/\(fire.number)/actions", method: .post, headers: auth,
                body: ByteBuffer(string: #"{"action":"dispatch","department":"gaj","note":"请派出所立即出警"}"#))
            #expect(dispatched.status == .ok)
            // Someone not on duty cannot.
            let other = try await services.caseStore.open(
                NewCase(
                    county: RegionCode("433125")!, township: township, village: village, groupID: nil, category: .service, urgency: .urgent,
                    title: "有人落水", summary: "有人落水了"),
                actor: .system, at: Date())
            let refused = try await client.execute(
                uri: "/api/v1/cases/\(other.number)/actions", method: .post,
                headers: [.authorization: try await DemoApp.auth("dabaiyan", services), .contentType: "application/json"],
                body: ByteBuffer(string: #"{"action":"accept","note":""}"#))
            #expect(refused.status == .forbidden)

            // The whole story is in the case's audit chain.
            let detail = try #require(try await services.cases.detail(number: fire.number, visibility: cadre.caseVisibility))
            #expect(
                detail.events.map(\.action).filter { ["duty_alert", "duty_ack", "accept", "dispatch"].contains($0) } == [
                    "duty_alert", "duty_alert", "duty_ack", "accept", "dispatch",
                ])
        }
        #expect(try await AuditLedger(database: services.database).verifyAll().breaks.isEmpty)
    }

    @Test(
        "an alert reaches the person through the county's WeCom application and DingTalk work notice; a wrong WeCom id fails for good, once, with the reason",
        arguments: Backend.available)
    func platformChannels(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let county = try #require(RegionCode("433125"))
        let cadre = try #require(try await services.staff.user(named: "changtanhe"))
        let village = try #require(try await services.regions.regions(level: .village, within: cadre.region).first).code
        let start = Date().addingTimeInterval(-3600)
        for (who, region, kind) in [("changtanhe", cadre.region, DutyKind.duty), ("lingdao", county, .leader)] {
            try await services.duty.addShift(
                DutyShift(
                    id: UUID(), region: region, username: who, kind: kind, startsAt: start, endsAt: start.addingTimeInterval(6 * 3600)),
                county: county, by: "shouli")
        }
        let store = services.ingest.store
        let corp = "ww1436e0e65a779aee"
        _ = try await store.addSource(
            county: county, kind: "wecom_app", name: "县值班应用",
            secrets: [
                "token": "apptoken", "encoding_aes_key": "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", "corp_id": corp,
                "secret": "corp-secret-433125", "agent_id": "1000002",
            ])
        _ = try await store.addSource(
            county: county, kind: "dingtalk", name: "县钉钉应用",
            secrets: ["app_key": "dingappkey433125", "app_secret": "dsecret-433125", "agent_id": "2000003"])
        try await services.staff.setPlatformAccount("ChangTanHe", on: .wecom, for: "changtanhe")
        try await services.staff.setPlatformAccount("manager4521", on: .dingtalk, for: "changtanhe")
        try await services.staff.setPlatformAccount("NoSuchLeader", on: .wecom, for: "lingdao")
        await #expect(throws: (any Error).self) { try await services.staff.setPlatformAccount("a|b", on: .wecom, for: "lingdao") }

        let fake = FakePlatformAPIs()
        fake.allowWeCom(corp: corp, secret: "corp-secret-433125")
        fake.allowWeComAgent(1_000_002, corp: corp, users: ["ChangTanHe", "ZhangMin"])
        fake.allowDingTalk(appKey: "dingappkey433125", secret: "dsecret-433125")
        fake.allowDingTalkAgent(2_000_003, appKey: "dingappkey433125")
        let fakeApp = Application(
            router: fake.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await fakeApp.test(.live) { fakeClient in
            let base = "http://127.0.0.1:\(try #require(fakeClient.port))"
            var config = services.config
            config.weComAPI = base
            config.dingTalkOAPI = base
            let clock = Mutex(Date())
            let service = DutyService(
                services: services, interval: .seconds(15), notices: StaffNoticeClient(config: config), now: { clock.withLock { $0 } })
            let fire = try await services.caseStore.open(
                NewCase(
                    county: county, township: cadre.region, village: village, groupID: nil, category: .service, urgency: .urgent,
                    title: "仓库起火，有人被困", summary: "仓库起火了，里面还有人", responseDueAt: Date().addingTimeInterval(1800)),
                actor: .system, at: Date())
            _ = try await service.runOnce()
            let alert = try #require(try await services.duty.alerts(caseID: fire.id).first)
            let toCadre = fake.sent.filter { $0.text.contains(fire.number.description) }
            #expect(toCadre.map(\.platform).sorted() == ["dingtalk", "wecom"])
            #expect(toCadre.allSatisfy { $0.to == ($0.platform == "wecom" ? "ChangTanHe" : "manager4521") && $0.text.contains("仓库起火") })
            let ways = try await services.duty.deliveries(alert: alert.id)
            #expect(ways.map(\.channel) == [.dingtalk, .wecom] && ways.allSatisfy { $0.deliveredAt != nil })
            #expect(try await services.duty.alert(alert.id)?.deliveredAt != nil)
            let record = try #require(try await services.cases.detail(number: fire.number, visibility: cadre.caseVisibility))
            #expect(record.events.first { $0.action == "duty_alert" }?.note.contains("企业微信应用消息、钉钉工作通知") == true)

            // Nobody acknowledges. WeCom has revoked its token meanwhile; the leader's WeCom id is wrong: the escalation's
            // WeCom message fails for good after one fresh token, with WeCom's reason, and is not tried again.
            fake.revokeWeComTokens()
            clock.withLock { $0 = $0.addingTimeInterval(16 * 60) }
            _ = try await service.runOnce()
            let escalation = try #require(try await services.duty.alerts(caseID: fire.id).first { $0.level == 2 })
            let failed = try await services.duty.deliveries(alert: escalation.id)
            #expect(failed.map(\.channel) == [.wecom] && failed[0].deliveredAt == nil)
            #expect(failed[0].lastError?.contains("NoSuchLeader") == true || failed[0].lastError?.contains("81013") == true)
            #expect(try await services.duty.alert(escalation.id)?.lastError?.contains("企业微信") == true)
            let admin = try #require(try await services.staff.user(named: "shouli"))
            let told = try await services.alerts.list(for: admin).filter { $0.kind == "duty_channel" }
            #expect(told.count == 1 && told[0].message.contains("lingdao") && told[0].message.contains("weimin user wecom"))
            let tokenCalls = fake.requests.filter { $0 == "GET /cgi-bin/gettoken" }.count
            let sendsBefore = fake.requests.filter { $0 == "POST /cgi-bin/message/send" }.count
            clock.withLock { $0 = $0.addingTimeInterval(3 * 3600) }
            _ = try await service.runOnce()
            #expect(fake.requests.filter { $0 == "POST /cgi-bin/message/send" }.count == sendsBefore, "a final failure is not retried")
            #expect(tokenCalls == 2, "one token at first, one fresh after the revocation")
        }
        #expect(try await AuditLedger(database: services.database).verifyAll().breaks.isEmpty)
    }

    @Test(
        "值班表 in the console: the centre puts a township cadre on duty, a township cadre keeps only their own township, the week's alerts show how each went",
        arguments: Backend.available)
    func rosterPage(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let cadre = try #require(try await services.staff.user(named: "changtanhe"))
        let otherTownship = try #require(
            try await services.regions.regions(level: .township, within: RegionCode("433125")!).first { $0.code != cadre.region }
        ).code
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            let (centre, centreCSRF) = try await session(services, "shouli")
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let empty = String(buffer: try await client.execute(uri: "/duty", method: .get, headers: centre).body)
            #expect(empty.contains("id=\"add-shift\"") && empty.contains("未来一周还没有排班"))
            #expect(
                empty.contains("value=\"\(otherTownship.rawValue)\"") && empty.contains("value=\"433125\""),
                "the centre keeps every township's roster")
            let tonight = DutyPageController.inputTime(Date().addingTimeInterval(-600))
            let morning = DutyPageController.inputTime(Date().addingTimeInterval(12 * 3600))
            let added = try await client.execute(
                uri: "/duty/shifts", method: .post, headers: centre + form,
                body: ByteBuffer(
                    string:
                        "_csrf=\(centreCSRF)&region=\(cadre.region.rawValue)&username=changtanhe&kind=duty&starts_at=\(tonight)&ends_at=\(morning)"
                ))
            #expect(added.status == .seeOther && added.headers[.location] == "/duty?added=1")
            let shifts = try await services.duty.onDuty(regions: [cadre.region], at: Date())
            #expect(shifts.map(\.username) == ["changtanhe"] && shifts[0].kind == .duty)
            let listed = String(buffer: try await client.execute(uri: "/duty?added=1", method: .get, headers: centre).body)
            #expect(listed.contains("已排班") && listed.contains(cadre.displayName) && listed.contains("当班"))
            // Too short a shift is refused with the reason; a stale form token is refused.
            let short = try await client.execute(
                uri: "/duty/shifts", method: .post, headers: centre + form,
                body: ByteBuffer(
                    string: "_csrf=\(centreCSRF)&region=433125&username=lingdao&kind=leader&starts_at=\(tonight)&ends_at=\(tonight)"))
            #expect(short.status == .badRequest && String(buffer: short.body).contains("1 小时到 7 天"))
            let stale = try await client.execute(
                uri: "/duty/shifts", method: .post, headers: centre + form,
                body: ByteBuffer(string: "_csrf=nope&region=433125&username=lingdao&kind=leader&starts_at=\(tonight)&ends_at=\(morning)"))
            #expect(stale.status == .forbidden)

            // The township cadre sees the roster, may add to their own township only, and may not delete another's shift.
            let (own, ownCSRF) = try await session(services, "changtanhe")
            let theirs = String(buffer: try await client.execute(uri: "/duty", method: .get, headers: own).body)
            #expect(!theirs.contains("value=\"\(otherTownship.rawValue)\"") && !theirs.contains("id=\"duty-alert-log\""))
            let elsewhere = try await client.execute(
                uri: "/duty/shifts", method: .post, headers: own + form,
                body: ByteBuffer(
                    string: "_csrf=\(ownCSRF)&region=\(otherTownship.rawValue)&username=changtanhe&starts_at=\(tonight)&ends_at=\(morning)")
            )
            #expect(elsewhere.status == .forbidden)
            let leaderShift = DutyShift(
                id: UUID(), region: RegionCode("433125")!, username: "lingdao", kind: .leader, startsAt: Date().addingTimeInterval(-60),
                endsAt: Date().addingTimeInterval(8 * 3600))
            try await services.duty.addShift(leaderShift, county: RegionCode("433125")!, by: "shouli")
            let path = "/duty/shifts/\(leaderShift.id.uuidString.lowercased())/delete"
            #expect(
                try await client.execute(uri: path, method: .post, headers: own + form, body: ByteBuffer(string: "_csrf=\(ownCSRF)")).status
                    == .forbidden)

            // An urgent case alerts the cadre on duty; the centre's page shows who was alerted and by which ways.
            let village = try #require(try await services.regions.regions(level: .village, within: cadre.region).first).code
            let fire = try await services.caseStore.open(
                NewCase(
                    county: RegionCode("433125")!, township: cadre.region, village: village, groupID: nil, category: .service,
                    urgency: .urgent, title: "山林起火", summary: "后山起火了"),
                actor: .system, at: Date())
            _ = try await services.alertDuty(smsGateway: false).run(now: Date())
            let log = String(buffer: try await client.execute(uri: "/duty", method: .get, headers: centre).body)
            #expect(log.contains("id=\"duty-alert-log\"") && log.contains("href=\"/cases/\(fire.number)\"") && log.contains("未确认"))
            #expect(
                try await client.execute(uri: path, method: .post, headers: centre + form, body: ByteBuffer(string: "_csrf=\(centreCSRF)"))
                    .status == .seeOther)
            #expect(try await services.duty.onDuty(regions: [RegionCode("433125")!], at: Date()).isEmpty)
        }
    }
}

import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
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

/// The body a robot request carries, as JSON.
private func body(_ request: URLRequest) throws -> [String: Any] {
    let data = try #require(request.httpBody)
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

private func robot(_ kind: Robot.Kind, _ endpoint: String, secret: String? = nil, target: String? = nil) -> Robot {
    Robot(id: UUID(), groupID: UUID(), kind: kind, endpoint: endpoint, secret: secret, target: target, active: true, failure: nil)
}

@Suite("Robot adapters: markdown, mentions, files, private answers")
struct AdapterFormatTests {
    let client = RobotClient()
    let receipt = OutboundMessage(kind: .receipt, text: "【受理回执】@田大姐 您反映的“路灯不亮”已受理", mentions: Mentions(userIDs: ["wxid_tian"]))
    let notice = OutboundMessage(kind: .notice, text: "【政策宣传】医保缴费\n截止到12月31日\n<@all> 请转告家人")

    @Test("WeCom: a mention goes as markdown with <@userid>; a notice as markdown with a bold title and no forged mention; mobiles as text")
    func wecom() throws {
        let r = robot(.wecomRobot, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K")
        var b = try body(try client.request(r, message: receipt))
        #expect(b["msgtype"] as? String == "markdown")
        let content = try #require((b["markdown"] as? [String: Any])?["content"] as? String)
        #expect(content.hasSuffix("\n<@wxid_tian>") && content.hasPrefix("【受理回执】"))
        b = try body(try client.request(r, message: notice))
        let md = try #require((b["markdown"] as? [String: Any])?["content"] as? String)
        #expect(md == "**【政策宣传】医保缴费**\n\n截止到12月31日\n\n＜@all> 请转告家人")
        let byMobile = OutboundMessage(kind: .receipt, text: "已受理", mentions: Mentions(mobiles: ["13912345678"]))
        b = try body(try client.request(r, message: byMobile))
        #expect(b["msgtype"] as? String == "text")
        #expect((b["text"] as? [String: Any])?["mentioned_mobile_list"] as? [String] == ["13912345678"])
        // A file goes as its media id after upload_media, at the webhook's own key.
        b = try body(
            try client.request(
                r,
                message: OutboundMessage(
                    kind: .notice, text: "【附件】a.pdf", file: OutboundFile(name: "a.pdf", contentType: "application/pdf", data: [1, 2, 3])),
                mediaID: "M1"))
        #expect((b["file"] as? [String: Any])?["media_id"] as? String == "M1")
        let upload = try client.uploadRequest(
            r, file: OutboundFile(name: "明细\"表.xlsx", contentType: "application/octet-stream", data: Array("PK-data".utf8)), boundary: "B")
        #expect(upload.url?.absoluteString == "https://qyapi.weixin.qq.com/cgi-bin/webhook/upload_media?key=K&type=file")
        let form = try MultipartForm.parse(Array(try #require(upload.httpBody)), boundary: "B")
        #expect(form.part("media")?.filename == "明细表.xlsx" && form.part("media")?.body == Array("PK-data".utf8))
        // A private answer cannot go through a group robot.
        #expect(throws: (any Error).self) {
            try client.request(r, message: OutboundMessage(kind: .privateReply, text: "x", privateTo: "wxid_a"))
        }
    }

    @Test("DingTalk: markdown with a title; @mobiles and @userIds both listed in `at` and written in the text")
    func dingtalk() throws {
        let r = robot(.dingtalkRobot, "https://oapi.dingtalk.com/robot/send?access_token=T", secret: "SECx")
        var m = receipt
        m.mentions.mobiles = ["13712345678"]
        var b = try body(try client.request(r, message: m))
        #expect(b["msgtype"] as? String == "text")
        let text = try #require((b["text"] as? [String: Any])?["content"] as? String)
        #expect(text.hasSuffix("\n@13712345678 @wxid_tian"))
        let at = try #require(b["at"] as? [String: Any])
        #expect(
            at["atMobiles"] as? [String] == ["13712345678"] && at["atUserIds"] as? [String] == ["wxid_tian"]
                && at["isAtAll"] as? Bool == false)
        b = try body(try client.request(r, message: notice))
        let md = try #require(b["markdown"] as? [String: Any])
        #expect(b["msgtype"] as? String == "markdown" && md["title"] as? String == "【政策宣传】医保缴费")
        #expect((md["text"] as? String)?.hasPrefix("**【政策宣传】医保缴费**\n\n截止到12月31日") == true)
        // DingTalk custom robots cannot send files: the group is told the file's name and where to ask.
        let file = OutboundMessage(
            kind: .notice, text: "【附件】明细表.xlsx",
            file: OutboundFile(name: "明细表.xlsx", contentType: "x", data: Array(repeating: 0, count: 3000)))
        b = try body(try client.request(r, message: file))
        #expect((b["text"] as? [String: Any])?["content"] as? String == "【附件】明细表.xlsx（3 KB）本群机器人不能直接发送文件，请向村委会索取。")
    }

    @Test("Feishu mentions by <at user_id>; the bridges answer one person privately (isRoom false, receiver = the person)")
    func feishuAndBridges() throws {
        var b = try body(
            try client.request(robot(.feishuBot, "https://open.feishu.cn/open-apis/bot/v2/hook/H", secret: "s"), message: receipt))
        #expect(((b["content"] as? [String: Any])?["text"] as? String)?.hasSuffix("\n<at user_id=\"wxid_tian\"></at>") == true)
        let answer = OutboundMessage(kind: .privateReply, text: "【私信答复】已受理", privateTo: "wxid_reporter")
        b = try body(try client.request(robot(.wechatbot, "http://bridge:3001", secret: "tok", target: "红岩村群"), message: answer))
        #expect(b["to"] as? String == "wxid_reporter" && b["isRoom"] as? Bool == false)
        b = try body(try client.request(robot(.wechatbot, "http://bridge:3001", secret: "tok", target: "红岩村群"), message: receipt))
        #expect(b["to"] as? String == "红岩村群" && b["isRoom"] as? Bool == true)
        b = try body(try client.request(robot(.wcf, "http://wcf:10010", target: "123@chatroom"), message: answer))
        #expect(b["receiver"] as? String == "wxid_reporter" && b["aters"] as? String == "")
    }

    @Test("villager words cannot forge a mention or break the heading", arguments: ["<@all>", "**粗体**", "a<@b>c", "* 列表"])
    func neutralised(_ words: String) {
        let md = OutboundFormat.markdown("\(words)标题\n\(words)正文").body
        #expect(!md.contains("<@"))
        #expect(md.hasPrefix("**") && md.dropFirst(2).prefix(while: { $0 != "\n" }).filter { $0 == "*" }.count == 2)
    }
}

@Suite("Answering in the group: files, mobiles, supervision, sealed reporters, alerts")
struct OutboundFlowTests {
    @Test("a notice's file reaches a WeCom group as a file (upload_media), and a DingTalk group by name", arguments: Backend.available)
    func noticeFile(backend: Backend) async throws {
        let f = try await OutboxFixture(backend)
        defer { Task { await f.services.shutdown() } }
        try await f.clearOutbox()
        let wecom = try await f.group(.wecom), ding = try await f.group(.dingtalk)
        let bytes = Array("PK\u{3}\u{4}村级财务收支明细".utf8) + Array(repeating: UInt8(7), count: 5000)
        try await f.withFakes { port in
            await f.fakes.allowWeCom("k-file")
            await f.fakes.allowDingTalk("t-file", secret: "SECfile")
            try await f.outbox.bindRobot(
                groupID: wecom.id, kind: .wecomRobot, endpoint: "http://127.0.0.1:\(port)/cgi-bin/webhook/send?key=k-file", secret: nil)
            try await f.outbox.bindRobot(
                groupID: ding.id, kind: .dingtalkRobot, endpoint: "http://127.0.0.1:\(port)/robot/send?access_token=t-file",
                secret: "SECfile")
            let admin = try await f.viewer("admin")
            let record = try await NoticeStore(database: f.services.database).publish(
                NoticeDraft(
                    kind: .finance, title: "三季度财务公开", body: "详见附件。",
                    files: [
                        OutboundFile(
                            name: "收支明细.xlsx", contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data: bytes
                        )
                    ],
                    groupIDs: [wecom.id, ding.id]), by: admin, at: f.clock.now)
            #expect(record.attachments.first?.fileID != nil && record.attachments.first?.size == bytes.count)
            let pass = try await f.drain()
            #expect(pass.delivered == 4 && pass.failed == 0)
            let w = await f.fakes.messages(for: "wecom:k-file")
            #expect(w.map(\.format) == ["markdown", "file"])
            #expect(w[0].text.contains("收支明细.xlsx（随后发送）"))
            #expect(w[1].fileName == "收支明细.xlsx" && w[1].fileBytes == bytes)
            let d = await f.fakes.messages(for: "dingtalk:t-file")
            #expect(d.map(\.format) == ["markdown", "text"])
            #expect(d[1].text.hasPrefix("【附件】收支明细.xlsx（5 KB）"))
            // The archive lists one delivery per group (the notice), files not counted as extra groups.
            let archived = try #require(try await NoticeStore(database: f.services.database).record(record.id))
            #expect(archived.deliveries.map(\.status) == ["delivered", "delivered"])
        }
        // Too big for a robot: refused with the reason, nothing stored.
        await #expect(throws: CaseOperationError.invalid("附件“大.zip”超过 20 MB，群机器人无法发送")) {
            _ = try await NoticeStore(database: f.services.database).publish(
                NoticeDraft(
                    kind: .policy, title: "t", body: "b",
                    files: [OutboundFile(name: "大.zip", contentType: "x", data: Array(repeating: 0, count: 20 * 1024 * 1024 + 1))],
                    groupIDs: [wecom.id]), by: try await f.viewer("admin"), at: f.clock.now)
        }
    }

    @Test(
        "a villager the county knows by mobile is @-mentioned by it on DingTalk; the number is never stored in the outbox",
        arguments: Backend.available)
    func mobileMention(backend: Backend) async throws {
        let f = try await OutboxFixture(backend)
        defer { Task { await f.services.shutdown() } }
        try await f.clearOutbox()
        let group = try await f.group(.dingtalk)
        let sql = f.services.database.sql
        let person = UUID()
        try await sql.raw(
            """
            INSERT INTO people (id, county_code, village_code, name, kind, phone_cipher, phone_masked, created_at)
            VALUES (\(bind: person), '433125', \(bind: group.villageCode.rawValue), '田大姐', 'villager', \(bind: try f.services.cipher.seal("13812345678")), '138****5678', \(bind: f.clock.now))
            """
        ).run()
        try await sql.raw(
            """
            INSERT INTO group_members (id, group_id, county_code, person_id, platform_user_id, display_name, kind, is_admin, joined_at)
            VALUES (\(bind: UUID()), \(bind: group.id), '433125', \(bind: person), 'ding_tian', '田大姐', 'villager', \(bind: false), \(bind: f.clock.now))
            """
        ).run()
        try await f.withFakes { port in
            await f.fakes.allowDingTalk("t-m", secret: "SECm")
            try await f.outbox.bindRobot(
                groupID: group.id, kind: .dingtalkRobot, endpoint: "http://127.0.0.1:\(port)/robot/send?access_token=t-m", secret: "SECm")
            let opened = try await f.openCase(in: group, text: "家门口的水管爆了", sender: "ding_tian")
            _ = try await f.services.caseStore.execute(
                .accept(note: "受理"), on: opened.number, by: try await f.viewer("shouli"), workflow: f.services.workflow, at: f.clock.now)
            let stored = try await f.outbox.items(county: "433125")
            #expect(stored.count == 1 && !stored[0].mentions.joined().contains("13812345678"))
            #expect(try await f.drain().delivered == 1)
            let got = try #require(await f.fakes.messages(for: "dingtalk:t-m").first)
            #expect(Set(got.mentions) == ["13812345678", "ding_tian"])
            #expect(got.text.contains("@13812345678"))
        }
    }

    @Test("an overdue villager case's 督办单 is said in its group (never a 预警, never a sealed case)", arguments: Backend.available)
    func supervisionInGroup(backend: Backend) async throws {
        let f = try await OutboxFixture(backend)
        defer { Task { await f.services.shutdown() } }
        let group = try await f.group(.wecom)
        let opened = try await f.openCase(in: group, text: "村口的桥栏杆断了")
        let shouli = try await f.viewer("shouli")
        let zjj = try #require(try await f.services.departments.departments(county: OutboxFixture.county).first { $0.code == "zjj" })
        _ = try await f.services.caseStore.execute(
            .accept(note: "受理"), on: opened.number, by: shouli, workflow: f.services.workflow, at: f.clock.now)
        _ = try await f.services.caseStore.execute(
            .dispatch(lead: zjj.id, coHandlers: [], note: "住建局办理"), on: opened.number, by: shouli, workflow: f.services.workflow,
            at: f.clock.now)
        try await f.clearOutbox()
        let policy = SupervisionPolicy(calendar: f.services.workflow.calendar, rules: f.services.workflow.rules)
        let scanAt = f.clock.now.addingTimeInterval(40 * 86400)
        let result = try await ScanSupervision(store: SupervisionStore(database: f.services.database), policy: policy).run(
            now: scanAt, holder: "test")
        #expect((result.issued[.order] ?? 0) > 0)
        let sql = f.services.database.sql
        let mine = try await sql.raw("SELECT text FROM outbox WHERE kind = 'supervision' AND case_id = \(bind: opened.id)").all().map {
            try $0.decode(column: "text", as: String.self)
        }
        // Each overdue step (response, handling) has its own order, each said once.
        #expect(!mine.isEmpty && Set(mine).count == mine.count)
        #expect(
            mine.allSatisfy {
                ($0.contains("超期督办") || $0.contains("超期通报")) && $0.contains(opened.number.description) && $0.contains(zjj.name)
            })
        let sealed = try await sql.raw("SELECT COUNT(*) AS n FROM outbox o JOIN cases c ON c.id = o.case_id WHERE c.sealed = \(bind: true)")
            .first()?.decode(column: "n", as: Int.self)
        #expect(sealed == 0)
        let orders = try await sql.raw(
            "SELECT COUNT(*) AS n FROM supervision_orders WHERE level = 'order' AND issued_at = \(bind: scanAt) AND case_id IN (SELECT id FROM cases WHERE sealed = \(bind: false) AND group_id IS NOT NULL)"
        ).first()?.decode(column: "n", as: Int.self)
        let said = try await sql.raw("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'supervision'").first()?.decode(
            column: "n", as: Int.self)
        // One group message per order or 通报 on a villager's case — none for warnings.
        let notices = try await sql.raw(
            "SELECT COUNT(*) AS n FROM supervision_orders WHERE level = 'notice' AND issued_at = \(bind: scanAt) AND case_id IN (SELECT id FROM cases WHERE sealed = \(bind: false) AND group_id IS NOT NULL)"
        ).first()?.decode(column: "n", as: Int.self)
        #expect(said == (orders ?? 0) + (notices ?? 0))
    }

    @Test(
        "a sealed case's reporter is answered privately through the bridge when the county chooses so; admins never see it",
        arguments: Backend.available)
    func sealedReporter(backend: Backend) async throws {
        let f = try await OutboxFixture(backend)
        defer { Task { await f.services.shutdown() } }
        try await f.clearOutbox()
        let group = try await f.group(.wechat)
        let app = Application(
            router: buildRouter(services: f.services), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: DemoApp.logger)
        try await app.test(.router) { (client: any TestClientProtocol) async throws -> Void in
            func put(_ user: String, _ json: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/settings/sealed-reply", method: .put,
                    headers: [.authorization: try await DemoApp.auth(user, f.services), .contentType: "application/json"],
                    body: ByteBuffer(string: json))
            }
            #expect(try await put("shouli", #"{"mode":"private"}"#).status == .forbidden)
            #expect(try await put("jijian", #"{"mode":"loud"}"#).status == .badRequest)
            #expect(try await put("jijian", #"{"mode":"private"}"#).status == .ok)
        }
        try await f.withFakes { port in
            await f.fakes.allowWechatbot("bridge")
            try await f.outbox.bindRobot(
                groupID: group.id, kind: .wechatbot, endpoint: "http://127.0.0.1:\(port)/", secret: "bridge", target: group.name)
            let stored = try await f.services.messages.append([
                IncomingMessage(
                    groupID: group.id, countyCode: OutboxFixture.county, platform: group.platform,
                    platformMessageID: "s-\(UUID().uuidString)",
                    senderID: "wxid_reporter", senderName: "匿名村民", text: "村会计把低保名额给了自己亲戚", sentAt: f.clock.now)
            ])
            guard case .stored(let mid) = stored[0] else { Issue.record("not stored"); return }
            let jwjw = try #require(try await f.services.departments.departments(county: OutboxFixture.county).first { $0.code == "jwjw" })
            let c = try await f.services.caseStore.open(
                NewCase(
                    county: OutboxFixture.county, township: group.villageCode.townshipCode, village: group.villageCode, groupID: group.id,
                    category: .petition,
                    departmentID: jwjw.id, sealed: true, title: "反映村干部问题", summary: "密封", messageIDs: [mid]),
                actor: AuditActor(name: "system", role: "system"), at: f.clock.now, workflow: f.services.workflow)
            try await SealedReportStore(database: f.services.database, cipher: f.services.cipher).seal(
                caseID: c.id, reporter: .init(name: "匿名村民", platformID: "wxid_reporter", phone: nil), originalText: "村会计把低保名额给了自己亲戚",
                accused: "村会计", accusedUsernames: [], at: f.clock.now)
            _ = try await f.services.caseStore.execute(
                .accept(note: "受理"), on: c.number, by: try await f.viewer("jijian"), workflow: f.services.workflow, at: f.clock.now)
            // Stored with the recipient encrypted: nothing in the row names the reporter.
            let row = try #require(try await f.services.database.sql.raw("SELECT * FROM outbox WHERE case_id = \(bind: c.id)").first())
            #expect(try row.decode(column: "mentions", as: String.self) == "[]")
            #expect(try row.decode(column: "recipient_cipher", as: String?.self)?.contains("wxid_reporter") == false)
            #expect(try await f.drain().delivered == 1)
            let got = await f.fakes.messages(for: "wechatbot:wxid_reporter")
            #expect(got.count == 1 && got.first?.isRoom == false)
            #expect(got.first?.text.contains(c.number.description) == true && got.first?.text.contains("低保") == false)
            #expect(await f.fakes.messages(for: "wechatbot:\(group.name)").isEmpty)
        }
        try await app.test(.router) { client in
            let admin = try await client.execute(
                uri: "/api/v1/outbox", method: .get, headers: [.authorization: try await DemoApp.auth("admin", f.services)])
            #expect(!String(buffer: admin.body).contains("私信答复"))
            let discipline = try await client.execute(
                uri: "/api/v1/outbox", method: .get, headers: [.authorization: try await DemoApp.auth("jijian", f.services)])
            #expect(String(buffer: discipline.body).contains("私信答复"))
        }
    }

    @Test(
        "a robot refused for good alerts its group's admins (not other villages'); messages with no robot wait as unbound and go once one is bound",
        arguments: Backend.available)
    func alertsAndUnbound(backend: Backend) async throws {
        let f = try await OutboxFixture(backend)
        defer { Task { await f.services.shutdown() } }
        try await f.clearOutbox()
        let village = RegionCode("433125111201")!
        let group = try #require(try await f.services.groups.groups(within: village, page: 1, perPage: 10).items.first)
        let app = Application(
            router: buildRouter(services: f.services), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: DemoApp.logger)
        try await f.withFakes { port in
            try await (f.services.database.sql).raw("DELETE FROM robots WHERE group_id = \(bind: group.id)").run()
            try await f.outbox.enqueue(county: "433125", groupID: group.id, causeKey: "u:1", kind: .progress, text: "等机器人", at: f.clock.now)
            var pass = try await f.drain()
            #expect(pass.unbound == 1 && pass.failed == 0)
            #expect(try await f.outbox.counts(county: "433125") == ["unbound": 1])
            await f.fakes.allowWeCom("k-good")
            try await f.outbox.bindRobot(
                groupID: group.id, kind: .wecomRobot, endpoint: "http://127.0.0.1:\(port)/cgi-bin/webhook/send?key=k-good", secret: nil,
                at: f.clock.now)
            pass = try await f.drain()
            #expect(pass.delivered == 1)
            #expect(await f.fakes.messages(for: "wecom:k-good").map(\.text) == ["等机器人"])

            try await f.outbox.bindRobot(
                groupID: group.id, kind: .wecomRobot, endpoint: "http://127.0.0.1:\(port)/cgi-bin/webhook/send?key=revoked", secret: nil,
                at: f.clock.now)
            try await f.outbox.enqueue(county: "433125", groupID: group.id, causeKey: "u:2", kind: .progress, text: "钥匙失效", at: f.clock.now)
            #expect(try await f.drain().failed == 1)
        }
        try await app.test(.router) { client in
            func alerts(_ user: String, all: Bool = false) async throws -> (HTTPResponse.Status, [[String: Any]]) {
                let r = try await client.execute(
                    uri: "/api/v1/alerts" + (all ? "?all=1" : ""), method: .get,
                    headers: [.authorization: try await DemoApp.auth(user, f.services)])
                let items =
                    (try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any])?["items"]
                    as? [[String: Any]] ?? []
                return (r.status, items)
            }
            let (status, mine) = try await alerts("dabaiyan")
            #expect(status == .ok && mine.count == 1)
            #expect((mine.first?["message"] as? String)?.contains("93000") == true && mine.first?["group_name"] as? String == group.name)
            #expect(try await alerts("changtanhe").1.count == 1)
            #expect(try await alerts("jiaotong").0 == .forbidden)
            #expect(try await alerts("admin").1.count == 1)
            let id = try #require(mine.first?["id"] as? String)
            let resolved = try await client.execute(
                uri: "/api/v1/alerts/\(id)/resolve", method: .post,
                headers: [.authorization: try await DemoApp.auth("dabaiyan", f.services)])
            #expect(resolved.status == .ok && String(buffer: resolved.body).contains("dabaiyan"))
            #expect(try await alerts("admin").1.isEmpty)
            #expect(try await alerts("admin", all: true).1.count == 1)
            #expect(
                try await client.execute(
                    uri: "/api/v1/alerts/\(UUID())/resolve", method: .post,
                    headers: [.authorization: try await DemoApp.auth("admin", f.services)]
                ).status == .notFound)
        }
    }
}

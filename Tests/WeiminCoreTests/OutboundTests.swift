import Foundation
import Testing
import WeiminCore

@Suite("Satisfaction replies in the chat")
struct SatisfactionReplyTests {
    static let table: [(String, Satisfaction?)] = [
        ("1", .satisfied), ("１", .satisfied), ("①", .satisfied), ("1。", .satisfied), (" 1 ", .satisfied), ("选1", .satisfied),
        ("满意", .satisfied), ("非常满意👍", .satisfied), ("满意，谢谢书记", .satisfied), ("1 满意", .satisfied), ("好评", .satisfied),
        ("2", .basicallySatisfied), ("基本满意", .basicallySatisfied), ("2 基本满意吧", .basicallySatisfied), ("还行", .basicallySatisfied),
        ("一般般", .basicallySatisfied),
        ("3", .unsatisfied), ("不满意！还没修", .unsatisfied), ("3 不满意", .unsatisfied), ("很不满意", .unsatisfied),
        ("不满意 433125-2026-000123 路灯还是不亮", .unsatisfied), ("根本没人来看，没解决", .unsatisfied), ("1 不满意", .unsatisfied),
        ("@为民小助手 3", .unsatisfied), ("@为民小助手\u{2005}满意", .satisfied),
        // Not answers:
        ("3组的路还没通", nil), ("谢谢", nil), ("收到", nil), ("12", nil), ("今天开会", nil), ("", nil), ("。。。", nil),
        ("大家对这次低保评定的结果都很不满意，为什么张家三口人都评上了而我们家老人病了几年都没有评上，我要去乡里问问清楚", nil),
    ]

    @Test("a table of real-looking answers", arguments: table)
    func answers(text: String, expected: Satisfaction?) {
        #expect(SatisfactionReply.parse(text)?.satisfaction == expected, "\(text)")
    }

    @Test("the case number is found wherever it is, and the remark is kept")
    func caseNumber() throws {
        let answer = try #require(SatisfactionReply.parse("433125-2026-000123 3 不满意，水管还在漏"))
        #expect(answer.caseNumber == CaseNumber("433125-2026-000123"))
        #expect(answer.satisfaction == .unsatisfied)
        #expect(answer.remark.contains("水管还在漏"))
        // A long message that names the case still counts.
        let long = try #require(SatisfactionReply.parse("编号433125-2026-000007 的事情我觉得基本满意，就是来得有点晚，希望下次快一点，谢谢各位干部辛苦了"))
        #expect(long.satisfaction == .basicallySatisfied && long.caseNumber?.sequence == 7)
    }
}

@Suite("Outbound templates and delivery policy")
struct OutboundPolicyTests {
    @Test("defaults render with every placeholder filled")
    func render() {
        let t = MessageTemplates.defaults
        let text = t.render(
            .receipt,
            ["mention": "@田大姐 ", "title": "路灯不亮", "case_number": "433125-2026-000001", "department": "县住建局", "deadline": "12月3日17:30"])
        #expect(text == "【受理回执】@田大姐 您反映的“路灯不亮”已受理，编号 433125-2026-000001，由县住建局办理，将于 12月3日17:30 前答复。")
        for kind in OutboundKind.allCases {
            #expect(throws: Never.self) { try MessageTemplates.validate(MessageTemplates.defaults.texts[kind]!, for: kind) }
        }
    }

    @Test("edited templates are checked: unknown placeholders, empty, too long")
    func validate() {
        #expect(throws: MessageTemplates.Problem.self) { try MessageTemplates.validate("编号 {case_numbr}", for: .receipt) }
        #expect(throws: MessageTemplates.Problem.self) { try MessageTemplates.validate("  ", for: .receipt) }
        #expect(throws: MessageTemplates.Problem.self) { try MessageTemplates.validate(String(repeating: "长", count: 600), for: .notice) }
        #expect(throws: Never.self) { try MessageTemplates.validate("您的诉求 {case_number} 已受理", for: .receipt) }
        #expect(MessageTemplates(texts: [.progress: "进展：{note} {x"]).render(.progress, ["note": "已派人"]) == "进展：已派人 {x")
    }

    @Test(
        "robot answers: delivered, retry later, or failed for good",
        arguments: [
            (Platform.wecom, 200, 0, DeliveryResult.delivered),
            (.wecom, 200, 45009, .retry(reason: "企业微信：发送过于频繁（45009）", after: 60)),
            (.wecom, 200, 93000, .permanent(reason: "企业微信：机器人 key 无效（93000）")),
            (.dingtalk, 200, 310000, .permanent(reason: "钉钉：签名、关键词或 IP 校验不通过（310000）")),
            (.dingtalk, 200, 130101, .retry(reason: "钉钉：发送过于频繁，已被限流（130101）", after: 600)),
            (.feishu, 200, 19021, .permanent(reason: "飞书：签名或时间戳校验失败（19021）")),
            (.feishu, 503, 0, .retry(reason: "HTTP 503", after: nil)),
            (.wecom, 404, 0, .permanent(reason: "HTTP 404：机器人地址无效或已被删除")),
        ] as [(Platform, Int, Int, DeliveryResult)])
    func classify(platform: Platform, status: Int, code: Int, expected: DeliveryResult) {
        #expect(DeliveryPolicy.classify(platform: platform, httpStatus: status, code: code, message: "") == expected)
    }

    @Test("backoff grows and is capped; the sliding minute allows 20")
    func pacing() {
        #expect(DeliveryPolicy.backoff(attempt: 1, jitter: 1) == 5)
        #expect(DeliveryPolicy.backoff(attempt: 4, jitter: 1) == 40)
        #expect(DeliveryPolicy.backoff(attempt: 30, jitter: 1) == 1800)
        let now = Date(timeIntervalSince1970: 1_000_000)
        let nineteen = (0..<19).map { now.addingTimeInterval(-Double($0)) }
        #expect(DeliveryPolicy.nextSlot(sentAt: nineteen, now: now) == nil)
        let twenty = (0..<20).map { now.addingTimeInterval(-Double($0) * 2) }
        #expect(DeliveryPolicy.nextSlot(sentAt: twenty, now: now) == now.addingTimeInterval(-38 + 61.01))
        #expect(DeliveryPolicy.nextSlot(sentAt: twenty.map { $0.addingTimeInterval(-100) }, now: now) == nil)
    }
}

@Suite("Objections to a 公示")
struct ObjectionDetectorTests {
    @Test(
        "objections are recognised; agreement and chatter are not",
        arguments: [
            ("我对低保名单有异议，张三家有车有房", true), ("凭什么他家评上了", true), ("这个不公平", true), ("财务公示里修路花了八万，账不对", true),
            ("反对！", true), ("为啥我家没有", true),
            ("没有异议", false), ("无异议，支持", false), ("收到", false), ("好的谢谢书记", false), ("👍", false), ("同意", false),
        ])
    func detect(text: String, expected: Bool) {
        #expect(ObjectionDetector.isObjection(text) == expected, "\(text)")
    }
}

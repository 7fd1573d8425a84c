import ArgumentParser
import Foundation
import WeiminApp
import WeiminCore
import WeiminPersistence
import WeiminServer

// weimin robot bind, weimin outbox status

struct RobotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robot", abstract: "群发送机器人。Outbound group robots.", subcommands: [RobotBind.self])
}

extension Robot.Kind: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

struct RobotBind: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bind",
        abstract: "为一个群绑定发送机器人（替换原有的）。Bind a group's outbound robot.",
        discussion: """
            The robot's address holds its key, so it is read from a JSON file, never from the command line:
              企业微信群机器人  {"url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"}
              钉钉自定义机器人  {"url": "https://oapi.dingtalk.com/robot/send?access_token=…", "secret": "SEC…"}
              飞书自定义机器人  {"url": "https://open.feishu.cn/open-apis/bot/v2/hook/…", "secret": "…"}
              wechatbot-webhook {"url": "http://桥接地址:3001", "secret": "令牌", "target": "群名称"}
              WeChatFerry       {"url": "http://桥接地址:9999", "target": "…@chatroom"}
            """)

    @Option(help: "群：群编号，或群在平台上的 ID。Group id or platform id.") var group: String
    @Option(help: "群所在平台。Platform of the group.") var platform: Platform = .wechat
    @Option(help: "机器人类型。Robot kind.") var kind: Robot.Kind
    @Option(name: .customLong("secrets-file"), help: "机器人地址和密钥（JSON 文件）。Robot address and secret (JSON file).") var secretsFile: String
    @OptionGroup var data: DataOptions

    func run() async throws {
        try await runReportingErrors {
            guard let bytes = FileManager.default.contents(atPath: secretsFile),
                let fields = try? JSONDecoder().decode([String: String].self, from: bytes), let url = fields["url"]
            else { throw StaffError.invalid("\(secretsFile) 应为 JSON 对象，至少包含 \"url\"") }
            if [.dingtalkRobot, .feishuBot].contains(kind), fields["secret"] == nil {
                say("注意：未提供 secret。若机器人开启了“加签”，消息会被拒收。")
            }
            let config = try await data.load()
            let reference = group
            let target = try await ServerRunner.withServices(config: config) { services -> String in
                guard let g = try await services.ingest.store.group(reference: reference, platform: platform) else {
                    throw StaffError.invalid("群 \(reference) 未登记。请先用 weimin group register 登记该群。")
                }
                try await services.outbox
                    .bindRobot(groupID: g.id, kind: kind, endpoint: url, secret: fields["secret"], target: fields["target"])
                return g.name
            }
            say("已为“\(target)”绑定发送机器人（\(kind.rawValue)）。受理回执、办结答复和回访将发到该群。")
        }
    }
}

struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox", abstract: "群消息发送情况。Outgoing group messages.", subcommands: [OutboxStatus.self])
}

struct OutboxStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "各状态条数，以及发送失败、无法确认的消息及原因。Counts, failures and their reasons.")

    @Option(help: "县代码。County code.") var county: String
    @OptionGroup var data: DataOptions

    func run() async throws {
        try await runReportingErrors {
            let config = try await data.load()
            let code = county
            let (counts, problems) = try await ServerRunner.withServices(config: config) { services in
                let store = services.outbox
                let counts = try await store.counts(county: code)
                let problems =
                    try await store.items(county: code, status: "failed", limit: 20)
                    + store.items(county: code, status: "uncertain", limit: 20)
                return (counts, problems)
            }
            let names = ["pending": "待发送", "sending": "发送中", "delivered": "已送达", "failed": "失败", "uncertain": "无法确认"]
            say(names.keys.sorted().map { "\(names[$0]!) \(counts[$0] ?? 0)" }.joined(separator: "，"))
            for p in problems {
                say("  #\(p.id) \(names[p.status] ?? p.status)：\(p.lastError ?? "")｜\(p.text.prefix(40))")
            }
        }
    }
}

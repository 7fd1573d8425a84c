import ArgumentParser
import Foundation
import WeiminApp
import WeiminCore
import WeiminPersistence
import WeiminServer

// weimin source add, weimin group register (weimin group member: GroupMemberCommands.swift)

struct SourceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "source", abstract: "消息来源（平台接入）。Message sources (platform connections).", subcommands: [SourceAdd.self])
}

struct SourceAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "新增消息来源并生成接入令牌（只显示一次）。Add a source and print its API token once.",
        discussion:
            "Example: weimin source add --county 433125 --kind generic --name 自建桥接  →  POST /api/v1/messages with Authorization: Bearer <token>"
    )

    @Option(help: "所属县代码。County code.") var county: String
    @Option(help: "类型 generic | wecom_app | wecom_robot | dingtalk | wechatbot | wcf。Kind.") var kind: String = "generic"
    @Option(help: "名称。Name.") var name: String
    @Option(
        name: .customLong("secrets-file"),
        help:
            "平台密钥 JSON 文件（不在命令行出现）：钉钉 {\"app_secret\":…}；企业微信机器人 {\"token\":…,\"encoding_aes_key\":…}；企业微信应用另加 \"corp_id\"。要经应用给值班人员发提醒：企业微信应用加 \"secret\" 和 \"agent_id\"，钉钉加 \"app_key\" 和 \"agent_id\"。Secrets file (JSON)."
    )
    var secretsFile: String?
    @OptionGroup var data: DataOptions

    func run() async throws {
        try await runReportingErrors {
            guard let code = RegionCode(county), code.level == .county else { throw StaffError.invalid("县代码 \(county) 无效：应为 6 位县级代码") }
            var secrets: [String: String] = [:]
            if let secretsFile {
                guard let data = FileManager.default.contents(atPath: secretsFile),
                    let parsed = try? JSONDecoder().decode([String: String].self, from: data)
                else { throw StaffError.invalid("密钥文件 \(secretsFile) 应为 JSON 对象，如 {\"app_secret\": \"…\"}") }
                secrets = parsed
            }
            let needed: [String: [String]] = [
                "dingtalk": ["app_secret"], "wecom_robot": ["token", "encoding_aes_key"],
                "wecom_app": ["token", "encoding_aes_key", "corp_id"],
            ]
            if let missing = needed[kind]?.filter({ secrets[$0] == nil }), !missing.isEmpty {
                throw StaffError.invalid("\(kind) 类型的来源需要在 --secrets-file 中提供：\(missing.joined(separator: "、"))")
            }
            let config = try await data.load()
            let (source, token) = try await ServerRunner.withServices(config: config) { services in
                try await services.ingest.store.addSource(county: code, kind: kind, name: name, secrets: secrets)
            }
            say("已新增来源“\(source.name)”（\(source.kind)，\(source.county)），编号 \(source.id)。")
            switch kind {
            case "dingtalk": say("钉钉机器人消息接收地址：https://<服务器地址>/ingest/dingtalk/\(source.id)")
            case "wecom_robot": say("企业微信智能机器人回调地址：https://<服务器地址>/ingest/wecom-robot/\(source.id)")
            case "wecom_app": say("企业微信应用“接收消息”URL：https://<服务器地址>/ingest/wecom/\(source.id)")
            case "wechatbot": say("wechatbot-webhook 的 RECVD_MSG_API：https://<服务器地址>/ingest/wechatbot/\(source.id)?token=\(token)")
            case "wcf": say("WeChatFerry（wcfhttp --cb）回调地址：https://<服务器地址>/ingest/wcf/\(source.id)?token=\(token)")
            case "generic": say("通用接口：POST https://<服务器地址>/api/v1/messages，请求头 Authorization: Bearer <令牌>")
            default: break
            }
            say("接入令牌（只显示这一次，请妥善保存）：\(token)")
        }
    }
}

struct GroupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group", abstract: "村群登记。Village groups.", subcommands: [GroupRegister.self, GroupMemberCommand.self])
}

extension Platform: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

struct GroupRegister: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "登记一个村群；此前隔离的该群消息随即归入。Register a group; its quarantined messages are attached.")

    @Option(help: "平台。Platform.") var platform: Platform
    @Option(name: .customLong("external-id"), help: "群在平台上的 ID（如 12345@chatroom）。The group's id on the platform.") var externalID: String
    @Option(help: "所属村代码（12 位）。Village code.") var village: String
    @Option(help: "群名称。Group name.") var name: String
    @OptionGroup var data: DataOptions

    func run() async throws {
        try await runReportingErrors {
            guard let code = RegionCode(village), code.level == .village else { throw StaffError.invalid("村代码 \(village) 无效：应为 12 位") }
            let config = try await data.load()
            let (_, attached) = try await ServerRunner.withServices(config: config) { services in
                try await services.ingest.store.registerGroup(platform: platform, externalID: externalID, name: name, village: code)
            }
            say("已登记“\(name)”，归入此前隔离的消息 \(attached) 条。")
        }
    }
}

import ArgumentParser
import Foundation
import WeiminCore
import WeiminPersistence
import WeiminServer

// weimin user add | list | passwd

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "管理工作人员账号。Manage staff accounts.",
        subcommands: [UserAdd.self, UserList.self, UserPassword.self, UserWeChat.self, UserWeCom.self, UserDingTalk.self])
}

extension Role: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

struct UserAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "新增账号。Add a staff user.",
        discussion: """
            角色 roles: operator 受理员, department_handler 部门承办人, township_cadre 乡镇干部,
            village_admin 村级管理员, supervisor 督办, discipline 纪检监察, leader 领导, admin 系统管理员.
            Example: weimin user add lisi --role department_handler --region 433125 --department zjj --name 李四
            Without --password-stdin a strong password is generated and printed once.
            """)

    @Argument(help: "用户名（英文字母、数字、. _ -）。Username.")
    var username: String

    @Option(help: "角色。Role.")
    var role: Role

    @Option(help: "管辖区划代码（县 6 位、乡镇 9 位、村 12 位）。Region scope code.")
    var region: String

    @Option(help: "部门代码（部门承办人必填），如 zjj。Department code, required for department_handler.")
    var department: String?

    @Option(help: "姓名。Display name.")
    var name: String?

    @Flag(name: .customLong("password-stdin"), help: "从标准输入读取密码（不在命令行明文出现）。Read the password from stdin.")
    var passwordStdin = false

    @OptionGroup var data: DataOptions

    func run() async throws {
        try await runReportingErrors {
            guard let code = RegionCode(region) else {
                throw StaffError.invalid("区划代码 \(region) 无效：应为 6、9 或 12 位数字")
            }
            var password: String
            var generated = false
            if passwordStdin {
                password = (readLine(strippingNewline: true) ?? "")
            } else {
                password = Self.generatePassword()
                generated = true
            }
            let config = try await data.load()
            let pw = password
            let viewer = try await ServerRunner.withServices(config: config) { services in
                try await services.staff.add(
                    .init(
                        username: username, displayName: name ?? username, password: pw, role: role, region: code,
                        departmentCode: department))
            }
            say("已创建账号 \(viewer.username)（\(CoreStrings.roleName(viewer.role))，管辖 \(viewer.region)）。")
            if generated { say("初始密码（只显示这一次）：\(password)") }
            password = ""
        }
    }

    static func generatePassword() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var g = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] })
    }
}

struct UserList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "列出账号。List staff users.")

    @OptionGroup var data: DataOptions

    func run() async throws {
        try await runReportingErrors {
            let config = try await data.load()
            let users = try await ServerRunner.withServices(config: config) { try await $0.staff.list() }
            for u in users {
                say("\(u.username)\t\(CoreStrings.roleName(u.role))\t\(u.region)\t\(u.displayName)")
            }
        }
    }
}

struct UserPassword: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd", abstract: "重设密码（从标准输入读取新密码）。Reset a password, read from stdin.")

    @Argument var username: String
    @OptionGroup var data: DataOptions

    func run() async throws {
        try await runReportingErrors {
            let password = readLine(strippingNewline: true) ?? ""
            let config = try await data.load()
            try await ServerRunner.withServices(config: config) { try await $0.staff.setPassword(username: username, password: password) }
            say("已重设 \(username) 的密码，原有登录令牌已失效。")
        }
    }
}

struct UserWeChat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wechat",
        abstract: "记录工作人员本人的微信号（wxid），值班提醒经个人微信桥私信送达。Record a staff member's own WeChat id for duty alerts.")

    @Argument(help: "用户名。Username.")
    var username: String

    @Argument(help: "微信号（wxid_…）；省略并加 --clear 则清除。WeChat id.")
    var wechatID: String?

    @Flag(help: "清除已记录的微信号。Forget it.")
    var clear = false

    @OptionGroup var data: DataOptions

    func validate() throws {
        guard clear != (wechatID != nil) else { throw ValidationError("请给出微信号，或用 --clear 清除（二者择一）。Give a WeChat id, or --clear.") }
    }

    func run() async throws {
        try await runReportingErrors {
            let config = try await data.load()
            try await ServerRunner.withServices(config: config) { try await $0.staff.setWeChatID(clear ? nil : wechatID, for: username) }
            say(clear ? "已清除 \(username) 的微信号。" : "已记录 \(username) 的微信号：值班提醒将经群里的个人微信桥私信送达。")
        }
    }
}

/// `weimin user wecom` / `weimin user dingtalk`: the account the county's own application writes to.
protocol PlatformAccountCommand: AsyncParsableCommand {
    static var channel: DutyChannel { get }
    var username: String { get }
    var accountID: String? { get }
    var clear: Bool { get }
    var data: DataOptions { get }
}

extension PlatformAccountCommand {
    func validate() throws {
        guard clear != (accountID != nil) else { throw ValidationError("请给出用户 ID，或用 --clear 清除（二者择一）。Give a user id, or --clear.") }
    }

    func run() async throws {
        try await runReportingErrors {
            let config = try await data.load()
            try await ServerRunner.withServices(config: config) {
                try await $0.staff.setPlatformAccount(clear ? nil : accountID, on: Self.channel, for: username)
            }
            let name = Self.channel == .wecom ? "企业微信" : "钉钉"
            say(
                clear
                    ? "已清除 \(username) 的\(name)用户 ID。"
                    : "已记录 \(username) 的\(name)用户 ID：值班提醒将经本县的\(Self.channel.displayName)送达（需已用 weimin source add 接入带 agent_id 的应用）。")
        }
    }
}

struct UserWeCom: PlatformAccountCommand {
    static let configuration = CommandConfiguration(
        commandName: "wecom",
        abstract: "记录工作人员的企业微信用户 ID（账号），值班提醒经本县企业微信应用消息送达。Record a staff member's WeCom user id for duty alerts.")
    static let channel = DutyChannel.wecom
    @Argument(help: "用户名。Username.") var username: String
    @Argument(help: "企业微信通讯录中的“账号”（userid）；省略并加 --clear 则清除。WeCom userid.") var accountID: String?
    @Flag(help: "清除已记录的用户 ID。Forget it.") var clear = false
    @OptionGroup var data: DataOptions
}

struct UserDingTalk: PlatformAccountCommand {
    static let configuration = CommandConfiguration(
        commandName: "dingtalk",
        abstract: "记录工作人员的钉钉 userId，值班提醒经本县钉钉应用的工作通知送达。Record a staff member's DingTalk userId for duty alerts.")
    static let channel = DutyChannel.dingtalk
    @Argument(help: "用户名。Username.") var username: String
    @Argument(help: "钉钉通讯录中的 userId；省略并加 --clear 则清除。DingTalk userId.") var accountID: String?
    @Flag(help: "清除已记录的用户 ID。Forget it.") var clear = false
    @OptionGroup var data: DataOptions
}

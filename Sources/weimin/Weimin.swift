import ArgumentParser
import Foundation
import WeiminCore
import WeiminPersistence
import WeiminServer

@main
struct Weimin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weimin",
        abstract: "为民 Weimin — 把村级微信群变成可追踪、限时办结的为民服务台。",
        discussion: """
            Weimin takes in village chat-group messages, turns demands into tracked cases (工单), dispatches them with legal time limits and keeps a tamper-evident record.

            第一次使用 first run:  weimin demo   （生成保靖县演示数据并启动 / seed the demo and serve）
            正式部署 production:   weimin migrate && weimin serve

            Settings come from flags, then WEIMIN_… environment variables, then a JSON config file (--config or WEIMIN_CONFIG), then defaults. Data lives in --dir (default ./weimin-data) unless --database-url postgres://… is given.
            """,
        subcommands: [Serve.self, Migrate.self, Demo.self, UserCommand.self, AuditCommand.self, CalendarCommand.self, RulesCommand.self, RetentionCommand.self, SourceCommand.self, GroupCommand.self])
}

/// Options every data command takes.
struct DataOptions: ParsableArguments {
    @Option(help: "数据目录（内置 SQLite 数据库和密钥文件）。Data folder for the embedded SQLite database and key file. Default ./weimin-data")
    var dir: String?

    @Option(name: .customLong("database-url"), help: "PostgreSQL 地址，如 postgres://weimin:密码@127.0.0.1:5432/weimin。Use PostgreSQL instead of SQLite.")
    var databaseURL: String?

    @Option(help: "JSON 配置文件。Config file (JSON), e.g. {\"http\":{\"port\":8080},\"database\":{\"url\":\"postgres://…\"}}")
    var config: String?

    @Option(name: .customLong("key-file"), help: "数据加密密钥文件（默认 数据目录/weimin.key）。Data-encryption key file.")
    var keyFile: String?

    @Option(name: .customLong("log-level"), help: "日志级别 trace|debug|info|warning|error。Log level.")
    var logLevel: String?

    func flags() -> [String: String] {
        var f: [String: String] = [:]
        if let dir { f[WeiminConfig.Key.dir] = dir }
        if let databaseURL { f[WeiminConfig.Key.databaseURL] = databaseURL }
        if let keyFile { f[WeiminConfig.Key.keyFile] = keyFile }
        if let logLevel { f[WeiminConfig.Key.logLevel] = logLevel }
        return f
    }

    func load(extra: [String: String] = [:]) async throws -> WeiminConfig {
        try await WeiminConfig.load(flags: flags().merging(extra) { _, new in new }, configFile: config)
    }
}

struct HTTPOptions: ParsableArguments {
    @Option(help: "监听地址（默认 127.0.0.1；局域网访问用 0.0.0.0）。Address to listen on.")
    var host: String?

    @Option(help: "端口（默认 8080）。Port to listen on.")
    var port: Int?

    func flags() -> [String: String] {
        var f: [String: String] = [:]
        if let host { f[WeiminConfig.Key.host] = host }
        if let port { f[WeiminConfig.Key.port] = String(port) }
        return f
    }
}

/// Runs a command body and turns any error into one plain sentence on stderr and exit code 1.
func runReportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as any CustomStringConvertible & Error {
        try? FileHandle.standardError.write(contentsOf: Data("错误：\(error.description)\n".utf8))
        throw ExitCode(1)
    } catch {
        try? FileHandle.standardError.write(contentsOf: Data("错误：\(error)\n".utf8))
        throw ExitCode(1)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "启动服务。Start the server (the database must be migrated first).")

    @OptionGroup var data: DataOptions
    @OptionGroup var http: HTTPOptions

    func run() async throws {
        try await runReportingErrors {
            let config = try await data.load(extra: http.flags())
            try await ServerRunner.serve(config: config)
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "初始化或升级数据库（重复运行无副作用）。Create or upgrade the database; safe to repeat.")

    @OptionGroup var data: DataOptions

    func run() async throws {
        try await runReportingErrors {
            let config = try await data.load()
            let result = try await ServerRunner.withServices(config: config, migrate: true) { services in
                (services.migrationsApplied, services.database.location)
            }
            say("数据库：\(result.1)")
            if result.0.isEmpty {
                say("数据库结构已是最新，无需迁移。")
            } else {
                say("已执行 \(result.0.count) 个迁移：\(result.0.joined(separator: ", "))")
            }
        }
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "演示：初始化数据库、写入保靖县示例数据并启动服务（可重复运行）。Migrate, seed the 保靖县 demo and serve.")

    @OptionGroup var data: DataOptions
    @OptionGroup var http: HTTPOptions

    @Flag(name: .customLong("no-serve"), help: "只写入数据，不启动服务。Seed only, do not serve.")
    var noServe = false

    func run() async throws {
        try await runReportingErrors {
            let config = try await data.load(extra: http.flags())
            let summary = try await ServerRunner.withServices(config: config, migrate: true) { services in
                try await services.demoSeeder().seed()
            }
            say(summary.alreadySeeded ? "演示数据已存在，未重复写入。" : "已写入演示数据：保靖县（433125）。")
            say("区划 \(summary.regions) 个，群 \(summary.groups) 个，消息 \(summary.messages) 条，工单 \(summary.cases) 件。")
            say("演示账号（密码均为 \(DemoSeeder.password)）：")
            for a in DemoSeeder.accounts {
                say("  \(a.username.padding(toLength: 12, withPad: " ", startingAt: 0)) \(CoreStrings.roleName(a.role))  \(a.name)")
            }

            if !noServe {
                try await ServerRunner.serve(config: config)
            }
        }
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "管理工作人员账号。Manage staff accounts.",
        subcommands: [UserAdd.self, UserList.self, UserPassword.self])
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
                try await services.staff.add(.init(
                    username: username, displayName: name ?? username, password: pw, role: role, region: code, departmentCode: department))
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

/// Unbuffered output, so lines appear in order even when stdout is a pipe or a log file.
func say(_ text: String) {
    try? FileHandle.standardOutput.write(contentsOf: Data((text + "\n").utf8))
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "核验或导出全程留痕记录。Verify or export the tamper-evident case record.",
        subcommands: [AuditVerify.self, AuditExportCommand.self])
}

struct AuditVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "核验所有工单的留痕链；发现篡改时列出工单和第一处断点并以非零状态退出。Verify every case's hash chain; exit 1 on tampering.")

    @OptionGroup var data: DataOptions

    func run() async throws {
        var broken = false
        try await runReportingErrors {
            let config = try await data.load()
            let report = try await ServerRunner.withServices(config: config) { services in
                try await AuditLedger(database: services.database).verifyAll()
            }
            say("已核验 \(report.casesChecked) 件工单、\(report.eventsChecked) 条记录。")
            if report.breaks.isEmpty {
                say("全部完好，未发现篡改。")
            } else {
                broken = true
                for (number, at) in report.breaks {
                    say("工单 \(number)：\(at)")
                }
                say("发现 \(report.breaks.count) 件工单的记录被改动。")
            }
        }
        if broken { throw ExitCode(1) }
    }
}

struct AuditExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "导出一件工单的完整留痕记录（JSON，含哈希与核验结果）。Export one case's full history as JSON evidence.")

    @Argument(help: "工单编号，如 433125-2026-000123。Case number.")
    var number: String

    @Option(help: "写入文件（默认输出到屏幕）。Write to this file instead of standard output.")
    var out: String?

    @OptionGroup var data: DataOptions

    func run() async throws {
        try await runReportingErrors {
            guard let n = CaseNumber(number) else { throw StaffError.invalid("工单编号格式应为 县代码-年份-序号，例如 433125-2026-000123") }
            let config = try await data.load()
            let export = try await ServerRunner.withServices(config: config) { try await AuditExport.make(services: $0, number: n) }
            guard let export else { throw StaffError.invalid("工单 \(n) 不存在") }
            let json = try export.json()
            if let out {
                try json.write(to: URL(fileURLWithPath: out))
                say("已导出到 \(out)（\(export.verified ? "核验通过" : "核验未通过")）。")
            } else {
                try? FileHandle.standardOutput.write(contentsOf: json + Data("\n".utf8))
            }
        }
    }
}

struct CalendarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar", abstract: "节假日安排。The official holiday calendar.",
        subcommands: [CalendarLoad.self, CalendarShow.self])
}

struct CalendarLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "导入新公布年份的节假日安排（holiday-cn JSON 格式），无需升级程序；重启服务后生效。Load a newly published year.")

    @Argument(help: "holiday-cn 格式的 JSON 文件，如 2027.json。")
    var file: String

    @OptionGroup var data: DataOptions

    func run() async throws {
        try await runReportingErrors {
            guard let json = FileManager.default.contents(atPath: file) else { throw StaffError.invalid("找不到文件 \(file)") }
            let config = try await data.load()
            let year = try await ServerRunner.withServices(config: config) { services in
                try await CalendarStore(database: services.database).load(json: json, by: NSUserName())
            }
            say("已导入 \(year) 年节假日安排。请重启 weimin serve 使其生效。")
        }
    }
}

struct CalendarShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "列出某年的节假日和调休上班日。Show a year's holidays and make-up days.")

    @Argument(help: "年份，默认今年。") var year: Int?
    @OptionGroup var data: DataOptions

    func run() async throws {
        try await runReportingErrors {
            let config = try await data.load()
            let (calendar, warning) = try await ServerRunner.withServices(config: config) { ($0.workflow.calendar, $0.calendarWarning()) }
            let y = year ?? calendar.local(Date()).date.year
            guard calendar.holidays.covers(year: y) else { throw StaffError.invalid("\(y) 年的节假日安排尚未导入") }
            for (d, name) in calendar.holidays.offDays.filter({ $0.key.year == y }).sorted(by: { $0.key < $1.key }) { say("\(d)  休  \(name)") }
            for (d, name) in calendar.holidays.makeUpDays.filter({ $0.key.year == y }).sorted(by: { $0.key < $1.key }) { say("\(d)  班  \(name)调休") }
            if let warning { say("警告：\(warning)") }
        }
    }
}

struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rules", abstract: "列出时限规则及其依据。List the deadline rules in force with their sources.")

    @OptionGroup var data: DataOptions

    func run() async throws {
        try await runReportingErrors {
            let config = try await data.load()
            let rules = try WeiminServer.deadlineRules(config: config)
            for r in rules.rules {
                let scope = [r.category.map { CoreStrings.categoryName($0) }, r.urgency.map { CoreStrings.urgencyName($0) }, r.sealed == true ? "密封件" : nil].compactMap { $0 }.joined(separator: "·")
                let ext = r.maxExtension.map { "，可延期≤\($0)" } ?? ""
                say("\(r.step.chineseName)\(scope.isEmpty ? "" : "（\(scope)）")：\(r.limit)\(ext) — \(r.source)")
            }
        }
    }
}

struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "按保存期限删除已结束工单中的群众个人信息（服务每天自动执行）。Erase personal data past the retention period.",
        subcommands: [RetentionRun.self])
}

struct RetentionRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "立即执行一次。Run once now.")

    @Flag(name: .customLong("dry-run"), help: "只列出将被删除的工单。Only list what would be erased.") var dryRun = false
    @OptionGroup var data: DataOptions

    func run() async throws {
        try await runReportingErrors {
            let config = try await data.load()
            let days = config.retentionDays
            guard days > 0 else { say("保存期限设为 0（不自动删除），未执行。"); return }
            let numbers = try await ServerRunner.withServices(config: config) { services in
                let store = RetentionStore(database: services.database)
                return dryRun ? try await store.dueNumbers(now: Date(), days: days) : try await store.run(now: Date(), days: days)
            }
            say("\(dryRun ? "将删除" : "已删除") \(numbers.count) 件工单中的个人信息（保存期限 \(days) 日）。")
            for n in numbers.prefix(50) { say("  \(n)") }
        }
    }
}

struct SourceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "source", abstract: "消息来源（平台接入）。Message sources (platform connections).", subcommands: [SourceAdd.self])
}

struct SourceAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "新增消息来源并生成接入令牌（只显示一次）。Add a source and print its API token once.",
        discussion: "Example: weimin source add --county 433125 --kind generic --name 自建桥接  →  POST /api/v1/messages with Authorization: Bearer <token>")

    @Option(help: "所属县代码。County code.") var county: String
    @Option(help: "类型 generic | wecom_app | wecom_robot | dingtalk | wechatbot | wcf。Kind.") var kind: String = "generic"
    @Option(help: "名称。Name.") var name: String
    @OptionGroup var data: DataOptions

    func run() async throws {
        try await runReportingErrors {
            guard let code = RegionCode(county), code.level == .county else { throw StaffError.invalid("县代码 \(county) 无效：应为 6 位县级代码") }
            let config = try await data.load()
            let (source, token) = try await ServerRunner.withServices(config: config) { services in
                try await IngestStore(database: services.database, cipher: services.cipher).addSource(county: code, kind: kind, name: name)
            }
            say("已新增来源“\(source.name)”（\(source.kind)，\(source.county)）。")
            say("接入令牌（只显示这一次，请妥善保存）：\(token)")
        }
    }
}

struct GroupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "group", abstract: "村群登记。Village groups.", subcommands: [GroupRegister.self])
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
                try await IngestStore(database: services.database, cipher: services.cipher).registerGroup(platform: platform, externalID: externalID, name: name, village: code)
            }
            say("已登记“\(name)”，归入此前隔离的消息 \(attached) 条。")
        }
    }
}

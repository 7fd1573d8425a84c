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
        version: WeiminVersion.description,
        subcommands: [
            Serve.self, Migrate.self, Demo.self, UserCommand.self, AuditCommand.self, CalendarCommand.self, RulesCommand.self,
            RetentionCommand.self, SourceCommand.self, GroupCommand.self, ImportCommand.self, BenchCommand.self, RobotCommand.self,
            OutboxCommand.self, ModelCommand.self, ClassifyCommand.self, MediaCommand.self, BackupCommand.self, RestoreCommand.self,
            ConfigCommand.self,
        ])
}

/// Options every data command takes.
struct DataOptions: ParsableArguments {
    @Option(help: "数据目录（内置 SQLite 数据库和密钥文件）。Data folder for the embedded SQLite database and key file. Default ./weimin-data")
    var dir: String?

    @Option(
        name: .customLong("database-url"),
        help: "PostgreSQL 地址，如 postgres://weimin:密码@127.0.0.1:5432/weimin。Use PostgreSQL instead of SQLite.")
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

/// Unbuffered output, so lines appear in order even when stdout is a pipe or a log file.
func say(_ text: String) {
    try? FileHandle.standardOutput.write(contentsOf: Data((text + "\n").utf8))
}

import ArgumentParser
import Foundation
import WeiminServer

// weimin config show

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "查看生效的设置。Show the settings in force.", subcommands: [ConfigShow.self])
}

struct ConfigShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "列出每项设置的值和来源（命令行、环境变量、配置文件或默认），密钥类已隐藏。Every setting, its value and where it came from; secrets masked.")

    @OptionGroup var data: DataOptions
    @OptionGroup var http: HTTPOptions

    @Flag(help: "输出 JSON。Print JSON.") var json = false

    func run() async throws {
        try await runReportingErrors {
            let flags = data.flags().merging(http.flags()) { _, new in new }
            let config = try await data.load(extra: http.flags())
            let lines = ConfigReport.lines(config, flags: flags)
            if json {
                let objects = lines.map { ["key": $0.key, "value": $0.value, "source": $0.source] }
                let bytes = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: bytes, as: UTF8.self))
                return
            }
            let width = lines.map(\.key.count).max() ?? 10
            for l in lines {
                say(l.key.padding(toLength: width + 2, withPad: " ", startingAt: 0) + l.value + "    ← " + l.source)
            }
        }
    }
}

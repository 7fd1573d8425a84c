import ArgumentParser
import Foundation
import WeiminCore
import WeiminPersistence
import WeiminServer

// weimin audit verify | export

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
            let progress = ProgressLine()
            let report = try await ServerRunner.withServices(config: config) { services in
                let total = try await services.database.rowCounts()["cases"] ?? 0
                return try await services.audit.verifyAll { progress.show("核验留痕链", $0, of: total) }
            }
            progress.show("核验留痕链", report.casesChecked, of: report.casesChecked, final: true)
            say("已核验 \(report.casesChecked) 件工单、\(report.eventsChecked) 条记录。")
            if report.breaks.isEmpty && report.mismatches.isEmpty {
                say("全部完好，未发现篡改。")
            }
            if !report.breaks.isEmpty {
                broken = true
                for (number, at) in report.breaks {
                    say("工单 \(number)：\(at)")
                }
                say("发现 \(report.breaks.count) 件工单的记录被改动。")
            }
            if !report.mismatches.isEmpty {
                // The chain is intact but the case row no longer matches it: edited in the database directly.
                broken = true
                for (number, fields) in report.mismatches {
                    say("工单 \(number)：当前\(fields.joined(separator: "、"))与留痕记录不符（工单被直接改动）")
                }
                say("发现 \(report.mismatches.count) 件工单与留痕记录不符。")
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

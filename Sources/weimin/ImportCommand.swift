import ArgumentParser
import Foundation
import WeiminApp
import WeiminCore
import WeiminPersistence
import WeiminServer

// weimin import FILE --group …

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "导入手机导出的群聊记录（留痕/MemoTrace 的 CSV 或 TXT）。Import a chat export into a registered group.",
        discussion: "Example: weimin import 大白岩村群.csv --group 12345@chatroom   (re-importing the same file adds nothing)")

    @Argument(help: "导出文件（.csv 或 .txt，UTF-8）。Export file.") var file: String
    @Option(help: "已登记的群：群编号，或群在平台上的 ID。Group id or platform id.") var group: String
    @Option(help: "群所在平台。Platform of the group.") var platform: Platform = .wechat
    @Option(help: "文件格式 csv | txt（默认按文件判断）。Format.") var format: String?
    @OptionGroup var data: DataOptions

    func run() async throws {
        try await runReportingErrors {
            guard let bytes = FileManager.default.contents(atPath: file) else { throw StaffError.invalid("读不到文件 \(file)") }
            guard let text = String(data: bytes, encoding: .utf8) else {
                throw StaffError.invalid("\(file) 不是 UTF-8 编码。请在导出工具中选择 UTF-8，或先用 iconv -f GBK -t UTF-8 转换。")
            }
            let kind: ChatExport.Format
            if let format {
                guard let f = ChatExport.Format(rawValue: format) else { throw StaffError.invalid("--format 应为 csv 或 txt") }
                kind = f
            } else {
                guard let f = ChatExport.detect(fileName: file, head: String(text.prefix(200))) else {
                    throw StaffError.invalid("无法判断 \(file) 的格式：请用 --format csv 或 --format txt 指明")
                }
                kind = f
            }
            let config = try await data.load()
            let parsed: ChatExport.Result
            switch kind {
            case .csv:
                do { parsed = try ChatExport.parseCSV(text) } catch { throw StaffError.invalid("\(file)：\(error)") }
            case .txt:
                parsed = ChatExport.parseTXT(text, utcOffset: (TimeZone(identifier: config.timezone) ?? .current).secondsFromGMT())
            }
            let reference = group
            let summary = try await ServerRunner.withServices(config: config) { services in
                guard let target = try await services.ingest.store.group(reference: reference, platform: platform) else {
                    throw StaffError.invalid("群 \(reference) 未登记。请先用 weimin group register 登记该群。")
                }
                say("导入 \(file) → “\(target.name)”：共 \(parsed.read) 条记录")
                let bar = ProgressBar()
                return try await services.importHistory.run(parsed, groupID: target.id, county: target.county, platform: platform) {
                    bar.show($0, of: $1)
                }
            }
            say("读取 \(summary.read) 条：新增 \(summary.new)，重复 \(summary.duplicate)，跳过 \(summary.skipped.count)。")
            let reasons = Dictionary(grouping: summary.skipped, by: { $0.reason.prefix { $0 != "「" && $0 != "：" } })
            for (reason, rows) in reasons.sorted(by: { $0.value.count > $1.value.count }) {
                let lines = rows.prefix(5).map { "第 \($0.line) 行" }.joined(separator: "、")
                say("  跳过 \(rows.count) 条：\(reason)（\(lines)\(rows.count > 5 ? " 等" : "")）")
            }
        }
    }
}

/// A one-line progress bar on standard error, drawn only when that is a terminal.
struct ProgressBar: Sendable {
    let terminal = isatty(2) == 1

    func show(_ done: Int, of total: Int) {
        guard terminal, total > 0 else { return }
        let width = 30
        let filled = done * width / total
        let line =
            "\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            + "] \(done * 100 / total)% \(done)/\(total)"
        FileHandle.standardError.write(Data((done == total ? line + "\n" : line).utf8))
    }
}

import ArgumentParser
import Foundation
import WeiminApp
import WeiminCore
import WeiminPersistence
import WeiminServer

// weimin calendar load | show, weimin rules, weimin retention run

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
                try await services.calendars.load(json: json, by: NSUserName())
            }
            say("已导入 \(year) 年节假日安排。请重启 weimin serve 使其生效。")
        }
    }
}

struct CalendarShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "列出某年的节假日和调休上班日。Show a year's holidays and make-up days.")

    @Argument(help: "年份，默认今年。") var year: Int?
    @OptionGroup var data: DataOptions

    func run() async throws {
        try await runReportingErrors {
            let config = try await data.load()
            let (calendar, warning) = try await ServerRunner.withServices(config: config) { ($0.workflow.calendar, $0.calendarWarning()) }
            let y = year ?? calendar.local(Date()).date.year
            guard calendar.holidays.covers(year: y) else { throw StaffError.invalid("\(y) 年的节假日安排尚未导入") }
            for (d, name) in calendar.holidays.offDays.filter({ $0.key.year == y }).sorted(by: { $0.key < $1.key }) {
                say("\(d)  休  \(name)")
            }
            for (d, name) in calendar.holidays.makeUpDays.filter({ $0.key.year == y }).sorted(by: { $0.key < $1.key }) {
                say("\(d)  班  \(name)调休")
            }
            if let warning { say("警告：\(warning)") }
        }
    }
}

struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules", abstract: "列出时限规则及其依据。List the deadline rules in force with their sources.")

    @OptionGroup var data: DataOptions

    func run() async throws {
        try await runReportingErrors {
            let config = try await data.load()
            let rules = try WeiminServer.deadlineRules(config: config)
            for r in rules.rules {
                let scope = [
                    r.category.map { CoreStrings.categoryName($0) }, r.urgency.map { CoreStrings.urgencyName($0) },
                    r.sealed == true ? "密封件" : nil,
                ].compactMap { $0 }.joined(separator: "·")
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
                let retention = RunRetention(store: services.retention)
                if dryRun { return try await retention.due(now: Date(), days: days) }
                let progress = ProgressLine()
                let total = try await retention.due(now: Date(), days: days).count
                let erased = try await retention.run(now: Date(), days: days) { progress.show("删除个人信息（工单）", $0, of: total) }
                if total > 0 { progress.show("删除个人信息（工单）", erased.count, of: total, final: true) }
                // The erased photos' and voice notes' files go now rather than at the server's next media pass.
                while try await services.mediaStore.sweepErased(files: services.mediaFiles) > 0 {}
                return erased
            }
            say("\(dryRun ? "将删除" : "已删除") \(numbers.count) 件工单中的个人信息（保存期限 \(days) 日）。")
            for n in numbers.prefix(50) { say("  \(n)") }
        }
    }
}

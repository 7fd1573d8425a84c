import ArgumentParser
import Foundation
import WeiminBench
import WeiminServer

// weimin bench ingest | outbox | triage | ledger

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "性能测试。Benchmarks.",
        subcommands: [BenchIngest.self, BenchOutbox.self, BenchTriage.self, BenchLedger.self])
}

struct BenchIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "消息接入吞吐：HTTP 单条与批量，对比同机直接写库的上限。Ingestion throughput over loopback HTTP vs the store's limit.",
        discussion:
            "Uses a fresh temporary database (SQLite by default). Example: weimin bench ingest --database-url postgres://…/weimin_bench")

    @Option(name: .customLong("database-url"), help: "用 PostgreSQL（空库）代替 SQLite。Benchmark PostgreSQL instead of SQLite.") var databaseURL:
        String?
    @Option(help: "单条请求数。Single-message requests.") var singles: Int = 20_000
    @Option(help: "批量请求数（每批 1000 条）。Batch requests of 1,000.") var batches: Int = 100
    @Option(help: "单条请求的并发连接数。Connections for single requests.") var connections: Int = 32
    @Option(name: .customLong("raw-singles"), help: "直接写库的单条事务数。Store baseline: single-message transactions.") var rawSingles: Int = 2000
    @Option(name: .customLong("raw-batches"), help: "直接写库的批量事务数（每批 1000 条）。Store baseline: 1,000-message transactions.") var rawBatches:
        Int = 20
    @Flag(help: "再测一遍 HTTP，同时运行分诊（与 serve 一样）。Repeat the HTTP phases with triage running alongside.") var triage = false
    @Flag(help: "输出 JSON。Print one JSON object.") var json = false

    func run() async throws {
        try await runReportingErrors {
            var options = IngestBenchmark.Options()
            options.triage = triage
            options.databaseURL = databaseURL
            options.singles = singles
            options.batches = batches
            options.connections = connections
            options.rawSingles = rawSingles
            options.rawBatches = rawBatches
            let quiet = json
            let result = try await IngestBenchmark(options: options) { line in if !quiet { say(line) } }.run()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                say(String(decoding: try encoder.encode(result), as: UTF8.self))
                return
            }
            say("")
            say("数据库：\(result.database)")
            for f in result.figures {
                var line = "    \(f.messages) 条，\(Int(f.perSecond.rounded())) 条/秒"
                if let p50 = f.p50ms, let p99 = f.p99ms { line += String(format: "，延迟 p50 %.1f ms / p99 %.1f ms", p50, p99) }
                if let r = f.ratioToLimit { line += String(format: "，为上限的 %.2f 倍", r) }
                if let r = f.ratioToWithoutTriage { line += String(format: "，为不分诊时的 %.2f 倍", r) }
                if f.failures > 0 { line += "，失败 \(f.failures)" }
                say(f.name)
                say(line)
            }
            say(String(format: "峰值内存（含预先生成的请求）：%.0f MB；已确认 %d 条，库中 %d 条", result.peakMemoryMB, result.acknowledged, result.stored))
        }
    }
}

struct BenchOutbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "群消息发送：N 条消息经发件箱发往 R 个（本机模拟的）机器人。Outbox delivery to loopback fake robots.",
        discussion: "Each robot takes 20 messages a minute, so 10,000 messages to 100 robots take at least 4 minutes.")

    @Option(name: .customLong("database-url"), help: "用 PostgreSQL（空库）代替 SQLite。") var databaseURL: String?
    @Option(help: "机器人数。Robots.") var robots: Int = 100
    @Option(help: "消息数。Messages.") var messages: Int = 10_000
    @Flag(help: "输出 JSON。") var json = false

    func run() async throws {
        try await runReportingErrors {
            var options = OutboxBenchmark.Options()
            options.databaseURL = databaseURL
            options.robots = robots
            options.messages = messages
            let quiet = json
            let r = try await OutboxBenchmark(options: options) { line in if !quiet { say(line) } }.run()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                say(String(decoding: try encoder.encode(r), as: UTF8.self))
                return
            }
            say("")
            say("数据库：\(r.database)")
            say(
                String(
                    format: "%d 条消息，%d 个机器人：用时 %.0f 秒（按每分钟 20 条的下限为 %.0f 秒），%d 轮", r.messages, r.robots, r.seconds, r.floorSeconds, r.passes
                ))
            say("送达 \(r.delivered)，重试 \(r.retries)，等待限流窗口 \(r.waitedForWindow) 次，失败 \(r.failed)")
            say(
                "模拟机器人收到 \(r.received) 条：丢失 \(r.lost)，重复 \(r.doubled)，顺序错乱的机器人 \(r.outOfOrderRobots)，因超限被拒 \(r.refusedForRate) 次，任一分钟内最多 \(r.maxPerMinute) 条"
            )
        }
    }
}

struct BenchTriage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "triage",
        abstract: "分诊速度（单核）、训练时间、模型大小、峰值内存。Triage speed on one core, training time for 10k/100k rows, model size, peak memory.",
        discussion: "Run from the project folder (reads data/triage/corpus.tsv). Example: weimin bench triage --json")

    @Option(help: "模型文件（默认内置模型）。Model file.") var model: String?
    @Option(help: "带表头的消息文件。Messages (with a header row).") var data: String = "data/triage/corpus.tsv"
    @Option(name: .customLong("text-column")) var textColumn: String = "text"
    @Option(help: "计时的模型头。Head timed for prediction.") var head: String = "category"
    @Flag(name: .customLong("predict-only"), help: "只测预测速度。Only time prediction.") var predictOnly = false
    @Option(help: "每项计时的秒数。Seconds per timed loop.") var seconds: Double = 3
    @Option(help: "训练计时的数据量，逗号分隔（空：不测训练）。Training sizes to time.") var train: String = "10000,100000"
    @Flag(help: "输出 JSON。Print one JSON object.") var json = false

    func run() async throws {
        try await runReportingErrors {
            var options = TriageBenchmark.Options()
            options.trainSizes = train.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            options.modelPath = model
            options.dataPath = data
            options.textColumn = textColumn
            options.head = head
            options.predictOnly = predictOnly
            options.seconds = seconds
            let quiet = json
            let result = try TriageBenchmark(options: options) { line in if !quiet { say(line) } }.run()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                encoder.keyEncodingStrategy = .convertToSnakeCase
                say(String(decoding: try encoder.encode(result), as: UTF8.self))
            }
        }
    }
}

struct BenchLedger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "台账查询：百万工单下的筛选、搜索、分页。The ledger's queries on a county with a million cases.",
        discussion: "Run from the project folder (titles come from data/triage/corpus.tsv). Example: weimin bench ledger --cases 1000000")

    @Option(name: .customLong("database-url"), help: "用 PostgreSQL（空库）代替 SQLite。Benchmark PostgreSQL instead of SQLite.") var databaseURL:
        String?
    @Option(help: "工单数。Cases to write.") var cases: Int = 1_000_000
    @Option(help: "每个查询计时次数（取中位数）。Runs per query (median).") var runs: Int = 5
    @Flag(help: "输出 JSON。Print one JSON object.") var json = false

    func run() async throws {
        try await runReportingErrors {
            var options = LedgerBenchmark.Options()
            options.databaseURL = databaseURL
            options.cases = cases
            options.runs = runs
            let quiet = json
            let result = try await LedgerBenchmark(options: options) { line in if !quiet { say(line) } }.run()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                say(String(decoding: try encoder.encode(result), as: UTF8.self))
            }
        }
    }
}

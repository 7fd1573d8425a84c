import ArgumentParser
import Foundation
import WeiminServer

// weimin bench ingest

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "性能测试。Benchmarks.", subcommands: [BenchIngest.self])
}

struct BenchIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "消息接入吞吐：HTTP 单条与批量，对比同机直接写库的上限。Ingestion throughput over loopback HTTP vs the store's limit.",
        discussion: "Uses a fresh temporary database (SQLite by default). Example: weimin bench ingest --database-url postgres://…/weimin_bench")

    @Option(name: .customLong("database-url"), help: "用 PostgreSQL（空库）代替 SQLite。Benchmark PostgreSQL instead of SQLite.") var databaseURL: String?
    @Option(help: "单条请求数。Single-message requests.") var singles: Int = 20_000
    @Option(help: "批量请求数（每批 1000 条）。Batch requests of 1,000.") var batches: Int = 100
    @Option(help: "单条请求的并发连接数。Connections for single requests.") var connections: Int = 32
    @Flag(help: "输出 JSON。Print one JSON object.") var json = false

    func run() async throws {
        try await runReportingErrors {
            var options = IngestBenchmark.Options()
            options.databaseURL = databaseURL
            options.singles = singles
            options.batches = batches
            options.connections = connections
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
            say(String(format: "%-58@ %9@ %10@ %8@ %8@ %7@", "", "条数", "条/秒", "p50 ms", "p99 ms", "÷上限"))
            for f in result.figures {
                let p50 = f.p50ms.map { String(format: "%.1f", $0) } ?? "-"
                let p99 = f.p99ms.map { String(format: "%.1f", $0) } ?? "-"
                say("\(f.name)\n    " + String(format: "%9d %10.0f %8@ %8@ %7.2f", f.messages, f.perSecond, p50, p99, f.ratioToLimit ?? 0) + (f.failures > 0 ? "  失败 \(f.failures)" : ""))
            }
            say(String(format: "峰值内存（含预先生成的请求）：%.0f MB；已确认 %d 条，库中 %d 条", result.peakMemoryMB, result.acknowledged, result.stored))
        }
    }
}

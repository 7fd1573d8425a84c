import FluentKit
import Foundation
import SQLKit
import WeiminCore
import WeiminPersistence
import WeiminServer

/// `weimin bench ledger`: the ledger's queries on a county with many cases (a million by default). The demo
/// county is seeded, then synthetic cases are written in bulk — titles and summaries from the triage corpus's
/// real-looking messages, spread over the county's townships, villages, departments, states and two years —
/// with their search rows. Each query is timed as the ledger page runs it (filters, visibility, total, one
/// page), median of several runs, beside the demo-size first page measured in the same run as the baseline.
public struct LedgerBenchmark {
    public struct Options: Sendable {
        public var databaseURL: String?
        public var cases = 1_000_000
        public var runs = 5
        public var corpusPath = "data/triage/corpus.tsv"
        public init() {}
    }

    public struct Result: Codable, Sendable {
        public var cases: Int
        public var insertSeconds: Double
        public var baselineMs: Double
        public var queries: [String: Double]
    }

    let options: Options
    let say: (String) -> Void

    public init(options: Options, say: @escaping (String) -> Void) {
        self.options = options
        self.say = say
    }

    public func run() async throws -> Result {
        try await BenchSupport.withFreshServices(databaseURL: options.databaseURL) { services in
            _ = try await services.demoSeeder().seed()
            let operatorViewer = try await services.staff.user(named: "shouli")!
            let visibility = operatorViewer.caseVisibility
            func time(_ query: CaseQuery, exactCount: Bool = false) async throws -> Double {
                var q = query
                if !exactCount { q.countLimit = q.ledgerCountLimit }  // as the ledger page counts
                var samples: [Double] = []
                for _ in 0..<options.runs {
                    let t0 = ContinuousClock.now
                    _ = try await services.cases.cases(q, visibility: visibility)
                    samples.append(TriageBenchmark.seconds(ContinuousClock.now - t0) * 1000)
                }
                return TriageBenchmark.median(samples)
            }
            let baseline = try await time(CaseQuery(perPage: 50))
            say(String(format: "基线（演示数据，约 130 件）首页：%.1f ms", baseline))

            let start = ContinuousClock.now
            try await insert(services: services)
            let insertSeconds = TriageBenchmark.seconds(ContinuousClock.now - start)
            say(String(format: "写入 %d 件工单：%.1f 秒", options.cases, insertSeconds))

            let townships = try await services.regions.regions(level: .township, within: RegionCode("433125")!)
            let dept = try await services.departments.departments(county: RegionCode("433125")!).first { $0.code == "jtj" }!
            let now = Date()
            let cases: [(String, CaseQuery)] = [
                ("首页（最新 50 件）", CaseQuery(perPage: 50)),
                ("按类别和状态", CaseQuery(states: [.inProgress], category: .service, perPage: 50)),
                ("按乡镇", CaseQuery(townshipCode: townships[3].code, perPage: 50)),
                ("按部门、期限最近", CaseQuery(departmentID: dept.id, sort: .dueSoonest, perPage: 50)),
                ("只看超期", CaseQuery(overdueAt: now, perPage: 50)),
                ("按日期范围", CaseQuery(createdFrom: now.addingTimeInterval(-30 * 86400), createdTo: now, perPage: 50)),
                ("搜索两个字“路灯”", CaseQuery(text: "路灯", perPage: 50)),
                ("搜索三个字“低保金”", CaseQuery(text: "低保金", perPage: 50)),
                ("搜索 + 乡镇 + 状态", CaseQuery(states: [.resolved], townshipCode: townships[0].code, text: "漏水", perPage: 50)),
                ("第 1000 页", CaseQuery(page: 1000, perPage: 50)),
            ]
            var results: [String: Double] = [:]
            for (name, q, exact) in cases.map({ ($0.0, $0.1, false) }) + [("首页，精确总数（API 的计法）", CaseQuery(perPage: 50), true)] {
                let ms = try await time(q, exactCount: exact)
                results[name] = ms
                say(String(format: "%@：%.1f ms（基线的 %.0f 倍）", name, ms, ms / max(baseline, 0.001)))
            }
            return Result(cases: options.cases, insertSeconds: insertSeconds, baselineMs: baseline, queries: results)
        }
    }

    /// Bulk rows straight into `cases` and `case_search`, 500 a statement, in transactions of 20,000.
    func insert(services: AppServices) async throws {
        guard let text = FileManager.default.contents(atPath: options.corpusPath).flatMap({ String(data: $0, encoding: .utf8) }) else {
            throw TriageSetup.SetupError(description: "读不到 \(options.corpusPath)（请在项目目录运行）")
        }
        let messages = try LabelledData.read(text, delimiter: 0x09, textColumn: "text", labelColumns: ["category"]).examples
            .filter { $0.labels["category"] != "none" }.map(\.text)
        let villages = try await services.regions.regions(level: .village, within: RegionCode("433125")!)
        let departments = try await services.departments.departments(county: RegionCode("433125")!)
        let states = CaseState.allCases.map(\.rawValue)
        let categories = Category.actionable.map(\.rawValue)
        var rng = SplitMix64(seed: 2026)
        let now = Date().timeIntervalSince1970
        var made = 0
        while made < options.cases {
            let chunk = min(20_000, options.cases - made)
            // The statements are built first, then written in one transaction.
            var statements: [(SQLQueryString, SQLQueryString)] = []
            var i = 0
            while i < chunk {
                let n = min(500, chunk - i)
                var caseRows: [SQLQueryString] = []
                var searchRows: [SQLQueryString] = []
                for k in 0..<n {
                    let seq = made + i + k + 1
                    let id = UUID()
                    let v = villages[Int(rng.next() % UInt64(villages.count))]
                    let d = departments[Int(rng.next() % UInt64(departments.count))]
                    let message = messages[Int(rng.next() % UInt64(messages.count))]
                    let title = String(message.prefix(16))
                    let created = Date(timeIntervalSince1970: now - Double(rng.next() % (730 * 86400)))
                    let due = created.addingTimeInterval(Double(rng.next() % (20 * 86400)))
                    let number = String(format: "433125-%04d-%06d", 2024 + seq % 3, 500_000 + seq / 3)  // above the demo's numbers
                    caseRows.append(
                        """
                        (\(bind: id), \(bind: number), '433125', \(bind: v.code.townshipCode!.rawValue), \(bind: v.code.rawValue), \(bind: v.code.rawValue),
                         \(bind: categories[Int(rng.next() % 5)]), \(bind: d.id), 'normal', \(bind: states[Int(rng.next() % UInt64(states.count))]),
                         \(bind: false), \(bind: title), \(bind: message), 0, \(bind: created), \(bind: created), \(bind: due), 0)
                        """)
                    searchRows.append("(\(bind: id), \(bind: "\(number) \(title) \(message)".lowercased()))")
                }
                let insertCases = SQLQueryString(
                    """
                    INSERT INTO cases (id, number, county_code, township_code, village_code, scope_code, category, department_id, urgency, state,
                                       sealed, title, summary, opinion_risk, created_at, updated_at, due_at, version) VALUES
                    """)
                statements.append(
                    (
                        insertCases + caseRows.joined(separator: ", "),
                        SQLQueryString("INSERT INTO case_search (case_id, body) VALUES ") + searchRows.joined(separator: ", ")
                    ))
                i += n
            }
            let batch = statements
            try await services.database.db.transaction { db in
                let sql = db as! any SQLDatabase
                for (cases, search) in batch {
                    try await sql.raw(cases).run()
                    try await sql.raw(search).run()
                }
            }
            made += chunk
            if made % 200_000 == 0 { say("  已写入 \(made) 件") }
        }
        // Fresh statistics, as a production database would have.
        let sql = services.database.db as! any SQLDatabase
        if services.database.location.isSQLite {
            try await sql.raw("ANALYZE").run()
        } else {
            try await sql.raw("ANALYZE cases").run()
            try await sql.raw("ANALYZE case_search").run()
        }
    }
}

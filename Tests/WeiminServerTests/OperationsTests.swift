import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// What an integrator's monitoring sees of the real `weimin serve`: readiness, Prometheus metrics, the API contract.
@Suite("Operations: /readyz, /metrics, the OpenAPI document, the version")
struct OperationsTests {
    static func fetch(
        _ port: Int, _ path: String, method: String = "GET", headers: [String: String] = [:], body: String? = nil
    ) async throws -> (status: Int, text: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 60
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        request.httpBody = body.map { Data($0.utf8) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// The value of one series in Prometheus text, 0 when absent.
    static func value(_ exposition: String, _ series: String) -> Double {
        for line in exposition.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return 0
    }

    @Test(
        "the real server: ready once its model and services run; metrics for loopback or the token; messages counted",
        arguments: Backend.available)
    func readinessAndMetrics(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        let (_, source) = try await IngestStore(database: services.database, cipher: services.cipher).addSource(
            county: RegionCode("433125")!, kind: "generic", name: "监控测试")
        let config = services.config
        await services.shutdown()
        let (process, port) = try await ServeProcess.start(config, environment: ["WEIMIN_METRICS_TOKEN": "scrape-secret-2026"])
        defer { process.terminate() }

        // Ready within a minute: the model loads, each background service completes a pass.
        var ready = (status: 0, text: "")
        for _ in 0..<120 {
            ready = try await Self.fetch(port, "/readyz")
            if ready.status == 200 { break }
            #expect(ready.status == 503, "\(ready)")
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(ready.status == 200, "\(ready.text)")
        #expect(ready.text.contains("schema \(WeiminVersion.schema)"))

        let before = try await Self.fetch(port, "/metrics")
        #expect(before.status == 200)
        #expect(before.text.contains("# TYPE weimin_http_requests_total counter"))
        #expect(before.text.contains(#"weimin_build_info{version="\#(WeiminVersion.release)""#))
        #expect(before.text.contains("# TYPE weimin_cases_open gauge"))
        #expect(Self.value(before.text, "weimin_db_up") == 1)
        #expect(before.text.contains("# TYPE weimin_db_roundtrip_seconds gauge"))
        let stored = #"weimin_messages_total{source="generic",outcome="stored"}"#
        let duplicate = #"weimin_messages_total{source="generic",outcome="duplicate"}"#
        let refused = #"weimin_messages_total{source="generic",outcome="refused"}"#

        let auth = ["Authorization": "Bearer \(source)", "Content-Type": "application/json"]
        let message = IngestAPITests.message(id: "metrics-\(UUID().uuidString)")
        #expect(try await Self.fetch(port, "/api/v1/messages", method: "POST", headers: auth, body: message).status == 200)
        #expect(try await Self.fetch(port, "/api/v1/messages", method: "POST", headers: auth, body: message).status == 200)
        let bad = IngestAPITests.message(id: "metrics-bad", text: "bad\\u0000text")
        #expect(try await Self.fetch(port, "/api/v1/messages", method: "POST", headers: auth, body: bad).status == 400)

        #expect(try await Self.fetch(port, "/api/v1/regions", headers: ["Authorization": "Bearer wm_not_a_token"]).status == 401)

        let after = try await Self.fetch(port, "/metrics")
        let invalidToken = #"weimin_signin_refused_total{channel="api",reason="invalid_token"}"#
        #expect(Self.value(after.text, invalidToken) == Self.value(before.text, invalidToken) + 1)
        // Known series exist before their first event (so rate() sees the first one after a restart).
        #expect(before.text.contains(#"weimin_signin_refused_total{channel="console",reason="wrong"} 0"#))
        #expect(Self.value(after.text, stored) == Self.value(before.text, stored) + 1)
        #expect(Self.value(after.text, duplicate) == Self.value(before.text, duplicate) + 1)
        #expect(Self.value(after.text, refused) == Self.value(before.text, refused) + 1)
        // Requests are counted by route pattern, never by path or query.
        #expect(after.text.contains(#"weimin_http_requests_total{method="POST",route="/api/v1/messages",status="200"}"#))
        #expect(!after.text.contains("metrics-"))

        // Relayed by a proxy (not this machine): only with the token.
        let relayed = ["X-Forwarded-For": "10.1.2.3"]
        #expect(try await Self.fetch(port, "/metrics", headers: relayed).status == 403)
        #expect(
            try await Self.fetch(port, "/metrics", headers: relayed.merging(["Authorization": "Bearer wrong"]) { $1 }).status == 403)
        #expect(
            try await Self.fetch(port, "/metrics", headers: relayed.merging(["Authorization": "Bearer scrape-secret-2026"]) { $1 })
                .status == 200)

        // The contract is served, and is the file shipped with the binary.
        let document = try await Self.fetch(port, "/api/v1/openapi.json")
        #expect(document.status == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(document.text.utf8)) as? [String: Any])
        #expect((json["openapi"] as? String)?.hasPrefix("3.1") == true)
        #expect(((json["paths"] as? [String: Any])?.count ?? 0) > 20)
    }

    @Test("readiness names what is wrong: a model still loading or failed, a service that stopped passing")
    func readinessProblems() {
        let health = ServiceHealth()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(health.problems(now: start).isEmpty)
        health.expect("triage", every: 1, now: start)
        health.model = .loading
        #expect(health.problems(now: start).count == 1)
        health.model = .loaded(version: "abc")
        // Within its allowance (two minutes at least) a service that has not passed yet is still starting.
        #expect(health.problems(now: start.addingTimeInterval(100)).isEmpty)
        let late = health.problems(now: start.addingTimeInterval(200))
        #expect(late.count == 1 && late[0].contains("triage"))
        health.passed("triage", at: start.addingTimeInterval(190))
        #expect(health.problems(now: start.addingTimeInterval(200)).isEmpty)
        health.failed("triage", error: "database is locked")
        let failing = health.problems(now: start.addingTimeInterval(400))
        #expect(failing.count == 1 && failing[0].contains("database is locked"))
        // A daily service may be quiet for a day.
        health.expect("retention", every: 86400, now: start)
        health.passed("triage", at: start.addingTimeInterval(3600))
        #expect(health.problems(now: start.addingTimeInterval(3600)).isEmpty)
        health.model = .failed(reason: "no such file")
        #expect(health.problems(now: start.addingTimeInterval(3600)).contains { $0.contains("no such file") })
    }

    @Test("one log line per request: method, route pattern, status, ms and who — never the query string; JSON when asked")
    func requestLog() async throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "weimin") { JSONLogHandler(label: $0, write: { line in lines.withLock { $0.append(line) } }) }
        logger.logLevel = .info
        let config = try await DemoApp.makeConfig(.sqlite)
        let services = try await AppServices.open(config: config, migrate: true, logger: logger)
        defer { Task { await services.shutdown() } }
        _ = try await services.demoSeeder().seed()
        let auth = try await DemoApp.bearer("shouli", services)
        let viewer = try #require(try await services.staff.user(named: "shouli"))
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        try await app.test(.router) { client in
            _ = try await client.execute(uri: "/healthz?token=wms_secret_in_query", method: .get)
            _ = try await client.execute(uri: "/api/v1/cases?q=低保", method: .get, headers: [.authorization: auth])
        }
        let records = lines.withLock { $0 }.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
        }.filter { $0["msg"] == "request" }
        let health = try #require(records.first { $0["route"] == "/healthz" })
        #expect(health["status"] == "200" && health["method"] == "GET" && health["ms"] != nil && health["staff"] == nil)
        #expect(health["ts"]?.hasSuffix("Z") == true)
        let cases = try #require(records.first { $0["route"] == "/api/v1/cases" })
        #expect(cases["status"] == "200" && cases["staff"] == viewer.userID.uuidString)
        let all = lines.withLock { $0.joined() }
        #expect(!all.contains("wms_secret_in_query") && !all.contains("低保"))
    }

    @Test("tracing on: spans of requests reach an OTLP/HTTP collector, secrets in query strings redacted")
    func tracing() async throws {
        // A collector as the OTLP/HTTP spec has it: POST /v1/traces, application/x-protobuf, answered 200.
        let received = Mutex<[(type: String, encoding: String, body: [UInt8])]>([])
        let collector = Router()
        collector.post("/v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 8 << 20)
            received.withLock {
                $0.append(
                    (
                        request.headers[.contentType] ?? "", request.headers[.contentEncoding] ?? "",
                        Array(body.readableBytesView)
                    ))
            }
            return Response(status: .ok, headers: [.contentType: "application/x-protobuf"], body: .init(byteBuffer: ByteBuffer()))
        }
        let collectorApp = Application(router: collector, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await collectorApp.test(.live) { client in
            let collectorPort = try #require(client.port)
            let config = try await ServingTests.prepared(.sqlite)
            let (process, port) = try await ServeProcess.start(
                config, environment: ["WEIMIN_TRACING_ENDPOINT": "http://127.0.0.1:\(collectorPort)/v1/traces"])
            defer { process.terminate() }
            #expect(try await Self.fetch(port, "/healthz?token=wms_query_secret_42").status == 200)
            #expect(try await Self.fetch(port, "/api/v1/regions").status == 401)
            // The batch goes out within the exporter's schedule (5 s by default).
            for _ in 0..<60 where received.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(500)) }
            let exports = received.withLock { $0 }
            let first = try #require(exports.first, "no trace export reached the collector")
            #expect(first.type == "application/x-protobuf")
            let text = String(decoding: exports.flatMap { $0.encoding.isEmpty ? $0.body : [] }, as: UTF8.self)
            #expect(text.contains("/healthz") && text.contains("weimin"))
            #expect(text.contains("REDACTED") && !text.contains("wms_query_secret_42"))
        }
    }

    @Test("weimin --version prints the release and the schema, and exits 0")
    func version() throws {
        let binary = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("weimin").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--version"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0)
        let lines = text.split(separator: "\n")
        #expect(lines.first == "weimin \(WeiminVersion.release)")
        #expect(lines.dropFirst().first == "schema \(WeiminMigrations.all.count) (\(WeiminMigrations.newest))")
    }
}

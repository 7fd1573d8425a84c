import Foundation
import Logging
import Testing
import WeiminCore
import WeiminPersistence
@testable import WeiminServer

@Suite("Configuration precedence")
struct ConfigTests {
    private func file(_ json: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("weimin-config-\(UUID().uuidString).json").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("defaults when nothing is set")
    func defaults() async throws {
        let c = try await WeiminConfig.load(flags: [:], configFile: nil, environment: [:])
        #expect(c.dir == "./weimin-data")
        #expect(c.port == 8080)
        #expect(c.host == "127.0.0.1")
        #expect(c.databaseURL == nil)
        #expect(c.keyFile == "./weimin-data/weimin.key")
        #expect(try c.databaseLocation() == .sqlite(path: "./weimin-data/weimin.sqlite"))
    }

    @Test("flag > environment > file > default, key by key")
    func precedence() async throws {
        let path = try file(#"{"http": {"port": 7000, "host": "0.0.0.0"}, "dir": "/srv/from-file", "log": {"level": "debug"}}"#)
        let fileOnly = try await WeiminConfig.load(flags: [:], configFile: path, environment: [:])
        #expect(fileOnly.port == 7000 && fileOnly.host == "0.0.0.0" && fileOnly.dir == "/srv/from-file" && fileOnly.logLevel == .debug)
        let env = ["WEIMIN_HTTP_PORT": "7100", "WEIMIN_DATABASE_URL": "postgres://w:pw@127.0.0.1:5432/weimin"]
        let withEnv = try await WeiminConfig.load(flags: [:], configFile: path, environment: env)
        #expect(withEnv.port == 7100 && withEnv.host == "0.0.0.0")
        #expect(withEnv.databaseURL == "postgres://w:pw@127.0.0.1:5432/weimin")
        let withFlag = try await WeiminConfig.load(flags: ["http.port": "7200"], configFile: path, environment: env)
        #expect(withFlag.port == 7200 && withFlag.dir == "/srv/from-file")
        // The config file can also be named by the environment.
        let viaEnv = try await WeiminConfig.load(flags: [:], configFile: nil, environment: ["WEIMIN_CONFIG": path])
        #expect(viaEnv.port == 7000)
    }

    @Test("working hours are configurable and checked")
    func workHours() async throws {
        let c = try await WeiminConfig.load(flags: [:], configFile: nil, environment: ["WEIMIN_WORK_HOURS": "14:00-17:00, 08:00-11:30"])
        #expect(c.workHours == [WorkPeriod(start: 480, end: 690), WorkPeriod(start: 840, end: 1020)])
        #expect(try await WeiminConfig.load(flags: [:], configFile: nil, environment: [:]).workHours == WorkCalendar.defaultPeriods)
        for bad in ["8-12", "08:30-12:00,11:00-14:00", "12:00-08:00", ""] {
            await #expect(throws: ConfigError.self, "\(bad)") {
                try await WeiminConfig.load(flags: [:], configFile: nil, environment: ["WEIMIN_WORK_HOURS": bad])
            }
        }
    }

    @Test("an unknown key in the file or an unknown WEIMIN_ variable is refused, naming the closest known key")
    func unknownKeys() async throws {
        let path = try file(#"{"http": {"prot": 8081}}"#)
        await #expect {
            try await WeiminConfig.load(flags: [:], configFile: path, environment: [:])
        } throws: { error in
            "\(error)".contains("http.prot") && "\(error)".contains("http.port")
        }
        await #expect {
            try await WeiminConfig.load(flags: [:], configFile: nil, environment: ["WEIMIN_TRIAGE_INTERVALL": "5"])
        } throws: { error in
            "\(error)".contains("WEIMIN_TRIAGE_INTERVALL") && "\(error)".contains("WEIMIN_TRIAGE_INTERVAL")
        }
        // Every key Weimin reads is accepted, written nested or dotted, and as a variable; so are the scripts' own.
        var nested: [String: Any] = [:]
        for key in WeiminConfig.Key.all where key != WeiminConfig.Key.dataKey {
            nested[key] = "x"
        }
        let dotted = try JSONSerialization.data(withJSONObject: nested)
        #expect(throws: Never.self) { try ConfigCheck.refuseUnknown(file: dotted, path: "dotted.json") }
        #expect(throws: Never.self) {
            try ConfigCheck.refuseUnknown(file: Data(#"{"http":{"idle":{"timeout":5}},"media":{"max_bytes":2048}}"#.utf8), path: "n.json")
        }
        let variables = Dictionary(uniqueKeysWithValues: WeiminConfig.Key.all.map { (ConfigCheck.variable($0), "x") })
        #expect(throws: Never.self) {
            try ConfigCheck.refuseUnknown(
                environment: variables.merging(["WEIMIN_CONFIG": "c", "WEIMIN_TEST_POSTGRES_URL": "p", "PATH": "/bin"]) { $1 })
        }
        #expect(variables["WEIMIN_MEDIA_MAX_BYTES"] != nil && variables["WEIMIN_HTTP_IDLE_TIMEOUT"] != nil)
    }

    @Test("numbers in the file are read whether written as JSON numbers or as text, and checked the same")
    func jsonNumbers() async throws {
        let numbers = try file(
            #"{"retention": {"days": 30}, "triage": {"interval": 0, "none_above": 0.7}, "http": {"idle": {"timeout": 12}}}"#)
        let c = try await WeiminConfig.load(flags: [:], configFile: numbers, environment: [:])
        #expect(c.retentionDays == 30 && c.triageInterval == 0 && c.triageNoneAbove == 0.7 && c.idleTimeout == 12)
        let text = try file(#"{"retention": {"days": "31"}}"#)
        #expect(try await WeiminConfig.load(flags: [:], configFile: text, environment: [:]).retentionDays == 31)
        let tooLong = try file(#"{"retention": {"days": 99999999}}"#)
        await #expect(throws: ConfigError.self) { try await WeiminConfig.load(flags: [:], configFile: tooLong, environment: [:]) }
    }

    @Test("config show: each setting's value and where it came from; secrets never shown")
    func report() async throws {
        let path = try file(#"{"retention": {"days": 30}, "http": {"port": 7000}}"#)
        let env = [
            "WEIMIN_HTTP_PORT": "7100", "WEIMIN_METRICS_TOKEN": "scrape-secret",
            "WEIMIN_DATABASE_URL": "postgres://w:pw-secret@db:5432/weimin",
        ]
        let flags = ["dir": "/srv/weimin"]
        let config = try await WeiminConfig.load(flags: flags, configFile: path, environment: env)
        let lines = Dictionary(uniqueKeysWithValues: ConfigReport.lines(config, flags: flags, environment: env).map { ($0.key, $0) })
        #expect(lines.count == WeiminConfig.Key.all.count)
        #expect(lines["dir"]?.source.contains("命令行") == true && lines["dir"]?.value == "/srv/weimin")
        #expect(lines["http.port"]?.value == "7100" && lines["http.port"]?.source.contains("WEIMIN_HTTP_PORT") == true)
        #expect(lines["retention.days"]?.source.contains(path) == true && lines["retention.days"]?.value.hasPrefix("30") == true)
        #expect(lines["timezone"]?.source.contains("默认") == true)
        let all = lines.values.map { $0.value + $0.source }.joined()
        #expect(!all.contains("scrape-secret") && !all.contains("pw-secret"))
        #expect(!lines.values.contains { $0.value == "?" })
    }

    @Test("bad values are refused with a message")
    func invalid() async throws {
        await #expect(throws: ConfigError.self) {
            try await WeiminConfig.load(flags: ["http.port": "eighty"], configFile: nil, environment: [:])
        }
        await #expect(throws: ConfigError.self) {
            try await WeiminConfig.load(flags: [:], configFile: nil, environment: ["WEIMIN_HTTP_PORT": "70000"])
        }
        await #expect(throws: ConfigError.self) {
            try await WeiminConfig.load(flags: ["log.level": "loud"], configFile: nil, environment: [:])
        }
        await #expect(throws: ConfigError.self) {
            try await WeiminConfig.load(flags: [:], configFile: "/nonexistent/weimin.json", environment: [:])
        }
        let broken = try file("{ not json")
        await #expect(throws: ConfigError.self) { try await WeiminConfig.load(flags: [:], configFile: broken, environment: [:]) }
    }
}

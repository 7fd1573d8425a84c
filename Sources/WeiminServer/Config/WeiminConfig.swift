import Configuration
import Foundation
import Logging
import SystemPackage
import WeiminCore
import WeiminPersistence

/// Every setting the server reads, resolved once at start-up.
/// Precedence: command-line flag > environment (`WEIMIN_…`) > config file (JSON) > default.
public struct WeiminConfig: Sendable {
    public var dir: String
    public var databaseURL: String?
    public var host: String
    public var port: Int
    public var keyFile: String
    /// Base64 key text from `WEIMIN_DATA_KEY`, used instead of the key file when set.
    public var dataKeyText: String?
    public var logLevel: Logger.Level
    public var timezone: String
    public var configFile: String?
    /// A county's deadline-rule overrides (JSON array), merged over the defaults.
    public var rulesFile: String?
    /// Seconds between supervision scans; 0 turns the scan off (e.g. for a read-only replica).
    public var supervisionInterval: Int = 60
    /// 值班提醒: how often urgent and risky cases are checked (seconds, 0 = off), when an unacknowledged alert goes to the
    /// leader on duty, and the county's SMS gateway (a webhook that receives each alert as JSON).
    public var dutyInterval: Int = 15
    public var dutyEscalateMinutes: Int = 15
    public var dutyWebhook: String?
    public var dutyWebhookToken: String?
    /// The county's public address (https://…), where villagers open a file a group's robot could not carry; nil: no
    /// download links, the group is told to ask the village committee. Links last `fileLinkHours`.
    public var publicURL: String?
    public var fileLinkHours: Int = 72
    /// How often the outbox is checked, in milliseconds; 0 turns delivery (and chat satisfaction) off.
    public var deliveryInterval: Int = 2000
    /// How often new messages are triaged, in milliseconds; 0 turns triage in the flow off.
    public var triageInterval: Int = 1000
    /// A triage model trained on the county's own data (default: the shipped model).
    public var triageModel: String?
    /// A county's triage word lists (JSON; default: the shipped lists).
    public var triageRules: String?
    /// The probability `none` needs before a message goes unseen (`Triager.noneAbove`); lower means fewer messages to
    /// look at and more demands missed.
    public var triageNoneAbove: Double = Triager.defaultNoneAbove
    /// Working hours, e.g. "08:30-12:00,14:30-17:30" (Beijing time by default).
    public var workHours: [WorkPeriod] = WorkCalendar.defaultPeriods
    /// Days after a case ends before its personal data is erased; 0 keeps it (not recommended).
    public var retentionDays: Int = 1095
    /// bcrypt work factor for new passwords; lowered only by tests.
    public var bcryptCost: UInt8 = 11
    /// Seconds a connection may sit idle, or take to send a request head, before it is closed.
    public var idleTimeout: Int = 30
    /// Open connections beyond this are answered 503 and closed, so idle sockets cannot starve `/healthz`.
    public var maxConnections: Int = 1000
    /// Where the bytes of photos, voice notes and files are kept (content-addressed); default `DIR/media`.
    public var mediaDirSetting: String?
    /// The largest media item kept, in bytes; larger ones are recorded without their bytes.
    public var mediaMaxBytes: Int = MediaFiles.defaultMaxBytes
    /// How often media waiting to be fetched from a platform is looked at, in milliseconds; 0 = not on this instance.
    public var mediaInterval: Int = 2000
    /// The platforms' API addresses (changed only to go through a proxy, or by tests to reach a fake on loopback).
    public var weComAPI: String = "https://qyapi.weixin.qq.com"
    public var dingTalkAPI: String = "https://api.dingtalk.com"
    /// DingTalk's older API host, where work notices are still sent (`topapi/message/corpconversation/asyncsend_v2`).
    public var dingTalkOAPI: String = "https://oapi.dingtalk.com"
    /// A speech service speaking the OpenAI-compatible `POST /v1/audio/transcriptions` (voice notes → words); nil: voice
    /// notes are kept and not transcribed. Its model name, the language asked for, and its token (a secret).
    public var asrURL: String?
    public var asrModel = "whisper-1"
    public var asrLanguage = "zh"
    public var asrToken: String?
    /// Read the words in photos with Tesseract (when installed), so a photographed demand is triaged.
    public var mediaOCR = true
    /// A WeChatFerry machine's `WeChat Files` folder as shared with this server (SMB/NFS mount), to read its files.
    public var wcfFilesDir: String?
    /// `text` (default, for people) or `json` (one object per line, for log shippers).
    public var logJSON = false
    /// An OpenTelemetry collector's OTLP/HTTP traces address (e.g. http://127.0.0.1:4318/v1/traces); nil = no tracing.
    public var tracingEndpoint: String?
    /// The bearer token a Prometheus scraper on another machine sends for `/metrics` (loopback needs none).
    public var metricsToken: String?

    /// The media folder in force.
    public var mediaDir: String { mediaDirSetting ?? (dir as NSString).appendingPathComponent("media") }

    /// The model triage uses: the configured file, else one `weimin model retrain` wrote into the data
    /// folder, else nil (the shipped model).
    public var activeTriageModel: String? {
        if let triageModel { return triageModel }
        let retrained = retrainedModelPath
        return FileManager.default.fileExists(atPath: retrained) ? retrained : nil
    }

    /// Where `weimin model retrain` writes by default.
    public var retrainedModelPath: String { (dir as NSString).appendingPathComponent("triage.wmtm") }

    public static let defaultDir = "./weimin-data"
    public static let defaultPort = 8080

    public init(
        dir: String = defaultDir, databaseURL: String? = nil, host: String = "127.0.0.1", port: Int = defaultPort,
        keyFile: String? = nil, dataKeyText: String? = nil, logLevel: Logger.Level = .info,
        timezone: String = "Asia/Shanghai", configFile: String? = nil
    ) {
        self.dir = dir
        self.databaseURL = databaseURL
        self.host = host
        self.port = port
        self.keyFile = keyFile ?? (dir as NSString).appendingPathComponent("weimin.key")
        self.dataKeyText = dataKeyText
        self.logLevel = logLevel
        self.timezone = timezone
        self.configFile = configFile
    }

    /// Keys as they appear in the config file (nested JSON) and, upper-cased with `WEIMIN_`, in the
    /// environment: `http.port` ↔ `{"http":{"port":8080}}` ↔ `WEIMIN_HTTP_PORT`.
    public enum Key {
        public static let dir = "dir"
        public static let databaseURL = "database.url"
        public static let host = "http.host"
        public static let port = "http.port"
        public static let keyFile = "key.file"
        public static let dataKey = "data.key"
        public static let logLevel = "log.level"
        public static let timezone = "timezone"
        public static let rulesFile = "rules.file"
        public static let supervisionInterval = "supervision.interval"
        public static let deliveryInterval = "delivery.interval"
        public static let triageInterval = "triage.interval"
        public static let triageModel = "triage.model"
        public static let triageRules = "triage.rules"
        public static let triageNoneAbove = "triage.none_above"
        public static let retentionDays = "retention.days"
        public static let workHours = "work.hours"
        public static let idleTimeout = "http.idle.timeout"
        public static let maxConnections = "http.max.connections"
        public static let mediaDir = "media.dir"
        public static let mediaMaxBytes = "media.max_bytes"
        public static let mediaInterval = "media.interval"
        public static let weComAPI = "media.wecom_api"
        public static let dingTalkAPI = "media.dingtalk_api"
        public static let dingTalkOAPI = "media.dingtalk_oapi"
        public static let wcfFilesDir = "media.wcf_dir"
        public static let mediaOCR = "media.ocr"
        public static let asrURL = "asr.url"
        public static let asrModel = "asr.model"
        public static let asrLanguage = "asr.language"
        public static let asrToken = "asr.token"
        public static let metricsToken = "metrics.token"
        public static let logFormat = "log.format"
        public static let tracingEndpoint = "tracing.endpoint"
        public static let dutyInterval = "duty.interval"
        public static let dutyEscalateMinutes = "duty.escalate_minutes"
        public static let dutyWebhook = "duty.webhook"
        public static let dutyWebhookToken = "duty.webhook_token"
        public static let publicURL = "public.url"
        public static let fileLinkHours = "public.link_hours"

        /// Every key, for refusing the unknown ones (`ConfigCheck`).
        public static let all = [
            dir, databaseURL, host, port, keyFile, dataKey, logLevel, timezone, rulesFile, supervisionInterval, deliveryInterval,
            triageInterval, triageModel, triageRules, triageNoneAbove, retentionDays, workHours, idleTimeout, maxConnections,
            mediaDir, mediaMaxBytes, mediaInterval, weComAPI, dingTalkAPI, dingTalkOAPI, wcfFilesDir, mediaOCR, asrURL, asrModel,
            asrLanguage, asrToken, metricsToken, logFormat,
            tracingEndpoint,
            dutyInterval, dutyEscalateMinutes, dutyWebhook, dutyWebhookToken, publicURL, fileLinkHours,
        ]
    }

    /// Resolves the configuration. `flags` holds only the options given on the command line.
    public static func load(
        flags: [String: String], configFile: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> WeiminConfig {
        let path = configFile ?? environment["WEIMIN_CONFIG"]
        var providers: [any ConfigProvider] = [
            InMemoryProvider(
                name: "command line",
                values: Dictionary(
                    uniqueKeysWithValues: flags.map { (AbsoluteConfigKey(stringLiteral: $0.key), ConfigValue(stringLiteral: $0.value)) })),
            EnvironmentVariablesProvider(
                environmentVariables: environment,
                secretsSpecifier: .specific(["WEIMIN_DATABASE_URL", "WEIMIN_DATA_KEY", "WEIMIN_METRICS_TOKEN"])
            )
            .prefixKeys(with: "weimin"),
        ]
        // A misspelt key would otherwise be ignored without a word, and the default silently used.
        try ConfigCheck.refuseUnknown(environment: environment)
        if let path {
            guard FileManager.default.fileExists(atPath: path) else {
                throw ConfigError.invalid("找不到配置文件 \(path)")
            }
            if let data = FileManager.default.contents(atPath: path) { try ConfigCheck.refuseUnknown(file: data, path: path) }
            do {
                providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(path)))
            } catch {
                throw ConfigError.invalid("配置文件 \(path) 不是有效的 JSON：\(error)")
            }
        }
        let reader = ConfigReader(providers: providers)
        // A number may be written as a JSON number ({"retention":{"days":30}}) or as text ("30", and always so in the
        // environment): read both, so a JSON number is never silently ignored in favour of the default.
        func number(_ key: String) -> String? {
            if let text = reader.string(forKey: ConfigKey(key)) { return text }
            if let n = reader.int(forKey: ConfigKey(key)) { return String(n) }
            if let d = reader.double(forKey: ConfigKey(key)) { return String(d) }
            return nil
        }
        let dir = reader.string(forKey: ConfigKey(Key.dir), default: defaultDir)
        let portText = reader.string(forKey: ConfigKey(Key.port))
        var port = defaultPort
        if let portText {
            // 0 asks the system for a free port; the banner then shows which one.
            guard let p = Int(portText), (0...65535).contains(p) else {
                throw ConfigError.invalid("端口 \(portText) 无效：应为 1–65535 之间的数字（0 表示自动选择空闲端口）")
            }
            port = p
        } else if let p = reader.int(forKey: ConfigKey(Key.port)) {
            port = p
        }
        let levelText = reader.string(forKey: ConfigKey(Key.logLevel), default: "info")
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ConfigError.invalid("日志级别 \(levelText) 无效：可选 trace, debug, info, notice, warning, error, critical")
        }
        var config = WeiminConfig(
            dir: dir,
            databaseURL: reader.string(forKey: ConfigKey(Key.databaseURL), isSecret: true),
            host: reader.string(forKey: ConfigKey(Key.host), default: "127.0.0.1"),
            port: port,
            keyFile: reader.string(forKey: ConfigKey(Key.keyFile)),
            dataKeyText: reader.string(forKey: ConfigKey(Key.dataKey), isSecret: true),
            logLevel: level,
            timezone: reader.string(forKey: ConfigKey(Key.timezone), default: "Asia/Shanghai"),
            configFile: path)
        config.rulesFile = reader.string(forKey: ConfigKey(Key.rulesFile))
        if let text = number(Key.supervisionInterval) {
            guard let seconds = Int(text), (0...86400).contains(seconds) else {
                throw ConfigError.invalid("督办扫描间隔 \(text) 无效：应为 0–86400 秒（0 表示不扫描）")
            }
            config.supervisionInterval = seconds
        }
        try readDuty(into: &config, number: number, reader: reader)
        try readPublic(into: &config, number: number, reader: reader)
        if let text = number(Key.deliveryInterval) {
            guard let ms = Int(text), (0...600_000).contains(ms) else {
                throw ConfigError.invalid("消息发送检查间隔 \(text) 无效：应为 0–600000 毫秒（0 表示不发送）")
            }
            config.deliveryInterval = ms
        }
        if let text = number(Key.triageInterval) {
            guard let ms = Int(text), (0...600_000).contains(ms) else {
                throw ConfigError.invalid("分诊检查间隔 \(text) 无效：应为 0–600000 毫秒（0 表示不分诊）")
            }
            config.triageInterval = ms
        }
        config.triageModel = reader.string(forKey: ConfigKey(Key.triageModel)) ?? config.triageModel
        config.triageRules = reader.string(forKey: ConfigKey(Key.triageRules)) ?? config.triageRules
        if let text = number(Key.triageNoneAbove) {
            guard let value = Double(text), (0.45...1).contains(value) else {
                throw ConfigError.invalid("“无需处理”阈值 \(text) 无效：应为 0.45–1 之间的小数（默认 \(Triager.defaultNoneAbove)；越低人工查看越少、漏掉的诉求越多）")
            }
            config.triageNoneAbove = value
        }
        if let text = reader.string(forKey: ConfigKey(Key.workHours)) {
            config.workHours = try parseWorkHours(text)
        }
        if let text = number(Key.retentionDays) {
            guard let days = Int(text), (0...36500).contains(days) else {
                throw ConfigError.invalid("保存期限 \(text) 无效：应为 0–36500 天（0 表示不自动删除）")
            }
            config.retentionDays = days
        }
        if let text = number(Key.idleTimeout) {
            guard let seconds = Int(text), (1...3600).contains(seconds) else {
                throw ConfigError.invalid("空闲连接超时 \(text) 无效：应为 1–3600 秒")
            }
            config.idleTimeout = seconds
        }
        if let text = number(Key.maxConnections) {
            guard let n = Int(text), (1...1_000_000).contains(n) else {
                throw ConfigError.invalid("最大连接数 \(text) 无效：应为 1–1000000")
            }
            config.maxConnections = n
        }
        config.mediaDirSetting = reader.string(forKey: ConfigKey(Key.mediaDir))
        if let text = number(Key.mediaMaxBytes) {
            guard let n = Int(text), (1024...2_000_000_000).contains(n) else {
                throw ConfigError.invalid("媒体文件上限 \(text) 无效：应为 1024–2000000000 字节（默认 \(MediaFiles.defaultMaxBytes)，即 20 MB）")
            }
            config.mediaMaxBytes = n
        }
        if let text = number(Key.mediaInterval) {
            guard let ms = Int(text), (0...600_000).contains(ms) else {
                throw ConfigError.invalid("媒体下载检查间隔 \(text) 无效：应为 0–600000 毫秒（0 表示本实例不下载）")
            }
            config.mediaInterval = ms
        }
        for (key, value) in [
            (Key.weComAPI, \WeiminConfig.weComAPI), (Key.dingTalkAPI, \WeiminConfig.dingTalkAPI),
            (Key.dingTalkOAPI, \WeiminConfig.dingTalkOAPI),
        ] {
            guard let text = reader.string(forKey: ConfigKey(key)) else { continue }
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigError.invalid("\(key) 应为 http(s):// 开头的地址：\(text)")
            }
            config[keyPath: value] = text.hasSuffix("/") ? String(text.dropLast()) : text
        }
        config.wcfFilesDir = reader.string(forKey: ConfigKey(Key.wcfFilesDir))
        if let text = reader.string(forKey: ConfigKey(Key.asrURL)), !text.isEmpty {
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigError.invalid("asr.url 应为语音转写服务的地址，如 http://127.0.0.1:8000（其 /v1/audio/transcriptions 兼容 OpenAI）：\(text)")
            }
            config.asrURL = text
        }
        config.asrModel = reader.string(forKey: ConfigKey(Key.asrModel), default: config.asrModel)
        config.asrLanguage = reader.string(forKey: ConfigKey(Key.asrLanguage), default: config.asrLanguage)
        config.asrToken = reader.string(forKey: ConfigKey(Key.asrToken), isSecret: true)
        switch reader.string(forKey: ConfigKey(Key.mediaOCR), default: "on").lowercased() {
        case "on", "true", "1": config.mediaOCR = true
        case "off", "false", "0": config.mediaOCR = false
        case let other: throw ConfigError.invalid("media.ocr \(other) 无效：on（默认，识别图片中的文字）或 off")
        }
        config.metricsToken = reader.string(forKey: ConfigKey(Key.metricsToken), isSecret: true)
        if let text = reader.string(forKey: ConfigKey(Key.tracingEndpoint)), !text.isEmpty {
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigError.invalid("tracing.endpoint 应为 OTLP/HTTP 地址，如 http://127.0.0.1:4318/v1/traces：\(text)")
            }
            config.tracingEndpoint = text
        }
        switch reader.string(forKey: ConfigKey(Key.logFormat), default: "text").lowercased() {
        case "text": config.logJSON = false
        case "json": config.logJSON = true
        case let other: throw ConfigError.invalid("日志格式 \(other) 无效：可选 text（默认）或 json（每行一个 JSON 对象）")
        }
        guard TimeZone(identifier: config.timezone) != nil else {
            throw ConfigError.invalid("时区 \(config.timezone) 无效，例如 Asia/Shanghai")
        }
        return config
    }

    /// "08:30-12:00,14:30-17:30" → ordered, non-overlapping periods, or a message saying what is wrong.
    public static func parseWorkHours(_ text: String) throws -> [WorkPeriod] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var periods: [WorkPeriod] = []
        for p in parts {
            guard let period = WorkPeriod(p) else { throw ConfigError.invalid("工作时间 \(p) 格式错误：应为 08:30-12:00 这样的时段，多个时段用逗号分隔") }
            periods.append(period)
        }
        periods.sort { $0.start < $1.start }
        guard !periods.isEmpty else { throw ConfigError.invalid("工作时间不能为空") }
        for (a, b) in zip(periods, periods.dropFirst()) where b.start < a.end {
            throw ConfigError.invalid("工作时间的时段重叠：\(text)")
        }
        return periods
    }

    public func databaseLocation() throws -> DatabaseLocation {
        try DatabaseLocation.resolve(databaseURL: databaseURL, dir: dir)
    }
}

public enum ConfigError: Error, CustomStringConvertible, Sendable {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let why): return why
        }
    }
}

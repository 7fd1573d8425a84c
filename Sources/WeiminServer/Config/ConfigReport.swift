import Foundation
import Logging
import WeiminCore
import WeiminPersistence

/// `weimin config show`: every setting in force and where it came from, secrets masked, so an integrator can see
/// why the server does what it does without reading three places.
public enum ConfigReport {
    public struct Line: Sendable, Equatable {
        public var key: String
        public var value: String
        public var source: String
    }

    static let secrets: Set<String> = [
        WeiminConfig.Key.dataKey, WeiminConfig.Key.metricsToken, WeiminConfig.Key.dutyWebhookToken, WeiminConfig.Key.asrToken,
    ]

    public static func lines(
        _ config: WeiminConfig, flags: [String: String], environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> [Line] {
        var inFile: Set<String> = []
        if let path = config.configFile, let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        {
            inFile = Set(ConfigCheck.flatten(object))
        }
        return WeiminConfig.Key.all.map { key in
            let source: String
            if flags[key] != nil {
                source = "命令行 flag"
            } else if environment[ConfigCheck.variable(key)] != nil {
                source = "环境变量 \(ConfigCheck.variable(key))"
            } else if inFile.contains(key) {
                source = "配置文件 \(config.configFile ?? "")"
            } else {
                source = "默认 default"
            }
            return Line(key: key, value: value(key, config), source: source)
        }
    }

    static func value(_ key: String, _ c: WeiminConfig) -> String {
        typealias K = WeiminConfig.Key
        switch key {
        case K.dir: return c.dir
        case K.databaseURL: return (try? c.databaseLocation().description) ?? "—"
        case K.host: return c.host
        case K.port: return String(c.port)
        case K.keyFile: return c.dataKeyText == nil ? c.keyFile : "（未使用：密钥来自 WEIMIN_DATA_KEY）"
        case K.dataKey: return c.dataKeyText == nil ? "（未设置）" : "（已设置，已隐藏）"
        case K.logLevel: return c.logLevel.rawValue
        case K.logFormat: return c.logJSON ? "json" : "text"
        case K.timezone: return c.timezone
        case K.rulesFile: return c.rulesFile ?? "（内置规则）"
        case K.supervisionInterval: return "\(c.supervisionInterval) 秒"
        case K.deliveryInterval: return "\(c.deliveryInterval) 毫秒"
        case K.triageInterval: return "\(c.triageInterval) 毫秒"
        case K.triageModel: return c.activeTriageModel ?? "（内置模型）"
        case K.triageRules: return c.triageRules ?? "（内置词表）"
        case K.triageNoneAbove: return String(c.triageNoneAbove)
        case K.retentionDays: return "\(c.retentionDays) 天"
        case K.workHours: return c.workHours.map { "\(clock($0.start))-\(clock($0.end))" }.joined(separator: ",")
        case K.idleTimeout: return "\(c.idleTimeout) 秒"
        case K.maxConnections: return String(c.maxConnections)
        case K.mediaDir: return c.mediaDir
        case K.mediaMaxBytes: return "\(c.mediaMaxBytes) 字节"
        case K.mediaInterval: return "\(c.mediaInterval) 毫秒"
        case K.weComAPI: return c.weComAPI
        case K.dingTalkAPI: return c.dingTalkAPI
        case K.dingTalkOAPI: return c.dingTalkOAPI
        case K.wcfFilesDir: return c.wcfFilesDir ?? "（未设置）"
        case K.asrURL: return c.asrURL ?? "（未设置：语音只保存，不转写）"
        case K.asrModel: return c.asrModel
        case K.asrLanguage: return c.asrLanguage
        case K.asrToken: return c.asrToken == nil ? "（未设置）" : "（已设置，已隐藏）"
        case K.mediaOCR: return c.mediaOCR ? "on（需安装 tesseract-ocr-chi-sim）" : "off"
        case K.tracingEndpoint: return c.tracingEndpoint ?? "（未设置：不导出追踪）"
        case K.metricsToken: return c.metricsToken == nil ? "（未设置：只有本机可读 /metrics）" : "（已设置，已隐藏）"
        case K.dutyInterval: return c.dutyInterval == 0 ? "0（不提醒）" : "\(c.dutyInterval) 秒"
        case K.dutyEscalateMinutes: return "\(c.dutyEscalateMinutes) 分钟"
        // The address may carry the gateway's key in its query: only its scheme and host are shown.
        case K.dutyWebhook:
            return c.dutyWebhook.flatMap { URL(string: $0) }.map { "\($0.scheme ?? "")://\($0.host ?? "")/…" } ?? "（未设置：只在工作台提醒）"
        case K.dutyWebhookToken: return c.dutyWebhookToken == nil ? "（未设置）" : "（已设置，已隐藏）"
        case K.publicURL: return c.publicURL ?? "（未设置：机器人不能发文件的群只收到“请向村委会索取”）"
        case K.fileLinkHours: return "\(c.fileLinkHours) 小时"
        default: return "?"
        }
    }

    static func clock(_ minutes: Int) -> String { String(format: "%02d:%02d", minutes / 60, minutes % 60) }
}

import Configuration
import Foundation

extension WeiminConfig {
    /// 值班提醒's settings: how often, when to escalate, and the SMS gateway (its token a secret).
    static func readDuty(into config: inout WeiminConfig, number: (String) -> String?, reader: ConfigReader) throws {
        if let text = number(Key.dutyInterval) {
            guard let seconds = Int(text), (0...3600).contains(seconds) else {
                throw ConfigError.invalid("值班提醒检查间隔 \(text) 无效：应为 0–3600 秒（0 表示不提醒）")
            }
            config.dutyInterval = seconds
        }
        if let text = number(Key.dutyEscalateMinutes) {
            guard let minutes = Int(text), (1...1440).contains(minutes) else {
                throw ConfigError.invalid("值班提醒升级时间 \(text) 无效：应为 1–1440 分钟")
            }
            config.dutyEscalateMinutes = minutes
        }
        if let url = reader.string(forKey: ConfigKey(Key.dutyWebhook)), !url.isEmpty {
            guard let u = URL(string: url), ["http", "https"].contains(u.scheme ?? ""), u.host != nil else {
                throw ConfigError.invalid("duty.webhook 应为 http(s) 地址（短信网关接收值班提醒的地址），现为 \(url)")
            }
            config.dutyWebhook = url
        }
        config.dutyWebhookToken = reader.string(forKey: ConfigKey(Key.dutyWebhookToken), isSecret: true)
    }

    /// The public address for download links, and how long a link lasts.
    static func readPublic(into config: inout WeiminConfig, number: (String) -> String?, reader: ConfigReader) throws {
        if let text = reader.string(forKey: ConfigKey(Key.publicURL)), !text.isEmpty {
            guard let u = URL(string: text), ["http", "https"].contains(u.scheme ?? ""), u.host != nil, u.query == nil else {
                throw ConfigError.invalid("public.url 应为村民手机能打开的本系统地址，如 https://weimin.example.gov.cn（不带 ? 参数），现为 \(text)")
            }
            config.publicURL = text.hasSuffix("/") ? String(text.dropLast()) : text
        }
        if let text = number(Key.fileLinkHours) {
            guard let hours = Int(text), (1...720).contains(hours) else {
                throw ConfigError.invalid("下载链接有效期 \(text) 无效：应为 1–720 小时（默认 72）")
            }
            config.fileLinkHours = hours
        }
    }
}

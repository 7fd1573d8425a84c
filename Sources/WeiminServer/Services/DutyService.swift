import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import WeiminApp
import WeiminCore
import WeiminPersistence

/// 值班提醒 in the background: every few seconds, urgent and risky cases reach the person on duty (`AlertDuty`), and
/// each alert leaves the console on every way the county has set up, each retried on its own: the SMS gateway
/// (`duty.webhook`), a WeCom application message or a DingTalk work notice to the person's own account
/// (`StaffNoticeClient`). The console's workbench shows the alerts too, with 确认收到.
public struct DutyService: Service {
    let services: AppServices
    let interval: Duration
    let now: @Sendable () -> Date
    let logger: Logger
    let session: URLSession
    let notices: StaffNoticeClient
    /// The SMS gateway (`duty.webhook`); nil: alerts are shown in the console only.
    let webhook: URL?
    /// Cases already reported as having nobody on duty: each is logged once, not on every pass.
    let reportedUnattended = Box()

    final class Box: Sendable {
        let numbers = Mutex<Set<String>>([])
    }

    public init(
        services: AppServices, interval: Duration, webhook: URL? = nil, notices: StaffNoticeClient? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.services = services
        self.webhook = webhook ?? services.config.dutyWebhook.flatMap(URL.init(string:))
        self.interval = interval
        self.now = now
        self.logger = services.logger
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        configuration.timeoutIntervalForResource = 10
        self.session = URLSession(configuration: configuration)
        self.notices = notices ?? StaffNoticeClient(config: services.config)
    }

    public struct Pass: Sendable, Equatable {
        public var alerts = AlertDuty.Pass()
        public var delivered = 0
        public var failed = 0
    }

    public func runOnce() async throws -> Pass {
        var pass = Pass()
        pass.alerts = try await services.alertDuty(smsGateway: webhook != nil).run(now: now())
        let fresh = reportedUnattended.numbers.withLock { seen in pass.alerts.unattended.filter { seen.insert($0).inserted } }
        for number in fresh {
            logger.warning("值班提醒无人可送：该区域当前无人值班，请排班", metadata: ["case": "\(number)"])
        }
        if pass.alerts.alerted + pass.alerts.escalated > 0 {
            Counter(label: "weimin_duty_alerts_total", dimensions: [("level", "1")]).increment(by: pass.alerts.alerted)
            Counter(label: "weimin_duty_alerts_total", dimensions: [("level", "2")]).increment(by: pass.alerts.escalated)
        }
        var channels: Set<DutyChannel> = [.wecom, .dingtalk]
        if webhook != nil { channels.insert(.sms) }
        for delivery in try await services.duty.claimDeliveries(channels: channels, at: now()) {
            do {
                try await deliver(delivery)
                try await services.duty.markDelivered(delivery, at: now())
                pass.delivered += 1
            } catch {
                let final = (error as? StaffNoticeClient.Failure).map { if case .final = $0 { true } else { false } } ?? false
                try await services.duty.markFailed(delivery, error: "\(error)", final: final, at: now())
                logger.warning(
                    "值班提醒发送失败\(final ? "，需要管理员处理" : "，稍后重试")",
                    metadata: ["case": "\(delivery.alert.caseNumber)", "channel": "\(delivery.channel.rawValue)", "error": "\(error)"])
                pass.failed += 1
            }
        }
        return pass
    }

    func deliver(_ delivery: DutyStore.Delivery) async throws {
        switch delivery.channel {
        case .sms:
            guard let webhook else { throw GatewayError(description: "未配置短信网关") }
            try await post(delivery.alert, to: webhook)
        case .wecom, .dingtalk:
            guard let to = delivery.address,
                let app = try await services.ingest.store.staffApplications(county: delivery.county)[delivery.channel]
            else { throw StaffNoticeClient.Failure.final("本县没有可用的\(delivery.channel.displayName)应用，或值班人员的账号已删除") }
            if delivery.channel == .wecom {
                try await notices.sendWeCom(delivery.alert.text, to: to, source: app.source, secrets: app.secrets, now: now())
            } else {
                try await notices.sendDingTalk(delivery.alert.text, to: to, source: app.source, secrets: app.secrets, now: now())
            }
        }
    }

    struct GatewayError: Error, CustomStringConvertible {
        let description: String
    }

    /// The SMS gateway's contract: one JSON object per alert; any 2xx is delivered. The recipient is named by account
    /// and name (the gateway keeps the phone numbers); `alert_id` lets it drop a repeat after a retry.
    func post(_ alert: DutyAlert, to url: URL) async throws {
        let person = try await services.staff.user(named: alert.username)
        let body: [String: Any] = [
            "alert_id": alert.id.uuidString.lowercased(), "case_number": alert.caseNumber, "level": alert.level,
            "username": alert.username, "name": person?.displayName ?? alert.username, "text": alert.text,
            "sent_at": ISO8601DateFormatter().string(from: alert.sentAt),
        ]
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        if let token = services.config.dutyWebhookToken { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.httpBody = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        let (_, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse, (200..<300).contains(http.statusCode) else {
            throw GatewayError(description: "短信网关答复 HTTP \((response as? HTTPURLResponse)?.statusCode ?? 0)")
        }
    }

    public func run() async throws {
        try await endingQuietlyOnShutdown {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    do {
                        _ = try await runOnce()
                        services.health.passed("duty")
                    } catch {
                        logger.error("duty alerts failed", metadata: ["error": "\(String(reflecting: error))"])
                        services.health.failed("duty", error: "\(error)")
                    }
                    try await Task.sleep(for: interval)
                }
            }
        }
    }
}

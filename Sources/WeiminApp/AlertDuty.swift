import Foundation
import WeiminCore
import WeiminPersistence

/// Use case: an urgent or risky case reaches the person on duty at once, and their leader when they do not
/// acknowledge in time. Core decides who (`DutyPolicy`); the store records each alert once, with its line in the case's
/// audit chain, with the ways it leaves the console (`DutyChannel.route`): the SMS gateway, the county's WeCom or
/// DingTalk application, a bridge's private send. The server's `DutyService` delivers them.
public struct AlertDuty: Sendable {
    let duty: DutyStore
    let staff: StaffDirectory
    let regions: any RegionRepository
    let policy: DutyPolicy
    /// The county's applications that can write to one person (WeCom, DingTalk).
    let applications: IngestStore?
    /// Whether an SMS gateway is configured (`duty.webhook`).
    let smsGateway: Bool

    public init(
        duty: DutyStore, staff: StaffDirectory, regions: any RegionRepository, policy: DutyPolicy, applications: IngestStore? = nil,
        smsGateway: Bool = false
    ) {
        self.duty = duty
        self.staff = staff
        self.regions = regions
        self.policy = policy
        self.applications = applications
        self.smsGateway = smsGateway
    }

    public struct Pass: Sendable, Equatable {
        public var alerted = 0
        public var escalated = 0
        /// Cases nobody is on duty for: the roster has a hole (the service logs it).
        public var unattended: [String] = []
        public init() {}
    }

    public func run(now: Date) async throws -> Pass {
        var pass = Pass()
        for c in try await duty.casesNeedingAlert(riskAtLeast: policy.riskAtLeast, since: now.addingTimeInterval(-86400))
        where policy.needsAlert(c) {
            switch try await alert(c, level: 1, at: now) {
            case .some(true): pass.alerted += 1
            case .some(false): break
            case .none: pass.unattended.append(c.number.description)
            }
        }
        for c in try await duty.escalationsDue(at: now) where policy.needsAlert(c) {
            switch try await alert(c, level: 2, at: now) {
            case .some(true): pass.escalated += 1
            case .some(false): break
            case .none: pass.unattended.append(c.number.description)
            }
        }
        return pass
    }

    /// nil when nobody is on duty for the case; otherwise whether this pass recorded the alert (another instance may have).
    func alert(_ c: Case, level: Int, at now: Date) async throws -> Bool? {
        let onDuty = try await duty.onDuty(regions: policy.regions(for: c), at: now)
        guard let shift = policy.recipient(level: level, for: c, onDuty: onDuty, at: now) else { return nil }
        let person = try await staff.user(named: shift.username)
        var place = ""
        for code in [c.villageCode, c.townshipCode].compactMap({ $0 }).reversed() {
            if let r = try await regions.region(code) { place += r.name }
        }
        let alert = DutyAlert(
            id: UUID(), caseID: c.id, caseNumber: c.number.description, level: level, username: shift.username,
            text: policy.text(for: c, level: level, place: place, at: now), sentAt: now,
            escalateAt: level == 1 ? now.addingTimeInterval(policy.escalateAfter) : nil)
        // At night the workbench is not enough: a bridge in the case's group also writes to the person's own WeChat.
        var bridge: (group: UUID, wechatID: String)?
        if let group = c.groupID, let wechat = try await staff.wechatID(of: shift.username), try await duty.hasBridge(group: group) {
            bridge = (group, wechat)
        }
        let available = Set(try await applications?.staffApplications(county: c.countyCode).keys.map { $0 } ?? [])
        let channels = DutyChannel.route(
            smsGateway: smsGateway, accounts: try await staff.platformAccounts(of: shift.username), available: available)
        return try await duty.record(
            alert, county: c.countyCode, recipientName: "\(person?.displayName ?? shift.username)（\(shift.username)）", bridge: bridge,
            channels: channels, at: now)
    }
}

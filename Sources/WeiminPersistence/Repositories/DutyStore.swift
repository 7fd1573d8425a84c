import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// The duty roster and its alerts (M033). Alerts are unique per case and level, so any number of instances may scan:
/// only the insert that wins writes the case's audit event, in the same transaction.
public struct DutyStore: Sendable {
    let database: WeiminDatabase
    /// Seals a staff member's WeChat id on the private message a bridge carries to them.
    let cipher: FieldCipher?

    public init(database: WeiminDatabase, cipher: FieldCipher? = nil) {
        self.database = database
        self.cipher = cipher
    }

    /// The case's group has a personal-WeChat bridge that can write to one person.
    public func hasBridge(group: UUID) async throws -> Bool {
        try await database.sql.raw(
            """
            SELECT 1 AS one FROM robots WHERE group_id = \(bind: group) AND active = \(bind: true)
              AND kind IN (\(binds: [Robot.Kind.wechatbot.rawValue, Robot.Kind.wcf.rawValue]))
            """
        ).first() != nil
    }

    // MARK: Roster

    /// Adds a shift: the person exists and is active, the region is the county's or one of its townships, and the shift
    /// lasts between 1 hour and 7 days.
    public func addShift(_ s: DutyShift, county: RegionCode, by actor: String, at now: Date = Date()) async throws {
        guard s.endsAt.timeIntervalSince(s.startsAt) >= 3600, s.endsAt.timeIntervalSince(s.startsAt) <= 7 * 86400 else {
            throw CaseOperationError.invalid(StoreMessages.Duty.badShiftLength)
        }
        guard s.region == county || (s.region.level == .township && s.region.countyCode == county) else {
            throw CaseOperationError.invalid(StoreMessages.Duty.regionOutsideCounty)
        }
        guard let user = try await StaffUserModel.query(on: database.db).filter(\.$username == s.username.lowercased()).first(), user.active
        else { throw CaseOperationError.invalid(StoreMessages.Duty.unknownUser(s.username)) }
        try await database.sql.raw(
            """
            INSERT INTO duty_shifts (id, county_code, region_code, username, kind, starts_at, ends_at, created_by, created_at)
            VALUES (\(bind: s.id), \(bind: county.rawValue), \(bind: s.region.rawValue), \(bind: user.username), \(bind: s.kind.rawValue),
                    \(bind: s.startsAt), \(bind: s.endsAt), \(bind: actor), \(bind: now))
            """
        ).run()
    }

    /// Shifts of a county (or of one township) that overlap [from, to), by start.
    public func shifts(county: RegionCode, region: RegionCode? = nil, from: Date, to: Date) async throws -> [DutyShift] {
        let regionFilter: SQLQueryString = region.map { "AND region_code = \(bind: $0.rawValue)" } ?? ""
        return try await database.sql.raw(
            """
            SELECT * FROM duty_shifts WHERE county_code = \(bind: county.rawValue) \(regionFilter)
              AND starts_at < \(bind: to) AND ends_at > \(bind: from) ORDER BY starts_at, region_code
            """
        ).all().map(Self.shift)
    }

    public func deleteShift(_ id: UUID, county: RegionCode) async throws -> Bool {
        !(try await database.sql.raw(
            "DELETE FROM duty_shifts WHERE id = \(bind: id) AND county_code = \(bind: county.rawValue) RETURNING id"
        ).all().isEmpty)
    }

    /// Who is on duty now for these regions.
    public func onDuty(regions: [RegionCode], at now: Date) async throws -> [DutyShift] {
        guard !regions.isEmpty else { return [] }
        return try await database.sql.raw(
            """
            SELECT * FROM duty_shifts WHERE region_code IN (\(binds: regions.map(\.rawValue))) AND starts_at <= \(bind: now) AND ends_at > \(bind: now)
            """
        ).all().map(Self.shift)
    }

    static func shift(_ r: any SQLRow) throws -> DutyShift {
        DutyShift(
            id: try r.decode(column: "id", as: UUID.self), region: RegionCode(try r.decode(column: "region_code", as: String.self))!,
            username: try r.decode(column: "username", as: String.self),
            kind: DutyKind(rawValue: try r.decode(column: "kind", as: String.self)) ?? .duty,
            startsAt: try r.decode(column: "starts_at", as: Date.self), endsAt: try r.decode(column: "ends_at", as: Date.self))
    }

    // MARK: Alerts

    /// Open, unsealed, urgent or risky cases of the last day that have no first alert yet.
    public func casesNeedingAlert(riskAtLeast: Int, since: Date, limit: Int = 200) async throws -> [Case] {
        let open = CaseState.allCases.filter(\.isOpen).map(\.rawValue)
        let ids = try await database.sql.raw(
            """
            SELECT c.id FROM cases c WHERE c.sealed = \(bind: false) AND c.state IN (\(binds: open)) AND c.created_at >= \(bind: since)
              AND (c.urgency = 'urgent' OR c.opinion_risk >= \(bind: riskAtLeast))
              AND NOT EXISTS (SELECT 1 FROM duty_alerts a WHERE a.case_id = c.id AND a.level = 1)
            ORDER BY c.created_at LIMIT \(bind: limit)
            """
        ).all().map { try $0.decode(column: "id", as: UUID.self) }
        return try await cases(ids)
    }

    /// First alerts not acknowledged by their escalation time, with no second alert yet, on cases still open.
    public func escalationsDue(at now: Date, limit: Int = 200) async throws -> [Case] {
        let open = CaseState.allCases.filter(\.isOpen).map(\.rawValue)
        let ids = try await database.sql.raw(
            """
            SELECT a.case_id FROM duty_alerts a JOIN cases c ON c.id = a.case_id
            WHERE a.level = 1 AND a.acknowledged_at IS NULL AND a.escalate_at <= \(bind: now) AND c.state IN (\(binds: open))
              AND NOT EXISTS (SELECT 1 FROM duty_alerts b WHERE b.case_id = a.case_id AND b.level = 2)
            ORDER BY a.escalate_at LIMIT \(bind: limit)
            """
        ).all().map { try $0.decode(column: "case_id", as: UUID.self) }
        return try await cases(ids)
    }

    func cases(_ ids: [UUID]) async throws -> [Case] {
        guard !ids.isEmpty else { return [] }
        return try await CaseModel.query(on: database.db).filter(\.$id ~~ ids).all().map { try $0.toCore() }
    }

    /// Records an alert and its line in the case's record, once per case and level; false when another instance did.
    /// `bridge`: the group whose personal-WeChat bridge also carries the alert privately to the person's own WeChat id.
    /// `channels`: the ways it also leaves the console (`DutyChannel.route`), each delivered and retried on its own.
    public func record(
        _ alert: DutyAlert, county: RegionCode, recipientName: String, bridge: (group: UUID, wechatID: String)? = nil,
        channels: [(DutyChannel, String?)] = [], at now: Date
    ) async throws -> Bool {
        let sealedRecipient = try bridge.flatMap { b in try cipher?.seal(b.wechatID) }
        return try await database.writing { db in
            let sql = db as! any SQLDatabase
            let inserted = try await sql.raw(
                """
                INSERT INTO duty_alerts (id, county_code, case_id, level, username, text, sent_at, escalate_at, attempts, next_attempt_at)
                VALUES (\(bind: alert.id), \(bind: county.rawValue), \(bind: alert.caseID), \(bind: alert.level), \(bind: alert.username),
                        \(bind: alert.text), \(bind: now), \(bind: alert.escalateAt), 0, \(bind: now))
                ON CONFLICT (case_id, level) DO NOTHING RETURNING id
                """
            ).all()
            guard !inserted.isEmpty, let row = try await CaseModel.find(alert.caseID, on: db), let number = CaseNumber(row.number) else {
                return false
            }
            try await CaseStore.appendEvent(
                caseRow: row, number: number, actor: .system, action: "duty_alert", from: nil, to: nil,
                note: StoreMessages.Duty.alerted(level: alert.level, recipient: recipientName, channels: channels.map(\.0)), at: now, on: db
            )
            for (channel, address) in channels {
                try await sql.raw(
                    """
                    INSERT INTO duty_deliveries (id, alert_id, county_code, channel, address, attempts, next_attempt_at, created_at)
                    VALUES (\(bind: UUID()), \(bind: alert.id), \(bind: county.rawValue), \(bind: channel.rawValue), \(bind: address), 0,
                            \(bind: now), \(bind: now))
                    """
                ).run()
            }
            if let bridge, let sealedRecipient {
                try await OutboxStore.enqueue(
                    on: db, county: county.rawValue, groupID: bridge.group, causeKey: "duty:\(alert.id.uuidString)", kind: .dutyAlert,
                    caseID: alert.caseID, text: alert.text, recipientCipher: sealedRecipient, at: now)
            }
            return true
        }
    }

    /// The alerts addressed to a person, newest first.
    public func alerts(for username: String, unacknowledgedOnly: Bool = false, limit: Int = 50) async throws -> [DutyAlert] {
        let filter: SQLQueryString = unacknowledgedOnly ? "AND a.acknowledged_at IS NULL" : ""
        return try await alerts(where: "a.username = \(bind: username) \(filter)", limit: limit)
    }

    /// A county's alerts since a time, newest first (the roster page's record of who was alerted and how it went).
    public func alerts(county: RegionCode, since: Date, limit: Int = 100) async throws -> [DutyAlert] {
        try await alerts(where: "a.county_code = \(bind: county.rawValue) AND a.sent_at >= \(bind: since)", limit: limit)
    }

    public func alert(_ id: UUID) async throws -> DutyAlert? {
        try await alerts(where: "a.id = \(bind: id)", limit: 1).first
    }

    /// A case's alerts, first first.
    public func alerts(caseID: UUID) async throws -> [DutyAlert] {
        try await alerts(where: "a.case_id = \(bind: caseID)", limit: 10).sorted { $0.level < $1.level }
    }

    private func alerts(where filter: SQLQueryString, limit: Int) async throws -> [DutyAlert] {
        try await database.sql.raw(
            """
            SELECT a.*, c.number FROM duty_alerts a JOIN cases c ON c.id = a.case_id WHERE \(filter)
            ORDER BY a.sent_at DESC LIMIT \(bind: limit)
            """
        ).all().map { r in
            DutyAlert(
                id: try r.decode(column: "id", as: UUID.self), caseID: try r.decode(column: "case_id", as: UUID.self),
                caseNumber: try r.decode(column: "number", as: String.self), level: try r.decode(column: "level", as: Int.self),
                username: try r.decode(column: "username", as: String.self), text: try r.decode(column: "text", as: String.self),
                sentAt: try r.decode(column: "sent_at", as: Date.self), escalateAt: try r.decode(column: "escalate_at", as: Date?.self),
                acknowledgedAt: try r.decode(column: "acknowledged_at", as: Date?.self),
                acknowledgedBy: try r.decode(column: "acknowledged_by", as: String?.self),
                deliveredAt: try r.decode(column: "delivered_at", as: Date?.self),
                lastError: try r.decode(column: "last_error", as: String?.self))
        }
    }

    /// 确认收到: the recipient (or a supervisor) acknowledges; the acknowledgement is in the case's record. A second
    /// acknowledgement changes nothing.
    public func acknowledge(_ id: UUID, by viewer: Viewer, at now: Date = Date()) async throws -> DutyAlert {
        guard let alert = try await alert(id), alert.username == viewer.username || viewer.role == .supervisor else {
            throw CaseOperationError.notFound
        }
        guard alert.acknowledgedAt == nil else { return alert }
        try await database.writing { db in
            let sql = db as! any SQLDatabase
            let updated = try await sql.raw(
                """
                UPDATE duty_alerts SET acknowledged_at = \(bind: now), acknowledged_by = \(bind: viewer.username)
                WHERE id = \(bind: id) AND acknowledged_at IS NULL RETURNING id
                """
            ).all()
            guard !updated.isEmpty, let row = try await CaseModel.find(alert.caseID, on: db), let number = CaseNumber(row.number) else {
                return
            }
            try await CaseStore.appendEvent(
                caseRow: row, number: number, actor: AuditActor(viewer), action: "duty_ack", from: nil, to: nil,
                note: StoreMessages.Duty.acknowledged(level: alert.level), at: now, on: db)
        }
        return try await self.alert(id) ?? alert
    }

    // MARK: Delivery beyond the console

    /// One way out for one alert (`duty_deliveries`, M036).
    public struct Delivery: Sendable {
        public var id: UUID
        public var channel: DutyChannel
        /// The person's account on the platform (nil for the SMS gateway, which keeps its own phone book).
        public var address: String?
        public var county: RegionCode
        public var attempts: Int
        public var alert: DutyAlert
    }

    /// Claims deliveries on these channels whose time has come (a lease, so two instances do not send the same one).
    public func claimDeliveries(channels: Set<DutyChannel>, at now: Date, lease: TimeInterval = 30, limit: Int = 20) async throws
        -> [Delivery]
    {
        guard !channels.isEmpty else { return [] }
        let due = try await database.sql.raw(
            """
            SELECT id FROM duty_deliveries WHERE delivered_at IS NULL AND next_attempt_at <= \(bind: now) AND attempts < 10
              AND channel IN (\(binds: channels.map(\.rawValue).sorted()))
            ORDER BY created_at LIMIT \(bind: limit)
            """
        ).all().map { try $0.decode(column: "id", as: UUID.self) }
        var claimed: [Delivery] = []
        for id in due {
            let won = try await database.sql.raw(
                """
                UPDATE duty_deliveries SET next_attempt_at = \(bind: now.addingTimeInterval(lease))
                WHERE id = \(bind: id) AND delivered_at IS NULL AND next_attempt_at <= \(bind: now)
                RETURNING alert_id, channel, address, county_code, attempts
                """
            ).all()
            guard let row = won.first, let alert = try await alert(try row.decode(column: "alert_id", as: UUID.self)),
                let channel = DutyChannel(rawValue: try row.decode(column: "channel", as: String.self)),
                let county = RegionCode(try row.decode(column: "county_code", as: String.self))
            else { continue }
            claimed.append(
                Delivery(
                    id: id, channel: channel, address: try row.decode(column: "address", as: String?.self), county: county,
                    attempts: try row.decode(column: "attempts", as: Int.self), alert: alert))
        }
        return claimed
    }

    /// The ways an alert went, and how each went: for the case page and the workbench.
    public func deliveries(alert id: UUID) async throws -> [(channel: DutyChannel, deliveredAt: Date?, lastError: String?)] {
        try await database.sql.raw(
            "SELECT channel, delivered_at, last_error FROM duty_deliveries WHERE alert_id = \(bind: id) ORDER BY channel"
        ).all().compactMap { r in
            guard let c = DutyChannel(rawValue: try r.decode(column: "channel", as: String.self)) else { return nil }
            return (c, try r.decode(column: "delivered_at", as: Date?.self), try r.decode(column: "last_error", as: String?.self))
        }
    }

    /// The alert shows it reached the person beyond the console at the first delivery on any channel.
    public func markDelivered(_ delivery: Delivery, at now: Date) async throws {
        try await database.writing { db in
            let sql = db as! any SQLDatabase
            try await sql.raw(
                """
                UPDATE duty_deliveries SET delivered_at = \(bind: now), attempts = attempts + 1, last_error = NULL
                WHERE id = \(bind: delivery.id)
                """
            ).run()
            try await sql.raw(
                """
                UPDATE duty_alerts SET delivered_at = COALESCE(delivered_at, \(bind: now)), attempts = attempts + 1
                WHERE id = \(bind: delivery.alert.id)
                """
            ).run()
        }
    }

    /// A failed send is tried again with backoff (30 s, 1, 2, 4… minutes, at most 10 tries); `final`: no point trying
    /// again (a wrong user id, no application set up). The reason is kept on the delivery and shown on the alert.
    public func markFailed(_ delivery: Delivery, error: String, final: Bool = false, at now: Date) async throws {
        let next = now.addingTimeInterval(min(3600, 30 * pow(2, Double(delivery.attempts))))
        let reason = "\(delivery.channel.displayName)：\(error.prefix(480))"
        try await database.writing { db in
            let sql = db as! any SQLDatabase
            try await sql.raw(
                """
                UPDATE duty_deliveries SET attempts = \(bind: final ? 10 : delivery.attempts + 1), last_error = \(bind: reason),
                  next_attempt_at = \(bind: next)
                WHERE id = \(bind: delivery.id)
                """
            ).run()
            try await sql.raw("UPDATE duty_alerts SET last_error = \(bind: reason) WHERE id = \(bind: delivery.alert.id)").run()
            guard final else { return }
            // Someone has to mend it (an account id, the application's visible range): the county's desk is told, once a
            // day per person and channel.
            let day = Int(now.timeIntervalSince1970 / 86400)
            try await sql.raw(
                """
                INSERT INTO alerts (id, county_code, region_code, group_id, kind, message, dedupe_key, created_at)
                VALUES (\(bind: UUID()), \(bind: delivery.county.rawValue), \(bind: delivery.county.rawValue), NULL, 'duty_channel',
                        \(bind: StoreMessages.Duty.channelFailed(delivery.channel, username: delivery.alert.username, reason: reason)),
                        \(bind: "duty:\(delivery.alert.username):\(delivery.channel.rawValue):\(day)"), \(bind: now))
                ON CONFLICT (dedupe_key) DO NOTHING
                """
            ).run()
        }
    }
}

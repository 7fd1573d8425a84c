import Crypto
import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// The outbox: messages are enqueued inside the transaction that caused them (unique per cause, so a
/// retry of the cause cannot send twice), claimed by a delivery service with a lease (a crashed instance's
/// claims expire and are taken again), and marked delivered, retried or failed.
public struct OutboxStore: Sendable {
    let database: WeiminDatabase
    let cipher: FieldCipher

    public init(database: WeiminDatabase, cipher: FieldCipher) {
        self.database = database
        self.cipher = cipher
    }

    // MARK: Robots

    /// Binds a group to its outbound robot (replacing any earlier one); secrets are stored encrypted.
    @discardableResult
    public func bindRobot(groupID: UUID, kind: Robot.Kind, endpoint: String, secret: String?, target: String? = nil, at now: Date = Date())
        async throws -> Robot
    {
        guard let group = try await ChatGroupModel.find(groupID, on: database.db) else {
            throw PersistenceError.invalid(StoreMessages.Outbox.groupMissing)
        }
        guard let url = URL(string: endpoint), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw PersistenceError.invalid(StoreMessages.Outbox.robotAddress)
        }
        let id = UUID()
        try await database.writing { db in
            try await (db as! any SQLDatabase).delete(from: "robots").where("group_id", .equal, groupID).run()
            try await (db as! any SQLDatabase).insert(into: "robots")
                .columns("id", "county_code", "group_id", "kind", "endpoint_cipher", "secret_cipher", "target", "active", "created_at")
                .values(
                    SQLBind(id), SQLBind(group.countyCode), SQLBind(groupID), SQLBind(kind.rawValue), SQLBind(try cipher.seal(endpoint)),
                    SQLBind(try secret.map { try cipher.seal($0) }), SQLBind(target), SQLBind(true), SQLBind(now)
                )
                .run()
            // What waited for a robot in the last day still matters to the villagers; older messages would be stale news.
            try await (db as! any SQLDatabase).raw(
                """
                UPDATE outbox SET status = 'pending', next_attempt_at = \(bind: now), last_error = NULL
                WHERE group_id = \(bind: groupID) AND status = 'unbound' AND created_at >= \(bind: now.addingTimeInterval(-86400))
                """
            ).run()
        }
        return Robot(id: id, groupID: groupID, kind: kind, endpoint: endpoint, secret: secret, target: target, active: true, failure: nil)
    }

    public func robot(forGroup groupID: UUID) async throws -> Robot? {
        guard let row = try await database.sql.select().columns("*").from("robots").where("group_id", .equal, groupID).first() else {
            return nil
        }
        guard let kind = Robot.Kind(rawValue: try row.decode(column: "kind", as: String.self)) else { return nil }
        return Robot(
            id: try row.decode(column: "id", as: UUID.self), groupID: groupID, kind: kind,
            endpoint: try cipher.open(try row.decode(column: "endpoint_cipher", as: String.self)),
            secret: try row.decode(column: "secret_cipher", as: String?.self).map { try cipher.open($0) },
            target: try row.decode(column: "target", as: String?.self), active: try row.decode(column: "active", as: Bool.self),
            failure: try row.decode(column: "failure", as: String?.self))
    }

    /// A robot that failed for good (bad key, bad signature) stops being used until it is bound again.
    /// The group's admins are alerted in the console, once per robot.
    public func disableRobot(_ id: UUID, reason: String, at now: Date = Date()) async throws {
        try await database.writing { db in
            let sql = db as! any SQLDatabase
            let rows = try await sql.raw(
                "UPDATE robots SET active = \(bind: false), failure = \(bind: reason) WHERE id = \(bind: id) RETURNING group_id"
            ).all()
            for r in rows {
                try await AlertStore.raise(
                    on: sql, groupID: try r.decode(column: "group_id", as: UUID.self), kind: "robot_failed",
                    message: StoreMessages.Outbox.robotDisabled(reason: reason), key: "robot_failed:\(id)", at: now)
            }
        }
    }

    /// Takes a place in the robot's sliding minute, or says when the next place frees up. Atomic across
    /// server instances: one statement on SQLite, a row lock on the robot on PostgreSQL.
    public func reserveSlot(robot: UUID, at now: Date, perMinute: Int = DeliveryPolicy.perMinute) async throws -> Date? {
        try await database.writing { db in
            let sql = db as! any SQLDatabase
            if sql.dialect.name == "postgresql" {
                _ = try await sql.raw("SELECT id FROM robots WHERE id = \(bind: robot) FOR UPDATE").all()
            }
            // One second of margin: the platform counts arrivals, and ours leave a moment after they are counted here.
            let windowStart = now.addingTimeInterval(-DeliveryPolicy.window)
            let inserted = try await sql.raw(
                """
                INSERT INTO robot_sends (robot_id, sent_at)
                SELECT \(bind: robot), \(bind: now) WHERE (SELECT COUNT(*) FROM robot_sends WHERE robot_id = \(bind: robot) AND sent_at > \(bind: windowStart)) < \(bind: perMinute)
                RETURNING id
                """
            ).all()
            if !inserted.isEmpty { return nil }
            let recent = try await sql.raw(
                "SELECT sent_at FROM robot_sends WHERE robot_id = \(bind: robot) AND sent_at > \(bind: windowStart) ORDER BY sent_at"
            )
            .all().map { try $0.decode(column: "sent_at", as: Date.self) }
            return DeliveryPolicy.nextSlot(sentAt: recent, now: now, perMinute: perMinute) ?? now.addingTimeInterval(1)
        }
    }

    /// Holds back every waiting message of a group until `until`, so none overtakes an earlier one that
    /// has to wait (rate window or retry): a group's messages arrive in the order they were written.
    public func deferGroup(_ groupID: UUID, until: Date) async throws {
        try await database.sql.raw(
            """
            UPDATE outbox SET next_attempt_at = \(bind: until) WHERE group_id = \(bind: groupID) AND status = 'pending' AND next_attempt_at < \(bind: until)
            """
        ).run()
    }

    /// Gives a slot back when the send did not happen (the robot refused it), so the window stays honest.
    public func releaseSlot(robot: UUID, at: Date) async throws {
        try await database.sql.raw("DELETE FROM robot_sends WHERE robot_id = \(bind: robot) AND sent_at = \(bind: at)").run()
    }

    // MARK: Outbox

    /// Enqueues inside the caller's transaction. A second enqueue for the same cause does nothing. The words' hash is kept
    /// so that a bridge echoing them back is recognised (`OutboundEcho`).
    public static func enqueue(
        on db: any Database, county: String, groupID: UUID, causeKey: String, kind: OutboundKind, caseID: UUID? = nil,
        noticeID: UUID? = nil,
        text: String, mentions: [String] = [], fileID: UUID? = nil, recipientCipher: String? = nil, at now: Date, due: Date? = nil
    ) async throws {
        let mentionsJSON = String(decoding: try JSONEncoder().encode(mentions), as: UTF8.self)
        try await (db as! any SQLDatabase).raw(
            """
            INSERT INTO outbox (county_code, group_id, cause_key, kind, case_id, notice_id, text, mentions, status, attempts, next_attempt_at, created_at,
                                file_id, recipient_cipher, text_hash)
            VALUES (\(bind: county), \(bind: groupID), \(bind: causeKey), \(bind: kind.rawValue), \(bind: caseID), \(bind: noticeID), \(bind: text),
                    \(bind: mentionsJSON), 'pending', 0, \(bind: due ?? now), \(bind: now), \(bind: fileID), \(bind: recipientCipher),
                    \(bind: OutboundEcho.contentHash(text)))
            ON CONFLICT (cause_key) DO NOTHING
            """
        ).run()
    }

    public func enqueue(
        county: String, groupID: UUID, causeKey: String, kind: OutboundKind, caseID: UUID? = nil, noticeID: UUID? = nil,
        text: String, mentions: [String] = [], at now: Date = Date()
    ) async throws {
        try await Self.enqueue(
            on: database.db, county: county, groupID: groupID, causeKey: causeKey, kind: kind, caseID: caseID, noticeID: noticeID,
            text: text, mentions: mentions, at: now)
    }

    /// Claims up to `limit` due messages for `owner` for `lease` seconds, oldest first (`claimed`). Each is
    /// marked `sending` just before it goes out (`markSending`, committed first): if the process dies after
    /// that, the robot may or may not have it, and `sweep` marks it `uncertain` for a person to check rather
    /// than sending it a second time. Claimed messages never attempted simply go back to `pending`.
    public func claim(owner: String, limit: Int, lease: TimeInterval = 20, at now: Date = Date()) async throws -> [OutboxItem] {
        let rows = try await database.sql.raw(
            """
            UPDATE outbox SET status = 'claimed', lease_owner = \(bind: owner), lease_until = \(bind: now.addingTimeInterval(lease))
            WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= \(bind: now)
                           ORDER BY next_attempt_at, id LIMIT \(bind: limit))
              AND status = 'pending'
            RETURNING \(unsafeRaw: Self.itemColumns)
            """
        ).all()
        return try rows.map(Self.item).sorted { $0.id < $1.id }
    }

    static let itemColumns =
        "id, county_code, group_id, cause_key, kind, case_id, notice_id, text, mentions, status, attempts, last_error, file_id, recipient_cipher"

    static func item(_ row: any SQLRow) throws -> OutboxItem {
        OutboxItem(
            id: try row.decode(column: "id", as: Int.self), countyCode: try row.decode(column: "county_code", as: String.self),
            groupID: try row.decode(column: "group_id", as: UUID.self), causeKey: try row.decode(column: "cause_key", as: String.self),
            kind: OutboundKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .progress,
            caseID: try row.decode(column: "case_id", as: UUID?.self), noticeID: try row.decode(column: "notice_id", as: UUID?.self),
            text: try row.decode(column: "text", as: String.self),
            mentions: (try? JSONDecoder().decode([String].self, from: Data(try row.decode(column: "mentions", as: String.self).utf8)))
                ?? [],
            status: try row.decode(column: "status", as: String.self), attempts: try row.decode(column: "attempts", as: Int.self),
            lastError: try row.decode(column: "last_error", as: String?.self), fileID: try row.decode(column: "file_id", as: UUID?.self),
            recipientCipher: try row.decode(column: "recipient_cipher", as: String?.self))
    }

    /// Makes an item ready to send. `person:<id>` mentions become that person's mobile (for DingTalk
    /// `atMobiles`, WeCom `mentioned_mobile_list`); a person without one is simply not mentioned.
    public func prepare(_ item: OutboxItem) async throws -> OutboundMessage {
        var mentions = Mentions()
        for m in item.mentions {
            if m.hasPrefix("person:") {
                guard let id = UUID(uuidString: String(m.dropFirst(7))),
                    let row = try await database.sql.raw("SELECT phone_cipher FROM people WHERE id = \(bind: id)").first(),
                    let sealed = try row.decode(column: "phone_cipher", as: String?.self)
                else { continue }
                let phone = try cipher.open(sealed)
                if PIIMask.isMobile(phone) { mentions.mobiles.append(phone) }
            } else {
                mentions.userIDs.append(m)
            }
        }
        var message = OutboundMessage(kind: item.kind, text: item.text, mentions: mentions)
        if let sealed = item.recipientCipher { message.privateTo = try cipher.open(sealed) }
        if let fileID = item.fileID {
            guard let row = try await database.sql.raw("SELECT name, content_type, data FROM files WHERE id = \(bind: fileID)").first()
            else {
                throw PersistenceError.invalid(StoreMessages.Outbox.attachmentGone)
            }
            message.file = OutboundFile(
                name: try row.decode(column: "name", as: String.self), contentType: try row.decode(column: "content_type", as: String.self),
                data: Array(try row.decode(column: "data", as: Data.self)), id: fileID)
        }
        return message
    }

    // MARK: Files

    /// A stored file, for its download link (`/files/{id}`); nil once erased.
    public func file(_ id: UUID) async throws -> OutboundFile? {
        guard let row = try await database.sql.raw("SELECT name, content_type, data FROM files WHERE id = \(bind: id)").first() else {
            return nil
        }
        return OutboundFile(
            name: try row.decode(column: "name", as: String.self), contentType: try row.decode(column: "content_type", as: String.self),
            data: Array(try row.decode(column: "data", as: Data.self)), id: id)
    }

    /// Largest file a WeCom robot accepts through `upload_media`.
    public static let maxFileBytes = 20 * 1024 * 1024

    /// Keeps a file to send (a notice's attachment); the same content in the same county is kept once.
    public static func storeFile(on db: any Database, county: String, name: String, contentType: String, data: [UInt8], at now: Date)
        async throws -> UUID
    {
        guard !data.isEmpty else { throw PersistenceError.invalid(StoreMessages.Outbox.emptyAttachment(name)) }
        guard data.count <= maxFileBytes else { throw PersistenceError.invalid(StoreMessages.Outbox.attachmentTooLarge(name)) }
        let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        let sql = db as! any SQLDatabase
        if let row = try await sql.raw(
            "SELECT id FROM files WHERE county_code = \(bind: county) AND sha256 = \(bind: digest) AND name = \(bind: name)"
        ).first() {
            return try row.decode(column: "id", as: UUID.self)
        }
        let id = UUID()
        try await sql.raw(
            """
            INSERT INTO files (id, county_code, name, content_type, size, sha256, data, created_at)
            VALUES (\(bind: id), \(bind: county), \(bind: name), \(bind: contentType), \(bind: data.count), \(bind: digest), \(bind: Data(data)), \(bind: now))
            """
        ).run()
        return id
    }

    /// Marks a message that has no robot to go through: kept (not failed, not retried) so the admins
    /// see which groups still need a robot; binding one picks up the last day's messages.
    public func markUnbound(_ id: Int) async throws {
        try await database.sql.raw(
            """
            UPDATE outbox SET status = 'unbound', last_error = \(bind: StoreMessages.Outbox.unbound), lease_owner = NULL, lease_until = NULL
            WHERE id = \(bind: id) AND status IN ('claimed', 'sending')
            """
        ).run()
    }

    public func markDelivered(_ id: Int, owner: String, at now: Date = Date()) async throws {
        try await database.sql.raw(
            """
            UPDATE outbox SET status = 'delivered', delivered_at = \(bind: now), attempts = attempts + 1, lease_owner = NULL, lease_until = NULL
            WHERE id = \(bind: id) AND status IN ('claimed', 'sending')
            """
        ).run()
    }

    /// The last step before a message goes out, committed on its own. False when the claim was lost
    /// meanwhile (its lease ran out and another instance took it): then this one must not send it.
    public func markSending(_ id: Int, owner: String, at now: Date = Date(), timeout: TimeInterval = 30) async throws -> Bool {
        try await !database.sql.raw(
            """
            UPDATE outbox SET status = 'sending', lease_until = \(bind: now.addingTimeInterval(timeout))
            WHERE id = \(bind: id) AND status = 'claimed' AND lease_owner = \(bind: owner) RETURNING id
            """
        ).all().isEmpty
    }

    /// Claims whose holder vanished (killed mid-delivery): a message that was being sent may have reached
    /// the robot, so it is not sent again but marked `uncertain` and shown to admins; one only claimed goes
    /// back to the queue. Returns how many became uncertain.
    @discardableResult
    public func sweep(at now: Date = Date()) async throws -> Int {
        try await database.sql.raw(
            """
            UPDATE outbox SET status = 'pending', lease_owner = NULL, lease_until = NULL WHERE status = 'claimed' AND lease_until < \(bind: now)
            """
        ).run()
        let uncertain = try await database.sql.raw(
            """
            UPDATE outbox SET status = 'uncertain', last_error = \(bind: StoreMessages.Outbox.interrupted),
                lease_owner = NULL, lease_until = NULL
            WHERE status = 'sending' AND lease_until < \(bind: now) RETURNING id, group_id
            """
        ).all()
        for r in uncertain {
            let id = try r.decode(column: "id", as: Int.self)
            try await AlertStore.raise(
                on: database.sql, groupID: try r.decode(column: "group_id", as: UUID.self), kind: "uncertain",
                message: StoreMessages.Outbox.uncertainDelivery(id), key: "uncertain:\(id)", at: now)
        }
        return uncertain.count
    }

    /// Tries again at `next`; `countsAsAttempt` is false when the message simply waited for the rate window.
    public func markRetry(_ id: Int, next: Date, error: String?, countsAsAttempt: Bool) async throws {
        try await database.sql.raw(
            """
            UPDATE outbox SET status = 'pending', next_attempt_at = \(bind: next), last_error = COALESCE(\(bind: error), last_error),
                attempts = attempts + \(bind: countsAsAttempt ? 1 : 0), lease_owner = NULL, lease_until = NULL
            WHERE id = \(bind: id) AND status IN ('claimed', 'sending')
            """
        ).run()
    }

    public func markFailed(_ id: Int, error: String) async throws {
        try await database.sql.raw(
            """
            UPDATE outbox SET status = 'failed', last_error = \(bind: error), attempts = attempts + 1, lease_owner = NULL, lease_until = NULL
            WHERE id = \(bind: id) AND status IN ('claimed', 'sending')
            """
        ).run()
    }

    /// Every message of a group or a county, newest first (for admins and tests).
    /// Group messages (with private answers on ordinary cases), or the private answers to sealed cases' reporters —
    /// listed apart, for the discipline role only: their case number alone would tell an admin that a sealed report
    /// exists.
    public enum Audience: Sendable { case groups, privateAnswers }

    public func items(county: String, status: String? = nil, audience: Audience = .groups, limit: Int = 200) async throws -> [OutboxItem] {
        var q = database.sql.select().column(SQLRaw(Self.itemColumns)).from("outbox").where("county_code", .equal, county)
        if let status { q = q.where("status", .equal, status) }
        q = q.where("kind", audience == .groups ? .notEqual : .equal, OutboundKind.privateReply.rawValue)
        return try await q.orderBy("id", .descending).limit(limit).all().map(Self.item)
    }

    /// Cancels everything still waiting in a county (after a misconfiguration, or before a benchmark).
    @discardableResult
    public func cancelPending(county: String) async throws -> Int {
        try await database.sql.raw(
            """
            UPDATE outbox SET status = 'cancelled', last_error = \(bind: StoreMessages.Outbox.cancelled)
            WHERE county_code = \(bind: county) AND status = 'pending' RETURNING id
            """
        ).all().count
    }

    public func counts(county: String, audience: Audience = .groups) async throws -> [String: Int] {
        let rows = try await database.sql.raw(
            """
            SELECT status, COUNT(*) AS n FROM outbox WHERE county_code = \(bind: county)
              AND kind \(unsafeRaw: audience == .groups ? "<>" : "=") \(bind: OutboundKind.privateReply.rawValue) GROUP BY status
            """
        ).all()
        var result: [String: Int] = [:]
        for r in rows { result[try r.decode(column: "status", as: String.self)] = try r.decode(column: "n", as: Int.self) }
        return result
    }
}

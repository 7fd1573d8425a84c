import Crypto
import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// A source of messages as the ingest routes see it.
public struct IngestSource: Sendable, Hashable {
    public var id: UUID
    public var county: RegionCode
    public var kind: String
    public var name: String
    /// The source's own bot accounts (a bridge's wxid): their messages are Weimin's own (docs/protocols.md §5).
    public var selfIDs: Set<String> = []
}

/// A message as a platform or bridge describes it: by the group's platform id, not ours.
public struct PlatformMessage: Sendable, Hashable {
    public var platform: Platform
    public var groupExternalID: String
    public var groupName: String
    public var platformMessageID: String
    public var senderID: String
    public var senderName: String
    public var kind: MessageKind
    public var text: String
    public var sentAt: Date
    /// For a quote-reply, the platform id of the quoted message.
    public var quotedPlatformID: String?
    /// Weimin's own words come back (docs/protocols.md §5): stored as an outbound echo, never triaged.
    public var echo: OutboundEcho.Reason?
    /// The photos, voice notes and files that came with it (docs/protocols.md §6).
    public var media: [IncomingMedia]

    public init(
        platform: Platform, groupExternalID: String, groupName: String, platformMessageID: String, senderID: String,
        senderName: String, kind: MessageKind, text: String, sentAt: Date, quotedPlatformID: String? = nil,
        echo: OutboundEcho.Reason? = nil, media: [IncomingMedia] = []
    ) {
        self.echo = echo
        self.media = media
        self.quotedPlatformID = quotedPlatformID
        self.platform = platform
        self.groupExternalID = groupExternalID
        self.groupName = groupName
        self.platformMessageID = platformMessageID
        self.senderID = senderID
        self.senderName = senderName
        self.kind = kind
        self.text = text
        self.sentAt = sentAt
    }
}

/// Sources, their tokens, and taking messages in: registered groups' messages are stored once;
/// unregistered groups' messages are quarantined (also once) until the group is registered.
public struct IngestStore: Sendable {
    let database: WeiminDatabase
    let cipher: FieldCipher

    public init(database: WeiminDatabase, cipher: FieldCipher) {
        self.database = database
        self.cipher = cipher
    }

    public static let kinds = ["generic", "wecom_app", "wecom_robot", "dingtalk", "wechatbot", "wcf"]

    /// Registers a source; returns it with its API token, shown once (only a hash is stored).
    public func addSource(county: RegionCode, kind: String, name: String, secrets: [String: String] = [:], at now: Date = Date())
        async throws -> (IngestSource, String)
    {
        guard Self.kinds.contains(kind) else {
            throw PersistenceError.invalid(StoreMessages.Ingest.unknownSourceKind(kind, allowed: Self.kinds))
        }
        guard county.level == .county, try await RegionModel.find(county.rawValue, on: database.db) != nil else {
            throw PersistenceError.invalid(StoreMessages.Ingest.unknownCounty(county))
        }
        let raw = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let token =
            "wms_"
            + raw.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let row = IngestSourceModel()
        row.id = UUID()
        row.countyCode = county.rawValue
        row.kind = kind
        row.name = name
        row.secretsCipher = secrets.isEmpty ? nil : try cipher.seal(String(decoding: try JSONEncoder().encode(secrets), as: UTF8.self))
        row.tokenHash = Self.hash(token)
        row.active = true
        row.createdAt = now
        try await row.create(on: database.db)
        return (IngestSource(id: row.id!, county: county, kind: kind, name: name), token)
    }

    public func source(forToken token: String) async throws -> IngestSource? {
        guard token.hasPrefix("wms_"), token.count < 100,
            let row = try await IngestSourceModel.query(on: database.db).filter(\.$tokenHash == Self.hash(token)).filter(\.$active == true)
                .first(),
            let county = RegionCode(row.countyCode)
        else { return nil }
        return IngestSource(id: row.id!, county: county, kind: row.kind, name: row.name, selfIDs: Self.selfIDs(row.selfIDs))
    }

    static func selfIDs(_ stored: String?) -> Set<String> {
        Set((stored ?? "").split(separator: ",").map { String($0) }.filter { !$0.isEmpty })
    }

    /// Remembers an account as the source's own bot (from a self-flagged message or the bridge's login): later messages
    /// from it are Weimin's own even when the bridge does not say so. Returns whether it was new.
    @discardableResult
    public func rememberSelfID(_ id: String, source: UUID) async throws -> Bool {
        guard !id.isEmpty, !id.contains(","), id.utf8.count <= InputRules.maxIdentifier,
            let row = try await IngestSourceModel.find(source, on: database.db)
        else { return false }
        var ids = Self.selfIDs(row.selfIDs)
        guard ids.count < 20, ids.insert(id).inserted else { return false }
        row.selfIDs = ids.sorted().joined(separator: ",")
        try await row.save(on: database.db)
        return true
    }

    /// A source and its decrypted secrets, for the platform callbacks that verify signatures.
    public func source(id: UUID) async throws -> (IngestSource, [String: String])? {
        guard let row = try await IngestSourceModel.find(id, on: database.db), row.active, let county = RegionCode(row.countyCode) else {
            return nil
        }
        var secrets: [String: String] = [:]
        if let sealed = row.secretsCipher {
            secrets = try JSONDecoder().decode([String: String].self, from: Data(try cipher.open(sealed).utf8))
        }
        // A bridge's own account may also be configured ("self_id": "wxid_a,wxid_b" in its secrets file).
        let configured = Self.selfIDs(secrets["self_id"])
        return (
            IngestSource(id: row.id!, county: county, kind: row.kind, name: row.name, selfIDs: Self.selfIDs(row.selfIDs).union(configured)),
            secrets
        )
    }

    /// The county's own applications that can write to one staff member — a WeCom self-built application (`wecom_app`
    /// with `corp_id`, `secret` and `agent_id` in its secrets) and a DingTalk internal application (`dingtalk` with
    /// `app_key`, `app_secret` and `agent_id`) — with their secrets, for duty alerts. The oldest source of each kind wins.
    public func staffApplications(county: RegionCode) async throws -> [DutyChannel: (source: UUID, secrets: [String: String])] {
        let rows = try await IngestSourceModel.query(on: database.db).filter(\.$countyCode == county.rawValue).filter(\.$active == true)
            .filter(\.$kind ~~ ["wecom_app", "dingtalk"]).sort(\.$createdAt).all()
        var out: [DutyChannel: (source: UUID, secrets: [String: String])] = [:]
        for row in rows {
            guard let sealed = row.secretsCipher, let id = row.id else { continue }
            let secrets = try JSONDecoder().decode([String: String].self, from: Data(try cipher.open(sealed).utf8))
            guard let agent = secrets["agent_id"], Int(agent) != nil else { continue }
            if row.kind == "wecom_app", out[.wecom] == nil, secrets["corp_id"] != nil, (secrets["secret"] ?? secrets["corp_secret"]) != nil
            {
                out[.wecom] = (id, secrets)
            }
            if row.kind == "dingtalk", out[.dingtalk] == nil, secrets["app_key"] != nil, secrets["app_secret"] != nil {
                out[.dingtalk] = (id, secrets)
            }
        }
        return out
    }

    public enum Outcome: String, Sendable, Codable {
        case stored
        case duplicate
        case quarantined
    }

    /// Takes a batch in from one source; see `accept(_:cache:at:)`.
    public func accept(_ batch: [PlatformMessage], from source: IngestSource, at now: Date = Date()) async throws -> [Outcome] {
        var cache = GroupCache()
        return try await accept(batch.map { ($0, source) }, cache: &cache, at: now)
    }

    /// Registered groups by platform and platform id. Only hits are kept: a group, once registered,
    /// keeps its id, while an unknown group must be looked up again (it may be registered meanwhile).
    public struct GroupCache: Sendable {
        var ids: [String: (id: UUID, county: String)] = [:]
        public init() {}
        static func key(_ platform: Platform, _ external: String) -> String { "\(platform.rawValue)|\(external)" }
    }

    /// Takes messages in, possibly from several sources: one lookup of unknown groups, one transaction
    /// for all messages of registered groups; the rest go to quarantine (each once).
    public func accept(_ items: [(PlatformMessage, IngestSource)], cache: inout GroupCache, at now: Date = Date()) async throws -> [Outcome]
    {
        guard !items.isEmpty else { return [] }
        let unknownIDs = Set(
            items.compactMap { cache.ids[GroupCache.key($0.0.platform, $0.0.groupExternalID)] == nil ? $0.0.groupExternalID : nil })
        if !unknownIDs.isEmpty {
            for g in try await ChatGroupModel.query(on: database.db).filter(\.$externalID ~~ unknownIDs.sorted()).all() {
                if let p = Platform(rawValue: g.platform) { cache.ids[GroupCache.key(p, g.externalID)] = (g.id!, g.countyCode) }
            }
        }
        var outcomes = [Outcome](repeating: .stored, count: items.count)
        var known: [(Int, IncomingMessage)] = []
        var unknown: [(Int, PlatformMessage, IngestSource)] = []
        for (i, (m, source)) in items.enumerated() {
            // A source only feeds its own county's groups.
            if let g = cache.ids[GroupCache.key(m.platform, m.groupExternalID)], g.county == source.county.rawValue {
                known.append(
                    (
                        i,
                        IncomingMessage(
                            groupID: g.id, countyCode: source.county, platform: m.platform, platformMessageID: m.platformMessageID,
                            senderID: m.senderID, senderName: m.senderName, kind: m.kind, text: m.text, sentAt: m.sentAt,
                            quotedPlatformID: m.quotedPlatformID, echo: m.echo, media: m.media)
                    ))
            } else {
                unknown.append((i, m, source))
            }
        }
        try await markOutboxEchoes(&known, at: now)
        let stored = try await MessageStore(database: database).insert(known.map(\.1), receivedAt: now)
        for ((i, _), new) in zip(known, stored) where !new {
            outcomes[i] = .duplicate
        }
        for (i, m, source) in unknown {
            let insert: @Sendable (any SQLDatabase) async throws -> Bool = { sql in
                let rows = try await sql.raw(
                    """
                    INSERT INTO quarantined_messages (id, source_id, county_code, platform, group_external_id, group_name, platform_message_id, sender_id, sender_name, kind, text, sent_at, received_at, reason, echo)
                    VALUES (\(bind: UUID()), \(bind: source.id), \(bind: source.county.rawValue), \(bind: m.platform.rawValue), \(bind: m.groupExternalID), \(bind: m.groupName),
                            \(bind: m.platformMessageID), \(bind: m.senderID), \(bind: m.senderName), \(bind: m.kind.rawValue), \(bind: m.text), \(bind: m.sentAt), \(bind: now),
                            \(bind: StoreMessages.Ingest.groupNotRegistered(name: m.groupName, externalID: m.groupExternalID)),
                            \(bind: m.echo?.rawValue))
                    ON CONFLICT (platform, group_external_id, platform_message_id) DO NOTHING
                    RETURNING id
                    """
                ).all()
                if !rows.isEmpty, !m.media.isEmpty {
                    try await MediaStore.insertQuarantined(
                        m.media, county: source.county.rawValue, platform: m.platform, groupExternalID: m.groupExternalID,
                        platformMessageID: m.platformMessageID, receivedAt: now, on: sql)
                }
                return !rows.isEmpty
            }
            let new =
                m.media.isEmpty
                ? try await insert(database.sql) : try await database.writing { db in try await insert(db as! any SQLDatabase) }
            outcomes[i] = new ? .quarantined : .duplicate
        }
        return outcomes
    }

    /// The backstop for bridges that give no self flag (docs/protocols.md §5): a message whose words are what the outbox
    /// sent to that group in the last days is Weimin's own. One indexed look-up per flush.
    func markOutboxEchoes(_ known: inout [(Int, IncomingMessage)], at now: Date) async throws {
        var wanted: [Int: String] = [:]
        for (n, (_, m)) in known.enumerated() where m.echo == nil && m.kind == .text {
            if let hash = OutboundEcho.contentHash(m.text) { wanted[n] = hash }
        }
        guard !wanted.isEmpty else { return }
        let groups = Set(wanted.keys.map { known[$0].1.groupID })
        let rows = try await database.sql.raw(
            """
            SELECT group_id, text_hash FROM outbox
            WHERE group_id IN (\(binds: Array(groups))) AND text_hash IN (\(binds: Array(Set(wanted.values))))
              AND created_at >= \(bind: now.addingTimeInterval(-OutboundEcho.window))
            """
        ).all()
        guard !rows.isEmpty else { return }
        var sent: Set<String> = []
        for r in rows {
            sent.insert("\(try r.decode(column: "group_id", as: UUID.self))|\(try r.decode(column: "text_hash", as: String.self))")
        }
        for (n, hash) in wanted where sent.contains("\(known[n].1.groupID)|\(hash)") {
            known[n].1.echo = .outboxHash
        }
    }

    /// Registers a group for a village and attaches its quarantined messages, exactly once.
    @discardableResult
    public func registerGroup(platform: Platform, externalID: String, name: String, village: RegionCode, at now: Date = Date()) async throws
        -> (UUID, Int)
    {
        guard village.level == .village, let county = village.countyCode, let township = village.townshipCode,
            try await RegionModel.find(village.rawValue, on: database.db) != nil
        else { throw PersistenceError.invalid(StoreMessages.Ingest.unknownVillage(village)) }
        do {
            try InputRules.check(externalID, field: StoreMessages.Ingest.groupIDField, limit: InputRules.maxIdentifier)
            try InputRules.check(name, field: StoreMessages.Ingest.groupNameField, limit: InputRules.maxGroupName)
        } catch {
            throw PersistenceError.invalid("\(error)")
        }
        let group: ChatGroupModel
        if let existing = try await ChatGroupModel.query(on: database.db).filter(\.$platform == platform.rawValue).filter(
            \.$externalID == externalID
        ).first() {
            group = existing
        } else {
            group = ChatGroupModel()
            group.id = UUID()
            group.countyCode = county.rawValue
            group.townshipCode = township.rawValue
            group.villageCode = village.rawValue
            group.platform = platform.rawValue
            group.externalID = externalID
            group.name = name
            group.createdAt = now
            try await group.create(on: database.db)
        }
        let waiting = try await QuarantinedMessageModel.query(on: database.db).filter(\.$platform == platform.rawValue)
            .filter(\.$groupExternalID == externalID).filter(\.$attachedAt == nil).sort(\.$sentAt).all()
        guard !waiting.isEmpty else { return (group.id!, 0) }
        let outcomes = try await MessageStore(database: database).append(
            waiting.map {
                IncomingMessage(
                    groupID: group.id!, countyCode: county, platform: platform, platformMessageID: $0.platformMessageID,
                    senderID: $0.senderID, senderName: $0.senderName, kind: MessageKind(stored: $0.kind), text: $0.text, sentAt: $0.sentAt,
                    echo: $0.echo.flatMap(OutboundEcho.Reason.init(rawValue:)))
            }, receivedAt: now)
        for (q, o) in zip(waiting, outcomes) {
            switch o {
            case .stored(let id), .duplicate(let id):
                q.messageID = id
                // Its photos and files, kept with the quarantined message, join the message it became.
                try await MediaStore.attach(
                    platform: platform, groupExternalID: externalID, platformMessageID: q.platformMessageID, messageID: id, on: database.sql
                )
            }
            q.attachedAt = now
            try await q.save(on: database.db)
        }
        return (group.id!, waiting.count)
    }

    /// Applies a platform's member-change event to a registered group's roster: joiners are added
    /// (or come back), leavers keep their row with the time they left. Returns false for an unknown group.
    @discardableResult
    public func applyRosterChange(
        platform: Platform, externalID: String, county: RegionCode, joined: [String], left: [String], at now: Date
    ) async throws -> Bool {
        guard
            let group = try await ChatGroupModel.query(on: database.db).filter(\.$platform == platform.rawValue)
                .filter(\.$externalID == externalID).filter(\.$countyCode == county.rawValue).first(), let groupID = group.id
        else { return false }
        try await database.writing { db in
            for user in joined {
                if let row = try await GroupMemberModel.query(on: db).filter(\.$groupID == groupID).filter(\.$platformUserID == user)
                    .first()
                {
                    row.leftAt = nil
                    row.joinedAt = now
                    try await row.save(on: db)
                } else {
                    let row = GroupMemberModel()
                    row.id = UUID()
                    row.groupID = groupID
                    row.countyCode = county.rawValue
                    row.platformUserID = user
                    row.displayName = user
                    // WeCom's external contacts (wm…/wo…) are villagers; internal user ids are staff of the county.
                    row.kind = (user.hasPrefix("wm") || user.hasPrefix("wo")) ? PersonKind.villager.rawValue : PersonKind.other.rawValue
                    row.isAdmin = false
                    row.joinedAt = now
                    try await row.create(on: db)
                }
            }
            if !left.isEmpty {
                try await GroupMemberModel.query(on: db).filter(\.$groupID == groupID).filter(\.$platformUserID ~~ left)
                    .filter(\.$leftAt == nil).set(\.$leftAt, to: now).update()
            }
        }
        return true
    }

    /// A registered group by our id or by its id on the platform, for importers.
    public func group(reference: String, platform: Platform) async throws -> (id: UUID, county: RegionCode, name: String)? {
        let row: ChatGroupModel?
        if let id = UUID(uuidString: reference) {
            row = try await ChatGroupModel.find(id, on: database.db)
        } else {
            row = try await ChatGroupModel.query(on: database.db).filter(\.$platform == platform.rawValue).filter(
                \.$externalID == reference
            ).first()
        }
        guard let row, let id = row.id, let county = RegionCode(row.countyCode) else { return nil }
        return (id, county, row.name)
    }

    public func quarantineCount(county: RegionCode) async throws -> Int {
        try await QuarantinedMessageModel.query(on: database.db).filter(\.$countyCode == county.rawValue).filter(\.$attachedAt == nil)
            .count()
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

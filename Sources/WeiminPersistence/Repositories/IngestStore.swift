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
}

/// A message as a platform or bridge describes it: by the group's platform id, not ours.
public struct PlatformMessage: Sendable, Hashable {
    public var platform: Platform
    public var groupExternalID: String
    public var groupName: String
    public var platformMessageID: String
    public var senderID: String
    public var senderName: String
    public var kind: String
    public var text: String
    public var sentAt: Date

    public init(platform: Platform, groupExternalID: String, groupName: String, platformMessageID: String, senderID: String,
                senderName: String, kind: String, text: String, sentAt: Date) {
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
    public func addSource(county: RegionCode, kind: String, name: String, secrets: [String: String] = [:], at now: Date = Date()) async throws -> (IngestSource, String) {
        guard Self.kinds.contains(kind) else { throw PersistenceError.invalid("来源类型 \(kind) 无效：可选 \(Self.kinds.joined(separator: ", "))") }
        guard county.level == .county, try await RegionModel.find(county.rawValue, on: database.db) != nil else {
            throw PersistenceError.invalid("县 \(county) 不存在")
        }
        let raw = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let token = "wms_" + raw.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
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
            let row = try await IngestSourceModel.query(on: database.db).filter(\.$tokenHash == Self.hash(token)).filter(\.$active == true).first(),
            let county = RegionCode(row.countyCode)
        else { return nil }
        return IngestSource(id: row.id!, county: county, kind: row.kind, name: row.name)
    }

    /// A source and its decrypted secrets, for the platform callbacks that verify signatures.
    public func source(id: UUID) async throws -> (IngestSource, [String: String])? {
        guard let row = try await IngestSourceModel.find(id, on: database.db), row.active, let county = RegionCode(row.countyCode) else { return nil }
        var secrets: [String: String] = [:]
        if let sealed = row.secretsCipher {
            secrets = try JSONDecoder().decode([String: String].self, from: Data(try cipher.open(sealed).utf8))
        }
        return (IngestSource(id: row.id!, county: county, kind: row.kind, name: row.name), secrets)
    }

    public enum Outcome: String, Sendable, Codable {
        case stored
        case duplicate
        case quarantined
    }

    /// Takes a batch in: one lookup of the groups, one transaction for the stored messages.
    public func accept(_ batch: [PlatformMessage], from source: IngestSource, at now: Date = Date()) async throws -> [Outcome] {
        guard !batch.isEmpty else { return [] }
        let db = database.db
        let keys = Set(batch.map { "\($0.platform.rawValue)|\($0.groupExternalID)" })
        let groups = try await ChatGroupModel.query(on: db).filter(\.$externalID ~~ Set(batch.map(\.groupExternalID)).sorted()).all()
        var byKey: [String: ChatGroupModel] = [:]
        for g in groups where keys.contains("\(g.platform)|\(g.externalID)") && g.countyCode == source.county.rawValue {
            byKey["\(g.platform)|\(g.externalID)"] = g
        }
        var outcomes = [Outcome](repeating: .stored, count: batch.count)
        var known: [(Int, IncomingMessage)] = []
        var unknown: [(Int, PlatformMessage)] = []
        for (i, m) in batch.enumerated() {
            if let g = byKey["\(m.platform.rawValue)|\(m.groupExternalID)"] {
                known.append((i, IncomingMessage(
                    groupID: g.id!, countyCode: source.county, platform: m.platform, platformMessageID: m.platformMessageID,
                    senderID: m.senderID, senderName: m.senderName, kind: m.kind, text: m.text, sentAt: m.sentAt)))
            } else {
                unknown.append((i, m))
            }
        }
        let stored = try await MessageStore(database: database).append(known.map(\.1), receivedAt: now)
        for ((i, _), o) in zip(known, stored) {
            if case .duplicate = o { outcomes[i] = .duplicate }
        }
        for (i, m) in unknown {
            let rows = try await database.sql.raw("""
                INSERT INTO quarantined_messages (id, source_id, county_code, platform, group_external_id, group_name, platform_message_id, sender_id, sender_name, kind, text, sent_at, received_at, reason)
                VALUES (\(bind: UUID()), \(bind: source.id), \(bind: source.county.rawValue), \(bind: m.platform.rawValue), \(bind: m.groupExternalID), \(bind: m.groupName),
                        \(bind: m.platformMessageID), \(bind: m.senderID), \(bind: m.senderName), \(bind: m.kind), \(bind: m.text), \(bind: m.sentAt), \(bind: now),
                        \(bind: "群未登记：\(m.groupName.isEmpty ? m.groupExternalID : m.groupName)"))
                ON CONFLICT (platform, group_external_id, platform_message_id) DO NOTHING
                RETURNING id
                """).all()
            outcomes[i] = rows.isEmpty ? .duplicate : .quarantined
        }
        return outcomes
    }

    /// Registers a group for a village and attaches its quarantined messages, exactly once.
    @discardableResult
    public func registerGroup(platform: Platform, externalID: String, name: String, village: RegionCode, at now: Date = Date()) async throws -> (UUID, Int) {
        guard village.level == .village, let county = village.countyCode, let township = village.townshipCode,
            try await RegionModel.find(village.rawValue, on: database.db) != nil
        else { throw PersistenceError.invalid("村 \(village) 不存在") }
        let group: ChatGroupModel
        if let existing = try await ChatGroupModel.query(on: database.db).filter(\.$platform == platform.rawValue).filter(\.$externalID == externalID).first() {
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
        let outcomes = try await MessageStore(database: database).append(waiting.map {
            IncomingMessage(groupID: group.id!, countyCode: county, platform: platform, platformMessageID: $0.platformMessageID,
                            senderID: $0.senderID, senderName: $0.senderName, kind: $0.kind, text: $0.text, sentAt: $0.sentAt)
        }, receivedAt: now)
        for (q, o) in zip(waiting, outcomes) {
            switch o {
            case .stored(let id), .duplicate(let id): q.messageID = id
            }
            q.attachedAt = now
            try await q.save(on: database.db)
        }
        return (group.id!, waiting.count)
    }

    public func quarantineCount(county: RegionCode) async throws -> Int {
        try await QuarantinedMessageModel.query(on: database.db).filter(\.$countyCode == county.rawValue).filter(\.$attachedAt == nil).count()
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// The registry of village groups as the console shows it: who is in each (admins, whether a police officer
/// and a township cadre are — 覆盖率), how busy it is, its last message; and the quarantine of messages from
/// groups nobody has registered yet.
public struct GroupRegistry: Sendable {
    let database: WeiminDatabase

    public init(database: WeiminDatabase) { self.database = database }

    public struct Entry: Sendable {
        public var id: UUID
        public var name: String
        public var platform: String
        public var township: String
        public var village: String
        public var members: Int
        public var admins: [String]
        public var hasPolice: Bool
        public var hasTownshipCadre: Bool
        public var messagesLastWeek: Int
        public var lastMessageAt: Date?
        public var hasRobot: Bool
    }

    public struct Quarantined: Sendable {
        public var platform: String
        public var externalID: String
        public var name: String
        public var count: Int
        public var lastAt: Date
    }

    public func entries(scopePrefix: String, now: Date = Date()) async throws -> [Entry] {
        let weekAgo = now.addingTimeInterval(-7 * 86400)
        let rows = try await database.sql.raw(
            """
            SELECT g.id, g.name, g.platform, t.name AS township, v.name AS village,
                   (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id) AS members,
                   (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id AND m.kind = 'police') AS police,
                   (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id AND m.kind = 'township_cadre') AS cadre,
                   (SELECT COUNT(*) FROM messages x WHERE x.group_id = g.id AND x.sent_at >= \(bind: weekAgo)) AS week,
                   (SELECT MAX(x.sent_at) FROM messages x WHERE x.group_id = g.id) AS last_at,
                   (SELECT COUNT(*) FROM robots r WHERE r.group_id = g.id AND r.active = \(bind: true)) AS robots
            FROM chat_groups g JOIN regions v ON v.code = g.village_code JOIN regions t ON t.code = g.township_code
            WHERE g.village_code LIKE \(bind: scopePrefix + "%")
            ORDER BY g.township_code, g.village_code, g.name
            """
        ).all()
        let admins = try await database.sql.raw(
            """
            SELECT m.group_id, m.display_name FROM group_members m JOIN chat_groups g ON g.id = m.group_id
            WHERE m.is_admin = \(bind: true) AND g.village_code LIKE \(bind: scopePrefix + "%")
            """
        ).all()
        var byGroup: [UUID: [String]] = [:]
        for a in admins {
            byGroup[try a.decode(column: "group_id", as: UUID.self), default: []].append(
                try a.decode(column: "display_name", as: String.self))
        }
        return try rows.map { r in
            let id = try r.decode(column: "id", as: UUID.self)
            return Entry(
                id: id, name: try r.decode(column: "name", as: String.self), platform: try r.decode(column: "platform", as: String.self),
                township: try r.decode(column: "township", as: String.self), village: try r.decode(column: "village", as: String.self),
                members: try r.decode(column: "members", as: Int.self), admins: byGroup[id] ?? [],
                hasPolice: try r.decode(column: "police", as: Int.self) > 0,
                hasTownshipCadre: try r.decode(column: "cadre", as: Int.self) > 0,
                messagesLastWeek: try r.decode(column: "week", as: Int.self),
                lastMessageAt: try r.decode(column: "last_at", as: Date?.self),
                hasRobot: try r.decode(column: "robots", as: Int.self) > 0)
        }
    }

    /// Someone in a group as the group page lists them. `onRoster` is false for a person known only from what they
    /// said: bridged personal-WeChat groups send no roster, so their speakers are listed (as villagers) until the county
    /// marks them; marking one writes them onto the roster.
    public struct Member: Sendable {
        public var platformUserID: String
        public var name: String
        public var kind: PersonKind
        public var leftAt: Date?
        public var onRoster: Bool
        public var isAdmin: Bool
    }

    /// Messages that show their sender is a member: not the group itself speaking, not our own robot's words seen
    /// coming back, not a sealed report (whose sender must not surface anywhere), not a sender erased by retention.
    static let spokeAsMember: SQLQueryString = """
        x.sender_id NOT IN ('system', 'erased') AND x.kind NOT IN ('system', 'event') AND x.echo IS NULL
        AND (x.sealed IS NULL OR x.sealed = \(bind: false))
        """

    /// The group's roster and anyone else who has spoken in it: current members first, then those who left, each by name.
    public func members(group: UUID) async throws -> [Member] {
        let sql = database.sql
        var out = try await sql.raw(
            """
            SELECT platform_user_id, display_name, kind, is_admin, left_at FROM group_members WHERE group_id = \(bind: group)
            """
        ).all().map { r in
            Member(
                platformUserID: try r.decode(column: "platform_user_id", as: String.self),
                name: try r.decode(column: "display_name", as: String.self),
                kind: PersonKind(rawValue: try r.decode(column: "kind", as: String.self)) ?? .other,
                leftAt: try r.decode(column: "left_at", as: Date?.self), onRoster: true,
                isAdmin: try r.decode(column: "is_admin", as: Bool.self))
        }
        // Any one of the names a speaker used will do to recognise them.
        out += try await sql.raw(
            """
            SELECT x.sender_id, MAX(x.sender_name) AS name FROM messages x
            WHERE x.group_id = \(bind: group) AND \(Self.spokeAsMember)
              AND NOT EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = x.group_id AND m.platform_user_id = x.sender_id)
            GROUP BY x.sender_id
            """
        ).all().map { r in
            Member(
                platformUserID: try r.decode(column: "sender_id", as: String.self), name: try r.decode(column: "name", as: String.self),
                kind: .villager, leftAt: nil, onRoster: false, isAdmin: false)
        }
        func key(_ m: Member) -> (Int, String, String) { (m.leftAt == nil ? 0 : 1, m.name, m.platformUserID) }
        return out.sorted { key($0) < key($1) }
    }

    /// Records what a member is in the group (police officer, township cadre…), which is what 覆盖率 counts. Someone not on
    /// the roster who has spoken in the group is added to it. Returns what they were before. Who may do this is the
    /// caller's decision; `county` keeps a caller from reaching another county's group.
    @discardableResult
    public func setRole(group: UUID, platformUserID: String, kind: PersonKind, county: String, at now: Date = Date()) async throws
        -> PersonKind
    {
        try await database.writing { db in
            let sql = db as! any SQLDatabase
            guard let g = try await ChatGroupModel.find(group, on: db), g.countyCode == county else {
                throw PersistenceError.notFound(StoreMessages.Groups.group(group))
            }
            if let row = try await GroupMemberModel.query(on: db).filter(\.$groupID == group).filter(\.$platformUserID == platformUserID)
                .first()
            {
                let before = PersonKind(rawValue: row.kind) ?? .other
                row.kind = kind.rawValue
                try await row.save(on: db)
                return before
            }
            guard
                let spoke = try await sql.raw(
                    """
                    SELECT x.sender_name FROM messages x
                    WHERE x.group_id = \(bind: group) AND x.sender_id = \(bind: platformUserID) AND \(Self.spokeAsMember)
                    ORDER BY x.sent_at DESC LIMIT 1
                    """
                ).first()
            else { throw PersistenceError.notFound(StoreMessages.Groups.member(platformUserID)) }
            let name = try spoke.decode(column: "sender_name", as: String.self)
            // Two people marking the same speaker at once: the second only sets the kind (PostgreSQL's writers do not
            // take turns as SQLite's do). joined_at is when the county recorded them: the bridge never said.
            try await sql.raw(
                """
                INSERT INTO group_members (id, group_id, county_code, platform_user_id, display_name, kind, is_admin, joined_at)
                VALUES (\(bind: UUID()), \(bind: group), \(bind: g.countyCode), \(bind: platformUserID),
                        \(bind: name), \(bind: kind.rawValue), \(bind: false), \(bind: now))
                ON CONFLICT (group_id, platform_user_id) DO UPDATE SET kind = excluded.kind
                """
            ).run()
            return .villager
        }
    }

    /// Unregistered groups with messages waiting, by group.
    public func quarantine(county: String) async throws -> [Quarantined] {
        try await database.sql.raw(
            """
            SELECT platform, group_external_id, MAX(group_name) AS name, COUNT(*) AS n, MAX(received_at) AS last_at FROM quarantined_messages
            WHERE county_code = \(bind: county) AND attached_at IS NULL GROUP BY platform, group_external_id ORDER BY last_at DESC
            """
        ).all().map {
            Quarantined(
                platform: try $0.decode(column: "platform", as: String.self),
                externalID: try $0.decode(column: "group_external_id", as: String.self),
                name: try $0.decode(column: "name", as: String.self), count: try $0.decode(column: "n", as: Int.self),
                lastAt: try $0.decode(column: "last_at", as: Date.self))
        }
    }
}

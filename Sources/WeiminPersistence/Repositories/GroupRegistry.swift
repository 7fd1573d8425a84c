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

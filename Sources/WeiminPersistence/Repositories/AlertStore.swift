import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// Something a person has to fix that Weimin cannot: a group's robot refused for good (bad key, bad
/// signature), a send that may or may not have arrived. Shown to the group's admins (the village admin,
/// the township cadre) and the county's, until someone marks it handled.
public struct Alert: Sendable, Codable, Hashable {
    public var id: UUID
    public var kind: String
    public var regionCode: String
    public var groupID: UUID?
    public var groupName: String?
    public var message: String
    public var createdAt: Date
    public var resolvedAt: Date?
    public var resolvedBy: String?
}

public struct AlertStore: Sendable {
    let database: WeiminDatabase

    public init(database: WeiminDatabase) { self.database = database }

    /// Who is told: everyone who runs groups or the county's desk.
    public static func maySee(_ role: Role) -> Bool {
        [.admin, .intakeOperator, .supervisor, .townshipCadre, .villageAdmin].contains(role)
    }

    /// Raises an alert about a group, once per `key`.
    static func raise(on sql: any SQLDatabase, groupID: UUID, kind: String, message: String, key: String, at now: Date) async throws {
        try await sql.raw(
            """
            INSERT INTO alerts (id, county_code, region_code, group_id, kind, message, dedupe_key, created_at)
            SELECT \(bind: UUID()), county_code, village_code, id, \(bind: kind), \(bind: message), \(bind: key), \(bind: now)
            FROM chat_groups WHERE id = \(bind: groupID)
            ON CONFLICT (dedupe_key) DO NOTHING
            """
        ).run()
    }

    /// Open alerts (and, with `includeResolved`, the last month's handled ones) in the viewer's part of the county.
    public func list(for viewer: Viewer, includeResolved: Bool = false, now: Date = Date(), limit: Int = 200) async throws -> [Alert] {
        guard Self.maySee(viewer.role) else { throw CaseOperationError.forbidden(StoreMessages.Alerts.listForbidden(viewer.role)) }
        let resolved: SQLQueryString =
            includeResolved
            ? "(a.resolved_at IS NULL OR a.resolved_at >= \(bind: now.addingTimeInterval(-30 * 86400)))" : "a.resolved_at IS NULL"
        return try await database.sql.raw(
            """
            SELECT a.*, g.name AS group_name FROM alerts a LEFT JOIN chat_groups g ON g.id = a.group_id
            WHERE a.region_code LIKE \(bind: viewer.region.scopePrefix + "%") AND \(resolved)
            ORDER BY a.created_at DESC LIMIT \(bind: limit)
            """
        ).all().map(Self.alert)
    }

    /// Marks an alert handled; nil when there is no such alert in the viewer's area.
    public func resolve(_ id: UUID, by viewer: Viewer, at now: Date = Date()) async throws -> Alert? {
        guard Self.maySee(viewer.role) else { throw CaseOperationError.forbidden(StoreMessages.Alerts.resolveForbidden(viewer.role)) }
        guard let row = try await database.sql.raw("SELECT region_code FROM alerts WHERE id = \(bind: id)").first(),
            try row.decode(column: "region_code", as: String.self).hasPrefix(viewer.region.scopePrefix)
        else { return nil }
        try await database.sql.raw(
            """
            UPDATE alerts SET resolved_at = \(bind: now), resolved_by = \(bind: viewer.username) WHERE id = \(bind: id) AND resolved_at IS NULL
            """
        ).run()
        return try await database.sql.raw(
            "SELECT a.*, g.name AS group_name FROM alerts a LEFT JOIN chat_groups g ON g.id = a.group_id WHERE a.id = \(bind: id)"
        )
        .first().map(Self.alert)
    }

    static func alert(_ r: any SQLRow) throws -> Alert {
        Alert(
            id: try r.decode(column: "id", as: UUID.self), kind: try r.decode(column: "kind", as: String.self),
            regionCode: try r.decode(column: "region_code", as: String.self), groupID: try r.decode(column: "group_id", as: UUID?.self),
            groupName: try r.decode(column: "group_name", as: String?.self), message: try r.decode(column: "message", as: String.self),
            createdAt: try r.decode(column: "created_at", as: Date.self), resolvedAt: try r.decode(column: "resolved_at", as: Date?.self),
            resolvedBy: try r.decode(column: "resolved_by", as: String?.self))
    }
}

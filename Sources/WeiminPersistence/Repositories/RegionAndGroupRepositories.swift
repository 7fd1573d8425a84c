import FluentKit
import Foundation
import WeiminCore

public struct FluentRegionRepository: RegionRepository {
    let database: WeiminDatabase

    public init(database: WeiminDatabase) { self.database = database }

    public func region(_ code: RegionCode) async throws -> Region? {
        try await RegionModel.find(code.rawValue, on: database.db)?.toCore()
    }

    public func children(of parent: RegionCode?) async throws -> [Region] {
        let q = RegionModel.query(on: database.db)
        if let parent { q.filter(\.$parentCode == parent.rawValue) } else { q.filter(\.$parentCode == nil) }
        return try await q.sort(\.$id).all().map { try $0.toCore() }
    }

    public func regions(level: RegionLevel, within scope: RegionCode) async throws -> [Region] {
        let q = RegionModel.query(on: database.db).filter(\.$level == level.rawValue)
        ScopeFilter.apply(prefix: scope.scopePrefix, to: q, column: \.$id)
        return try await q.sort(\.$id).all().map { try $0.toCore() }
    }
}

public struct FluentGroupRepository: GroupRepository {
    let database: WeiminDatabase

    public init(database: WeiminDatabase) { self.database = database }

    public func groups(within scope: RegionCode, page: Int, perPage: Int) async throws -> WeiminCore.Page<ChatGroup> {
        let q = ChatGroupModel.query(on: database.db)
        ScopeFilter.apply(prefix: scope.scopePrefix, to: q, column: \.$villageCode)
        let total = try await q.count()
        let rows = try await q.sort(\.$villageCode).offset((page - 1) * perPage).limit(perPage).all()
        let ids = rows.compactMap(\.id)
        let members =
            ids.isEmpty ? [] : try await GroupMemberModel.query(on: database.db).filter(\.$groupID ~~ ids).filter(\.$leftAt == nil).all()
        let byGroup = Dictionary(grouping: members, by: \.groupID)
        let items = try rows.map { row in try Self.toCore(row, members: byGroup[row.id!] ?? []) }
        return WeiminCore.Page(items: items, page: page, perPage: perPage, total: total)
    }

    public func group(id: UUID) async throws -> ChatGroup? {
        guard let row = try await ChatGroupModel.find(id, on: database.db) else { return nil }
        let members = try await GroupMemberModel.query(on: database.db).filter(\.$groupID == id).filter(\.$leftAt == nil).all()
        return try Self.toCore(row, members: members)
    }

    public func members(of groupID: UUID) async throws -> [GroupMember] {
        try await GroupMemberModel.query(on: database.db).filter(\.$groupID == groupID).filter(\.$leftAt == nil).sort(\.$displayName).all()
            .map {
                GroupMember(
                    platformUserID: $0.platformUserID, displayName: $0.displayName, kind: PersonKind(rawValue: $0.kind) ?? .other,
                    isAdmin: $0.isAdmin)
            }
    }

    static func toCore(_ row: ChatGroupModel, members: [GroupMemberModel]) throws -> ChatGroup {
        guard let id = row.id, let county = RegionCode(row.countyCode), let village = RegionCode(row.villageCode),
            let platform = Platform(rawValue: row.platform)
        else { throw PersistenceError.invalid(StoreMessages.Records.group(row.name)) }
        return ChatGroup(
            id: id, countyCode: county, villageCode: village, platform: platform, externalID: row.externalID, name: row.name,
            memberCount: members.count,
            hasPolice: members.contains { $0.kind == PersonKind.police.rawValue },
            hasTownshipCadre: members.contains { $0.kind == PersonKind.townshipCadre.rawValue },
            admins: members.filter(\.isAdmin).map(\.displayName).sorted())
    }
}

public struct FluentDepartmentRepository: DepartmentRepository {
    let database: WeiminDatabase

    public init(database: WeiminDatabase) { self.database = database }

    public func departments(county: RegionCode) async throws -> [Department] {
        try await DepartmentModel.query(on: database.db).filter(\.$countyCode == county.rawValue).filter(\.$active == true)
            .sort(\.$code).all().map { try $0.toCore() }
    }

    public func department(id: UUID) async throws -> Department? {
        try await DepartmentModel.find(id, on: database.db)?.toCore()
    }

    public func catalogue(county: RegionCode) async throws -> [DispatchEntry] {
        try await DispatchEntryModel.query(on: database.db).filter(\.$countyCode == county.rawValue).with(\.$department)
            .sort(\.$matter).all().compactMap { row in
                guard let category = Category(rawValue: row.category) else { return nil }
                return DispatchEntry(
                    category: category, matter: row.matter, departmentCode: row.department.code,
                    keywords: row.keywords.split(separator: "|").map(String.init))
            }
    }
}

/// Region scope as an index-friendly range: codes are digit strings, so "everything starting with P"
/// is `code >= P AND code < P'` where P' bumps the last digit (':' sorts right after '9').
enum ScopeFilter {
    static func upperBound(of prefix: String) -> String {
        guard let last = prefix.utf8.last else { return "~" }
        return String(prefix.dropLast()) + String(UnicodeScalar(last + 1))
    }

    static func apply<M: Model>(prefix: String, to query: QueryBuilder<M>, column: KeyPath<M, FieldProperty<M, String>>) {
        query.filter(column >= prefix).filter(column < upperBound(of: prefix))
    }

    static func apply<M: Model>(prefix: String, to query: QueryBuilder<M>, column: KeyPath<M, IDProperty<M, String>>) {
        query.filter(column >= prefix).filter(column < upperBound(of: prefix))
    }
}

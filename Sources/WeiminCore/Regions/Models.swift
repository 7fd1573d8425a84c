import Foundation

/// What a person is in a village group; drives 覆盖率 (a group needs a police officer and a township cadre).
public enum PersonKind: String, CaseIterable, Codable, Sendable, Hashable {
    case villager
    case villageCadre = "village_cadre"
    case townshipCadre = "township_cadre"
    case police
    case other
}

public struct Region: Sendable, Hashable, Codable {
    public var code: RegionCode
    public var name: String
    public var level: RegionLevel
    public var parentCode: RegionCode?

    public init(code: RegionCode, name: String, parentCode: RegionCode?) {
        self.code = code
        self.name = name
        self.level = code.level
        self.parentCode = parentCode
    }
}

public struct Department: Sendable, Hashable, Codable {
    public var id: UUID
    public var countyCode: RegionCode
    /// Short stable code used in the dispatch catalogue and the command line, e.g. `zjj` for 住建局.
    public var code: String
    public var name: String

    public init(id: UUID, countyCode: RegionCode, code: String, name: String) {
        self.id = id
        self.countyCode = countyCode
        self.code = code
        self.name = name
    }
}

/// One line of a county's dispatch catalogue (派单目录): a matter, its category, the department that owns it.
public struct DispatchEntry: Sendable, Hashable, Codable {
    public var category: Category
    public var matter: String
    public var departmentCode: String
    public var keywords: [String]

    public init(category: Category, matter: String, departmentCode: String, keywords: [String]) {
        self.category = category
        self.matter = matter
        self.departmentCode = departmentCode
        self.keywords = keywords
    }
}

public struct GroupMember: Sendable, Hashable, Codable {
    public var platformUserID: String
    public var displayName: String
    public var kind: PersonKind
    public var isAdmin: Bool

    public init(platformUserID: String, displayName: String, kind: PersonKind, isAdmin: Bool) {
        self.platformUserID = platformUserID
        self.displayName = displayName
        self.kind = kind
        self.isAdmin = isAdmin
    }
}

public struct ChatGroup: Sendable, Hashable, Codable {
    public var id: UUID
    public var countyCode: RegionCode
    public var villageCode: RegionCode
    public var platform: Platform
    public var externalID: String
    public var name: String
    public var memberCount: Int
    public var hasPolice: Bool
    public var hasTownshipCadre: Bool
    public var admins: [String]

    public init(
        id: UUID, countyCode: RegionCode, villageCode: RegionCode, platform: Platform, externalID: String,
        name: String, memberCount: Int = 0, hasPolice: Bool = false, hasTownshipCadre: Bool = false, admins: [String] = []
    ) {
        self.id = id
        self.countyCode = countyCode
        self.villageCode = villageCode
        self.platform = platform
        self.externalID = externalID
        self.name = name
        self.memberCount = memberCount
        self.hasPolice = hasPolice
        self.hasTownshipCadre = hasTownshipCadre
        self.admins = admins
    }
}

import Foundation

/// A signed-in staff member as the rules see them: role, region scope and (for handlers) department.
public struct Viewer: Sendable, Hashable, Codable {
    public var userID: UUID
    public var username: String
    public var displayName: String
    public var role: Role
    public var region: RegionCode
    public var departmentID: UUID?

    public init(userID: UUID, username: String, displayName: String, role: Role, region: RegionCode, departmentID: UUID?) {
        self.userID = userID
        self.username = username
        self.displayName = displayName
        self.role = role
        self.region = region
        self.departmentID = departmentID
    }

    /// What this viewer may see of the ledger. Storage applies it to every query; nothing is filtered
    /// after the fact, so counts and pages never leak what a viewer must not know exists.
    public var caseVisibility: CaseVisibility {
        CaseVisibility(
            regionPrefix: region.scopePrefix,
            departmentID: role == .departmentHandler ? (departmentID ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))) : nil,
            includeSealed: CasePermissions.maySeeSealed(role),
            onlySealed: false,
            username: username
        )
    }
}

/// The constraints a viewer's role and scope put on case queries.
public struct CaseVisibility: Sendable, Hashable, Codable {
    /// Cases whose village (or township, or county) code starts with this.
    public var regionPrefix: String
    /// Department handlers see only what was dispatched to their department.
    public var departmentID: UUID?
    public var includeSealed: Bool
    public var onlySealed: Bool
    /// For recusal (回避): cases naming this user as recused are never visible to them.
    public var username: String?

    public init(regionPrefix: String, departmentID: UUID?, includeSealed: Bool, onlySealed: Bool, username: String? = nil) {
        self.regionPrefix = regionPrefix
        self.departmentID = departmentID
        self.includeSealed = includeSealed
        self.onlySealed = onlySealed
        self.username = username
    }

    public func allows(_ c: Case) -> Bool {
        if let u = username, c.recusedUsernames.contains(u) { return false }
        if c.sealed && !includeSealed { return false }
        if onlySealed && !c.sealed { return false }
        if let d = departmentID, c.departmentID != d, !c.coHandlerIDs.contains(d) { return false }
        let code = (c.villageCode ?? c.townshipCode ?? c.countyCode).rawValue
        return code.hasPrefix(regionPrefix)
    }
}

extension Viewer {
    /// This person's unit co-handles (协办) the case: a department handler's department, or a township cadre's township
    /// government, named among its co-handlers.
    public func coHandles(_ c: Case) -> Bool {
        switch role {
        case .departmentHandler: return departmentID.map { c.coHandlerIDs.contains($0) } ?? false
        case .townshipCadre: return c.coHandlerCodes.contains(region.rawValue)
        default: return false
        }
    }
}

/// Who a staff user is in the work (docs/domain.md §2.5). Every user has one role and one region scope.
public enum Role: String, CaseIterable, Codable, Sendable, Hashable {
    /// 受理员: the county acceptance centre — accepts, merges, declines, dispatches.
    case intakeOperator = "operator"
    /// 部门承办人: handles what is dispatched to their department.
    case departmentHandler = "department_handler"
    /// 乡镇干部: handles the township's cases and the villages it looks after.
    case townshipCadre = "township_cadre"
    /// 村级管理员: the village secretary who runs the group; sees the village's cases, never sealed ones.
    case villageAdmin = "village_admin"
    /// 督办: reads everything in scope, issues supervision orders.
    case supervisor
    /// 纪检: the discipline commission; the only role that sees sealed reports about cadres.
    case discipline
    /// 领导: read-only dashboards.
    case leader
    /// 系统管理员: users, groups and settings; no case work.
    case admin

    /// Roles whose users must reach a department to be useful.
    public var needsDepartment: Bool { self == .departmentHandler }
}

/// Who may see sealed reports. Who may do what to a case is decided by `CaseWorkflow`.
public enum CasePermissions {
    /// Sealed reports about cadres are for the discipline commission only (docs/domain.md §4.1).
    public static func maySeeSealed(_ role: Role) -> Bool { role == .discipline }
}

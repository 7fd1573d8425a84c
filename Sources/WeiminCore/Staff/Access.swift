/// Which roles may read which resources of the API and console. Routes ask this, in one place;
/// region scope and sealing are applied on top by the queries themselves.
public enum Resource: String, CaseIterable, Sendable {
    case regions
    case groups
    case departments
    case cases
    case users
}

public enum Access {
    public static func mayRead(_ role: Role, _ resource: Resource) -> Bool {
        switch resource {
        case .regions, .departments:
            return true
        case .groups:
            return true
        case .cases:
            // Administrators run the system, not the casework.
            return role != .admin
        case .users:
            return role == .admin
        }
    }
}

import Foundation

/// What the application needs from storage. WeiminPersistence implements these for SQLite and PostgreSQL.

public protocol RegionRepository: Sendable {
    func region(_ code: RegionCode) async throws -> Region?
    /// Regions directly under `parent` (or the top-level ones when nil), ordered by code.
    func children(of parent: RegionCode?) async throws -> [Region]
    /// All regions at `level` inside `scope`.
    func regions(level: RegionLevel, within scope: RegionCode) async throws -> [Region]
}

public protocol GroupRepository: Sendable {
    func groups(within scope: RegionCode, page: Int, perPage: Int) async throws -> Page<ChatGroup>
    func group(id: UUID) async throws -> ChatGroup?
    func members(of groupID: UUID) async throws -> [GroupMember]
}

public protocol DepartmentRepository: Sendable {
    func departments(county: RegionCode) async throws -> [Department]
    func department(id: UUID) async throws -> Department?
    func catalogue(county: RegionCode) async throws -> [DispatchEntry]
}

public protocol CaseRepository: Sendable {
    func cases(_ query: CaseQuery, visibility: CaseVisibility) async throws -> Page<Case>
    func detail(number: CaseNumber, visibility: CaseVisibility) async throws -> CaseDetail?
    /// The cases with who handles them filled in (lead's code, co-handlers), as the workflow's role checks need.
    func withHandlers(_ cases: [Case]) async throws -> [Case]
}

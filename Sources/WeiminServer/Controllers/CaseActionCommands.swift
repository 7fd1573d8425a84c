import Foundation
import Hummingbird
import WeiminCore

/// Request fields → `CaseCommand`, for the API (`POST /api/v1/cases/{number}/actions`) and the console's action
/// forms alike: `CaseActionRequest` parses (WeiminCore); this resolves department codes and case numbers in
/// the case's county, as the viewer may see them.
enum CaseActionCommands {
    static func command(
        _ request: CaseActionRequest, for c: Case, viewer: Viewer,
        departments: any DepartmentRepository, cases: any CaseRepository
    ) async throws -> CaseCommand {
        do {
            return try await request.command(
                department: { code in
                    guard let d = try await departments.departments(county: c.countyCode).first(where: { $0.code == code }) else {
                        throw HTTPError(.badRequest, message: "部门 \(code) 不存在（见 GET /api/v1/departments）")
                    }
                    return d.id
                },
                mergeTarget: { n in try await cases.detail(number: n, visibility: viewer.caseVisibility)?.case.id })
        } catch let error as CaseOperationError {
            throw HTTPError(error.status, message: error.description)
        }
    }
}

import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// Who handles a case, as the workflow's who-may-act checks need it: the lead's code and the co-handlers' ids and
/// codes (a township government's code is its township's). Read in one pass for a whole list, so the workbench can ask
/// the workflow about 200 cases without 400 queries.
enum CaseHandlers {
    static func fill(_ cases: [Case], on db: any Database) async throws -> [Case] {
        guard !cases.isEmpty else { return cases }
        let ids = cases.map(\.id)
        var co: [UUID: [UUID]] = [:]
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
            for link in try await CaseDepartmentModel.query(on: db).filter(\.$caseID ~~ chunk).all() {
                co[link.caseID, default: []].append(link.departmentID)
            }
        }
        let departmentIDs = Set(cases.compactMap(\.departmentID)).union(co.values.joined())
        var code: [UUID: String] = [:]
        if !departmentIDs.isEmpty {
            for d in try await DepartmentModel.query(on: db).filter(\.$id ~~ Array(departmentIDs)).all() { code[d.id!] = d.code }
        }
        return cases.map { c in
            var c = c
            c.departmentCode = c.departmentID.flatMap { code[$0] }
            c.coHandlerIDs = co[c.id] ?? []
            c.coHandlerCodes = c.coHandlerIDs.compactMap { code[$0] }
            return c
        }
    }
}

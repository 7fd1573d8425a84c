import Foundation
import WeiminCore
import WeiminPersistence

/// Use case: a case that holds two demands is split — the chosen messages leave it for a new case of their own
/// (its own category, department suggestion and clocks), and both records say so. Only the centre forms cases.
public struct SplitCase: Sendable {
    let cases: CaseStore
    let workflow: CaseWorkflow

    public init(cases: CaseStore, workflow: CaseWorkflow) {
        self.cases = cases
        self.workflow = workflow
    }

    public func run(_ number: CaseNumber, moving: [Int], category: Category, by viewer: Viewer, at now: Date) async throws -> Case {
        try CaseFormation.authorize(viewer)
        guard let (before, version) = try await cases.findForChange(number: number), viewer.caseVisibility.allows(before) else {
            throw CaseOperationError.notFound
        }
        guard category.isActionable else { throw CaseOperationError.invalid("请选择新工单的类别（五类事项之一）") }
        let linked = try await cases.messageIDs(of: before.id)
        try CaseFormation.checkSplit(moving: moving, linked: linked, state: before.state, sealed: before.sealed)
        guard let first = moving.min(), let m = try await cases.formableMessage(first, scopePrefix: viewer.region.scopePrefix) else {
            throw CaseOperationError.notFound
        }
        let catalogue = try await cases.dispatchCatalogue(county: before.countyCode)
        let new = NewCase(
            county: before.countyCode, township: before.townshipCode, village: before.villageCode, groupID: before.groupID,
            category: category, departmentID: CaseWorkflow.suggestDepartment(for: category, text: m.text, catalogue: catalogue),
            title: CaseTitle.make(from: m.text), summary: m.text, messageIDs: moving.sorted())
        return try await cases.split(before, version: version, moving: moving, into: new, by: viewer, at: now, workflow: workflow)
    }
}

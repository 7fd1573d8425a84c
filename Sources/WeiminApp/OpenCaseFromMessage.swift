import Foundation
import WeiminCore
import WeiminPersistence

/// Use case: the centre opens a case from a message — one triage left undecided, or one it judged wrongly. Core says
/// whether it may (`CaseFormation`), the words of its title (`CaseTitle`) and which department the 派单目录 suggests;
/// one transaction opens the case, takes the message off the undecided list and keeps the person's choice for
/// retraining triage.
public struct OpenCaseFromMessage: Sendable {
    let cases: CaseStore
    let workflow: CaseWorkflow

    public init(cases: CaseStore, workflow: CaseWorkflow) {
        self.cases = cases
        self.workflow = workflow
    }

    public func run(message id: Int, category: Category, urgency: Urgency = .normal, by viewer: Viewer, at now: Date) async throws -> Case {
        try CaseFormation.authorize(viewer)
        guard let m = try await cases.formableMessage(id, scopePrefix: viewer.region.scopePrefix) else {
            throw CaseOperationError.notFound
        }
        try CaseFormation.checkOpen(kind: m.kind, openCaseNumber: m.openCaseNumber, sealed: m.sealed, category: category)
        let catalogue = try await cases.dispatchCatalogue(county: m.county)
        let new = NewCase(
            county: m.county, township: m.township, village: m.village, groupID: m.groupID, category: category,
            departmentID: CaseWorkflow.suggestDepartment(for: category, text: m.text, catalogue: catalogue), urgency: urgency,
            title: CaseTitle.make(from: m.text), summary: m.text, messageIDs: [m.id])
        return try await cases.openFromMessage(new, message: m, by: viewer, at: now, workflow: workflow)
    }
}

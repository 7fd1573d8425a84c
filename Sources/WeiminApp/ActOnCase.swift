import Foundation
import WeiminCore
import WeiminPersistence

/// Use case: act on a case (docs/domain.md §2) — accept, dispatch, resolve, review, reopen, merge, 转纪委 and the rest,
/// whether it comes from the API, the console, a villager's satisfaction answer or the demo. The workflow (WeiminCore)
/// decides whether the viewer may, what the case becomes and what the audit event says; then one transaction stores the
/// change with its event, what the villager hears in the group (`CaseReplyPlan` decides, the outbox carries it) and the
/// category or department a person chose (kept for retraining triage). A change made by someone else since the case was
/// read is refused, never overwritten.
public struct ActOnCase: Sendable {
    let cases: CaseStore
    let workflow: CaseWorkflow
    /// The roster: a person on duty for the case's township or county may take an urgent case themselves.
    let duty: DutyStore?

    public init(cases: CaseStore, workflow: CaseWorkflow, duty: DutyStore? = nil) {
        self.cases = cases
        self.workflow = workflow
        self.duty = duty
    }

    /// Whether the viewer is on duty for the case now (only asked about urgent cases, the only ones it changes).
    public static func isOnDuty(_ viewer: Viewer, for c: Case, duty: DutyStore?, at now: Date) async throws -> Bool {
        guard let duty, c.urgency == .urgent else { return false }
        return try await duty.onDuty(regions: [c.townshipCode, c.countyCode].compactMap { $0 }, at: now)
            .contains { $0.username == viewer.username }
    }

    public func run(_ command: CaseCommand, on number: CaseNumber, by viewer: Viewer, at now: Date) async throws -> Case {
        guard let (before, version) = try await cases.findForChange(number: number) else { throw CaseOperationError.notFound }
        let onDuty = try await Self.isOnDuty(viewer, for: before, duty: duty, at: now)
        var planned = try workflow.plan(command, on: before, by: viewer, at: now, onDuty: onDuty)
        if planned.resuggestDepartment {
            // A case filed under another function before dispatch: the county's 派单目录 suggests its department.
            let catalogue = try await cases.dispatchCatalogue(county: before.countyCode)
            if let suggested = CaseWorkflow.suggestDepartment(
                for: planned.after.category, text: before.title + before.summary, catalogue: catalogue)
            {
                planned.after.departmentID = suggested
                planned.after.departmentCode = nil
            }
        }
        if case .merge(let into, _) = command, try await !cases.isOpenMergeTarget(into, county: before.countyCode) {
            throw CaseOperationError.invalid("合并目标工单不存在、已办结或不在同一县")
        }
        let cases = self.cases
        let plan = planned
        if case .transferToDiscipline = command {
            // Sealing cancels what was queued for the group and answers nobody there (docs/domain.md §4.3).
            return try await cases.transaction { tx in
                try await cases.storeTransferToDiscipline(plan, of: command, before: before, version: version, by: viewer, at: now, in: tx)
            }
        }
        return try await cases.transaction { tx in
            let (after, sequence) = try await cases.store(plan, of: command, before: before, version: version, by: viewer, at: now, in: tx)
            try await CaseReplies.enqueue(for: command, after: after, eventSequence: sequence, cipher: cases.fieldCipher, at: now, in: tx)
            try await TriageCorrections.record(command, after: after, actor: viewer.username, eventSequence: sequence, at: now, in: tx)
            return after
        }
    }
}

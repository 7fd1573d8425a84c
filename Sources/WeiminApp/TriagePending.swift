import Foundation
import Metrics
import WeiminCore
import WeiminPersistence

/// Use case: triage what is pending. Every message stored after triage was switched on is read once (in id order,
/// from a cursor), decided by the county's triager (WeiminCore), and the decision kept with its model version.
/// A message that needs action joins the case it belongs to (`ThreadAttacher` decides) or opens a new one in state
/// `new`; a report about a cadre opens a sealed case for the discipline commission with its reporter sealed
/// (docs/domain.md §4). One instance at a time runs this (the caller holds a lease).
public struct TriagePending: Sendable {
    let triage: TriageStore
    let cases: CaseStore
    let sealedReports: SealedReportStore
    let workflow: CaseWorkflow

    public init(triage: TriageStore, cases: CaseStore, sealedReports: SealedReportStore, workflow: CaseWorkflow) {
        self.triage = triage
        self.cases = cases
        self.sealedReports = sealedReports
        self.workflow = workflow
    }

    /// Triage starts with the messages stored from now on: the first time, its cursor is set after the newest message
    /// (history is not triaged). Returns whether it started now. The one place that decides where triage begins.
    @discardableResult
    public func start(at now: Date = Date()) async throws -> Bool {
        guard try await triage.cursor() == nil else { return false }
        try await triage.startAtNewest(at: now)
        return true
    }

    /// One pass over up to `limit` messages stored at least a second ago (so one committed late by a concurrent
    /// writer is not skipped). The first pass only starts the cursor after the newest message.
    public func run(triager: inout Triager, limit: Int = 500, at now: Date = Date()) async throws -> TriageStore.Pass {
        var pass = TriageStore.Pass()
        guard let cursor = try await triage.cursor() else {
            try await start(at: now)
            return pass
        }
        let messages = try await triage.untriaged(after: cursor, storedBefore: now.addingTimeInterval(-1), limit: limit)
        if let last = messages.last?.id {
            let decided = try await decide(messages, triager: &triager, pass: &pass, at: now)
            // Cases were opened and joined above as they came; if the process dies before this commit, the next pass
            // triages these messages again and neither opens nor joins twice (a message already in a case is not
            // threaded again).
            try await triage.recordPass(decided, cursor: last, at: now)
            Self.record(decided, at: Date())
        }
        try await triageReads(triager: &triager, pass: &pass, at: now)
        return pass
    }

    /// Words read from pictures since (`machine_reads`): decided like a message, and the reads marked done with the
    /// decisions. A picture that came with words already in a case changes nothing; otherwise it may open or join one.
    func triageReads(triager: inout Triager, pass: inout TriageStore.Pass, limit: Int = 50, at now: Date) async throws {
        let due = try await triage.readsDue(limit: limit)
        guard !due.isEmpty else { return }
        let decided = try await decide(due.map(\.message), triager: &triager, pass: &pass, at: now)
        try await triage.recordReads(decided, reads: due.map(\.read), at: now)
        Self.record(decided, at: Date())
    }

    /// Decides each triageable message and opens or joins its case.
    func decide(_ messages: [UntriagedMessage], triager: inout Triager, pass: inout TriageStore.Pass, at now: Date) async throws
        -> [TriageStore.Decided]
    {
        let departments = try await triage.departmentIDs()
        let attacher = ThreadAttacher()
        var decided: [TriageStore.Decided] = []
        for m in messages where m.isTriageable {
            var d = triager.triage(m.text, explain: true)
            if m.machineRead != nil { d = d.forMachineRead() }
            pass.triaged += 1
            if d.undecided { pass.undecided += 1 }
            var caseID: UUID?
            var threadReason: String?
            if !m.inCase, let county = RegionCode(m.county), let village = RegionCode(m.village) {
                if d.reportsCadre {
                    let c = try await cases.open(
                        Self.newCase(m, d, county: county, village: village, department: departments["\(m.county):jwjw"], sealed: true),
                        actor: AuditActor.system, at: now, workflow: workflow)
                    try await sealedReports.seal(
                        caseID: c.id, reporter: .init(name: m.senderName, platformID: m.senderID, phone: nil),
                        originalText: m.text, accused: nil, accusedUsernames: [], at: now)
                    caseID = c.id
                    pass.sealed += 1
                    Counter(label: "weimin_cases_opened_total", dimensions: [("category", c.category.rawValue)]).increment()
                } else {
                    let (recent, open) = try await triage.context(group: m.groupID, before: m.sentAt)
                    let message = ThreadMessage(id: m.id, sender: m.senderID, sentAt: m.sentAt, text: m.text, quoteOf: m.quoteOf)
                    switch attacher.decide(
                        message, actionable: d.isActionable, recent: recent, open: open, category: d.isActionable ? d.category : nil,
                        department: d.department)
                    {
                    case .join(let c, let reason):
                        try await triage.join(message: m.id, case: c, reason: reason, county: m.county, at: now)
                        caseID = c
                        threadReason = reason
                        pass.joined += 1
                    case .open:
                        let department = d.department.flatMap { departments["\(m.county):\($0)"] }
                        let c = try await cases.open(
                            Self.newCase(m, d, county: county, village: village, department: department, sealed: false),
                            actor: AuditActor.system, at: now, workflow: workflow)
                        caseID = c.id
                        pass.opened += 1
                        Counter(label: "weimin_cases_opened_total", dimensions: [("category", c.category.rawValue)]).increment()
                    case .ignore:
                        break
                    }
                }
            }
            decided.append(.init(message: m, decision: d, caseID: caseID, threadReason: threadReason))
        }
        return decided
    }

    /// Decisions by category and what they led to, and each message's wait from stored to decided.
    static func record(_ decided: [TriageStore.Decided], at now: Date) {
        let lag = Timer(label: "weimin_triage_lag_seconds")
        for d in decided {
            if let stored = d.message.receivedAt { lag.record(max(0, now.timeIntervalSince(stored))) }
            let outcome = d.decision.undecided ? "undecided" : d.decision.category.rawValue
            Counter(label: "weimin_triage_decisions_total", dimensions: [("decision", outcome)]).increment()
        }
    }

    /// The case a message opens: a sealed report says nothing of its words in the title (docs/domain.md §4); others
    /// take their first sentence or clause within 30 characters (`CaseTitle`).
    static func newCase(
        _ m: UntriagedMessage, _ d: TriageDecision, county: RegionCode, village: RegionCode, department: UUID?,
        sealed: Bool
    ) -> NewCase {
        let title = sealed ? "反映干部问题（密封件）" : CaseTitle.make(from: m.text)
        return NewCase(
            county: county, township: village.townshipCode, village: village, groupID: m.groupID, category: d.category,
            departmentID: department, urgency: d.urgency, sealed: sealed, title: title, summary: m.summary, opinionRisk: d.opinionRisk,
            messageIDs: [m.id])
    }
}

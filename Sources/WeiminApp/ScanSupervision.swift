import Foundation
import WeiminCore
import WeiminPersistence

/// Use case: the deadline scan (跟踪督办, docs/domain.md §3.4). Every case with a running clock is checked against the
/// county's rules (Core's `SupervisionPolicy` finds the rungs reached); each new 预警, 督办单 or 通报 is stored once with
/// its case event and, for villagers' cases, a message to the group; then departments with too many overdue cases this
/// month get a 通报. Safe with several instances on one database: a lease lets one scan at a time, and every order is
/// unique per case clock and rung.
public struct ScanSupervision: Sendable {
    let store: SupervisionStore
    let policy: SupervisionPolicy

    public init(store: SupervisionStore, policy: SupervisionPolicy) {
        self.store = store
        self.policy = policy
    }

    public func run(now: Date, holder: String, leaseSeconds: TimeInterval = 50) async throws -> SupervisionStore.ScanResult {
        guard try await store.acquireLease("supervision", holder: holder, now: now, for: leaseSeconds) else {
            return .init(ran: false, casesChecked: 0, issued: [:])
        }
        var result = SupervisionStore.ScanResult(ran: true, casesChecked: 0, issued: [:])
        let names = try await store.departmentNames()
        let townships = try await store.townshipNames()
        var lastNumber = ""
        while true {
            let cases = try await store.watchedCases(after: lastNumber)
            guard let last = cases.last else { break }
            lastNumber = last.number.description
            result.casesChecked += cases.count
            let issued = try await store.issuedKeys(caseIDs: cases.map(\.id))
            for c in cases {
                let department = c.departmentID.flatMap { names[$0] }
                for f in policy.findings(for: c, at: now) {
                    let key = SupervisionNotice.dedupeKey(f)
                    guard !issued.contains(key) else { continue }
                    let to = SupervisionNotice.recipients(
                        f.level, departmentName: department, townshipName: c.townshipCode.map { townships[$0.rawValue] ?? $0.rawValue })
                    let order = SupervisionStore.CaseOrder(
                        finding: f, key: key, recipients: to, eventNote: SupervisionNotice.eventNote(f, recipients: to),
                        groupValues: SupervisionNotice.groupValues(f, case: c, departmentName: department))
                    if try await store.issue(order, on: c, at: now) { result.issued[f.level, default: 0] += 1 }
                }
            }
        }
        let notices = try await departmentNotices(now: now, names: names)
        if notices > 0 { result.issued[.notice, default: 0] += notices }
        return result
    }

    /// 通报 for a department whose overdue cases this month reach the threshold; once per department and month.
    func departmentNotices(now: Date, names: [UUID: String]) async throws -> Int {
        let today = policy.calendar.local(now).date.components
        guard let monthStart = LocalDate(year: today.year, month: today.month, day: 1) else { return 0 }
        let month = String(format: "%04d-%02d", today.year, today.month)
        var issued = 0
        for (department, orders) in try await store.handlingOrdersByDepartment(since: policy.calendar.instant(monthStart, minute: 0))
        where orders.count >= policy.departmentNoticeThreshold {
            let notice = SupervisionNotice.departmentNotice(
                department: department, name: names[department] ?? "部门", month: month,
                overdue: orders.count)
            if try await store.issueDepartmentNotice(
                county: orders.county, department: department, key: notice.key, message: notice.message,
                recipients: notice.recipients, at: now)
            {
                issued += 1
            }
        }
        return issued
    }
}

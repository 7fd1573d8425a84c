import FluentKit
import Foundation
import WeiminCore

/// Reads the audit record back for verification and evidence.
public struct AuditLedger: Sendable {
    let database: WeiminDatabase

    public init(database: WeiminDatabase) { self.database = database }

    public struct Report: Sendable {
        public var casesChecked: Int
        public var eventsChecked: Int
        public var breaks: [(number: String, at: AuditBreak)]
    }

    /// Verifies every case's chain, in pages so a province-sized database fits in memory.
    public func verifyAll(pageSize: Int = 500, progress: ((Int) -> Void)? = nil) async throws -> Report {
        var report = Report(casesChecked: 0, eventsChecked: 0, breaks: [])
        var offset = 0
        while true {
            let rows = try await CaseModel.query(on: database.db).sort(\.$number).offset(offset).limit(pageSize).all()
            if rows.isEmpty { break }
            let ids = rows.compactMap(\.id)
            let events = try await CaseEventModel.query(on: database.db).filter(\.$caseID ~~ ids).sort(\.$caseID).sort(\.$sequence).sort(\.$id).all()
            let byCase = Dictionary(grouping: events, by: \.caseID)
            for row in rows {
                guard let number = CaseNumber(row.number) else {
                    report.breaks.append((row.number, AuditBreak(sequence: 0, reason: "工单编号损坏")))
                    continue
                }
                let chain = (byCase[row.id!] ?? []).map { $0.toCore() }
                report.eventsChecked += chain.count
                if let broken = AuditVerifier.verify(chain, caseNumber: number, head: row.eventHead, count: row.eventCount, hash: AuditHash.hash) {
                    report.breaks.append((number.description, broken))
                }
            }
            report.casesChecked += rows.count
            progress?(report.casesChecked)
            offset += rows.count
        }
        return report
    }

    /// A case's full history with its verification, for evidence.
    public func export(number: CaseNumber) async throws -> (Case, [CaseEvent], AuditBreak?)? {
        guard let row = try await CaseModel.query(on: database.db).filter(\.$number == number.description).first() else { return nil }
        let events = try await CaseEventModel.query(on: database.db).filter(\.$caseID == row.id!).sort(\.$sequence).sort(\.$id).all().map { $0.toCore() }
        let broken = AuditVerifier.verify(events, caseNumber: number, head: row.eventHead, count: row.eventCount, hash: AuditHash.hash)
        return (try row.toCore(), events, broken)
    }
}

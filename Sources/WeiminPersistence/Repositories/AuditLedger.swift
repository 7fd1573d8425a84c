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
        /// Cases whose row differs from what their chain last recorded (edited in the database without an
        /// event): the names of the fields that differ, as users read them.
        public var mismatches: [(number: String, fields: [String])] = []
    }

    /// Verifies every case's chain, in pages so a province-sized database fits in memory.
    public func verifyAll(pageSize: Int = 500, progress: ((Int) -> Void)? = nil) async throws -> Report {
        var report = Report(casesChecked: 0, eventsChecked: 0, breaks: [])
        var offset = 0
        while true {
            let rows = try await CaseModel.query(on: database.db).sort(\.$number).offset(offset).limit(pageSize).all()
            if rows.isEmpty { break }
            let ids = rows.compactMap(\.id)
            let events = try await CaseEventModel.query(on: database.db).filter(\.$caseID ~~ ids).sort(\.$caseID).sort(\.$sequence).sort(
                \.$id
            ).all()
            let byCase = Dictionary(grouping: events, by: \.caseID)
            for row in rows {
                guard let number = AuditHash.chainNumber(of: row) else {
                    report.breaks.append((row.number, AuditBreak(sequence: 0, reason: StoreMessages.Audit.badCaseNumber)))
                    continue
                }
                let chain = (byCase[row.id!] ?? []).map { $0.toCore() }
                report.eventsChecked += chain.count
                if let broken = AuditVerifier.verify(
                    chain, caseNumber: number, head: row.eventHead, count: row.eventCount, hash: AuditHash.hash)
                {
                    report.breaks.append((row.number, broken))
                } else if let differs = Self.rowDiffers(row, from: chain) {
                    report.mismatches.append((row.number, differs))
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
        guard let row = try await CaseModel.find(number: number, on: database.db) else { return nil }
        let events = try await CaseEventModel.query(on: database.db).filter(\.$caseID == row.id!).sort(\.$sequence).sort(\.$id).all().map {
            $0.toCore()
        }
        var broken = AuditVerifier.verify(
            events, caseNumber: AuditHash.chainNumber(of: row) ?? number, head: row.eventHead, count: row.eventCount, hash: AuditHash.hash)
        if broken == nil, let differs = Self.rowDiffers(row, from: events) {
            broken = AuditBreak(sequence: events.count, reason: StoreMessages.Audit.rowChanged(fields: differs))
        }
        return (try row.toCore(), events, broken)
    }

    /// The fields of a case row that differ from what its (intact) chain says: the last event's snapshot where
    /// one was recorded (M028 on), and for older chains the state the last state change went to.
    static func rowDiffers(_ row: CaseModel, from chain: [CaseEvent]) -> [String]? {
        if let recorded = chain.last(where: { $0.snapshot != nil }).flatMap({ $0.snapshot.flatMap(CaseSnapshot.init(encoded:)) }) {
            let differs = AuditHash.snapshot(of: row).differences(from: recorded)
            return differs.isEmpty ? nil : differs.map(CaseSnapshot.fieldName)
        }
        if let state = chain.last(where: { $0.toState != nil })?.toState, state.rawValue != row.state {
            return [CaseSnapshot.fieldName("state")]
        }
        return nil
    }
}

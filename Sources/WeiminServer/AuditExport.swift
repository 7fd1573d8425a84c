import Foundation
import WeiminCore
import WeiminPersistence

/// A case's history as evidence: every event with its hashes, and the verification result, as JSON.
public struct AuditExport: Encodable, Sendable {
    let caseNumber: String
    let title: String
    let state: String
    let sealed: Bool
    let exportedAt: Date
    let hashAlgorithm = "SHA-256 over the length-prefixed canonical encoding weimin.case-event.v1 (v2 when the event carries a snapshot)"
    public let verified: Bool
    let firstBreak: String?
    let events: [EventDTO]

    public static func make(services: AppServices, number: CaseNumber) async throws -> AuditExport? {
        guard let (c, events, broken) = try await services.audit.export(number: number) else { return nil }
        return AuditExport(
            caseNumber: c.number.description, title: c.sealed ? "（密封件）" : c.title, state: c.state.rawValue, sealed: c.sealed,
            exportedAt: Date(), verified: broken == nil, firstBreak: broken?.description,
            events: events.map { EventDTO($0, note: c.sealed ? "（密封件）" : $0.note) })
    }

    public func json() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        e.keyEncodingStrategy = .convertToSnakeCase
        return try e.encode(self)
    }
}

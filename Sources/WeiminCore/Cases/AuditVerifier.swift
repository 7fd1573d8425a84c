/// Where a case's history stops being trustworthy.
public struct AuditBreak: Sendable, Hashable, CustomStringConvertible {
    /// The sequence number of the first event that fails (or where one is missing).
    public var sequence: Int
    public var reason: String

    public init(sequence: Int, reason: String) {
        self.sequence = sequence
        self.reason = reason
    }

    public var description: String { "第 \(sequence) 条记录：\(reason)" }
}

/// Checks a case's event chain: every event's hash must recompute from its content, link to the one
/// before, follow in sequence from 1, and the last must be the head recorded on the case. An edited,
/// deleted, reordered or truncated event therefore always shows.
public enum AuditVerifier {
    public static func verify(
        _ events: [CaseEvent], caseNumber: CaseNumber, head: String?, count: Int?, hash: (CaseEvent, CaseNumber) -> String
    ) -> AuditBreak? {
        var previous = ""
        for (i, e) in events.enumerated() {
            let expected = i + 1
            if e.sequence != expected {
                return AuditBreak(sequence: expected, reason: e.sequence > expected ? "缺失（记录被删除）" : "序号重复或顺序被调换（发现第 \(e.sequence) 条）")
            }
            if e.previousHash != previous {
                return AuditBreak(sequence: e.sequence, reason: "与上一条记录的链接不符（记录被删除、插入或调换）")
            }
            if hash(e, caseNumber) != e.hash {
                return AuditBreak(sequence: e.sequence, reason: "内容与哈希不符（记录被修改）")
            }
            previous = e.hash
        }
        if let count, count != events.count {
            return AuditBreak(sequence: min(count, events.count) + 1, reason: "工单记录应有 \(count) 条，实有 \(events.count) 条（记录被截断或增删）")
        }
        if let head, head != previous {
            return AuditBreak(sequence: events.count, reason: "最后一条记录与工单登记的链头不符")
        }
        return nil
    }
}

/// What an audit event records of the case after it: the fields `weimin audit verify` compares with the
/// case row, so that a row edited in the database (state, words, department…) without an event shows.
/// Words are recorded as hashes of what is stored (for sealed cases, of the ciphertext), never in clear.
public struct CaseSnapshot: Sendable, Hashable {
    /// In the order they are encoded.
    public static let keys = ["number", "former_number", "state", "sealed", "category", "department", "title", "summary"]

    public var values: [String: String]

    public init(values: [String: String]) {
        self.values = values
    }

    /// `key=value` lines in `keys` order; stored with the event and covered by its hash.
    public var encoded: String {
        Self.keys.map { "\($0)=\(values[$0] ?? "")" }.joined(separator: "\n")
    }

    public init?(encoded: String) {
        guard !encoded.isEmpty else { return nil }
        var values: [String: String] = [:]
        for line in encoded.split(separator: "\n", omittingEmptySubsequences: false) {
            guard let eq = line.firstIndex(of: "=") else { return nil }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        self.values = values
    }

    /// The keys whose values differ, in `keys` order.
    public func differences(from other: CaseSnapshot) -> [String] {
        Self.keys.filter { (values[$0] ?? "") != (other.values[$0] ?? "") }
    }

    /// The field's name as users read it.
    public static func fieldName(_ key: String) -> String {
        switch key {
        case "number": return "工单编号"
        case "former_number": return "原工单编号"
        case "state": return "状态"
        case "sealed": return "密封标记"
        case "category": return "类别"
        case "department": return "承办部门"
        case "title": return "标题"
        case "summary": return "内容摘要"
        default: return key
        }
    }
}

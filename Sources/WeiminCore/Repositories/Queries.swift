import Foundation

/// Ledger filters, as the API and console take them. Every field narrows; nil means "any".
public struct CaseQuery: Sendable, Hashable, Codable {
    public var states: [CaseState]?
    public var category: Category?
    public var townshipCode: RegionCode?
    public var villageCode: RegionCode?
    public var departmentID: UUID?
    public var urgency: Urgency?
    public var overdueAt: Date?
    public var createdFrom: Date?
    public var createdTo: Date?
    /// Words that must all appear in the case's number, title or summary (Chinese text search).
    public var text: String?
    public var sort: CaseSort
    public var page: Int
    public var perPage: Int
    /// Count matches only up to this many (the page then says "more than"): an exact total over a million
    /// cases costs more than the page itself. Nil counts them all.
    public var countLimit: Int?

    public init(
        states: [CaseState]? = nil, category: Category? = nil, townshipCode: RegionCode? = nil,
        villageCode: RegionCode? = nil, departmentID: UUID? = nil, urgency: Urgency? = nil, overdueAt: Date? = nil,
        createdFrom: Date? = nil, createdTo: Date? = nil, text: String? = nil, sort: CaseSort = .newest, page: Int = 1, perPage: Int = 50
    ) {
        self.text = text
        self.states = states
        self.category = category
        self.townshipCode = townshipCode
        self.villageCode = villageCode
        self.departmentID = departmentID
        self.urgency = urgency
        self.overdueAt = overdueAt
        self.createdFrom = createdFrom
        self.createdTo = createdTo
        self.sort = sort
        self.page = page
        self.perPage = perPage
    }

    public static let maxPerPage = 200

    /// The search words: split on spaces, lower-cased (as the index is), at most 5. `%`, `_` and `\` stay: they are
    /// searched for as themselves (the SQL escapes them, see `InputRules.likeContains`).
    public var searchTerms: [String] {
        guard let text else { return [] }
        return Array(text.lowercased().split(whereSeparator: \.isWhitespace).map(String.init).prefix(5))
    }
}

public enum CaseSort: String, Sendable, Hashable, Codable, CaseIterable {
    case newest
    case oldest
    case dueSoonest = "due"
    case number
}

public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var page: Int
    public var perPage: Int
    public var total: Int
    /// `total` is a lower bound: counting stopped there (`CaseQuery.countLimit`).
    public var totalIsAtLeast: Bool

    public init(items: [Item], page: Int, perPage: Int, total: Int, totalIsAtLeast: Bool = false) {
        self.items = items
        self.page = page
        self.perPage = perPage
        self.total = total
        self.totalIsAtLeast = totalIsAtLeast
    }

    public var pageCount: Int { perPage == 0 ? 0 : (total + perPage - 1) / perPage }
}

extension Page: Codable where Item: Codable {}
extension Page: Equatable where Item: Equatable {}

/// A case with everything its page shows: the messages it came from and its full history.
public struct CaseDetail: Sendable, Codable {
    public var `case`: Case
    public var departmentName: String?
    public var messages: [Message]
    public var events: [CaseEvent]

    public init(case c: Case, departmentName: String?, messages: [Message], events: [CaseEvent]) {
        self.case = c
        self.departmentName = departmentName
        self.messages = messages
        self.events = events
    }
}

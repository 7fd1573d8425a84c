import FluentKit
import SQLKit
import Foundation
import WeiminCore

public struct FluentCaseRepository: CaseRepository {
    let database: WeiminDatabase

    public init(database: WeiminDatabase) { self.database = database }

    /// At most this many cases match a text search (then the user narrows it with more words or filters).
    public static let searchCap = 10_000

    /// Keeps a case's searchable text current (on opening and when its summary is erased).
    static func index(caseID: UUID, number: String, title: String, summary: String, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.raw("DELETE FROM case_search WHERE case_id = \(bind: caseID)").run()
        try await sql.raw(
            "INSERT INTO case_search (case_id, body) VALUES (\(bind: caseID), \(bind: "\(number) \(title) \(summary)".lowercased()))"
        ).run()
    }

    /// The ledger, in SQL (its hot path): one WHERE clause with visibility, filters and the text search as
    /// subqueries, used for the (optionally capped) count and for one page of ids; then the page's rows.
    public func cases(_ query: CaseQuery, visibility: CaseVisibility) async throws -> WeiminCore.Page<Case> {
        let sql = database.sql
        let filter = Self.ledgerWhere(query, visibility, sqlite: sql.dialect.name == "sqlite")
        var total: Int
        var atLeast = false
        if let cap = query.countLimit {
            var count = SQLQueryString("SELECT COUNT(*) AS n FROM (SELECT 1 FROM cases")
            count += filter
            count.appendInterpolation(unsafeRaw: " LIMIT \(cap + 1)) AS matched")
            total = try await sql.raw(count).first()?.decode(column: "n", as: Int.self) ?? 0
            if total > cap { total = cap; atLeast = true }
        } else {
            var count = SQLQueryString("SELECT COUNT(*) AS n FROM cases")
            count += filter
            total = try await sql.raw(count).first()?.decode(column: "n", as: Int.self) ?? 0
        }
        let per = min(max(query.perPage, 1), CaseQuery.maxPerPage)
        let page = max(query.page, 1)
        var select = SQLQueryString("SELECT id FROM cases")
        select += filter
        let order =
            switch query.sort {
            case .newest: "created_at DESC, number DESC"
            case .oldest: "created_at ASC, number ASC"
            case .dueSoonest: "due_at ASC, number ASC"
            case .number: "number ASC"
            }
        select.appendInterpolation(unsafeRaw: " ORDER BY \(order) LIMIT \(per) OFFSET \((page - 1) * per)")
        let ids = try await sql.raw(select).all().map { try $0.decode(column: "id", as: UUID.self) }
        let rows = ids.isEmpty ? [] : try await CaseModel.query(on: database.db).filter(\.$id ~~ ids).all()
        let byID = Dictionary(rows.compactMap { r in r.id.map { ($0, r) } }) { a, _ in a }
        return WeiminCore.Page(
            items: try ids.compactMap { try byID[$0]?.toCore() }, page: page, perPage: per, total: total, totalIsAtLeast: atLeast)
    }

    /// " WHERE …" for the ledger and the case page: the viewer's visibility (so totals never count what the
    /// viewer may not know exists — sealed reports in particular), then the filters.
    static func ledgerWhere(_ query: CaseQuery, _ v: CaseVisibility, sqlite: Bool) -> SQLQueryString {
        var w = SQLQueryString(" WHERE 1 = 1")
        switch v.regionPrefix.utf8.count {
        case 6: w.appendInterpolation(unsafeRaw: " AND county_code = "); w.appendInterpolation(bind: v.regionPrefix)
        case 9: w.appendInterpolation(unsafeRaw: " AND township_code = "); w.appendInterpolation(bind: v.regionPrefix)
        case 12: w.appendInterpolation(unsafeRaw: " AND village_code = "); w.appendInterpolation(bind: v.regionPrefix)
        default:
            w.appendInterpolation(unsafeRaw: " AND scope_code >= "); w.appendInterpolation(bind: v.regionPrefix)
            w.appendInterpolation(unsafeRaw: " AND scope_code < "); w.appendInterpolation(bind: ScopeFilter.upperBound(of: v.regionPrefix))
        }
        if let d = v.departmentID {
            // A department sees what it leads and what it helps on (协办).
            w.appendInterpolation(unsafeRaw: " AND (department_id = "); w.appendInterpolation(bind: d)
            w.appendInterpolation(unsafeRaw: " OR id IN (SELECT case_id FROM case_departments WHERE department_id = ");
            w.appendInterpolation(bind: d)
            w.appendInterpolation(unsafeRaw: "))")
        }
        if !v.includeSealed { w.appendInterpolation(unsafeRaw: " AND sealed = "); w.appendInterpolation(bind: false) }
        if v.includeSealed, let u = v.username {
            w.appendInterpolation(unsafeRaw: " AND id NOT IN (SELECT case_id FROM case_recusals WHERE username = ");
            w.appendInterpolation(bind: u)
            w.appendInterpolation(unsafeRaw: ")")
        }
        if v.onlySealed { w.appendInterpolation(unsafeRaw: " AND sealed = "); w.appendInterpolation(bind: true) }
        func inList(_ column: String, _ values: [String]) {
            w.appendInterpolation(unsafeRaw: " AND \(column) IN (")
            for (i, value) in values.enumerated() {
                if i > 0 { w.appendInterpolation(unsafeRaw: ", ") }
                w.appendInterpolation(bind: value)
            }
            w.appendInterpolation(unsafeRaw: ")")
        }
        func equal(_ column: String, _ value: some Encodable & Sendable) {
            w.appendInterpolation(unsafeRaw: " AND \(column) = "); w.appendInterpolation(bind: value)
        }
        if let states = query.states, !states.isEmpty { inList("state", states.map(\.rawValue)) }
        if let c = query.category { equal("category", c.rawValue) }
        if let t = query.townshipCode { equal("township_code", t.rawValue) }
        if let v = query.villageCode { equal("village_code", v.rawValue) }
        if let d = query.departmentID { equal("department_id", d) }
        if let u = query.urgency { equal("urgency", u.rawValue) }
        if let now = query.overdueAt {
            // Many cases can be overdue; SQLite would gather all of them by (state, due_at) and sort them. A unary
            // "+" keeps these terms off the index (SQLite's documented way to steer its planner), so it walks the
            // county's cases newest first and stops after one page. PostgreSQL plans this well by itself.
            let hint = sqlite ? "+" : ""
            inList(hint + "state", CaseState.allCases.filter { $0.isOpen && $0 != .suspended }.map(\.rawValue))
            w.appendInterpolation(unsafeRaw: " AND \(hint)due_at < "); w.appendInterpolation(bind: now)
        }
        if let from = query.createdFrom { w.appendInterpolation(unsafeRaw: " AND created_at >= "); w.appendInterpolation(bind: from) }
        if let to = query.createdTo { w.appendInterpolation(unsafeRaw: " AND created_at < "); w.appendInterpolation(bind: to) }
        // Words of three characters or more are answered by the trigram index (at most `searchCap` cases); the
        // rest of the filters apply to what it found. A trigram index cannot answer a shorter word ("路灯"), so
        // those are matched on the case row itself as the ledger walks it newest first: the page stops after 50
        // matches instead of reading the whole index.
        let terms = query.searchTerms
        let indexed = terms.filter { $0.count >= 3 }
        if !indexed.isEmpty {
            w.appendInterpolation(unsafeRaw: " AND id IN (SELECT case_id FROM case_search WHERE 1 = 1")
            for t in indexed { w.appendInterpolation(unsafeRaw: " AND body LIKE "); Self.bindLike(t, into: &w) }
            w.appendInterpolation(unsafeRaw: " LIMIT \(Self.searchCap))")
        }
        for t in terms where t.count < 3 {
            for (i, column) in ["lower(title)", "lower(summary)", "number"].enumerated() {
                w.appendInterpolation(unsafeRaw: i == 0 ? " AND (\(column) LIKE " : " OR \(column) LIKE ")
                Self.bindLike(t, into: &w)
            }
            w.appendInterpolation(unsafeRaw: ")")
        }
        return w
    }

    /// A term as a bound LIKE pattern in which `%`, `_` and `\` match only themselves. The ESCAPE clause is added only
    /// when needed: SQLite's FTS5 trigram index cannot answer a LIKE with ESCAPE (it then scans the search table).
    static func bindLike(_ term: String, into w: inout SQLQueryString) {
        w.appendInterpolation(bind: InputRules.likeContains(term))
        if InputRules.needsLikeEscape(term) { w.appendInterpolation(unsafeRaw: " ESCAPE '\\'") }
    }

    public func withHandlers(_ cases: [Case]) async throws -> [Case] {
        try await CaseHandlers.fill(cases, on: database.db)
    }

    public func detail(number: CaseNumber, visibility: CaseVisibility) async throws -> CaseDetail? {
        // The ledger's own visibility clause: a case the viewer may not see is not found, as in the ledger.
        let sql = database.sql
        var select = SQLQueryString("SELECT id FROM cases")
        select += Self.ledgerWhere(CaseQuery(), visibility, sqlite: sql.dialect.name == "sqlite")
        // A case transferred to discipline keeps its old number in former_number; only sealed cases have one, so
        // the visibility clause already limits that lookup to the discipline role.
        select.appendInterpolation(unsafeRaw: " AND (number = ")
        select.appendInterpolation(bind: number.description)
        select.appendInterpolation(unsafeRaw: " OR former_number = ")
        select.appendInterpolation(bind: number.description)
        select.appendInterpolation(unsafeRaw: ")")
        guard let found = try await sql.raw(select).first()?.decode(column: "id", as: UUID.self),
            let row = try await CaseModel.find(found, on: database.db), let id = row.id
        else { return nil }
        var c = try await CaseHandlers.fill([try row.toCore()], on: database.db)[0]
        c.recusedUsernames = try await CaseRecusalModel.query(on: database.db).filter(\.$caseID == id).all().map(\.username)
        let departmentName = try await c.departmentID.asyncMap { try await DepartmentModel.find($0, on: database.db)?.name } ?? nil
        let links = try await CaseMessageModel.query(on: database.db).filter(\.$caseID == id).all()
        let messages =
            links.isEmpty
            ? []
            : try await MessageModel.query(on: database.db)
                .filter(\.$id ~~ links.map(\.messageID)).sort(\.$sentAt).all().map { try $0.toCore() }
        let events = try await CaseEventModel.query(on: database.db).filter(\.$caseID == id).sort(\.$sequence).all().map { $0.toCore() }
        return CaseDetail(case: c, departmentName: departmentName, messages: messages, events: events)
    }
}

extension Optional {
    func asyncMap<T>(_ f: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let w): return try await f(w)
        case .none: return nil
        }
    }
}

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
        try await sql.raw("INSERT INTO case_search (case_id, body) VALUES (\(bind: caseID), \(bind: "\(number) \(title) \(summary)".lowercased()))").run()
    }

    /// Applies the viewer's visibility inside the query, so totals and pages never count what the
    /// viewer may not know exists (sealed reports in particular).
    static func visible(_ q: QueryBuilder<CaseModel>, _ v: CaseVisibility, on db: any Database) async throws {
        switch v.regionPrefix.utf8.count {
        case 6: q.filter(\.$countyCode == v.regionPrefix)
        case 9: q.filter(\.$townshipCode == v.regionPrefix)
        case 12: q.filter(\.$villageCode == v.regionPrefix)
        default: ScopeFilter.apply(prefix: v.regionPrefix, to: q, column: \.$scopeCode)
        }
        if let d = v.departmentID {
            // A department sees what it leads and what it helps on (协办).
            let helped = try await CaseDepartmentModel.query(on: db).filter(\.$departmentID == d).all().map(\.caseID)
            if helped.isEmpty {
                q.filter(\.$departmentID == d)
            } else {
                q.group(.or) { $0.filter(\.$departmentID == d).filter(\.$id ~~ helped) }
            }
        }
        if !v.includeSealed { q.filter(\.$sealed == false) }
        // Recusals exist only on sealed cases, which only the discipline role can see: skip the lookup for others.
        if v.includeSealed, let u = v.username {
            let recused = try await CaseRecusalModel.query(on: db).filter(\.$username == u).all().map(\.caseID)
            if !recused.isEmpty { q.filter(\.$id !~ recused) }
        }
        if v.onlySealed { q.filter(\.$sealed == true) }
    }

    public func cases(_ query: CaseQuery, visibility: CaseVisibility) async throws -> WeiminCore.Page<Case> {
        let db = database.db
        let q = CaseModel.query(on: db)
        try await Self.visible(q, visibility, on: db)
        if let states = query.states, !states.isEmpty { q.filter(\.$state ~~ states.map(\.rawValue)) }
        if let c = query.category { q.filter(\.$category == c.rawValue) }
        if let t = query.townshipCode { q.filter(\.$townshipCode == t.rawValue) }
        if let v = query.villageCode { q.filter(\.$villageCode == v.rawValue) }
        if let d = query.departmentID { q.filter(\.$departmentID == d) }
        if let u = query.urgency { q.filter(\.$urgency == u.rawValue) }
        if let now = query.overdueAt {
            let open = CaseState.allCases.filter { $0.isOpen && $0 != .suspended }.map(\.rawValue)
            q.filter(\.$state ~~ open).filter(\.$dueAt < now)
        }
        if let from = query.createdFrom { q.filter(\.$createdAt >= from) }
        if let to = query.createdTo { q.filter(\.$createdAt < to) }
        let terms = query.searchTerms
        if !terms.isEmpty {
            // The index answers the words; the rest of the filters (and visibility) apply to what it found.
            var sqlQuery = SQLQueryString("SELECT case_id FROM case_search WHERE 1 = 1")
            for t in terms { sqlQuery.appendInterpolation(unsafeRaw: " AND body LIKE "); sqlQuery.appendInterpolation(bind: "%\(t)%") }
            sqlQuery.appendInterpolation(unsafeRaw: " LIMIT \(Self.searchCap)")
            let ids = try await database.sql.raw(sqlQuery).all().map { try $0.decode(column: "case_id", as: UUID.self) }
            q.filter(\.$id ~~ ids)
        }
        let total = try await q.count()
        switch query.sort {
        case .newest: q.sort(\.$createdAt, .descending).sort(\.$number, .descending)
        case .oldest: q.sort(\.$createdAt, .ascending).sort(\.$number, .ascending)
        case .dueSoonest: q.sort(\.$dueAt, .ascending).sort(\.$number, .ascending)
        case .number: q.sort(\.$number, .ascending)
        }
        let per = min(max(query.perPage, 1), CaseQuery.maxPerPage)
        let page = max(query.page, 1)
        let rows = try await q.offset((page - 1) * per).limit(per).all()
        return WeiminCore.Page(items: try rows.map { try $0.toCore() }, page: page, perPage: per, total: total)
    }

    public func detail(number: CaseNumber, visibility: CaseVisibility) async throws -> CaseDetail? {
        let q = CaseModel.query(on: database.db).filter(\.$number == number.description)
        try await Self.visible(q, visibility, on: database.db)
        guard let row = try await q.first(), let id = row.id else { return nil }
        var c = try row.toCore()
        c.recusedUsernames = try await CaseRecusalModel.query(on: database.db).filter(\.$caseID == id).all().map(\.username)
        c.coHandlerIDs = try await CaseDepartmentModel.query(on: database.db).filter(\.$caseID == id).all().map(\.departmentID)
        if let d = c.departmentID { c.departmentCode = try await DepartmentModel.find(d, on: database.db)?.code }
        let departmentName = try await c.departmentID.asyncMap { try await DepartmentModel.find($0, on: database.db)?.name } ?? nil
        let links = try await CaseMessageModel.query(on: database.db).filter(\.$caseID == id).all()
        let messages = links.isEmpty ? [] : try await MessageModel.query(on: database.db)
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

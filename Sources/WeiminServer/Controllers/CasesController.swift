import Foundation
import Hummingbird
import WeiminApp
import WeiminCore
import WeiminPersistence

/// The ledger: `GET /api/v1/cases` with filters and paging, `GET /api/v1/cases/:number` with history.
struct CasesController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<WeiminRequestContext>) {
        group.get("cases") { request, context -> PageDTO<CaseDTO> in
            let viewer = try context.requireViewer(reading: .cases)
            let query = try QueryParsing.caseQuery(QueryParsing.formQuery(request.uri.query), now: Date())
            let page = try await services.cases.cases(query, visibility: viewer.caseVisibility)
            let now = Date()
            return PageDTO(page) { CaseDTO($0, now: now, rules: services.workflow.rules) }
        }

        group.get("cases/:number") { _, context -> CaseDetailDTO in
            let viewer = try context.requireViewer(reading: .cases)
            let raw = try context.parameters.require("number")
            guard let number = CaseNumber(raw) else {
                throw HTTPError(.badRequest, message: "工单编号格式应为 县代码-年份-序号，例如 433125-2026-000123")
            }
            // Not found and not allowed look the same: a sealed case's existence is itself sealed.
            // A sealed case's words are encrypted and shown as placeholders here; the commission reads them through
            // the audited `/sealed` route.
            guard let detail = try await services.cases.detail(number: number, visibility: viewer.caseVisibility) else {
                throw HTTPError(.notFound, message: "工单 \(number) 不存在或无权查看")
            }
            return CaseDetailDTO(
                case: CaseDTO(
                    detail.case, now: Date(), allowed: try await services.availableActions(on: detail.case, to: viewer),
                    rules: services.workflow.rules),
                departmentName: detail.departmentName,
                messages: (detail.case.sealed ? [] : detail.messages).map {
                    MessageDTO(
                        id: $0.id, platformMessageId: $0.platformMessageID, senderId: $0.senderID, senderName: $0.senderName,
                        kind: $0.kind.rawValue, text: PIIMask.redact($0.text), sentAt: $0.sentAt)
                },
                events: detail.events.map { EventDTO($0) })
        }
    }
}

extension CasesController {
    /// `GET /api/v1/cases/{number}/sealed`: the reporter's identity and original words, for the discipline
    /// role only; each read is appended to the case's audit chain. Everyone else gets 404.
    func addSealedRoutes(to group: RouterGroup<WeiminRequestContext>) {
        group.get("cases/:number/sealed") { _, context -> SealedReportDTO in
            let viewer = try context.requireViewer(reading: .cases)
            guard let number = CaseNumber(try context.parameters.require("number")) else {
                throw HTTPError(.badRequest, message: "工单编号格式应为 县代码-年份-序号，例如 433125-2026-000123")
            }
            do {
                let r = try await services.sealedReports.read(number: number, by: viewer)
                return SealedReportDTO(
                    caseNumber: r.caseNumber, title: r.title, summary: r.summary,
                    reporterName: r.reporterName, reporterPlatformId: r.reporterPlatformID, reporterPhone: r.reporterPhone,
                    originalText: r.originalText, accused: r.accused, sourceGroupName: r.sourceGroupName, recused: r.recused,
                    messages: r.messages.map {
                        MessageDTO(
                            id: $0.id, platformMessageId: $0.platformMessageID, senderId: $0.senderID, senderName: $0.senderName,
                            kind: $0.kind.rawValue, text: $0.text, sentAt: $0.sentAt)
                    })
            } catch is CaseOperationError {
                throw HTTPError(.notFound, message: "工单 \(number) 不存在或无权查看")
            }
        }
    }

    struct SealedReportDTO: ResponseEncodable, Sendable {
        let caseNumber: String
        /// The case's own words (title and summary), decrypted.
        let title: String
        let summary: String
        let reporterName: String?
        let reporterPlatformId: String?
        let reporterPhone: String?
        let originalText: String?
        let accused: String?
        let sourceGroupName: String?
        let recused: [String]
        let messages: [MessageDTO]
    }

    func addActionRoutes(to group: RouterGroup<WeiminRequestContext>) {
        group.post("cases/:number/actions") { request, context -> CaseDTO in
            let viewer = try context.requireViewer(reading: .cases)
            guard let number = CaseNumber(try context.parameters.require("number")) else {
                throw HTTPError(.badRequest, message: "工单编号格式应为 县代码-年份-序号，例如 433125-2026-000123")
            }
            let body: CaseActionRequest
            do {
                body = try await request.decode(as: CaseActionRequest.self, context: context)
            } catch {
                throw HTTPError(.badRequest, message: "请求体应为 JSON，至少包含 action，例如 {\"action\": \"accept\", \"note\": \"已受理\"}")
            }
            guard let current = try await services.caseStore.find(number: number), viewer.caseVisibility.allows(current) else {
                throw HTTPError(.notFound, message: "工单 \(number) 不存在或无权查看")
            }
            let command = try await CaseActionCommands.command(
                body, for: current, viewer: viewer, departments: services.departments, cases: services.cases)
            do {
                var after = try await services.actOnCase.run(command, on: number, by: viewer, at: Date())
                if after.sealed && !viewer.caseVisibility.allows(after) {
                    // 转纪委 by a handler: the case has left their ledger. They learn neither its sealed number nor more.
                    var gone = current
                    (gone.sealed, gone.title, gone.summary) = (true, SealedWords.title, SealedWords.summary)
                    return CaseDTO(gone, now: Date(), allowed: [], rules: services.workflow.rules)
                }
                if after.departmentCode == nil, let d = after.departmentID {
                    // A new lead department: its code decides whether a township cadre may act.
                    after.departmentCode = try await services.departments.department(id: d)?.code
                }
                return CaseDTO(
                    after, now: Date(), allowed: try await services.availableActions(on: after, to: viewer), rules: services.workflow.rules)
            } catch let error as CaseOperationError {
                throw HTTPError(error.status, message: error == .notFound ? "工单 \(number) 不存在或无权查看" : error.description)
            } catch let error as CaseStoreError {
                throw HTTPError(.conflict, message: error.description)
            }
        }
    }
}

/// Turns query strings into typed filters, refusing bad values with a message that names the parameter.
enum QueryParsing {
    static func region(_ raw: String?, name: String) throws -> RegionCode? {
        guard let raw, !raw.isEmpty else { return nil }
        guard let code = RegionCode(raw) else {
            throw HTTPError(.badRequest, message: "\(name) 参数应为 6、9 或 12 位行政区划代码，收到：\(raw)")
        }
        return code
    }

    static func paging(_ q: Parameters) throws -> (Int, Int) {
        let page = try int(q["page"].map(String.init), name: "page", range: 1...1_000_000) ?? 1
        let per = try int(q["per_page"].map(String.init), name: "per_page", range: 1...CaseQuery.maxPerPage) ?? 50
        return (page, per)
    }

    static func int(_ raw: String?, name: String, range: ClosedRange<Int>) throws -> Int? {
        do {
            return try InputRules.integer(raw, field: name, range: range)
        } catch {
            throw HTTPError(.badRequest, message: "\(name) 参数\(error.reason)")
        }
    }

    /// A day (`2026-11-01`, Beijing) or an ISO 8601 time; an impossible day such as 2026-02-30 is refused, not rolled over.
    static func date(_ raw: String?, name: String) throws -> Date? {
        guard let raw, !raw.isEmpty else { return nil }
        if let day = InputRules.date(raw) {
            return Date(timeIntervalSince1970: Double(day.dayNumber) * 86400 - 8 * 3600)
        }
        if raw.utf8.count > 10, InputRules.date(String(raw.prefix(10))) != nil, let d = try? Date(raw, strategy: .iso8601) { return d }
        throw HTTPError(.badRequest, message: "\(name) 参数应为存在的日期，例如 2026-11-01，收到：\(raw.prefix(40))")
    }

    /// The query string as a form sends it: `+` is a space (Hummingbird's `queryParameters` keeps it a plus).
    static func formQuery(_ query: String?) -> Parameters {
        var out = Parameters()
        for (name, value) in InputRules.formPairs((query ?? "")[...]) {
            out.append(key: name[...], value: (value ?? "")[...])
        }
        return out
    }

    static func caseQuery(_ q: Parameters, now: Date) throws -> CaseQuery {
        var query = CaseQuery()
        if let s = q["state"].map(String.init), !s.isEmpty {
            query.states = try s.split(separator: ",").map { part in
                guard let st = CaseState(rawValue: String(part)) else {
                    throw HTTPError(
                        .badRequest, message: "state 参数无效：\(part)。可选：\(CaseState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return st
            }
        }
        if let c = q["category"].map(String.init), !c.isEmpty {
            guard let cat = Category(rawValue: c) else {
                throw HTTPError(.badRequest, message: "category 参数无效：\(c)。可选：\(Category.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.category = cat
        }
        if let u = q["urgency"].map(String.init), !u.isEmpty {
            guard let urg = Urgency(rawValue: u) else { throw HTTPError(.badRequest, message: "urgency 参数无效：\(u)。可选：normal, urgent") }
            query.urgency = urg
        }
        query.townshipCode = try region(q["township"].map(String.init), name: "township")
        query.villageCode = try region(q["village"].map(String.init), name: "village")
        if let d = q["department"].map(String.init), !d.isEmpty {
            guard let id = UUID(uuidString: d) else { throw HTTPError(.badRequest, message: "department 参数应为部门 ID（见 /api/v1/departments）") }
            query.departmentID = id
        }
        if let o = q["overdue"].map(String.init), !o.isEmpty {
            guard ["1", "true", "0", "false"].contains(o) else { throw HTTPError(.badRequest, message: "overdue 参数应为 true 或 false") }
            if o == "1" || o == "true" { query.overdueAt = now }
        }
        query.createdFrom = try date(q["from"].map(String.init), name: "from")
        if let to = try date(q["to"].map(String.init), name: "to") {
            // `to` is inclusive of the whole day when given as a date.
            query.createdTo = (q["to"].map(String.init)?.count == 10) ? to.addingTimeInterval(86400) : to
        }
        if let text = q["q"].map(String.init), !text.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                try InputRules.check(text, field: "q", limit: InputRules.maxSearch)
            } catch {
                throw HTTPError(.badRequest, message: "搜索词 \(error)")
            }
            query.text = text
        }
        if let s = q["sort"].map(String.init), !s.isEmpty {
            guard let sort = CaseSort(rawValue: s) else {
                throw HTTPError(.badRequest, message: "sort 参数无效：\(s)。可选：\(CaseSort.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.sort = sort
        }
        (query.page, query.perPage) = try paging(q)
        return query
    }
}

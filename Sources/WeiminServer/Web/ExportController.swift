import Foundation
import Hummingbird
import WeiminCore
import WeiminPersistence
import ZIPFoundation

/// Exports: the ledger with the current filters, and the month's assessment report, as .xlsx (real Office
/// Open XML: Chinese headers, column widths, dates as dates, the header row frozen) and as CSV (UTF-8 with a
/// BOM). What the user cannot see is not exported: sealed cases reach the discipline role only.
struct ExportController {
    let services: AppServices
    /// Rows in one ledger export; beyond this the user narrows the filters.
    static let maxRows = 50_000

    func addRoutes(to router: RouterGroup<WeiminRequestContext>) {
        for format in ["xlsx", "csv"] {
            addRoutes(to: router, format: format)
        }
    }

    func addRoutes(to router: RouterGroup<WeiminRequestContext>, format: String) {
        router.get("exports/cases.\(format)") { request, context -> Response in
            guard let viewer = context.viewer else { throw HTTPError(.unauthorized, message: "请先登录") }
            guard Access.mayRead(viewer.role, .cases) else {
                throw HTTPError(.forbidden, message: "\(CoreStrings.roleName(viewer.role))无权导出工单台账")
            }
            var query = try QueryParsing.caseQuery(QueryParsing.formQuery(request.uri.query), now: Date())
            query.perPage = CaseQuery.maxPerPage
            let sheet = try await ledger(query, viewer: viewer)
            return try Self.response(Spreadsheet(sheets: [sheet]), format: format, name: "工单台账")
        }

        router.get("exports/assessment.\(format)") { request, context -> Response in
            guard let viewer = context.viewer else { throw HTTPError(.unauthorized, message: "请先登录") }
            let raw = request.uri.queryParameters["month"].map(String.init)
            guard let month = DashboardController.month(raw) else { throw HTTPError(.badRequest, message: "month 参数应为年月，例如 2026-11") }
            let county = (viewer.region.countyCode ?? viewer.region).rawValue
            let report = try await DashboardController(services: services).assessment(county: county, month: month)
            let label = DashboardController.monthLabel(month)
            var book = Spreadsheet(sheets: [
                Self.assessmentSheet("乡镇", report.townships, coverage: true),
                Self.assessmentSheet("部门", report.departments, coverage: false),
                Self.assessmentSheet("村", report.villages, coverage: true),
                Spreadsheet.Sheet(
                    name: "核减清单",
                    columns: [
                        .init("工单编号", width: 22), .init("考核单位", width: 20), .init("核减理由", width: 50),
                        .init("决定人", width: 12), .init("核减时间", width: 18),
                    ],
                    rows: report.exclusions.map { [.text($0.number), .text($0.unit), .text($0.reason), .text($0.actor), .date($0.at)] }),
            ])
            if format == "csv" {
                // One CSV: every unit with its kind in the first column.
                var all = Spreadsheet.Sheet(name: "考核", columns: [.init("类型", width: 6)] + book.sheets[0].columns)
                for (kind, i) in [("乡镇", 0), ("部门", 1), ("村", 2)] {
                    let sheet = book.sheets[i]
                    all.rows += sheet.rows.map { row in
                        // Departments have no coverage column: keep the columns aligned.
                        [.text(kind)] + (i == 1 ? Array(row.prefix(5)) + [.empty] + Array(row.suffix(1)) : row)
                    }
                }
                book = Spreadsheet(sheets: [all])
            }
            return try Self.response(book, format: format, name: "\(label)考核")
        }
    }

    func ledger(_ query: CaseQuery, viewer: Viewer) async throws -> Spreadsheet.Sheet {
        let county = viewer.region.countyCode ?? viewer.region
        let departments = Dictionary(try await services.departments.departments(county: county).map { ($0.id, $0.name) }) { a, _ in a }
        var names: [String: String] = [:]
        for level in [RegionLevel.township, .village] {
            for r in try await services.regions.regions(
                level: level, within: viewer.region.level == .village ? viewer.region.townshipCode! : viewer.region)
            {
                names[r.code.rawValue] = r.name
            }
        }
        var sheet = Spreadsheet.Sheet(
            name: "工单台账",
            columns: [
                .init("工单编号", width: 22), .init("受理时间", width: 18), .init("类别", width: 10), .init("状态", width: 10), .init("紧急程度", width: 9),
                .init("乡镇", width: 12), .init("村", width: 12), .init("承办部门", width: 22), .init("事项", width: 30), .init("内容摘要", width: 50),
                .init("办结期限", width: 18), .init("办结时间", width: 18), .init("回访评价", width: 10), .init("密封", width: 6),
            ])
        var q = query
        q.page = 1
        while sheet.rows.count < Self.maxRows {
            let page = try await services.cases.cases(q, visibility: viewer.caseVisibility)
            // Sealed rows carry their words for the commission only, each export recorded as a read of that case.
            let items = try await services.sealedReports
                .reveal(page.items, to: viewer, purpose: "导出台账")
            // Every 回访 answer, so a redone case reads "不满意→满意" rather than blank.
            let reviews = try await services.assessment.reviews(of: items.map(\.id))
            for c in items {
                sheet.rows.append([
                    .text(c.number.description), .date(c.createdAt), .text(CoreStrings.categoryName(c.category)),
                    .text(CoreStrings.stateName(c.state)),
                    .text(CoreStrings.urgencyName(c.urgency)), .text(c.townshipCode.flatMap { names[$0.rawValue] } ?? ""),
                    .text(c.villageCode.flatMap { names[$0.rawValue] } ?? ""), .text(c.departmentID.flatMap { departments[$0] } ?? ""),
                    .text(c.title), .text(PIIMask.redact(c.summary)), c.dueAt.map { .date($0) } ?? .empty,
                    c.resolvedAt.map { .date($0) } ?? .empty,
                    .text(
                        (reviews[c.id].map { $0.map(CoreStrings.satisfactionName) } ?? c.status.lastReview.map {
                            [CoreStrings.satisfactionName($0)]
                        }
                            ?? []).joined(separator: "→")), .text(c.sealed ? "是" : ""),
                ])
            }
            if page.items.count < q.perPage { break }
            q.page += 1
        }
        return sheet
    }

    static func assessmentSheet(_ name: String, _ rows: [AssessmentRow], coverage: Bool) -> Spreadsheet.Sheet {
        func pct(_ r: Rate?) -> Spreadsheet.Cell { r?.value.map { .number(($0 * 1000).rounded() / 10) } ?? .empty }
        var columns: [Spreadsheet.Column] = [
            .init("排名", width: 6), .init(name, width: 20), .init("响应率%", width: 10), .init("按时办结率%", width: 12),
            .init("满意率%", width: 10),
        ]
        if coverage { columns.append(.init("覆盖率%", width: 10)) }
        columns.append(.init("得分", width: 8))
        return Spreadsheet.Sheet(
            name: name, columns: columns,
            rows: rows.map { r in
                var row: [Spreadsheet.Cell] = [
                    r.rank.map { .number(Double($0)) } ?? .empty, .text(r.unit), pct(r.response), pct(r.onTime), pct(r.satisfaction),
                ]
                if coverage { row.append(pct(r.coverage)) }
                row.append(r.score.map { .number(($0 * 10).rounded() / 10) } ?? .empty)
                return row
            })
    }

    static func response(_ book: Spreadsheet, format: String, name: String) throws -> Response {
        let data = format == "csv" ? book.csv() : try xlsx(book)
        let type = format == "csv" ? "text/csv; charset=utf-8" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        // RFC 6266: an ASCII fallback name and the Chinese one percent-encoded.
        let stamp = DateFormatter()
        stamp.timeZone = TimeZone(identifier: "Asia/Shanghai")
        stamp.dateFormat = "yyyyMMdd-HHmm"
        let file = "\(name)-\(stamp.string(from: Date())).\(format)"
        let encoded = file.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "weimin.\(format)"
        return Response(
            status: .ok,
            headers: [
                .contentType: type, .contentDisposition: "attachment; filename=\"weimin-export.\(format)\"; filename*=UTF-8''\(encoded)",
                .cacheControl: "no-store",
            ], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The package zipped in memory.
    static func xlsx(_ book: Spreadsheet) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for part in book.xlsxParts() {
            let bytes = part.data
            try archive.addEntry(with: part.path, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate) {
                position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let data = archive.data else { throw HTTPError(.internalServerError, message: "无法生成 xlsx 文件") }
        return data
    }
}

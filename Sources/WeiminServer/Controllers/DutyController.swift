import Foundation
import Hummingbird
import WeiminCore
import WeiminPersistence

/// 值班: the roster (`/api/v1/duty/shifts`) and the alerts sent to the person on duty (`/api/v1/duty/alerts`).
/// The centre, supervisors and administrators keep the county's roster; a township cadre keeps their township's.
struct DutyController {
    let services: AppServices

    struct ShiftDTO: Codable, ResponseEncodable, Sendable {
        let id: UUID
        let region: String
        let username: String
        let kind: String
        let startsAt: Date
        let endsAt: Date

        init(_ s: DutyShift) {
            (id, region, username, kind, startsAt, endsAt) = (s.id, s.region.rawValue, s.username, s.kind.rawValue, s.startsAt, s.endsAt)
        }
    }

    struct ShiftRequest: Decodable {
        let region: String
        let username: String
        let kind: String?
        let startsAt: Date
        let endsAt: Date
    }

    struct AlertDTO: Codable, ResponseEncodable, Sendable {
        let id: UUID
        let caseNumber: String
        let level: Int
        let username: String
        let text: String
        let sentAt: Date
        let escalateAt: Date?
        let acknowledgedAt: Date?
        let acknowledgedBy: String?
        /// When it first reached the person beyond the console (SMS, WeCom, DingTalk), and the last failure's reason.
        let deliveredAt: Date?
        let lastError: String?

        init(_ a: DutyAlert) {
            (id, caseNumber, level, username, text, sentAt) = (a.id, a.caseNumber, a.level, a.username, a.text, a.sentAt)
            (escalateAt, acknowledgedAt, acknowledgedBy) = (a.escalateAt, a.acknowledgedAt, a.acknowledgedBy)
            (deliveredAt, lastError) = (a.deliveredAt, a.lastError)
        }
    }

    /// Who may change a region's roster.
    static func mayKeep(_ region: RegionCode, viewer: Viewer) -> Bool {
        switch viewer.role {
        case .admin, .supervisor, .intakeOperator: return region.rawValue.hasPrefix(viewer.region.scopePrefix)
        case .townshipCadre: return region == viewer.region
        default: return false
        }
    }

    func addRoutes(to group: RouterGroup<WeiminRequestContext>) {
        let duty = services.duty
        group.get("duty/shifts") { request, context -> ListDTO<ShiftDTO> in
            let viewer = try context.requireViewer()
            let q = request.uri.queryParameters
            let now = Date()
            func date(_ name: String, _ fallback: Date) throws -> Date {
                guard let raw = q[name[...]].map(String.init), !raw.isEmpty else { return fallback }
                guard let d = ISO8601DateFormatter().date(from: raw) else {
                    throw HTTPError(.badRequest, message: "\(name) 应为 ISO 8601 时间，例如 2026-12-01T08:00:00+08:00")
                }
                return d
            }
            let from = try date("from", now.addingTimeInterval(-86400)), to = try date("to", now.addingTimeInterval(7 * 86400))
            var region: RegionCode?
            if let raw = q["region"].map(String.init), !raw.isEmpty {
                guard let r = RegionCode(raw) else { throw HTTPError(.badRequest, message: "region 应为 6 位县级或 9 位乡镇区划代码") }
                region = r
            }
            let county = viewer.region.countyCode ?? viewer.region
            return ListDTO(items: try await duty.shifts(county: county, region: region, from: from, to: to).map(ShiftDTO.init))
        }
        group.post("duty/shifts") { request, context -> EditedResponse<ShiftDTO> in
            let viewer = try context.requireViewer()
            guard let body = try? await request.decode(as: ShiftRequest.self, context: context) else {
                throw HTTPError(
                    .badRequest,
                    message:
                        #"请求体应为 JSON：{"region": "433125111", "username": "changtanhe", "kind": "duty", "starts_at": "2026-12-01T18:00:00+08:00", "ends_at": "2026-12-02T08:30:00+08:00"}（kind：duty 值班员 或 leader 带班领导）"#
                )
            }
            guard let region = RegionCode(body.region), [.county, .township].contains(region.level) else {
                throw HTTPError(.badRequest, message: "region 应为 6 位县级或 9 位乡镇区划代码")
            }
            guard let kind = DutyKind(rawValue: body.kind ?? "duty") else {
                throw HTTPError(.badRequest, message: "kind 应为 duty（值班员）或 leader（带班领导）")
            }
            guard Self.mayKeep(region, viewer: viewer) else {
                throw HTTPError(.forbidden, message: "\(CoreStrings.roleName(viewer.role))不能为该区域排班")
            }
            let shift = DutyShift(
                id: UUID(), region: region, username: body.username, kind: kind, startsAt: body.startsAt, endsAt: body.endsAt)
            do {
                try await duty.addShift(shift, county: viewer.region.countyCode ?? viewer.region, by: viewer.username)
            } catch let e as CaseOperationError {
                throw HTTPError(e.status, message: e.description)
            }
            var stored = shift
            stored.username = body.username.lowercased()
            return EditedResponse(status: .created, response: ShiftDTO(stored))
        }
        group.delete("duty/shifts/:id") { _, context -> HTTPResponse.Status in
            let viewer = try context.requireViewer()
            guard let id = UUID(uuidString: try context.parameters.require("id")) else {
                throw HTTPError(.badRequest, message: "排班编号应为 UUID")
            }
            let county = viewer.region.countyCode ?? viewer.region
            guard let shift = try await duty.shifts(county: county, from: .distantPast, to: .distantFuture).first(where: { $0.id == id })
            else {
                throw HTTPError(.notFound, message: "没有这条排班")
            }
            guard Self.mayKeep(shift.region, viewer: viewer) else {
                throw HTTPError(.forbidden, message: "\(CoreStrings.roleName(viewer.role))不能修改该区域的排班")
            }
            _ = try await duty.deleteShift(id, county: county)
            return .noContent
        }
        group.get("duty/alerts") { _, context -> ListDTO<AlertDTO> in
            let viewer = try context.requireViewer()
            return ListDTO(items: try await duty.alerts(for: viewer.username).map(AlertDTO.init))
        }
        group.post("duty/alerts/:id/ack") { _, context -> AlertDTO in
            let viewer = try context.requireViewer()
            guard let id = UUID(uuidString: try context.parameters.require("id")) else {
                throw HTTPError(.badRequest, message: "提醒编号应为 UUID")
            }
            do {
                return AlertDTO(try await duty.acknowledge(id, by: viewer))
            } catch let e as CaseOperationError {
                throw HTTPError(e.status, message: e == .notFound ? "没有发给您的这条提醒" : e.description)
            }
        }
    }
}

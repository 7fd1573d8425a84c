import Foundation
import Hummingbird
import WeiminCore
import WeiminPersistence

/// `GET /api/v1/supervision?level=order&page=1&per_page=50`: the supervision orders addressed to the viewer, newest
/// first, a page at a time.
struct SupervisionController {
    let services: AppServices

    struct OrderDTO: Codable, Sendable {
        let id: UUID
        let level: String
        let levelName: String
        let step: String
        let caseNumber: String?
        let departmentId: UUID?
        let townshipCode: String?
        let dueAt: Date?
        let overdueMinutes: Int
        let message: String
        let recipients: String
        let issuedAt: Date
    }

    func addRoutes(to group: RouterGroup<WeiminRequestContext>) {
        group.get("supervision") { request, context -> PageDTO<OrderDTO> in
            let viewer = try context.requireViewer(reading: .cases)
            var level: SupervisionLevel?
            if let raw = request.uri.queryParameters["level"].map(String.init), !raw.isEmpty {
                guard let l = SupervisionLevel(rawValue: raw) else {
                    throw HTTPError(.badRequest, message: "level 参数无效：可选 warning（预警）、order（督办单）、notice（通报）")
                }
                level = l
            }
            let (page, per) = try QueryParsing.paging(request.uri.queryParameters)
            let orders = try await services.supervision.orders(for: viewer, level: level, page: page, perPage: per)
            return PageDTO(orders) {
                OrderDTO(
                    id: $0.id, level: $0.level.rawValue, levelName: $0.level.chineseName, step: $0.step, caseNumber: $0.caseNumber,
                    departmentId: $0.departmentID, townshipCode: $0.townshipCode, dueAt: $0.dueAt, overdueMinutes: $0.overdueMinutes,
                    message: $0.message, recipients: $0.recipients, issuedAt: $0.issuedAt)
            }
        }
    }
}

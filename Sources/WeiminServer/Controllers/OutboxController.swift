import Foundation
import Hummingbird
import WeiminCore
import WeiminPersistence

/// `GET /api/v1/outbox?status=failed|uncertain|pending|delivered`: what Weimin said (or failed to say) in the
/// county's groups, with the reason for each failure — where admins see that a robot's key stopped working.
/// The discipline role sees only the private answers to sealed cases' reporters, which nobody else sees.
struct OutboxController {
    let services: AppServices

    struct ItemDTO: Codable, Sendable {
        let id: Int
        let groupId: UUID
        let kind: String
        let caseId: UUID?
        let noticeId: UUID?
        let text: String
        let status: String
        let attempts: Int
        let lastError: String?
    }

    struct OutboxDTO: ResponseEncodable, Sendable {
        let counts: [String: Int]
        let items: [ItemDTO]
    }

    static let statuses: Set<String> = ["pending", "claimed", "sending", "delivered", "failed", "uncertain", "cancelled", "unbound"]

    func addRoutes(to group: RouterGroup<WeiminRequestContext>) {
        group.get("outbox") { request, context -> OutboxDTO in
            let viewer = try context.requireViewer()
            guard [.admin, .intakeOperator, .supervisor, .discipline].contains(viewer.role) else {
                throw HTTPError(.forbidden, message: "无权查看群消息发送情况")
            }
            let status = request.uri.queryParameters["status"].map(String.init)
            if let status, !Self.statuses.contains(status) {
                throw HTTPError(.badRequest, message: "status 应为 \(Self.statuses.sorted().joined(separator: "、"))")
            }
            let county = viewer.region.countyCode?.rawValue ?? viewer.region.rawValue
            let store = services.outbox
            let audience: OutboxStore.Audience = viewer.role == .discipline ? .privateAnswers : .groups
            // A private answer or a duty alert is written to one person: an administrator sees that it went, not what it says.
            let personal: Set<OutboundKind> = [.privateAnswer, .dutyAlert]
            let items = try await store.items(county: county, status: status, audience: audience, limit: 200).map {
                ItemDTO(
                    id: $0.id, groupId: $0.groupID, kind: $0.kind.rawValue, caseId: $0.caseID, noticeId: $0.noticeID,
                    text: viewer.role == .admin && personal.contains($0.kind) ? "（私信内容，不向系统管理员显示）" : $0.text,
                    status: $0.status, attempts: $0.attempts, lastError: $0.lastError)
            }
            return OutboxDTO(counts: try await store.counts(county: county, audience: audience), items: items)
        }
    }
}

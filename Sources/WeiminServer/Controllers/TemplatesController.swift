import Foundation
import Hummingbird
import WeiminCore
import WeiminPersistence

/// The county's message templates (what Weimin says in the groups):
///   GET    /api/v1/templates        every kind: its text, whether edited, the placeholders it may use
///   PUT    /api/v1/templates/{kind} {"text": "…"} — admins only; checked before it is saved
///   DELETE /api/v1/templates/{kind} back to the default — admins only
struct TemplatesController {
    let services: AppServices

    struct TemplateDTO: Codable, Sendable {
        let kind: String
        let text: String
        let edited: Bool
        let placeholders: [String]
        let defaultText: String
    }

    struct Edit: Decodable { let text: String }

    func addRoutes(to group: RouterGroup<WeiminRequestContext>) {
        let store = services.templates
        @Sendable func list() async throws -> ListDTO<TemplateDTO> {
            let current = try await store.current()
            let edited = try await store.edited()
            return ListDTO(
                items: OutboundKind.allCases.map { kind in
                    TemplateDTO(
                        kind: kind.rawValue, text: current.texts[kind] ?? "", edited: edited.contains(kind),
                        placeholders: (MessageTemplates.placeholders[kind] ?? []).sorted(),
                        defaultText: MessageTemplates.defaults.texts[kind] ?? "")
                })
        }
        @Sendable func kind(_ context: WeiminRequestContext) throws -> OutboundKind {
            let viewer = try context.requireViewer()
            guard viewer.role == .admin else { throw HTTPError(.forbidden, message: "只有系统管理员可以修改群消息模板") }
            guard let kind = OutboundKind(rawValue: try context.parameters.require("kind")) else {
                throw HTTPError(.notFound, message: "没有这种模板：可选 \(OutboundKind.allCases.map(\.rawValue).joined(separator: "、"))")
            }
            return kind
        }

        group.get("templates") { _, context -> ListDTO<TemplateDTO> in
            let viewer = try context.requireViewer()
            guard [.admin, .intakeOperator, .supervisor, .leader].contains(viewer.role) else {
                throw HTTPError(.forbidden, message: "无权查看消息模板")
            }
            return try await list()
        }
        group.put("templates/:kind") { request, context -> ListDTO<TemplateDTO> in
            let kind = try kind(context)
            let edit: Edit
            do { edit = try await request.decode(as: Edit.self, context: context) } catch {
                throw HTTPError(.badRequest, message: "请求体应为 JSON：{\"text\": \"模板内容\"}")
            }
            do { try await store.set(kind, to: edit.text) } catch let problem as MessageTemplates.Problem {
                throw HTTPError(.badRequest, message: problem.description)
            }
            return try await list()
        }
        group.delete("templates/:kind") { _, context -> ListDTO<TemplateDTO> in
            try await store.set(try kind(context), to: nil)
            return try await list()
        }
    }
}

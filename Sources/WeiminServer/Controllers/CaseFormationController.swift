import Foundation
import Hummingbird
import WeiminApp
import WeiminCore
import WeiminPersistence

/// Cases formed by hand: `POST /api/v1/messages/{id}/case` opens a case from a message (the workbench's 待人工判断
/// list does the same), `POST /api/v1/cases/{number}/split` moves some of a case's messages to a new case.
struct CaseFormationController {
    let services: AppServices

    struct OpenRequest: Decodable {
        let category: String
        let urgency: String?
    }

    struct SplitRequest: Decodable {
        let messageIds: [Int]
        let category: String
    }

    static func category(_ raw: String) throws -> Category {
        guard let c = Category(rawValue: raw), c.isActionable else {
            throw HTTPError(.badRequest, message: "category 应为 publicity、disclosure、service、petition 或 opinion（五类事项之一）")
        }
        return c
    }

    func created(_ c: Case, viewer: Viewer) async throws -> EditedResponse<CaseDTO> {
        EditedResponse(
            status: .created,
            response: CaseDTO(
                c, now: Date(), allowed: try await services.availableActions(on: c, to: viewer), rules: services.workflow.rules))
    }

    func addRoutes(api: RouterGroup<WeiminRequestContext>, console: RouterGroup<WeiminRequestContext>) {
        let open = OpenCaseFromMessage(cases: services.caseStore, workflow: services.workflow)
        let split = SplitCase(cases: services.caseStore, workflow: services.workflow)
        api.post("messages/:id/case") { request, context -> EditedResponse<CaseDTO> in
            let viewer = try context.requireViewer()
            guard let id = Int(try context.parameters.require("id")) else { throw HTTPError(.badRequest, message: "消息编号应为整数") }
            guard let body = try? await request.decode(as: OpenRequest.self, context: context) else {
                throw HTTPError(.badRequest, message: #"请求体应为 JSON：{"category": "service", "urgency": "normal"}"#)
            }
            let urgency = try body.urgency.map {
                guard let u = Urgency(rawValue: $0) else { throw HTTPError(.badRequest, message: "urgency 应为 normal 或 urgent") }
                return u
            }
            do {
                let c = try await open.run(
                    message: id, category: try Self.category(body.category), urgency: urgency ?? .normal, by: viewer, at: Date())
                return try await created(c, viewer: viewer)
            } catch let e as CaseOperationError {
                throw HTTPError(e.status, message: e == .notFound ? "消息 \(id) 不存在或不在您的辖区" : e.description)
            }
        }
        api.post("cases/:number/split") { request, context -> EditedResponse<CaseDTO> in
            let viewer = try context.requireViewer()
            let raw = try context.parameters.require("number")
            guard let number = CaseNumber(raw) else { throw HTTPError(.badRequest, message: "工单编号格式应为 433125-2026-000123") }
            guard let body = try? await request.decode(as: SplitRequest.self, context: context) else {
                throw HTTPError(.badRequest, message: #"请求体应为 JSON：{"message_ids": [1234, 1235], "category": "service"}"#)
            }
            guard body.messageIds.count <= 200 else { throw HTTPError(.badRequest, message: "一次最多拆出 200 条消息") }
            do {
                let c = try await split.run(
                    number, moving: body.messageIds, category: try Self.category(body.category), by: viewer, at: Date())
                return try await created(c, viewer: viewer)
            } catch let e as CaseOperationError {
                throw HTTPError(e.status, message: e == .notFound ? "工单 \(raw) 不存在或无权查看" : e.description)
            } catch let e as CaseStoreError {
                throw HTTPError(.conflict, message: e.description)
            }
        }
        // The workbench's 立案 button on a message triage could not decide.
        console.post("messages/:id/case") { request, context -> Response in
            guard let (viewer, web) = context.console() else { return WebViews.redirect(context.signInPath) }
            let form = try await WebForm.fields(request)
            guard form["_csrf"] == web.csrf else { throw HTTPError(.forbidden, message: "页面已过期，请刷新后再操作。") }
            guard let id = Int(try context.parameters.require("id")) else { throw HTTPError(.notFound, message: "没有这条消息") }
            do {
                let c = try await open.run(
                    message: id, category: try Self.category(form["category"] ?? ""),
                    urgency: form["urgency"] == "urgent" ? .urgent : .normal, by: viewer, at: Date())
                return WebViews.redirect("/cases/\(c.number)?done=open")
            } catch let e as CaseOperationError {
                throw HTTPError(e.status, message: e == .notFound ? "消息不存在或不在您的辖区" : e.description)
            }
        }
    }
}

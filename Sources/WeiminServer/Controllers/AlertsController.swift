import Foundation
import Hummingbird
import Logging
import WeiminCore
import WeiminPersistence

/// System alerts for the people who run the groups (a robot refused for good, a send that could not be
/// confirmed), in the viewer's part of the county:
///   GET  /api/v1/alerts[?all=1]           open alerts (with `all`, also the last month's handled ones)
///   POST /api/v1/alerts/{id}/resolve      mark one handled (who and when is kept)
///   GET  /api/v1/settings/sealed-reply    how a sealed case's reporter is answered: "none" or "private"
///   PUT  /api/v1/settings/sealed-reply    {"mode": "none" | "private"} — admin or discipline
///   GET  /api/v1/settings/assessment-weights   the assessment score's weights
///   PUT  /api/v1/settings/assessment-weights   {"response": 0.3, "on_time": 0.4, "satisfaction": 0.2, "coverage": 0.1} — admin or supervisor
struct AlertsController {
    let services: AppServices

    struct AlertDTO: ResponseEncodable, Sendable {
        let alert: Alert
    }

    struct SealedReplyDTO: Codable, ResponseEncodable, Sendable {
        let mode: String
    }

    struct PrivateAnswersDTO: Codable, ResponseEncodable, Sendable {
        let mode: String
        let words: [String]
    }

    struct WeightsDTO: Codable, ResponseEncodable, Sendable {
        let response: Double
        let onTime: Double
        let satisfaction: Double
        let coverage: Double

        init(_ w: AssessmentWeights) {
            response = w.response
            onTime = w.onTime
            satisfaction = w.satisfaction
            coverage = w.coverage
        }
    }

    func addRoutes(to group: RouterGroup<WeiminRequestContext>) {
        let store = services.alerts
        group.get("alerts") { request, context -> ListDTO<Alert> in
            let viewer = try context.requireViewer()
            guard AlertStore.maySee(viewer.role) else {
                throw HTTPError(.forbidden, message: "\(CoreStrings.roleName(viewer.role))无权查看系统提醒")
            }
            let all = request.uri.queryParameters["all"].map { $0 == "1" || $0 == "true" } ?? false
            return ListDTO(items: try await store.list(for: viewer, includeResolved: all))
        }
        group.post("alerts/:id/resolve") { _, context -> AlertDTO in
            let viewer = try context.requireViewer()
            guard AlertStore.maySee(viewer.role) else {
                throw HTTPError(.forbidden, message: "\(CoreStrings.roleName(viewer.role))无权处理系统提醒")
            }
            guard let id = UUID(uuidString: try context.parameters.require("id")), let alert = try await store.resolve(id, by: viewer)
            else {
                throw HTTPError(.notFound, message: "没有这条提醒，或不在您的辖区")
            }
            return AlertDTO(alert: alert)
        }

        let templates = services.templates
        @Sendable func mayConfigure(_ context: WeiminRequestContext) throws {
            let viewer = try context.requireViewer()
            guard viewer.role == .admin || viewer.role == .discipline else {
                throw HTTPError(.forbidden, message: "只有系统管理员或纪委监委可以设置对反映人的答复方式")
            }
        }
        group.get("settings/sealed-reply") { _, context -> SealedReplyDTO in
            try mayConfigure(context)
            return SealedReplyDTO(mode: try await templates.sealedReply().rawValue)
        }
        group.put("settings/sealed-reply") { request, context -> SealedReplyDTO in
            try mayConfigure(context)
            let body = try? await request.decode(as: SealedReplyDTO.self, context: context)
            guard let mode = body.flatMap({ SealedReplyMode(rawValue: $0.mode) }) else {
                throw HTTPError(.badRequest, message: "请求体应为 JSON：{\"mode\": \"none\"}（不答复）或 {\"mode\": \"private\"}（经个人微信桥私信答复）")
            }
            try await templates.setSealedReply(mode)
            return SealedReplyDTO(mode: mode.rawValue)
        }

        // Which matters are answered to the villager alone (低保, health, family by default).
        @Sendable func mayConfigurePrivacy(_ context: WeiminRequestContext) throws {
            let viewer = try context.requireViewer()
            guard viewer.role == .admin || viewer.role == .supervisor else {
                throw HTTPError(.forbidden, message: "涉及个人隐私事项的答复方式由系统管理员或督办负责人设置")
            }
        }
        group.get("settings/private-answers") { _, context -> PrivateAnswersDTO in
            try mayConfigurePrivacy(context)
            let m = try await templates.privateMatters()
            return PrivateAnswersDTO(mode: m.mode.rawValue, words: m.words)
        }
        group.put("settings/private-answers") { request, context -> PrivateAnswersDTO in
            try mayConfigurePrivacy(context)
            guard let body = try? await request.decode(as: PrivateAnswersDTO.self, context: context) else {
                throw HTTPError(.badRequest, message: "请求体应为 JSON：{\"mode\": \"private\", \"words\": [\"低保\", \"医保\"]}")
            }
            let m: PrivateMatters
            do {
                m = try PrivateMatters.validated(mode: body.mode, words: body.words)
            } catch {
                throw HTTPError(.badRequest, message: "\(error)")
            }
            try await templates.setPrivateMatters(m)
            return PrivateAnswersDTO(mode: m.mode.rawValue, words: m.words)
        }

        let assessment = services.assessment
        group.get("settings/assessment-weights") { _, context -> WeightsDTO in
            _ = try context.requireViewer()
            return WeightsDTO(try await assessment.weights())
        }
        group.put("settings/assessment-weights") { request, context -> WeightsDTO in
            let viewer = try context.requireViewer()
            guard viewer.role == .admin || viewer.role == .supervisor else {
                throw HTTPError(.forbidden, message: "考核权重由系统管理员或督办负责人设置")
            }
            guard let body = try? await request.decode(as: WeightsDTO.self, context: context) else {
                throw HTTPError(
                    .badRequest, message: "请求体应为 JSON：{\"response\": 0.3, \"on_time\": 0.4, \"satisfaction\": 0.2, \"coverage\": 0.1}")
            }
            let w = AssessmentWeights(
                response: body.response, onTime: body.onTime, satisfaction: body.satisfaction, coverage: body.coverage)
            do {
                try await assessment.setWeights(w)
            } catch let e as CaseOperationError {
                throw HTTPError(e.status, message: e.description)
            }
            services.logger.notice("assessment weights changed", metadata: ["by": "\(viewer.username)"])
            return WeightsDTO(w)
        }
    }
}

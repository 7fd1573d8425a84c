import Foundation
import Hummingbird
import WeiminCore
import WeiminPersistence

/// Triage results:
///   GET /api/v1/messages/{id}/triage   the decision for one message: scores, department, urgency, risk,
///                                      reasons, masked entities, model version, the case it opened or joined
///   GET /api/v1/hot-issues?days=30     near-duplicate demands across villages, with counts by township and week
/// A decision on a report about a cadre is shown to the discipline role only.
struct TriageController {
    let services: AppServices

    struct DecisionDTO: ResponseEncodable, Sendable {
        let triage: TriageStore.Stored
    }

    func addRoutes(to group: RouterGroup<WeiminRequestContext>) {
        let store = services.triageStore
        group.get("messages/:id/triage") { _, context -> DecisionDTO in
            let viewer = try context.requireViewer()
            guard let id = Int(try context.parameters.require("id")),
                let village = try await store.village(ofMessage: id), village.hasPrefix(viewer.region.scopePrefix),
                let decision = try await store.decision(message: id),
                !decision.reportsCadre || CasePermissions.maySeeSealed(viewer.role)
            else { throw HTTPError(.notFound, message: "没有这条消息的分诊结果，或无权查看") }
            return DecisionDTO(triage: decision)
        }

        group.get("hot-issues") { request, context -> ListDTO<HotIssueCluster> in
            let viewer = try context.requireViewer()
            let days = try QueryParsing.int(request.uri.queryParameters["days"].map(String.init), name: "days", range: 1...366) ?? 30
            let items = try await store.hotIssueItems(
                scopePrefix: viewer.region.scopePrefix, since: Date().addingTimeInterval(-Double(days) * 86400))
            return ListDTO(items: HotIssueClusterer().clusters(items))
        }
    }
}

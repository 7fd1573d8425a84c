import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

@Suite("Triage in the flow: decisions stored, cases opened, joined or sealed")
struct TriageFlowTests {
    @Test(
        "new messages are triaged once: an emergency opens an urgent case, a +1 and a burst join it, a cadre report opens a sealed case, chat opens nothing",
        arguments: Backend.available)
    func flow(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let store = TriageStore(database: services.database, cipher: services.cipher)
        let service = TriageService(services: services, interval: .seconds(1))
        var triager = try await TriageService.triager(services: services, store: store)
        // The first pass starts after the newest message: the demo's history is not triaged again.
        #expect(try await service.runOnce(triager: &triager) == TriageStore.Pass())
        let village = RegionCode("433125111201")!
        let group = try #require(try await services.groups.groups(within: village, page: 1, perPage: 10).items.first)
        let t = Date().addingTimeInterval(-900)
        func say(_ sender: String, _ after: TimeInterval, _ text: String) async throws -> Int {
            let r = try await services.messages.append([
                IncomingMessage(
                    groupID: group.id, countyCode: RegionCode("433125")!, platform: group.platform,
                    platformMessageID: "tri-\(UUID().uuidString)",
                    senderID: sender, senderName: sender, text: text, sentAt: t.addingTimeInterval(after))
            ])
            guard case .stored(let id) = r[0] else { throw PersistenceError.invalid("not stored") }
            return id
        }
        let fire = try await say("wxid_liu", 0, "着火了！三组老刘家房子着火了，快来人")
        let plus = try await say("wxid_peng", 60, "+1")
        let report = try await say("wxid_shi", 90, "村会计把低保名额给了他小舅子，大家都知道")
        let hello = try await say("wxid_wu", 120, "大家早上好")
        let burst = try await say("wxid_liu", 180, "就在村口大樟树旁边那家")
        let pass = try await service.runOnce(triager: &triager, now: Date().addingTimeInterval(2))
        #expect(pass.triaged == 5 && pass.opened == 1 && pass.sealed == 1 && pass.joined == 2, "\(pass)")
        // Once only.
        #expect(try await service.runOnce(triager: &triager, now: Date().addingTimeInterval(3)).triaged == 0)

        let fireDecision = try #require(try await store.decision(message: fire))
        #expect(fireDecision.urgency == "urgent" && fireDecision.category != "none" && fireDecision.reasons.contains { $0.contains("火灾") })
        let caseID = try #require(fireDecision.caseID)
        #expect(try await store.decision(message: plus)?.caseID == caseID)
        #expect(try await store.decision(message: burst)?.threadReason?.contains("连续发言") == true)
        #expect(try await store.decision(message: hello)?.caseID == nil)
        let opened = try #require(try await services.caseStore.find(id: caseID))
        #expect(opened.state == .new && opened.urgency == .urgent && !opened.sealed && opened.groupID == group.id)
        let sealedID = try #require(try await store.decision(message: report)?.caseID)
        let sealed = try #require(try await services.caseStore.find(id: sealedID))
        #expect(sealed.sealed && sealed.category == .petition)

        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            let mine = try await client.execute(
                uri: "/api/v1/messages/\(fire)/triage", method: .get, headers: [.authorization: try await DemoApp.auth("shouli", services)])
            #expect(mine.status == .ok && String(buffer: mine.body).contains("model_version"))
            // A report about a cadre is the discipline commission's alone; a department handler sees nothing of another's area.
            #expect(
                try await client.execute(
                    uri: "/api/v1/messages/\(report)/triage", method: .get,
                    headers: [.authorization: try await DemoApp.auth("admin", services)]
                ).status == .notFound)
            #expect(
                try await client.execute(
                    uri: "/api/v1/messages/\(report)/triage", method: .get,
                    headers: [.authorization: try await DemoApp.auth("jijian", services)]
                ).status == .ok)
            #expect(
                try await client.execute(
                    uri: "/api/v1/hot-issues?days=0", method: .get, headers: [.authorization: try await DemoApp.auth("lingdao", services)]
                ).status == .badRequest)
            #expect(
                try await client.execute(
                    uri: "/api/v1/hot-issues", method: .get, headers: [.authorization: try await DemoApp.auth("lingdao", services)]
                ).status == .ok)
        }
    }
}

import Foundation
import Hummingbird
import HummingbirdTesting
import NIOFoundationCompat
import Testing
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

/// Cases formed by hand: opened from any message, split when they hold two demands.
@Suite("Case formation: a case opened from any message, a case split in two")
struct CaseFormationTests {
    func message(_ services: AppServices, _ group: ChatGroup, _ text: String, sender: String = "wxid_form") async throws -> Int {
        let stored = try await services.messages.append([
            IncomingMessage(
                groupID: group.id, countyCode: RegionCode("433125")!, platform: group.platform, platformMessageID: "f-\(UUID().uuidString)",
                senderID: sender, senderName: "周大哥", text: text, sentAt: Date())
        ])
        guard case .stored(let id) = stored[0] else { throw PersistenceError.invalid("not stored") }
        return id
    }

    @Test(
        "the centre opens a case from a message once; others may not; a case holding two demands is split, keeping one in each",
        arguments: Backend.available)
    func formation(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let group = try #require(try await services.groups.groups(within: RegionCode("433125")!, page: 1, perPage: 5).items.first)
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        let water = try await message(services, group, "我们组自来水停了两天了，一滴水都没有")
        try await app.test(.router) { (client: any TestClientProtocol) async throws -> Void in
            func post(_ user: String, _ uri: String, _ json: String) async throws -> TestResponse {
                try await client.execute(
                    uri: uri, method: .post,
                    headers: [.authorization: try await DemoApp.auth(user, services), .contentType: "application/json"],
                    body: ByteBuffer(string: json))
            }
            #expect(try await post("dabaiyan", "/api/v1/messages/\(water)/case", #"{"category":"service"}"#).status == .forbidden)
            #expect(try await post("shouli", "/api/v1/messages/\(water)/case", #"{"category":"none"}"#).status == .badRequest)
            #expect(try await post("shouli", "/api/v1/messages/999999999/case", #"{"category":"service"}"#).status == .notFound)
            let opened = try await post("shouli", "/api/v1/messages/\(water)/case", #"{"category":"service","urgency":"urgent"}"#)
            #expect(opened.status == .created)
            let body = try JSONSerialization.jsonObject(with: Data(buffer: opened.body)) as? [String: Any]
            let number = try #require(body?["number"] as? String)
            #expect(body?["urgency"] as? String == "urgent" && body?["title"] as? String == "我们组自来水停了两天了，一滴水都没有")
            #expect(try await post("shouli", "/api/v1/messages/\(water)/case", #"{"category":"service"}"#).status == .conflict)

            // A case that holds two demands: the 低保 question leaves for a case of its own.
            let relief = try await message(services, group, "还有我家低保这个月怎么没发")
            let c = try await services.caseStore.open(
                NewCase(
                    county: RegionCode("433125")!, township: group.villageCode.townshipCode, village: group.villageCode, groupID: group.id,
                    category: .service, title: "停水", summary: "停水", messageIDs: [water, relief]),
                actor: .system, at: Date())
            #expect(
                try await post("shouli", "/api/v1/cases/\(c.number)/split", #"{"message_ids":[\#(water),\#(relief)],"category":"service"}"#)
                    .status == .badRequest)
            #expect(
                try await post("shouli", "/api/v1/cases/\(c.number)/split", #"{"message_ids":[1],"category":"service"}"#).status
                    == .badRequest)
            #expect(
                try await post("lingdao", "/api/v1/cases/\(c.number)/split", #"{"message_ids":[\#(relief)],"category":"service"}"#).status
                    == .forbidden)
            let split = try await post("shouli", "/api/v1/cases/\(c.number)/split", #"{"message_ids":[\#(relief)],"category":"service"}"#)
            #expect(split.status == .created)
            let newNumber = try #require(
                (try JSONSerialization.jsonObject(with: Data(buffer: split.body)) as? [String: Any])?["number"] as? String)
            #expect(newNumber != c.number.description && newNumber != number)
            #expect(try await services.caseStore.messageIDs(of: c.id) == [water])
            let newCaseNumber = try #require(CaseNumber(newNumber))
            let moved = try #require(try await services.caseStore.find(number: newCaseNumber))
            #expect(try await services.caseStore.messageIDs(of: moved.id) == [relief] && moved.title.contains("低保"))
            let shouli = try #require(try await services.staff.user(named: "shouli"))
            let record = try #require(try await services.cases.detail(number: c.number, visibility: shouli.caseVisibility))
            #expect(record.events.contains { $0.action == "split" && $0.note.contains(newNumber) })

            // The workbench's 立案 button does the same from a browser.
            let viewer = try #require(try await services.staff.user(named: "shouli"))
            let s = try await SignInStore(database: services.database, cipher: services.cipher, staff: services.staff).startSession(
                for: viewer, secondFactorDone: true)
            let third = try await message(services, group, "村里的路灯坏了好几盏", sender: "wxid_lamp")
            let page = try await client.execute(
                uri: "/messages/\(third)/case", method: .post,
                headers: [.cookie: "weimin_session=\(s.cookie)", .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "_csrf=\(s.csrf)&category=service"))
            #expect(page.status == .seeOther && page.headers[.location]?.hasPrefix("/cases/433125-") == true)
        }
        #expect(try await AuditLedger(database: services.database).verifyAll().breaks.isEmpty)
    }
}

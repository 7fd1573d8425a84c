import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

@Suite("Learning from the ledger: corrections kept with the case change, then retrained into a model")
struct TriageRetrainTests {
    @Test(
        "改类, 非诉求 and 派单 on triaged cases are kept as corrections; retrain learns them, refuses a harmful model, and the service notices the new file",
        arguments: Backend.available)
    func retrain(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let store = TriageStore(database: services.database, cipher: services.cipher)
        let service = TriageService(services: services, interval: .seconds(1))
        var triager = try await TriageService.triager(services: services, store: store)
        _ = try await service.runOnce(triager: &triager)
        let village = RegionCode("433125111201")!
        let group = try #require(try await services.groups.groups(within: village, page: 1, perPage: 10).items.first)
        let t = Date().addingTimeInterval(-7200)
        // Different villagers an hour apart, so nothing threads onto anything else.
        func say(_ sender: String, _ after: TimeInterval, _ text: String) async throws -> Int {
            let r = try await services.messages.append([
                IncomingMessage(
                    groupID: group.id, countyCode: RegionCode("433125")!, platform: group.platform,
                    platformMessageID: "rt-\(UUID().uuidString)",
                    senderID: sender, senderName: sender, text: text, sentAt: t.addingTimeInterval(after))
            ])
            guard case .stored(let id) = r[0] else { throw PersistenceError.invalid("not stored") }
            return id
        }
        let road = try await say("wxid_road", 0, "村口那条路塌了一大块，车子过不去了，什么时候来修")
        let subsidy = try await say("wxid_sub", 3600, "今年的耕地地力补贴什么时候发到卡上啊")
        _ = try await service.runOnce(triager: &triager, now: Date().addingTimeInterval(2))
        let roadID = try #require(try await store.decision(message: road)?.caseID)
        let subsidyID = try #require(try await store.decision(message: subsidy)?.caseID)
        let roadCase = try #require(try await services.caseStore.find(id: roadID))
        let subsidyCase = try #require(try await services.caseStore.find(id: subsidyID))

        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            func act(_ c: Case, _ user: String, _ body: String) async throws -> (HTTPResponse.Status, String) {
                let r = try await client.execute(
                    uri: "/api/v1/cases/\(c.number)/actions", method: .post,
                    headers: [.authorization: try await DemoApp.auth(user, services), .contentType: "application/json"],
                    body: ByteBuffer(string: body))
                return (r.status, String(buffer: r.body))
            }
            // Only the centre files cases; a category must be one of the five; a reason is required.
            #expect(try await act(roadCase, "dabaiyan", #"{"action":"reclassify","category":"opinion","reason":"x"}"#).0 == .forbidden)
            let bad = try await act(roadCase, "shouli", #"{"action":"reclassify","category":"none","reason":"x"}"#)
            #expect(bad.0 == .badRequest && bad.1.contains("category"))
            #expect(try await act(roadCase, "shouli", #"{"action":"reclassify","category":"opinion"}"#).0 == .badRequest)
            let moved = try await act(roadCase, "shouli", #"{"action":"reclassify","category":"opinion","reason":"群里有人说要去堵路"}"#)
            #expect(moved.0 == .ok && moved.1.contains("\"opinion\""), "\(moved)")
            #expect(try await act(roadCase, "shouli", #"{"action":"accept","note":"已受理"}"#).0 == .ok)
            #expect(try await act(roadCase, "shouli", #"{"action":"dispatch","department":"slj","note":"交水利局"}"#).0 == .ok)
            let dismissed = try await act(subsidyCase, "shouli", #"{"action":"dismiss"}"#)
            #expect(dismissed.0 == .ok && dismissed.1.contains("declined"), "\(dismissed)")
        }
        // 非诉求 says nothing in the group; the audit record says what was changed and why.
        let said = try await services.database.sql.raw("SELECT COUNT(*) AS n FROM outbox WHERE case_id = \(bind: subsidyCase.id)").first()?
            .decode(column: "n", as: Int.self)
        #expect(said == 0)
        let note = try await services.database.sql.raw(
            "SELECT note FROM case_events WHERE case_id = \(bind: roadCase.id) AND action = 'reclassify'"
        ).first()?
        .decode(column: "note", as: String.self)
        #expect(note?.contains("舆情管控") == true && note?.contains("堵路") == true)

        let corrections = try await TriageCorrections(database: services.database).all()
        #expect(corrections.count == 2, "\(corrections)")
        let roadCorrection = try #require(corrections.first { $0.text.contains("路塌了") })
        #expect(roadCorrection.category == "opinion" && roadCorrection.department == "slj" && roadCorrection.changed)
        #expect(corrections.first { $0.text.contains("地力补贴") }?.category == "none")

        // Retrain on the shipped corpus plus these: the new model gives the corrected categories.
        let corpus = try TriageRetrainer.shippedCorpus()
        #expect(corpus.count >= 3000)
        let shipped = try TriageSetup.shippedModel()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("retrain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("triage.wmtm").path
        var strict = TriageRetrainer()
        strict.tolerance = -1  // any result counts as worse: nothing may be written
        let refused = try strict.run(corpus: corpus, corrections: corrections, current: shipped, out: out)
        #expect(!refused.written && refused.refusal != nil && !FileManager.default.fileExists(atPath: out))
        let before = TriageService.modelStamp(out)

        let report = try TriageRetrainer().run(corpus: corpus, corrections: corrections, current: shipped, out: out)
        #expect(report.written && report.corrections == 2 && report.rows == corpus.count + 2 * 3)
        #expect(
            report.check.heldOutAfter > 0.7 && report.agreementAfter == 1.0 && report.agreementAfter! >= report.agreementBefore!,
            "\(report)")
        let retrained = try TriageSetup.model(path: out)
        #expect(retrained.version == report.modelVersion && retrained.version != shipped.version)
        #expect(
            TextModelTraining.predict(retrained, head: "category", [LabelledExample(text: roadCorrection.text, labels: [:])]) == ["opinion"]
        )
        #expect(TriageService.modelStamp(out) != before, "the running service reloads when the file changes")
    }
}

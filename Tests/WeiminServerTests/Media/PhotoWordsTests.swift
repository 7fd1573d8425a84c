import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import WeiminApp
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

/// Photos → words: Tesseract (in-process, through its C API) reads a photographed note; the words join triage as a
/// machine-read message and open a case whose summary says a machine read them. CI installs Tesseract and sets
/// WEIMIN_REQUIRE_OCR=1, so a missing library fails there instead of skipping.
@Suite("Words in photos: Tesseract reads them, triage decides them, the case says a machine read them")
struct PhotoWordsTests {
    static func reader() throws -> TesseractReader? {
        switch TesseractReader.load() {
        case .success(let r): return r
        case .failure(let why):
            #expect(ProcessInfo.processInfo.environment["WEIMIN_REQUIRE_OCR"] != "1", "OCR required here: \(why)")
            return nil
        }
    }

    @Test("a photographed note is read in Chinese without spaces between characters; a field with no words says nothing")
    func reads() throws {
        guard let reader = try Self.reader() else { return }
        let note = try #require(reader.read([UInt8](try Fixture.data("media/road-note.jpg"))))
        #expect(note.text.contains("路面塌陷") && note.text.contains("维修"), "\(note.text)")
        #expect(!note.text.contains("路 面"), "no spaces between Chinese characters")
        #expect(TesseractReader.worthReading(note))
        let field = reader.read([UInt8](try Fixture.data("media/field.jpg")))
        #expect(field.map(TesseractReader.worthReading) != true)
        #expect(reader.read(Array("not an image".utf8)) == nil)
        #expect(TesseractReader.tidy("村 口 路 灯 坏 了\n| ~ .\nCase 42 ok") == "村口路灯坏了\nCase 42 ok")
    }

    @Test(
        "a villager's photo of a written demand opens a case marked as machine-read; a photo without words opens nothing",
        arguments: Backend.available)
    func photoToCase(backend: Backend) async throws {
        guard let reader = try Self.reader() else { return }
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let store = TriageStore(database: services.database, cipher: services.cipher)
        let triage = TriageService(services: services, interval: .seconds(1))
        var triager = try await TriageService.triager(services: services, store: store)
        _ = try await triage.runOnce(triager: &triager)
        let county = RegionCode("433125")!
        let group = try #require(try await services.groups.groups(within: RegionCode("433125111201")!, page: 1, perPage: 10).items.first)
        func photo(_ name: String) async throws -> Int {
            let bytes = [UInt8](try Fixture.data("media/\(name)"))
            let digest = try services.mediaFiles.put(bytes)
            let r = try await services.messages.append([
                IncomingMessage(
                    groupID: group.id, countyCode: county, platform: group.platform, platformMessageID: "photo-\(UUID().uuidString)",
                    senderID: "wxid_tianjie", senderName: "田姐", kind: .image, text: "[图片]", sentAt: Date().addingTimeInterval(-120),
                    media: [
                        IncomingMedia(
                            ordinal: 0, kind: .image, status: .stored, sha256: digest, size: bytes.count, contentType: "image/jpeg")
                    ])
            ])
            guard case .stored(let id) = r[0] else { throw PersistenceError.invalid("not stored") }
            return id
        }
        let note = try await photo("road-note.jpg")
        let field = try await photo("field.jpg")
        // Triage passes the pictures (no words yet); the media service reads them; the next pass decides the words.
        var pass = try await triage.runOnce(triager: &triager, now: Date().addingTimeInterval(5))
        #expect(pass.opened == 0)
        let media = MediaService(services: services, interval: .seconds(1), photos: .using(reader))
        let read = try await media.runOnce()
        #expect(read.read == 2 && read.readWords == 1)
        #expect(try await media.runOnce().read == 0, "each photo is read once")
        pass = try await triage.runOnce(triager: &triager, now: Date().addingTimeInterval(10))
        #expect(pass.triaged == 1 && pass.opened + pass.joined == 1)
        let decided = try #require(try await store.decision(message: note))
        let caseID = try #require(decided.caseID)
        let opened = try #require(try await services.caseStore.find(id: caseID))
        #expect(opened.summary.hasPrefix("【图片中的文字，机器识别】") && opened.summary.contains("塌陷"), "\(opened.summary)")
        #expect(try await store.decision(message: field) == nil)
        #expect(try await services.mediaStore.reads(messages: [note, field]).keys.sorted() == [note])
        // Read words are decided once.
        #expect(try await triage.runOnce(triager: &triager, now: Date().addingTimeInterval(15)).triaged == 0)

        // The case page shows the photo in the conversation, and the words under it as machine-read.
        let viewer = try #require(try await services.staff.user(named: "shouli"))
        let session = try await SignInStore(database: services.database, cipher: services.cipher, staff: services.staff).startSession(
            for: viewer, secondFactorDone: true)
        let cookie: HTTPFields = [.cookie: "weimin_session=\(session.cookie)"]
        let item = try #require(try await services.mediaStore.items(messages: [note]).first)
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            let page = String(buffer: try await client.execute(uri: "/cases/\(opened.number)", method: .get, headers: cookie).body)
            #expect(page.contains("<img src=\"/media/\(item.id.uuidString.lowercased())\"") && page.contains("class=\"thumb\""))
            #expect(page.contains("图片中的文字（机器识别，可能有误）") && page.contains("路面塌陷"))
            let photo = try await client.execute(uri: "/media/\(item.id.uuidString.lowercased())", method: .get, headers: cookie)
            #expect(photo.status == .ok && photo.headers[.contentType] == "image/jpeg")
        }
    }
}

import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import Synchronization
import Testing
import WeiminApp
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

/// Voice → words: an AMR note (WeCom, DingTalk) is decoded by sox and a WeChat SILK note by silk-python, both to 16 kHz
/// mono PCM, and sent to a speech service speaking the OpenAI-compatible transcription API. The service here is a
/// loopback stand-in (no speech model runs on this machine) that checks what such a server needs: the multipart fields,
/// the token, and a real 16 kHz mono 16-bit WAV of the note's length. CI installs sox and silk-python and sets
/// WEIMIN_REQUIRE_SPEECH=1, so missing decoders fail there instead of skipping.
@Suite("Voice notes: decoded to 16 kHz PCM, transcribed through an OpenAI-compatible service, triaged as machine-heard words")
struct VoiceWordsTests {
    /// `POST /v1/audio/transcriptions`: 401 without the token, 400 for a missing field or a WAV that is not 16 kHz mono
    /// 16-bit; otherwise `{"text": …}` — what it "heard" is set by the test, since only the audio's shape is checked.
    final class SpeechService: Sendable {
        let heard: String
        let received = Mutex<[(seconds: Double, model: String, language: String)]>([])
        init(heard: String) { self.heard = heard }

        func router() -> Router<BasicRequestContext> {
            let router = Router()
            router.post("v1/audio/transcriptions") { request, _ -> Response in
                guard request.headers[.authorization] == "Bearer asr-token-433125" else {
                    return Self.json(["error": "unauthorized"], .unauthorized)
                }
                let body = try await request.body.collect(upTo: 16 << 20)
                guard let boundary = MultipartForm.boundary(contentType: request.headers[.contentType] ?? ""),
                    let form = try? MultipartForm.parse(Array(body.readableBytesView), boundary: boundary),
                    let file = form.part("file"), let model = form.part("model"), let language = form.part("language")
                else { return Self.json(["error": "file, model and language are required"], .badRequest) }
                let wav = file.body
                func le(_ at: Int, _ n: Int) -> Int { (0..<n).reduce(0) { $0 | Int(wav[at + $1]) << (8 * $1) } }
                guard wav.count > 44, wav.starts(with: Array("RIFF".utf8)), Array(wav[8..<12]) == Array("WAVE".utf8), le(20, 2) == 1,
                    le(22, 2) == 1, le(24, 4) == 16000, le(34, 2) == 16
                else { return Self.json(["error": "expected 16 kHz mono 16-bit PCM WAV"], .badRequest) }
                let seconds = Double(wav.count - 44) / 32000
                self.received.withLock {
                    $0.append((seconds, String(decoding: model.body, as: UTF8.self), String(decoding: language.body, as: UTF8.self)))
                }
                return Self.json(["text": self.heard], .ok)
            }
            return router
        }

        static func json(_ object: [String: Any], _ status: HTTPResponse.Status) -> Response {
            let data = try! JSONSerialization.data(withJSONObject: object)
            return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    static func decodersPresent() -> Bool {
        let present =
            (try? VoiceTranscriber.wav16k([UInt8](try Fixture.data("media/voice.amr")))) != nil
            && (try? VoiceTranscriber.wav16k([UInt8](try Fixture.data("media/voice.silk")))) != nil
        if !present {
            #expect(ProcessInfo.processInfo.environment["WEIMIN_REQUIRE_SPEECH"] != "1", "sox and silk-python are required here")
        }
        return present
    }

    @Test("AMR and SILK notes decode to 16 kHz mono WAV of their length; something else is refused with a reason")
    func decoding() throws {
        guard Self.decodersPresent() else { return }
        for name in ["voice.amr", "voice.silk"] {
            let wav = try VoiceTranscriber.wav16k([UInt8](try Fixture.data("media/\(name)")))
            let seconds = Double(wav.count - 44) / 32000
            #expect(Array(wav.prefix(4)) == Array("RIFF".utf8) && abs(seconds - 1.5) < 0.15, "\(name): \(seconds) s")
        }
        #expect(throws: VoiceTranscriber.Failure.self) { try VoiceTranscriber.wav16k(Array("hello".utf8)) }
        #expect(VoiceTranscriber.worthReading("村口路灯坏了三个月"))
        #expect(!VoiceTranscriber.worthReading("字幕由Amara.org社区提供") && !VoiceTranscriber.worthReading("嗯嗯"))
    }

    @Test("a villager's voice note about a broken street light opens a case marked as machine-heard", arguments: Backend.available)
    func voiceToCase(backend: Backend) async throws {
        guard Self.decodersPresent() else { return }
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let store = TriageStore(database: services.database, cipher: services.cipher)
        let triage = TriageService(services: services, interval: .seconds(1))
        var triager = try await TriageService.triager(services: services, store: store)
        _ = try await triage.runOnce(triager: &triager)
        let group = try #require(try await services.groups.groups(within: RegionCode("433125111201")!, page: 1, perPage: 10).items.first)
        var notes: [Int] = []
        for (name, type, sender) in [("voice.amr", "audio/amr", "wxid_tianjie"), ("voice.silk", "audio/silk", "wxid_long3021")] {
            let bytes = [UInt8](try Fixture.data("media/\(name)"))
            let digest = try services.mediaFiles.put(bytes)
            let r = try await services.messages.append([
                IncomingMessage(
                    groupID: group.id, countyCode: RegionCode("433125")!, platform: group.platform,
                    platformMessageID: "voice-\(UUID().uuidString)", senderID: sender, senderName: sender, kind: .voice, text: "[语音]",
                    sentAt: Date().addingTimeInterval(-120),
                    media: [IncomingMedia(ordinal: 0, kind: .voice, status: .stored, sha256: digest, size: bytes.count, contentType: type)])
            ])
            guard case .stored(let id) = r[0] else { throw PersistenceError.invalid("not stored") }
            notes.append(id)
        }
        _ = try await triage.runOnce(triager: &triager, now: Date().addingTimeInterval(5))
        let speech = SpeechService(heard: "村口的路灯坏了三个月了，晚上走路看不见，麻烦派人来修一下")
        let app = Application(
            router: speech.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.live) { client in
            var config = services.config
            config.asrURL = "http://127.0.0.1:\(try #require(client.port))"
            config.asrToken = "asr-token-433125"
            let media = MediaService(
                services: services, interval: .seconds(1), photos: .off, transcriber: try #require(VoiceTranscriber(config: config)))
            let pass = try await media.runOnce()
            #expect(pass.read == 2 && pass.readWords == 2)
            let got = speech.received.withLock { $0 }
            #expect(got.count == 2 && got.allSatisfy { abs($0.seconds - 1.5) < 0.15 && $0.model == "whisper-1" && $0.language == "zh" })
        }
        let decided = try await triage.runOnce(triager: &triager, now: Date().addingTimeInterval(10))
        #expect(decided.triaged == 2 && decided.opened >= 1)
        let first = try #require(try await store.decision(message: notes[0])?.caseID)
        let opened = try #require(try await services.caseStore.find(id: first))
        #expect(opened.summary.hasPrefix("【语音转写，机器识别】") && opened.summary.contains("路灯"), "\(opened.summary)")

        // The case page plays the note (decoded for the browser) beside the words, labelled as a machine's.
        let viewer = try #require(try await services.staff.user(named: "shouli"))
        let session = try await SignInStore(database: services.database, cipher: services.cipher, staff: services.staff).startSession(
            for: viewer, secondFactorDone: true)
        let cookie: HTTPFields = [.cookie: "weimin_session=\(session.cookie)"]
        let item = try #require(try await services.mediaStore.items(messages: [notes[0]]).first)
        let console = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await console.test(.router) { client in
            let page = String(buffer: try await client.execute(uri: "/cases/\(opened.number)", method: .get, headers: cookie).body)
            let href = "/media/\(item.id.uuidString.lowercased())"
            #expect(page.contains("<audio controls preload=\"none\" src=\"\(href)?as=wav\">") && page.contains("语音转写（机器转写，可能有误）"))
            let played = try await client.execute(uri: "\(href)?as=wav", method: .get, headers: cookie)
            #expect(played.status == .ok && played.headers[.contentType] == "audio/wav")
            #expect(Array(Data(buffer: played.body).prefix(4)) == Array("RIFF".utf8))
            #expect(try await client.execute(uri: href, method: .get, headers: cookie).headers[.contentType] == "audio/amr")
        }
    }
}

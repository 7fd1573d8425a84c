import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import WeiminApp
import WeiminCore
import WeiminPersistence

/// Fetches the media that platforms keep for Weimin to download (WeCom media ids, WeCom robot URLs, DingTalk download
/// codes, WeChatFerry files), never in the ingest path: the message was acknowledged when it was stored, and its items
/// wait here as `pending`. One item at a time (two cores are shared with ingestion and triage); each attempt is
/// recorded, failures are retried with backoff, and a permanent one keeps its reason. It also deletes the files of
/// items erased by retention once nothing else uses them.
public struct MediaService: Service {
    let services: AppServices
    let interval: Duration
    let fetcher: MediaFetcher
    /// Reads the words in photos (`media.ocr`); nil when off or Tesseract is not installed.
    let reader: TesseractReader?
    /// Transcribes voice notes (`asr.url`); nil when no speech service is configured.
    let transcriber: VoiceTranscriber?
    /// While the speech service is down, voice notes wait instead of being tried on every pass.
    let speechPause = Pause()
    let logger: Logger

    final class Pause: Sendable {
        let until = Mutex<Date?>(nil)
    }

    /// Who reads the words in photos: as configured (`media.ocr`, Tesseract when installed), nobody, or a given reader.
    public enum PhotoReading: Sendable {
        case configured
        case off
        case using(TesseractReader)
    }

    /// `fetcher` defaults to one for the configured platform addresses (tests give one for their loopback fakes).
    public init(
        services: AppServices, interval: Duration, fetcher: MediaFetcher? = nil, photos: PhotoReading = .configured,
        transcriber: VoiceTranscriber? = nil
    ) {
        self.services = services
        self.transcriber = transcriber ?? VoiceTranscriber(config: services.config)
        self.interval = interval
        self.fetcher = fetcher ?? MediaFetcher(config: services.config)
        logger = services.logger
        switch photos {
        case .off: reader = nil
        case .using(let r): reader = r
        case .configured:
            guard services.config.mediaOCR else {
                reader = nil
                break
            }
            switch TesseractReader.load() {
            case .success(let r): reader = r
            case .failure(let why):
                services.logger.warning("图片文字识别未启用", metadata: ["reason": "\(why)"])
                reader = nil
            }
        }
    }

    public struct Pass: Sendable, Equatable {
        public var stored = 0
        public var retried = 0
        public var failed = 0
        public var swept = 0
        /// Photos read for words (OCR), and how many of them said enough for triage.
        public var read = 0
        public var readWords = 0
    }

    /// How long before the next try: 10 s doubling to an hour; a WeCom robot URL lives five minutes, so it gets four
    /// quick tries, others eight.
    static func retryDelay(attempts: Int) -> TimeInterval { min(3600, 10 * pow(2, Double(attempts))) }
    static func maxAttempts(_ ref: MediaRef) -> Int {
        if case .wecomRobotURL = ref { return 4 }
        return 8
    }

    /// One pass over what is due (for tests and the loop).
    public func runOnce(limit: Int = 10, now: Date = Date()) async throws -> Pass {
        var pass = Pass()
        let store = services.mediaStore
        let files = services.mediaFiles
        for item in try await store.claimDue(limit: limit, at: now) {
            guard let ref = MediaRef(encoded: item.fetchRef) else {
                try await store.markFailed(item.id, reason: "无法识别的下载信息", retryAt: nil, at: now)
                pass.failed += 1
                continue
            }
            var secrets: [String: String]?
            if let source = item.sourceID { secrets = try await services.ingest.source(id: source)?.1 }
            do {
                let fetched = try await fetcher.fetch(ref, sourceID: item.sourceID, secrets: secrets ?? [:], now: now)
                let type = MediaType.sniff(fetched.bytes)
                let digest = try files.put(fetched.bytes)
                // The bytes decide the kind only where the platform could not tell (a file that is really a picture stays a file).
                try await store.markStored(
                    item.id, sha256: digest, size: fetched.bytes.count, contentType: type.mime, fileName: fetched.fileName, at: now)
                pass.stored += 1
            } catch let failure as MediaFetcher.Failure {
                switch failure {
                case .retry(let why) where item.attempts + 1 < Self.maxAttempts(ref):
                    try await store.markFailed(
                        item.id, reason: why, retryAt: now.addingTimeInterval(Self.retryDelay(attempts: item.attempts)), at: now)
                    pass.retried += 1
                case .tooLarge:
                    try await store.markFailed(item.id, reason: failure.description, retryAt: nil, status: .tooLarge, at: now)
                    pass.failed += 1
                case .unavailable(let why):
                    try await store.markFailed(item.id, reason: why, retryAt: nil, status: .unavailable, at: now)
                    pass.failed += 1
                default:
                    try await store.markFailed(item.id, reason: failure.description, retryAt: nil, at: now)
                    pass.failed += 1
                }
                logger.info("media not fetched", metadata: ["media": "\(item.id)", "reason": "\(failure.description)"])
            } catch {
                // The disk refused (full, permissions): try again later, the platform may still have it.
                try await store.markFailed(
                    item.id, reason: "\(error)", retryAt: now.addingTimeInterval(Self.retryDelay(attempts: item.attempts)), at: now)
                pass.retried += 1
            }
        }
        pass.swept = try await store.sweepErased(files: files)
        try await readPhotos(&pass, now: now)
        try await transcribeVoices(&pass, now: now)
        return pass
    }

    /// Transcribes a couple of voice notes per pass through the speech service; the words join triage like a photo's.
    /// A note that cannot be decoded is recorded with no words; while the service is unreachable, notes wait a minute.
    func transcribeVoices(_ pass: inout Pass, limit: Int = 2, now: Date) async throws {
        guard let transcriber, speechPause.until.withLock({ $0.map { $0 <= now } ?? true }) else { return }
        let store = services.mediaStore
        for item in try await store.unreadVoices(limit: limit) {
            guard let bytes = services.mediaFiles.read(item.sha256) else { continue }
            do {
                let text = try await transcriber.transcribe(bytes)
                let words = VoiceTranscriber.worthReading(text) ? text : ""
                try await store.recordRead(item, engine: transcriber.engineName, text: words, confidence: words.isEmpty ? 0 : 100, at: now)
                pass.read += 1
                if !words.isEmpty { pass.readWords += 1 }
            } catch let failure as VoiceTranscriber.Failure {
                switch failure {
                case .retry(let why):
                    speechPause.until.withLock { $0 = now.addingTimeInterval(60) }
                    logger.warning("语音转写暂不可用，一分钟后重试", metadata: ["reason": "\(why)"])
                    return
                case .permanent(let why):
                    try await store.recordRead(item, engine: transcriber.engineName, text: "", confidence: 0, at: now)
                    logger.info("voice note not transcribed", metadata: ["media": "\(item.id)", "reason": "\(why)"])
                    pass.read += 1
                }
            }
        }
    }

    /// Reads a few stored photos per pass (a photo takes Tesseract a second or two of one core): the words join triage
    /// through `machine_reads`, marked as machine-read; a photo with too few words, or words read with low confidence, is
    /// recorded as read with nothing to triage.
    func readPhotos(_ pass: inout Pass, limit: Int = 3, now: Date) async throws {
        guard let reader else { return }
        let store = services.mediaStore
        for item in try await store.unreadImages(limit: limit) {
            let reading = services.mediaFiles.read(item.sha256).flatMap { reader.read($0) }
            let words = reading.map(TesseractReader.worthReading) == true ? reading?.text ?? "" : ""
            try await store.recordRead(item, engine: reader.engineName, text: words, confidence: reading?.confidence ?? 0, at: now)
            pass.read += 1
            if !words.isEmpty { pass.readWords += 1 }
        }
    }

    public func run() async throws {
        logger.info("media fetching on", metadata: ["folder": "\(services.config.mediaDir)"])
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                // Work until nothing is due, then wait.
                while try await runOnce() != Pass() {}
                services.health.passed("media")
            } catch {
                logger.error("media pass failed", metadata: ["error": "\(error)"])
                services.health.failed("media", error: "\(error)")
            }
            try? await Task.sleep(for: interval)
        }
    }
}

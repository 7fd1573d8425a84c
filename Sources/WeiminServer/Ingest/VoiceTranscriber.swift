import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Turns a villager's voice note into words (docs/protocols.md §6): the note is decoded to 16 kHz mono PCM — AMR and
/// other formats with Debian's `sox`, WeChat's SILK v3 with PyPI's `silk-python` (`pysilk`) — and sent to any speech
/// service that speaks the OpenAI-compatible `POST /v1/audio/transcriptions` (faster-whisper-server, FunASR's and
/// whisper.cpp's servers), configured with `asr.url`. Nothing leaves the county's network unless that address does.
public struct VoiceTranscriber: Sendable {
    let endpoint: URL
    let model: String
    let language: String
    let token: String?
    let session: URLSession

    public init?(config: WeiminConfig, timeout: TimeInterval = 120) {
        guard let base = config.asrURL else { return nil }
        self.init(url: base, model: config.asrModel, language: config.asrLanguage, token: config.asrToken, timeout: timeout)
    }

    public init?(url base: String, model: String = "whisper-1", language: String = "zh", token: String? = nil, timeout: TimeInterval = 120)
    {
        guard let url = URL(string: base.trimmingSuffix("/") + "/v1/audio/transcriptions"), url.host != nil else { return nil }
        endpoint = url
        self.model = model
        self.language = language
        self.token = token
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        session = URLSession(configuration: configuration)
    }

    public var engineName: String { "asr \(model) @\(endpoint.host ?? "")" }

    public enum Failure: Error, CustomStringConvertible, Sendable {
        /// The service is down or busy: try later.
        case retry(String)
        /// This note will never be read (not audio, a decoder missing).
        case permanent(String)
        public var description: String {
            switch self {
            case .retry(let s), .permanent(let s): return s
            }
        }
    }

    /// Decodes and transcribes one note.
    public func transcribe(_ bytes: [UInt8]) async throws(Failure) -> String {
        let wav = try Self.wav16k(bytes)
        let boundary = "weimin-\(UUID().uuidString)"
        var body = Data()
        for (name, value) in [("model", model), ("language", language), ("response_format", "json"), ("temperature", "0")] {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        body.append(
            Data(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"voice.wav\"\r\nContent-Type: audio/wav\r\n\r\n"
                    .utf8))
        body.append(contentsOf: wav)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.httpBody = body
        let result: (Data, URLResponse)
        do { result = try await session.data(for: request) } catch { throw .retry("语音转写服务无法连接：\(error.localizedDescription.prefix(80))") }
        let status = (result.1 as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            throw status == 429 || status >= 500 || status == 0 ? .retry("语音转写服务 HTTP \(status)") : .permanent("语音转写服务拒绝：HTTP \(status)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: result.0)) as? [String: Any], let text = object["text"] as? String
        else {
            throw .retry("语音转写服务的应答没有 text")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Words worth triage: four Chinese characters, and not one of the lines Whisper-family models are known to invent
    /// on silence or noise (subtitle credits, "thanks for watching").
    public static func worthReading(_ text: String) -> Bool {
        let han = text.unicodeScalars.filter { (0x4E00...0x9FFF).contains($0.value) }.count
        let invented = ["字幕由", "字幕提供", "谢谢观看", "感谢观看", "请不吝点赞", "订阅我的频道", "Amara.org"]
        return han >= 4 && !invented.contains { text.contains($0) }
    }

    // MARK: Decoding

    /// 16 kHz, mono, 16-bit PCM in a WAV container, whatever came in.
    static func wav16k(_ bytes: [UInt8]) throws(Failure) -> [UInt8] {
        if bytes.starts(with: Array("#!SILK_V3".utf8)) || bytes.starts(with: [0x02] + Array("#!SILK_V3".utf8)) {
            // pysilk writes raw 16-bit PCM at the rate asked for.
            let script =
                "import io,sys,pysilk;o=io.BytesIO();pysilk.decode(io.BytesIO(sys.stdin.buffer.read()),o,16000);sys.stdout.buffer.write(o.getvalue())"
            let pcm = try run("/usr/bin/env", ["python3", "-c", script], input: bytes, missing: "解码微信语音（SILK）需要 pip install silk-python")
            guard !pcm.isEmpty else { throw .permanent("SILK 语音解码后为空") }
            return wavHeader(pcmBytes: pcm.count) + pcm
        }
        let type: String
        if bytes.starts(with: Array("#!AMR-WB\n".utf8)) {
            type = "amr-wb"
        } else if bytes.starts(with: Array("#!AMR\n".utf8)) {
            type = "amr-nb"
        } else if bytes.starts(with: Array("RIFF".utf8)) {
            type = "wav"
        } else if bytes.starts(with: Array("OggS".utf8)) {
            type = "ogg"
        } else if bytes.starts(with: Array("ID3".utf8)) || (bytes.count > 1 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0) {
            type = "mp3"
        } else {
            throw .permanent("不认识的语音格式")
        }
        let wav = try run(
            "/usr/bin/env",
            ["sox", "-q", "-D", "-t", type, "-", "-t", "wav", "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-"],
            input: bytes, missing: "解码语音需要 apt-get install sox libsox-fmt-all")
        guard wav.count > 44 else { throw .permanent("语音解码后为空") }
        return wav
    }

    /// A canonical 44-byte WAV header for 16 kHz mono 16-bit PCM.
    static func wavHeader(pcmBytes n: Int) -> [UInt8] {
        func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        func le16(_ v: Int) -> [UInt8] { (0..<2).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        return Array("RIFF".utf8) + le32(36 + n) + Array("WAVEfmt ".utf8) + le32(16) + le16(1) + le16(1) + le32(16000) + le32(32000)
            + le16(2) + le16(16) + Array("data".utf8) + le32(n)
    }

    /// Runs a decoder with the bytes on standard input; its standard output, or why not.
    static func run(_ tool: String, _ arguments: [String], input: [UInt8], missing: String) throws(Failure) -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do { try process.run() } catch { throw .permanent(missing) }
        // Feed and drain at once, so neither pipe fills up and blocks the other side.
        let writer = Thread {
            try? stdin.fileHandleForWriting.write(contentsOf: Data(input))
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            // 127: env did not find the tool; Python says ModuleNotFoundError when pysilk is not installed.
            if process.terminationStatus == 127 || errors.contains("ModuleNotFoundError") { throw .permanent(missing) }
            throw .permanent("语音解码失败（\(process.terminationStatus)）")
        }
        return [UInt8](output)
    }
}

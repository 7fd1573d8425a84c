import ArgumentParser
import Foundation
import WeiminCore
import WeiminPersistence
import WeiminServer

// weimin media read FILE [--json]

struct MediaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media", abstract: "群众发送的图片、语音和文件。Photos, voice notes and files.", subcommands: [MediaRead.self])
}

struct MediaRead: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "按服务的流程读一个文件：类型（由文件内容判断）和机器读出的文字。Read one file as the server does: kind, text, engine, seconds.",
        discussion:
            "Example: weimin media read 0a1b2c3d.dat --json  →  {\"kind\":\"image\",\"text\":\"…\",\"engine\":\"tesseract 5.3.0 chi_sim\",…}. "
            + "Pictures are read with Tesseract when it is installed (apt-get install tesseract-ocr-chi-sim); voice notes are "
            + "transcribed when --asr-url (or WEIMIN_ASR_URL) names a speech service (ops/asr/install.sh sets one up).")

    @Argument(help: "文件（图片、语音、视频或微信 .dat 图片）。The file.") var file: String
    @Flag(help: "输出 JSON。Print one JSON object.") var json = false
    @Option(
        name: .customLong("asr-url"),
        help: "语音转写服务地址（默认取环境变量 WEIMIN_ASR_URL；令牌取 WEIMIN_ASR_TOKEN）。Speech service for voice notes.")
    var asrURL: String?

    func run() async throws {
        try await runReportingErrors {
            let started = ContinuousClock.now
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: file), let size = attributes[.size] as? Int else {
                throw StaffError.invalid("找不到文件 \(file)")
            }
            guard size <= 2_000_000_000, let data = FileManager.default.contents(atPath: file) else {
                throw StaffError.invalid("无法读取 \(file)（或大于 2 GB）")
            }
            var (reading, bytes) = MediaReading.read([UInt8](data), fileName: file)
            let environment = ProcessInfo.processInfo.environment
            if reading.kind == .voice, let url = asrURL ?? environment["WEIMIN_ASR_URL"], !url.isEmpty {
                guard let transcriber = VoiceTranscriber(url: url, token: environment["WEIMIN_ASR_TOKEN"]) else {
                    throw StaffError.invalid("语音转写服务地址无效：\(url)")
                }
                reading.engine = transcriber.engineName
                do {
                    reading.text = try await transcriber.transcribe(bytes)
                    reading.note = VoiceTranscriber.worthReading(reading.text) ? nil : "字数太少或像是静音时的幻觉：服务中不送分诊"
                } catch { reading.note = "\(error)" }
            }
            if reading.kind == .image {
                switch TesseractReader.load() {
                case .success(let reader):
                    let words = reader.read(bytes)
                    reading.text = words?.text ?? ""
                    reading.engine = reader.engineName
                    reading.note =
                        words.map {
                            TesseractReader.worthReading($0)
                                ? "置信度 \($0.confidence)" : "置信度 \($0.confidence)，文字太少或不可靠：服务中不送分诊"
                        } ?? "图片无法解码"
                case .failure(let why): reading.note = why.description
                }
            }
            let elapsed = started.duration(to: .now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            if json {
                let object: [String: Any] = [
                    "kind": reading.kind.rawValue, "text": reading.text, "engine": reading.engine,
                    "seconds": (seconds * 1000).rounded() / 1000,
                    "mime": reading.mime, "bytes": bytes.count, "sha256": MediaFiles.sha256(bytes), "note": reading.note ?? "",
                ]
                let out = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                say(String(decoding: out, as: UTF8.self))
            } else {
                say("kind    \(reading.kind.rawValue)（\(CoreStrings.messageKind(reading.kind))，\(reading.mime)，\(bytes.count) 字节）")
                say("text    \(reading.text.isEmpty ? "（无）" : reading.text)")
                say("engine  \(reading.engine)\(reading.note.map { "：\($0)" } ?? "")")
                say(String(format: "seconds %.3f", seconds))
            }
        }
    }
}

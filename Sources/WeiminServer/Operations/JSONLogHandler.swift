import Foundation
import Logging
import Synchronization

/// `log.format = json`: one JSON object per line on standard error, for log shippers (Filebeat, Vector, Loki's
/// promtail) that would otherwise have to parse the text format. Keys: `ts` (ISO 8601 with milliseconds, UTC),
/// `level`, `logger`, `msg`, `source`, then the metadata as strings.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let write: @Sendable (String) -> Void

    public init(label: String, write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: String] = [:]
        for (k, v) in metadata { object[k] = "\(v)" }
        for (k, v) in metadataProvider?.get() ?? [:] { object[k] = "\(v)" }
        for (k, v) in event.metadata ?? [:] { object[k] = "\(v)" }
        object["ts"] = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        object["level"] = event.level.rawValue
        object["logger"] = label
        object["msg"] = "\(event.message)"
        object["source"] = event.source
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return
        }
        write(String(decoding: data, as: UTF8.self) + "\n")
    }

    /// Whole lines, under one lock, so lines from concurrent requests never interleave.
    public static let standardError: @Sendable (String) -> Void = { line in
        lock.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }
    static let lock = Mutex(())
}

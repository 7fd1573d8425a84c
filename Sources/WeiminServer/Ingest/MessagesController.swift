import Foundation
import Hummingbird
import WeiminApp
import WeiminCore
import WeiminPersistence

/// The generic ingestion API for any bridge: `POST /api/v1/messages` with `Authorization: Bearer wms_…`
/// (a source token from `weimin source add`). One message, or `{"messages": [...]}` of up to 1,000.
/// The whole batch is checked before anything is stored; the answer comes after the messages are on disk.
struct MessagesController {
    let services: AppServices
    static let maxBatch = 1000
    static let maxBody = 4 * 1024 * 1024

    typealias Item = MessageBatchJSON.Fields

    /// ISO 8601 text, or Unix seconds or milliseconds.
    static func date(_ sentAt: MessageBatchJSON.SentAt?) -> Date? {
        switch sentAt {
        case .number(let n): return Date(timeIntervalSince1970: n > 100_000_000_000 ? n / 1000 : n)
        case .text(let s):
            // An ISO time must name a day that exists: 2026-02-30T… is refused, not read as 2 March.
            if s.utf8.count > 10, InputRules.date(String(s.prefix(10))) != nil, let d = try? Date(s, strategy: .iso8601) { return d }
            return Double(s).map { Date(timeIntervalSince1970: $0 > 100_000_000_000 ? $0 / 1000 : $0) }
        case nil: return nil
        }
    }

    /// `{"results":[{"index":0,"outcome":"stored"},…],"stored":…,"duplicates":…,"quarantined":…}`, written
    /// directly: for a batch of 1,000 the generic encoder cost a quarter of the request.
    static func response(_ outcomes: [IngestStore.Outcome]) -> Response {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(64 + outcomes.count * 36)
        buffer.writeString("{\"results\":[")
        var counts: [IngestStore.Outcome: Int] = [:]
        for (i, o) in outcomes.enumerated() {
            if i > 0 { buffer.writeString(",") }
            buffer.writeString("{\"index\":\(i),\"outcome\":\"\(o.rawValue)\"}")
            counts[o, default: 0] += 1
        }
        buffer.writeString(
            "],\"stored\":\(counts[.stored] ?? 0),\"duplicates\":\(counts[.duplicate] ?? 0),\"quarantined\":\(counts[.quarantined] ?? 0)}")
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: buffer))
    }

    func addRoutes(to group: RouterGroup<WeiminRequestContext>) {
        group.post("messages") { request, context -> Response in
            guard let header = request.headers[.authorization], header.hasPrefix("Bearer wms_"),
                let source = try await services.ingest.source(forToken: String(header.dropFirst(7)))
            else {
                throw HTTPError(.unauthorized, message: "需要来源令牌：Authorization: Bearer wms_…（用 weimin source add 生成）")
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: Self.maxBody)
            } catch {
                throw HTTPError(.contentTooLarge, message: "请求体超过 \(Self.maxBody / 1024 / 1024) MB，请分批发送（每批最多 \(Self.maxBatch) 条）")
            }
            // One pass for both shapes: a single message, or {"messages": [...]}.
            let items: [Item]
            do {
                items = try MessageBatchJSON.parse(Array(body.readableBytesView))
            } catch {
                throw HTTPError(.badRequest, message: "请求体应为 JSON：一条消息，或 {\"messages\": [...]}（\(error)）")
            }
            guard !items.isEmpty else { throw HTTPError(.badRequest, message: "messages 不能为空") }
            guard items.count <= Self.maxBatch else {
                throw HTTPError(.contentTooLarge, message: "每批最多 \(Self.maxBatch) 条，本批 \(items.count) 条")
            }
            let now = Date()
            var messages: [PlatformMessage] = []
            var problems: [String] = []
            for (i, item) in items.enumerated() {
                switch Self.validate(item, now: now) {
                case .success(let m): messages.append(m)
                case .failure(let why): problems.append("第 \(i + 1) 条：\(why)")
                }
            }
            guard problems.isEmpty else {
                TakeMessagesIn.countRefused(items.count, source: source)
                throw HTTPError(.badRequest, message: "本批未保存，请改正后重发。" + problems.prefix(20).joined(separator: "；"))
            }
            let outcomes = try await services.ingest.accept(messages, from: source, at: now)
            return Self.response(outcomes)
        }
    }

    static func validate(_ item: Item, now: Date) -> Result<PlatformMessage, ValidationProblem> {
        func need(_ v: String?, _ name: String) -> String? {
            guard let v = trimmed(v), !v.isEmpty else { return nil }
            return v.utf8.count <= 1024 && v.count <= 256 ? v : nil
        }
        guard let platformText = item.platform, let platform = Platform(rawValue: platformText) else {
            return .failure(.init("platform 应为 \(Platform.allCases.map(\.rawValue).joined(separator: "、"))"))
        }
        guard let group = need(item.groupID, "group_id") else { return .failure(.init("缺少 group_id（群在平台上的 ID）或超过 256 字符")) }
        guard let id = need(item.messageID, "message_id") else { return .failure(.init("缺少 message_id（平台消息 ID，用于去重）或超过 256 字符")) }
        guard let sender = need(item.senderID, "sender_id") else { return .failure(.init("缺少 sender_id")) }
        guard let kind = MessageKind(rawValue: item.type ?? "text") else {
            return .failure(.init("type 应为 \(MessageKind.allCases.map(\.rawValue).joined(separator: "、"))"))
        }
        let text = item.text ?? ""
        if kind == .text && text.allSatisfy(\.isWhitespace) { return .failure(.init("文本消息的 text 为空")) }
        do {
            // Control characters and lengths (in Unicode scalars), the same rules as every other way in.
            try InputRules.checkMessage(
                text: text, senderID: sender, senderName: item.senderName ?? "", groupID: group, groupName: item.groupName ?? "",
                messageID: id, quotedID: item.quoteID)
        } catch {
            return .failure(.init(error.description))
        }
        guard let sentAt = date(item.sentAt) else { return .failure(.init("缺少 sent_at，或格式不对（ISO 8601 或 Unix 秒/毫秒，日期须存在）")) }
        do { try InputRules.checkSentAt(sentAt, field: "sent_at", now: now) } catch { return .failure(.init(error.description)) }
        return .success(
            PlatformMessage(
                platform: platform, groupExternalID: group, groupName: item.groupName ?? "", platformMessageID: id, senderID: sender,
                senderName: item.senderName ?? sender, kind: kind, text: text, sentAt: sentAt, quotedPlatformID: trimmed(item.quoteID)))
    }

    /// Trims surrounding whitespace without bridging to NSString (this runs for every field of every message).
    static func trimmed(_ v: String?) -> String? {
        guard let v else { return nil }
        guard let first = v.first, let last = v.last else { return v }
        if !first.isWhitespace && !last.isWhitespace { return v }
        return String(v.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    struct ValidationProblem: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c): return c.debugDescription
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "字段 \(c.codingPath.map(\.stringValue).joined(separator: ".")) 类型不对"
        case DecodingError.keyNotFound(let k, _): return "缺少字段 \(k.stringValue)"
        default: return "无法解析"
        }
    }
}

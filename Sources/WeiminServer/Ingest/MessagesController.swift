import Foundation
import Hummingbird
import WeiminCore
import WeiminPersistence

/// The generic ingestion API for any bridge: `POST /api/v1/messages` with `Authorization: Bearer wms_…`
/// (a source token from `weimin source add`). One message, or `{"messages": [...]}` of up to 1,000.
/// The whole batch is checked before anything is stored; the answer comes after the messages are on disk.
struct MessagesController {
    let services: AppServices
    static let maxBatch = 1000
    static let maxBody = 4 * 1024 * 1024

    struct Item: Decodable {
        let platform: String?
        let groupId: String?
        let groupName: String?
        let messageId: String?
        let senderId: String?
        let senderName: String?
        let type: String?
        let text: String?
        let sentAt: Timestamp?
    }

    /// ISO 8601 text, or Unix seconds or milliseconds.
    struct Timestamp: Decodable {
        let date: Date?
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Double.self) {
                date = Date(timeIntervalSince1970: n > 100_000_000_000 ? n / 1000 : n)
            } else if let s = try? c.decode(String.self) {
                date = (try? Date(s, strategy: .iso8601)) ?? Double(s).map { Date(timeIntervalSince1970: $0 > 100_000_000_000 ? $0 / 1000 : $0) }
            } else {
                date = nil
            }
        }
    }

    struct Batch: Decodable {
        let messages: [Item]
    }

    struct ResultDTO: ResponseEncodable {
        struct Entry: Codable {
            let index: Int
            let outcome: String
        }
        let results: [Entry]
        let stored: Int
        let duplicates: Int
        let quarantined: Int
    }

    static let kinds: Set<String> = ["text", "image", "voice", "video", "file", "sticker", "link", "quote", "system", "event"]

    func addRoutes(to group: RouterGroup<WeiminRequestContext>) {
        group.post("messages") { request, context -> ResultDTO in
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
            let data = Data(body.readableBytesView)
            guard String(data: data, encoding: .utf8) != nil else { throw HTTPError(.badRequest, message: "请求体不是有效的 UTF-8 文本") }
            let decoder = APIJSON.decoder
            let items: [Item]
            if let batch = try? decoder.decode(Batch.self, from: data) {
                items = batch.messages
            } else {
                do {
                    items = [try decoder.decode(Item.self, from: data)]
                } catch {
                    throw HTTPError(.badRequest, message: "请求体应为 JSON：一条消息，或 {\"messages\": [...]}（\(Self.describe(error))）")
                }
            }
            guard !items.isEmpty else { throw HTTPError(.badRequest, message: "messages 不能为空") }
            guard items.count <= Self.maxBatch else { throw HTTPError(.contentTooLarge, message: "每批最多 \(Self.maxBatch) 条，本批 \(items.count) 条") }
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
                throw HTTPError(.badRequest, message: "本批未保存，请改正后重发。" + problems.prefix(20).joined(separator: "；"))
            }
            let outcomes = try await services.ingest.accept(messages, from: source, at: now)
            return ResultDTO(
                results: outcomes.enumerated().map { .init(index: $0.offset, outcome: $0.element.rawValue) },
                stored: outcomes.filter { $0 == .stored }.count, duplicates: outcomes.filter { $0 == .duplicate }.count,
                quarantined: outcomes.filter { $0 == .quarantined }.count)
        }
    }

    static func validate(_ item: Item, now: Date) -> Result<PlatformMessage, ValidationProblem> {
        func need(_ v: String?, _ name: String) -> String? {
            guard let v = v?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
            return v.count <= 256 ? v : nil
        }
        guard let platformText = item.platform, let platform = Platform(rawValue: platformText) else {
            return .failure(.init("platform 应为 \(Platform.allCases.map(\.rawValue).joined(separator: "、"))"))
        }
        guard let group = need(item.groupId, "group_id") else { return .failure(.init("缺少 group_id（群在平台上的 ID）或超过 256 字符")) }
        guard let id = need(item.messageId, "message_id") else { return .failure(.init("缺少 message_id（平台消息 ID，用于去重）或超过 256 字符")) }
        guard let sender = need(item.senderId, "sender_id") else { return .failure(.init("缺少 sender_id")) }
        let kind = item.type ?? "text"
        guard kinds.contains(kind) else { return .failure(.init("type 应为 \(kinds.sorted().joined(separator: "、"))")) }
        let text = item.text ?? ""
        if kind == "text" && text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return .failure(.init("文本消息的 text 为空")) }
        guard text.count <= 20_000 else { return .failure(.init("text 超过 20000 字")) }
        guard let sentAt = item.sentAt?.date else { return .failure(.init("缺少 sent_at，或格式不对（ISO 8601 或 Unix 秒/毫秒）")) }
        guard sentAt > Date(timeIntervalSince1970: 1_262_304_000), sentAt < now.addingTimeInterval(86400) else {
            return .failure(.init("sent_at 不合理（早于 2010 年或晚于明天）"))
        }
        return .success(PlatformMessage(
            platform: platform, groupExternalID: group, groupName: item.groupName ?? "", platformMessageID: id, senderID: sender,
            senderName: item.senderName ?? sender, kind: kind, text: text, sentAt: sentAt))
    }

    struct ValidationProblem: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c): return c.debugDescription
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c): return "字段 \(c.codingPath.map(\.stringValue).joined(separator: ".")) 类型不对"
        case DecodingError.keyNotFound(let k, _): return "缺少字段 \(k.stringValue)"
        default: return "无法解析"
        }
    }
}

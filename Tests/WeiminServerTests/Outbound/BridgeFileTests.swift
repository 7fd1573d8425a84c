import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import Hummingbird
import Testing
import WeiminApp
import WeiminBench
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

@Suite("Files for bridged groups: a 公示's attachment goes through wechatbot-webhook as the file itself")
struct BridgeFileTests {
    @Test(
        "wechatbot-webhook receives the attachment as a multipart upload to its group (isRoom 1), bytes and name intact",
        arguments: Backend.available)
    func wechatbotFile(backend: Backend) async throws {
        let f = try await OutboxFixture(backend)
        defer { Task { await f.services.shutdown() } }
        try await f.clearOutbox()
        let group = try await f.group(.wechat)
        let bytes = Array("PK\u{3}\u{4}村级财务收支明细".utf8) + Array(repeating: UInt8(9), count: 4000)
        try await f.withFakes { port in
            await f.fakes.allowWechatbot("bridge-file")
            try await f.outbox.bindRobot(
                groupID: group.id, kind: .wechatbot, endpoint: "http://127.0.0.1:\(port)/", secret: "bridge-file", target: group.name)
            let record = try await NoticeStore(database: f.services.database).publish(
                NoticeDraft(
                    kind: .finance, title: "四季度财务公开", body: "详见附件。",
                    files: [OutboundFile(name: "收支明细.xlsx", contentType: "application/vnd.ms-excel", data: bytes)], groupIDs: [group.id]),
                by: try await f.viewer("admin"), at: f.clock.now)
            #expect(record.attachments.count == 1)
            let pass = try await f.drain()
            #expect(pass.delivered == 2 && pass.failed == 0)
            let got = await f.fakes.messages(for: "wechatbot:\(group.name)")
            #expect(got.map(\.format) == ["text", "file"])
            #expect(got[1].fileName == "收支明细.xlsx" && got[1].fileBytes == bytes && got[1].isRoom)
            #expect(!got.contains { $0.text.contains("请向村委会索取") })
        }
        // A wrong token is refused by the bridge and the reason kept (never retried as if the bridge were busy).
        let client = RobotClient()
        let robot = Robot(
            id: UUID(), groupID: group.id, kind: .wechatbot, endpoint: "http://127.0.0.1:9/", secret: "t", target: "群",
            active: true, failure: nil)
        let request = try client.request(
            robot,
            message: OutboundMessage(
                kind: .notice, text: "x", file: OutboundFile(name: "a\"b.pdf", contentType: "application/pdf", data: [1])))
        #expect(request.url?.path == "/webhook/msg" && request.url?.query == "token=t")
        let body = String(decoding: request.httpBody ?? Data(), as: UTF8.self)
        #expect(body.contains("name=\"isRoom\"\r\n\r\n1\r\n") && body.contains("filename=\"ab.pdf\""))
    }
}

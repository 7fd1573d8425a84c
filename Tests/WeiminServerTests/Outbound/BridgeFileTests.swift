import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import Hummingbird
import HummingbirdTesting
import Testing
import WeiminApp
import WeiminBench
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

@Suite("Files for bridged groups: wechatbot-webhook and WeChatFerry send the file itself; robots that cannot get a short-lived link")
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

    @Test(
        "a DingTalk robot's group gets a signed link that downloads the file until it expires; WeChatFerry sends the file from that link, or the link as text when it cannot take one",
        arguments: Backend.available)
    func downloadLinks(backend: Backend) async throws {
        let f = try await OutboxFixture(backend)
        defer { Task { await f.services.shutdown() } }
        try await f.clearOutbox()
        let ding = try await f.group(.dingtalk)
        let wechat = try await f.group(.wechat)
        let bytes = Array("%PDF-1.4 村务公开".utf8) + Array(repeating: UInt8(7), count: 3000)
        let weimin = Application(
            router: buildRouter(services: f.services), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: DemoApp.logger)
        try await weimin.test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let links = FileLinks(cipher: f.services.cipher, base: base, lifetime: 3600)
            let delivery = DeliveryService(services: f.services, client: RobotClient(timeout: 60, links: links), now: { f.clock.now })
            @Sendable func fetch(_ url: String) async throws -> (Int, HTTPURLResponse?, [UInt8]) {
                let address = try #require(URL(string: url))
                let (data, response) = try await URLSession.shared.data(from: address)
                return ((response as? HTTPURLResponse)?.statusCode ?? 0, response as? HTTPURLResponse, Array(data))
            }
            try await f.withFakes { port in
                await f.fakes.allowDingTalk("t-ding", secret: "SECtest123")
                try await f.outbox.bindRobot(
                    groupID: ding.id, kind: .dingtalkRobot, endpoint: "http://127.0.0.1:\(port)/robot/send?access_token=t-ding",
                    secret: "SECtest123")
                try await f.outbox.bindRobot(
                    groupID: wechat.id, kind: .wcf, endpoint: "http://127.0.0.1:\(port)/", secret: nil, target: "4521@chatroom")
                func publish(_ title: String) async throws {
                    _ = try await NoticeStore(database: f.services.database).publish(
                        NoticeDraft(
                            kind: .finance, title: title, body: "详见附件。",
                            files: [OutboundFile(name: "收支明细.pdf", contentType: "text/html", data: bytes)], groupIDs: [ding.id, wechat.id]),
                        by: try await f.viewer("admin"), at: f.clock.now)
                    for _ in 0..<5 where try await delivery.deliverOnce().claimed > 0 {}
                }
                try await publish("四季度财务公开")

                // DingTalk: the notice names the file and carries the link; the link gives the bytes, as a download.
                let dingText = try #require(await f.fakes.messages(for: "dingtalk:t-ding").last?.text)
                #expect(dingText.contains("收支明细.pdf") && dingText.contains("前有效") && !dingText.contains("请向村委会索取。"))
                let url = try #require(dingText.range(of: base).map { String(dingText[$0.lowerBound...].prefix { !"（ ".contains($0) }) })
                let (status, response, body) = try await fetch(url)
                #expect(status == 200 && body == bytes)
                #expect(response?.value(forHTTPHeaderField: "Content-Disposition")?.hasPrefix("attachment;") == true)
                #expect(
                    response?.value(forHTTPHeaderField: "Content-Type") == "application/octet-stream",
                    "never shown as the page it claims to be")
                #expect(response?.value(forHTTPHeaderField: "X-Content-Type-Options") == "nosniff")

                // A link for another file, a stretched expiry or a changed token is refused; an expired one says so.
                let id = try #require(URL(string: url)?.pathComponents.last)
                #expect(try await fetch(url.replacingOccurrences(of: id, with: UUID().uuidString.lowercased())).0 == 404)
                let expires = try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "expires" }?.value)
                #expect(
                    try await fetch(url.replacingOccurrences(of: "expires=\(expires)", with: "expires=\(Int(expires)! + 86400)")).0 == 404)
                #expect(try await fetch(String(url.dropLast(2)) + "AA").0 == 404)
                let fileID = try #require(UUID(uuidString: id))
                let old = try #require(links.link(to: fileID, now: Date().addingTimeInterval(-7200)))
                let (gone, _, words) = try await fetch(old.url)
                #expect(gone == 410 && String(decoding: words, as: UTF8.self).contains("已过期"))

                // WeChatFerry downloads the file from the link and sends the file itself into the group.
                let wcf = await f.fakes.messages(for: "wcf:4521@chatroom")
                #expect(wcf.contains { $0.format == "file" && $0.fileName == "收支明细.pdf" && $0.fileBytes == bytes })
                #expect(!wcf.contains { $0.text.contains("【附件】") })
                // An older bridge that takes only local paths: the group gets the link as text instead.
                await f.fakes.setWcfTakesURLs(false)
                try await publish("一季度财务公开")
                let fallback = try #require(await f.fakes.messages(for: "wcf:4521@chatroom").last)
                #expect(fallback.format == "text" && fallback.text.contains("【附件】收支明细.pdf") && fallback.text.contains(base + "/files/"))
            }
        }
    }
}

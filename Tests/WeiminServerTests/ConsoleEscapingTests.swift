import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import SQLKit
import Testing
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

/// A villager's words, a group's name and a search box reach console pages. Payloads glue `<` or `"` to a mark that
/// makes one grapheme of them, which swift-mustache's own escaping (by `Character`) let through raw.
@Suite("Console: every field that reaches a page is escaped by scalar; no inline script; cross-site posts refused")
struct ConsoleEscapingTests {
    static let tag = "\u{0600}<svg/onload=alert(document.cookie)>"
    static let attribute = "x\"\u{0301} autofocus onfocus=alert(1) y=\""
    /// Kept out of `#expect`: the macro cannot re-quote a literal whose `"` carries a combining mark.
    static let quoteWithMark = "\"\u{0301}"

    static func raw(_ html: String, _ needle: String) -> Bool { EscapeProbe.rawBytes(html, contain: needle) }

    func session(_ services: AppServices, _ username: String) async throws -> HTTPFields {
        let viewer = try #require(try await services.staff.user(named: username))
        let s = try await services.signIn.startSession(for: viewer, secondFactorDone: true)
        return [.cookie: "weimin_session=\(s.cookie)"]
    }

    @Test("every template selects the scalar escaper on its first line")
    func pragma() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/WeiminServer/Resources/Views", isDirectory: true)
        let files = try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil).filter {
            $0.pathExtension == "mustache"
        }
        #expect(files.count >= 9)
        for f in files {
            let text = try String(contentsOf: f, encoding: .utf8)
            #expect(text.hasPrefix(WebViews.pragma + "\n"), "\(f.lastPathComponent) must start with \(WebViews.pragma)")
            #expect(
                !text.contains("onsubmit") && !text.contains("onclick") && !text.contains("style=\""),
                "\(f.lastPathComponent): inline script or style")
            #expect(!text.contains("{{{") && !text.contains("{{&"), "\(f.lastPathComponent): unescaped output")
        }
    }

    @Test(
        "payloads in a case's words, a group's name and the search box come out escaped on 工作台, 台账, 工单, 群组",
        arguments: Backend.available)
    func pages(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let village = RegionCode("433125111201")!
        let group = try #require(try await services.groups.groups(within: village, page: 1, perPage: 1).items.first)
        let opened = try await services.caseStore.open(
            NewCase(
                county: RegionCode("433125")!, township: RegionCode("433125111"), village: village, groupID: group.id,
                category: .service, title: Self.tag + "路灯坏了", summary: Self.attribute + "晚上看不见路，请修一修"),
            actor: .system, at: Date(), workflow: services.workflow)
        try await services.database.sql.raw("UPDATE chat_groups SET name = \(bind: Self.attribute + "大白岩村群") WHERE id = \(bind: group.id)")
            .run()
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            let op = try await session(services, "shouli")
            let q = (Self.attribute + "路灯").addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let pages = ["/workbench", "/cases", "/cases?q=\(q)", "/cases/\(opened.number)", "/groups", "/dashboard"]
            var sawWords = 0
            for path in pages {
                let r = try await client.execute(uri: path, method: .get, headers: op)
                let html = String(buffer: r.body)
                #expect(r.status == .ok, "\(path): \(r.status)")
                #expect(!Self.raw(html, "<svg/onload"), "\(path) holds the raw <svg/onload")
                let quoteOut = Self.raw(html, Self.quoteWithMark)
                #expect(!quoteOut, "\(path) lets a quote out of an attribute: \(EscapeProbe.around(html, Self.quoteWithMark))")
                #expect(!Self.raw(html, " onfocus=alert"), "\(path) holds an event handler from the payload")
                if Self.raw(html, "&lt;svg") || Self.raw(html, "&quot;\u{0301}") { sawWords += 1 }
                // The only script is our file; nothing inline.
                #expect(!html.contains("onsubmit=") && !html.contains("<script>"), "\(path) has inline script")
                let csp = try #require(r.headers[HTTPField.Name("Content-Security-Policy")!])
                #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"))
            }
            #expect(sawWords >= 4, "the payloads were shown (escaped) on the case page, ledger, search and groups")
            let script = try await client.execute(uri: "/static/weimin.js", method: .get)
            #expect(script.status == .ok && String(buffer: script.body).contains("data-confirm"))
        }
    }

    @Test("a POST whose Origin or Referer is another site is refused; our own origin passes", arguments: [Backend.sqlite])
    func origin(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            let viewer = try #require(try await services.staff.user(named: "shouli"))
            let s = try await services.signIn.startSession(for: viewer, secondFactorDone: true)
            let base: HTTPFields = [
                .cookie: "weimin_session=\(s.cookie)", HTTPField.Name("X-Forwarded-Host")!: "weimin.local:8080",
                .contentType: "application/x-www-form-urlencoded",
            ]
            let body = ByteBuffer(string: "_csrf=\(s.csrf)")
            for (name, value) in [
                (HTTPField.Name.origin, "http://evil.example"), (.origin, "null"), (.referer, "http://evil.example/weimin.local:8080/"),
                (.origin, "http://weimin.local:8080.evil.example"),
            ] {
                let r = try await client.execute(uri: "/logout", method: .post, headers: base + [name: value], body: body)
                #expect(r.status == .forbidden, "\(name): \(value)")
            }
            #expect(
                try await client.execute(uri: "/workbench", method: .get, headers: base).status == .ok,
                "the session survived the forged posts")
            let ok = try await client.execute(
                uri: "/logout", method: .post, headers: base + [.origin: "http://weimin.local:8080"], body: body)
            #expect(ok.status == .seeOther)
        }
    }
}

enum EscapeProbe {
    /// Up to 160 bytes before the first raw occurrence, for the failure message.
    static func around(_ haystack: String, _ needle: String) -> String {
        let h = Array(haystack.utf8), n = Array(needle.utf8)
        guard n.count <= h.count, let i = (0...(h.count - n.count)).first(where: { Array(h[$0..<($0 + n.count)]) == n }) else { return "" }
        return String(decoding: h[max(0, i - 160)..<min(h.count, i + 40)], as: UTF8.self)
    }

    /// Byte search: `String.contains` compares graphemes and would not find `<` glued to a mark.
    static func rawBytes(_ haystack: String, contain needle: String) -> Bool {
        let h = Array(haystack.utf8), n = Array(needle.utf8)
        guard !n.isEmpty, n.count <= h.count else { return false }
        return (0...(h.count - n.count)).contains { h[$0] == n[0] && Array(h[$0..<($0 + n.count)]) == n }
    }
}

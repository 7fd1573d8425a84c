import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing
import WeiminApp
import WeiminCore
@testable import WeiminPersistence
@testable import WeiminServer

/// Marking who in a village group is the police officer, the township cadre or a village cadre — what 覆盖率 counts —
/// from the group's console page and with `weimin group member`, by the roles allowed to, in their own region only.
@Suite("Group roles: who in a group is the police officer or township cadre")
struct GroupRolesTests {
    func session(_ services: AppServices, _ username: String) async throws -> (cookie: HTTPFields, csrf: String) {
        let viewer = try #require(try await services.staff.user(named: username))
        let s = try await SignInStore(database: services.database, cipher: services.cipher, staff: services.staff).startSession(
            for: viewer, secondFactorDone: true)
        return ([.cookie: "weimin_session=\(s.cookie)"], s.csrf)
    }

    func form(_ fields: [(String, String)]) -> ByteBuffer {
        ByteBuffer(
            string: fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(
                separator: "&"))
    }

    /// The member's row on the group page: their platform id, then what they are.
    func row(_ member: String, _ kindName: String) -> String { "<code>\(member)</code></td><td class=\"kind\">\(kindName)</td>" }

    @Test(
        "the desk marks a villager as the group's police officer: the page shows it and the village becomes covered; a forged form, a bad kind, a leader and staff outside the group's region change nothing",
        arguments: Backend.available)
    func markPolice(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let dabaiyan = try #require(try await services.staff.user(named: "dabaiyan")).region
        let changtanhe = try #require(try await services.staff.user(named: "changtanhe")).region
        // A group with a township cadre but no police officer (the demo leaves a few so), outside 长潭河乡.
        let groups = try await services.groups.groups(within: RegionCode("433125")!, page: 1, perPage: 100).items
        let group = try #require(groups.first { !$0.hasPolice && $0.hasTownshipCadre && !changtanhe.contains($0.villageCode) })
        let village = try #require(try await services.regions.region(group.villageCode)).name
        #expect(try await services.assessment.coverage(county: "433125").villages[village] == Rate(0, 1))
        let villager = try #require(
            try await services.groupRegistry.members(group: group.id).first { $0.kind == .villager && $0.onRoster && $0.leftAt == nil })
        let member = villager.platformUserID
        let path = "/groups/\(group.id)"
        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            func kind() async throws -> PersonKind? {
                try await services.groupRegistry.members(group: group.id).first { $0.platformUserID == member }?.kind
            }
            #expect(try await client.execute(uri: path, method: .get).headers[.location] == "/login")
            let op = try await session(services, "shouli")
            let list = String(buffer: try await client.execute(uri: "/groups", method: .get, headers: op.cookie).body)
            #expect(list.contains("<a href=\"\(path)\">"), "the groups list links to each group's page")
            let page = try await client.execute(uri: path, method: .get, headers: op.cookie)
            let html = String(buffer: page.body)
            #expect(page.status == .ok && html.contains(row(member, "村民")) && html.contains("action=\"\(path)/members/role\""))

            let headers = op.cookie + [.contentType: "application/x-www-form-urlencoded"]
            // Without the page's token: refused, nothing changed.
            let forged = try await client.execute(
                uri: "\(path)/members/role", method: .post, headers: headers,
                body: form([("member", member), ("kind", "police"), ("_csrf", "nope")]))
            #expect(forged.status == .forbidden)
            #expect(try await kind() == .villager)
            // A kind that is not one is explained on the page.
            let bad = try await client.execute(
                uri: "\(path)/members/role", method: .post, headers: headers,
                body: form([("member", member), ("kind", "sheriff"), ("_csrf", op.csrf)]))
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("请从列表中选择成员身份"))
            // Someone neither on the roster nor ever heard in the group cannot be marked.
            let nobody = try await client.execute(
                uri: "\(path)/members/role", method: .post, headers: headers,
                body: form([("member", "wxid_nobody"), ("kind", "police"), ("_csrf", op.csrf)]))
            #expect(nobody.status == .notFound && String(buffer: nobody.body).contains("wxid_nobody"))

            // A leader reads the page but has no form and is refused; the village admin and the township cadre of
            // another place do not see the group at all.
            let leader = try await session(services, "lingdao")
            let leaderPage = try await client.execute(uri: path, method: .get, headers: leader.cookie)
            #expect(leaderPage.status == .ok && !String(buffer: leaderPage.body).contains("/members/role"))
            let leaderPost = try await client.execute(
                uri: "\(path)/members/role", method: .post, headers: leader.cookie + [.contentType: "application/x-www-form-urlencoded"],
                body: form([("member", member), ("kind", "police"), ("_csrf", leader.csrf)]))
            #expect(leaderPost.status == .forbidden)
            for username in ["dabaiyan", "changtanhe"] {
                let other = try await session(services, username)
                #expect(try await client.execute(uri: path, method: .get, headers: other.cookie).status == .notFound, "\(username)")
                let post = try await client.execute(
                    uri: "\(path)/members/role", method: .post, headers: other.cookie + [.contentType: "application/x-www-form-urlencoded"],
                    body: form([("member", member), ("kind", "police"), ("_csrf", other.csrf)]))
                #expect(post.status == .notFound, "\(username)")
            }
            #expect(try await kind() == .villager)
            #expect(try await client.execute(uri: "/groups/not-a-uuid", method: .get, headers: op.cookie).status == .notFound)

            // The desk marks them; the page shows it and the village is now covered.
            let ok = try await client.execute(
                uri: "\(path)/members/role", method: .post, headers: headers,
                body: form([("member", member), ("kind", "police"), ("_csrf", op.csrf)]))
            #expect(ok.status == .seeOther && ok.headers[.location] == "\(path)?done=1")
            let after = String(buffer: try await client.execute(uri: "\(path)?done=1", method: .get, headers: op.cookie).body)
            #expect(after.contains(row(member, "民警")) && after.contains("已更新成员身份"))
            #expect(try await kind() == .police)
            #expect(try await services.assessment.coverage(county: "433125").villages[village] == Rate(1, 1))

            // Inside their own place the village admin and the township cadre may mark members too.
            let own = try #require(try await services.groups.groups(within: dabaiyan, page: 1, perPage: 1).items.first)
            let neighbour = try #require(
                try await services.groups.groups(within: changtanhe, page: 1, perPage: 10).items.first { $0.villageCode != dabaiyan })
            for (username, g) in [("dabaiyan", own), ("changtanhe", neighbour)] {
                let who = try await session(services, username)
                let members = try await services.groupRegistry.members(group: g.id)
                let target = try #require(members.first { $0.kind == .villager && $0.onRoster }).platformUserID
                let done = try await client.execute(
                    uri: "/groups/\(g.id)/members/role", method: .post,
                    headers: who.cookie + [.contentType: "application/x-www-form-urlencoded"],
                    body: form([("member", target), ("kind", "village_cadre"), ("_csrf", who.csrf)]))
                #expect(done.status == .seeOther, "\(username)")
                #expect(try await services.groupRegistry.members(group: g.id).first { $0.platformUserID == target }?.kind == .villageCadre)
            }
        }
    }

    @Test(
        "in a bridged group with no roster, someone who has spoken is listed and, once marked, is on the roster; weimin group member set does the same from the command line and names the valid roles when given a wrong one",
        arguments: Backend.available)
    func bridgedSpeakers(backend: Backend) async throws {
        let services = try await DemoApp.make(backend)
        defer { Task { await services.shutdown() } }
        let (source, _) = try await IngestStore(database: services.database, cipher: services.cipher).addSource(
            county: RegionCode("433125")!, kind: "generic", name: "个人微信桥接")
        let village = try #require(try await services.staff.user(named: "dabaiyan")).region
        let group = try #require(try await services.groups.groups(within: village, page: 1, perPage: 1).items.first)
        let said = [("wxid_speaker1", "向民警"), ("wxid_speaker2", "彭干部")].map { who in
            PlatformMessage(
                platform: group.platform, groupExternalID: group.externalID, groupName: group.name, platformMessageID: "roles-\(who.0)",
                senderID: who.0, senderName: who.1, kind: .text, text: "大家有事在群里说", sentAt: Date())
        }
        _ = try await services.ingest.accept(said, from: source)
        let listed = try await services.groupRegistry.members(group: group.id)
        let speaker = try #require(listed.first { $0.platformUserID == "wxid_speaker1" })
        #expect(!speaker.onRoster && speaker.kind == .villager && speaker.name == "向民警")

        let app = Application(
            router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: DemoApp.logger)
        try await app.test(.router) { client in
            let admin = try await session(services, "dabaiyan")
            let page = String(buffer: try await client.execute(uri: "/groups/\(group.id)", method: .get, headers: admin.cookie).body)
            #expect(page.contains(row("wxid_speaker1", "村民")) && page.contains("据发言"))
            let ok = try await client.execute(
                uri: "/groups/\(group.id)/members/role", method: .post,
                headers: admin.cookie + [.contentType: "application/x-www-form-urlencoded"],
                body: form([("member", "wxid_speaker1"), ("kind", "police"), ("_csrf", admin.csrf)]))
            #expect(ok.status == .seeOther)
        }
        let marked = try #require(try await services.groupRegistry.members(group: group.id).first { $0.platformUserID == "wxid_speaker1" })
        #expect(marked.onRoster && marked.kind == .police && marked.name == "向民警")

        // The command line, on the same data: by platform and group id.
        let binary = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("weimin").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the weimin executable first (swift build --build-tests)")
        var data = ["--dir", services.config.dir, "--log-level", "error"]
        if let url = services.config.databaseURL { data += ["--database-url", url] }
        let reference = "\(group.platform.rawValue):\(group.externalID)"
        var (status, out) = try await run(
            binary, ["group", "member", "set", "--group", reference, "--member", "wxid_speaker2", "--role", "township_cadre"] + data)
        #expect(status == 0 && out.contains("改为 \(CoreStrings.personKindName(.townshipCadre))"), "\(out)")
        let cadre = try await services.groupRegistry.members(group: group.id).first { $0.platformUserID == "wxid_speaker2" }
        #expect(cadre?.kind == .townshipCadre && cadre?.onRoster == true)
        (status, out) = try await run(binary, ["group", "member", "list", "--group", group.id.uuidString] + data)
        #expect(status == 0 && out.contains("wxid_speaker2\ttownship_cadre") && out.contains("wxid_speaker1\tpolice"), "\(out)")
        (status, out) = try await run(
            binary, ["group", "member", "set", "--group", reference, "--member", "wxid_speaker2", "--role", "sheriff"] + data)
        #expect(status != 0 && out.contains("身份 sheriff 无效") && out.contains("village_cadre（村干部）"), "\(out)")
        (status, out) = try await run(
            binary, ["group", "member", "set", "--group", "wechat:nosuch@chatroom", "--member", "x", "--role", "police"] + data)
        #expect(status != 0 && out.contains("未登记"), "\(out)")
    }
}

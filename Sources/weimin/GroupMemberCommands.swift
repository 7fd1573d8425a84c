import ArgumentParser
import Foundation
import WeiminApp
import WeiminCore
import WeiminPersistence
import WeiminServer

// weimin group member list | set — who in a group is the police officer, township cadre, village cadre (覆盖率)

struct GroupMemberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "member",
        abstract: "群成员及其身份（民警、乡镇干部等，决定覆盖率）。Group members and their roles (coverage).",
        subcommands: [GroupMemberList.self, GroupMemberSet.self])

    /// `--group`: our group id, `platform:external_id` (wechat:12345@chatroom), or a bare WeChat group id as in `robot bind`.
    static func group(_ reference: String, in services: AppServices) async throws -> (id: UUID, county: RegionCode, name: String) {
        var platform = Platform.wechat, external = reference
        if let colon = reference.firstIndex(of: ":"), let p = Platform(rawValue: String(reference[..<colon])) {
            platform = p
            external = String(reference[reference.index(after: colon)...])
        }
        guard let g = try await services.ingest.store.group(reference: external, platform: platform) else {
            throw StaffError.invalid("群 \(reference) 未登记。请先用 weimin group register 登记该群，或用 群编号 / 平台:群ID 指定。")
        }
        return g
    }
}

struct GroupMemberList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "列出群成员及身份；个人微信桥接的群列出发过言的人。List members and their roles (speakers for bridged groups).",
        discussion: "Example: weimin group member list --group wechat:433125111201@chatroom")

    @Option(help: "群：群编号，或 平台:群ID（如 wechat:12345@chatroom）。Group id or platform:external_id.") var group: String
    @OptionGroup var data: DataOptions

    func run() async throws {
        try await runReportingErrors {
            let config = try await data.load()
            let reference = group
            let (name, members) = try await ServerRunner.withServices(config: config) { services -> (String, [GroupRegistry.Member]) in
                let g = try await GroupMemberCommand.group(reference, in: services)
                let members = try await services.groupRegistry.members(group: g.id)
                return (g.name, members)
            }
            let roster = members.filter(\.onRoster)
            let police = roster.contains { $0.kind == .police }, cadre = roster.contains { $0.kind == .townshipCadre }
            say("“\(name)”：\(members.filter { $0.leftAt == nil }.count) 人在群。覆盖：民警\(police ? "有" : "缺")，乡镇干部\(cadre ? "有" : "缺")。")
            for m in members {
                let status = m.leftAt.map { "已退群 \(ISO8601DateFormatter().string(from: $0))" } ?? (m.onRoster ? "在群" : "据发言（未在名册）")
                say("\(m.platformUserID)\t\(m.kind.rawValue)\t\(CoreStrings.personKindName(m.kind))\t\(m.name)\t\(status)")
            }
        }
    }
}

struct GroupMemberSet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "设定一名群成员的身份。Set a member's role in a group.",
        discussion: """
            身份 roles: police 民警, township_cadre 乡镇干部（包村干部）, village_cadre 村干部, villager 村民, other 其他.
            A group is covered when it has a police officer and a township cadre. Someone not on the roster who has spoken in
            the group (bridged personal-WeChat groups send no roster) is added to it.
            Example: weimin group member set --group wechat:433125111201@chatroom --member wxid_abc --role police
            """)

    @Option(help: "群：群编号，或 平台:群ID（如 wechat:12345@chatroom）。Group id or platform:external_id.") var group: String
    @Option(help: "成员在平台上的账号（见 weimin group member list）。The member's platform user id.") var member: String
    @Option(help: "身份 police | township_cadre | village_cadre | villager | other。Role.") var role: String
    @OptionGroup var data: DataOptions

    func validate() throws {
        guard PersonKind(rawValue: role) != nil else {
            let valid = PersonKind.allCases.map { "\($0.rawValue)（\(CoreStrings.personKindName($0))）" }.joined(separator: ", ")
            throw ValidationError("身份 \(role) 无效，可选 valid roles: \(valid)")
        }
    }

    func run() async throws {
        try await runReportingErrors {
            guard let kind = PersonKind(rawValue: role) else { throw ValidationError("身份 \(role) 无效") }
            let config = try await data.load()
            let (reference, who) = (group, member)
            let (name, before) = try await ServerRunner.withServices(config: config) { services -> (String, PersonKind) in
                let g = try await GroupMemberCommand.group(reference, in: services)
                let before = try await services.groupRegistry.setRole(
                    group: g.id, platformUserID: who, kind: kind, county: g.county.rawValue)
                return (g.name, before)
            }
            say("已将“\(name)”中 \(who) 的身份由 \(CoreStrings.personKindName(before)) 改为 \(CoreStrings.personKindName(kind))。")
        }
    }
}

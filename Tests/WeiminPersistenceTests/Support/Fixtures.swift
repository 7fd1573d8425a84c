import FluentKit
import Foundation
import WeiminCore
@testable import WeiminPersistence

/// A tiny county for tests that need only a village and a group.
struct SmallCounty {
    static let county = RegionCode("433125")!
    static let township = RegionCode("433125111")!
    static let village = RegionCode("433125111201")!
    static let otherTownship = RegionCode("433125100")!
    static let otherVillage = RegionCode("433125100201")!

    let groupID: UUID
    let otherGroupID: UUID
    let departmentID: UUID
    let otherDepartmentID: UUID

    static func create(on database: WeiminDatabase, now: Date = Date()) async throws -> SmallCounty {
        let db = database.db
        let regions: [(String, String, String, String?)] = [
            ("430000", "湖南省", "province", nil), ("433100", "湘西州", "prefecture", "430000"), ("433125", "保靖县", "county", "433100"),
            ("433125111", "长潭河乡", "township", "433125"), ("433125111201", "大白岩村", "village", "433125111"),
            ("433125100", "迁陵镇", "township", "433125"), ("433125100201", "陇木村", "village", "433125100"),
        ]
        for (code, name, level, parent) in regions {
            try await RegionModel(
                code: code, name: name, level: level, parentCode: parent,
                countyCode: code.count >= 6 && level != "province" && level != "prefecture" ? "433125" : nil, createdAt: now
            ).create(on: db)
        }
        let dept = DepartmentModel(id: UUID(), countyCode: "433125", code: "zjj", name: "县住建局", createdAt: now)
        try await dept.create(on: db)
        let other = DepartmentModel(id: UUID(), countyCode: "433125", code: "jtj", name: "县交通运输局", createdAt: now)
        try await other.create(on: db)
        func group(_ village: RegionCode, _ township: RegionCode, _ ext: String) async throws -> UUID {
            let g = ChatGroupModel()
            g.id = UUID()
            g.countyCode = "433125"
            g.townshipCode = township.rawValue
            g.villageCode = village.rawValue
            g.platform = "wechat"
            g.externalID = ext
            g.name = "测试群 \(ext)"
            g.createdAt = now
            try await g.create(on: db)
            return g.id!
        }
        return SmallCounty(
            groupID: try await group(village, township, "1@chatroom"),
            otherGroupID: try await group(otherVillage, otherTownship, "2@chatroom"),
            departmentID: dept.id!, otherDepartmentID: other.id!)
    }

    func newCase(
        title: String = "路灯坏了", sealed: Bool = false, village: RegionCode = SmallCounty.village,
        township: RegionCode = SmallCounty.township, group: UUID? = nil, messageIDs: [Int] = []
    ) -> NewCase {
        NewCase(
            county: Self.county, township: township, village: village, groupID: group ?? groupID, category: sealed ? .petition : .service,
            departmentID: nil, urgency: .normal, sealed: sealed, title: title, summary: title + "，请尽快处理", messageIDs: messageIDs)
    }

    func message(_ id: String, text: String = "路灯坏了半个月了", group: UUID? = nil, at: Date = Date()) -> IncomingMessage {
        IncomingMessage(
            groupID: group ?? groupID, countyCode: Self.county, platform: .wechat, platformMessageID: id, senderID: "wxid_1",
            senderName: "彭德胜", text: text, sentAt: at)
    }
}

func viewer(_ role: Role, _ region: String = "433125", department: UUID? = nil) -> Viewer {
    Viewer(
        userID: UUID(), username: role.rawValue, displayName: role.rawValue, role: role, region: RegionCode(region)!,
        departmentID: department)
}

let testWorkflow = CaseWorkflow(calendar: WorkCalendar(holidays: HolidayCalendar.bundled()))

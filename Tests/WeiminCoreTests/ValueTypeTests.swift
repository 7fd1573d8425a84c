import Foundation
import Testing
import WeiminCore

@Suite("Region codes")
struct RegionCodeTests {
    @Test("levels follow the length and the zero padding of the code")
    func levels() throws {
        #expect(try #require(RegionCode("430000")).level == .province)
        #expect(try #require(RegionCode("433100")).level == .prefecture)
        #expect(try #require(RegionCode("433125")).level == .county)
        #expect(try #require(RegionCode("433125109")).level == .township)
        #expect(try #require(RegionCode("433125109201")).level == .village)
    }

    @Test("malformed codes are rejected", arguments: ["", "43312", "4331251", "43312510920", "43a125", "000000", " 433125", "433125-"])
    func rejects(raw: String) {
        #expect(RegionCode(raw) == nil)
    }

    @Test("containment nests by prefix")
    func contains() throws {
        let prefecture = try #require(RegionCode("433100"))
        let county = try #require(RegionCode("433125"))
        let township = try #require(RegionCode("433125109"))
        let village = try #require(RegionCode("433125109201"))
        let otherCounty = try #require(RegionCode("433101"))
        #expect(prefecture.contains(county) && prefecture.contains(village))
        #expect(county.contains(township) && county.contains(village) && county.contains(county))
        #expect(!county.contains(prefecture))
        #expect(!otherCounty.contains(village))
        #expect(!township.contains(county))
        #expect(village.countyCode == county && village.townshipCode == township)
        #expect(prefecture.countyCode == nil)
    }
}

@Suite("Case numbers")
struct CaseNumberTests {
    @Test("formats with zero padding and parses back")
    func roundTrip() throws {
        let county = try #require(RegionCode("433125"))
        let n = try #require(CaseNumber(county: county, year: 2026, sequence: 123))
        #expect(n.description == "433125-2026-000123")
        #expect(CaseNumber("433125-2026-000123") == n)
        #expect(CaseNumber("433125-2026-123") == n)
        let data = try JSONEncoder().encode(n)
        #expect(String(decoding: data, as: UTF8.self) == "\"433125-2026-000123\"")
        #expect(try JSONDecoder().decode(CaseNumber.self, from: data) == n)
    }

    @Test(
        "rejects malformed numbers",
        arguments: [
            "", "433125-2026", "433125-26-000001", "433125109-2026-000001", "433125-2026-0000001", "433125-2026-000000",
            "433125-2026-00a001",
        ])
    func rejects(raw: String) {
        #expect(CaseNumber(raw) == nil)
    }

    @Test("orders by county, year, sequence")
    func ordering() throws {
        let a = try #require(CaseNumber("433125-2025-000900"))
        let b = try #require(CaseNumber("433125-2026-000001"))
        let c = try #require(CaseNumber("433125-2026-000002"))
        #expect(a < b && b < c)
    }
}

@Suite("Personal data masking")
struct PIIMaskTests {
    @Test("phone numbers keep 3 + 4 digits")
    func phones() {
        #expect(PIIMask.phone("13812345678") == "138****5678")
        #expect(PIIMask.phone("138 1234 5678") == "138****5678")
        #expect(PIIMask.phone("123") == "****")
        #expect(!PIIMask.phone("13812345678").contains("1234"))
    }

    @Test("ID numbers keep the region and the last 4")
    func ids() {
        #expect(PIIMask.idNumber("43312519800101123x") == "433125********123X")
        #expect(PIIMask.idNumber("433125198001011234").contains("19800101") == false)
    }

    @Test(
        "numbers inside free text are masked; other numbers are left alone",
        arguments: [
            ("我电话13812345678，快来", "我电话138****5678，快来"),
            ("身份证43312519800101123x补办", "身份证433125********123X补办"),
            ("联系13812345678或13987654321", "联系138****5678或139****4321"),
            ("低保每月500元，2026年", "低保每月500元，2026年"),
            ("编号12345678901", "编号12345678901"),
            ("没有数字", "没有数字"),
        ])
    func redact(input: String, expected: String) {
        #expect(PIIMask.redact(input) == expected)
    }

    @Test("validates mobiles and ID check digits")
    func validation() {
        #expect(PIIMask.isMobile("13812345678"))
        #expect(!PIIMask.isMobile("12812345678"))
        #expect(!PIIMask.isMobile("1381234567"))
        // 11010519491231002X is the standard's published example.
        #expect(PIIMask.isResidentID("11010519491231002X"))
        #expect(!PIIMask.isResidentID("110105194912310021"))
    }
}

@Suite("Case visibility")
struct VisibilityTests {
    private func makeCase(village: String, sealed: Bool = false, department: UUID? = nil) throws -> Case {
        let v = try #require(RegionCode(village))
        let number = try #require(CaseNumber("433125-2026-000001"))
        let county = try #require(v.countyCode)
        return Case(
            id: UUID(), number: number, countyCode: county,
            townshipCode: v.townshipCode, villageCode: v, groupID: nil, category: .service, departmentID: department,
            urgency: .normal, status: .initial, sealed: sealed, title: "t", summary: "s", opinionRisk: 0,
            createdAt: Date(), updatedAt: Date())
    }

    private func viewer(_ role: Role, _ region: String, department: UUID? = nil) throws -> Viewer {
        Viewer(
            userID: UUID(), username: "u", displayName: "u", role: role, region: try #require(RegionCode(region)), departmentID: department)
    }

    @Test("region scope, department and seal all narrow what is seen")
    func rules() throws {
        let dept = UUID()
        let c = try makeCase(village: "433125109201", department: dept)
        #expect(try viewer(.intakeOperator, "433125").caseVisibility.allows(c))
        #expect(try viewer(.supervisor, "433100").caseVisibility.allows(c))
        #expect(try viewer(.townshipCadre, "433125109").caseVisibility.allows(c))
        #expect(try !viewer(.townshipCadre, "433125110").caseVisibility.allows(c))
        #expect(try viewer(.departmentHandler, "433125", department: dept).caseVisibility.allows(c))
        #expect(try !viewer(.departmentHandler, "433125", department: UUID()).caseVisibility.allows(c))
        #expect(try !viewer(.departmentHandler, "433125").caseVisibility.allows(c))
        let sealed = try makeCase(village: "433125109201", sealed: true)
        for role in Role.allCases where role != .discipline {
            #expect(try !viewer(role, "433125").caseVisibility.allows(sealed), "\(role) must not see a sealed case")
        }
        #expect(try viewer(.discipline, "433125").caseVisibility.allows(sealed))
    }
}

@Suite("Case titles cut where a sentence or clause ends")
struct CaseTitleTests {
    @Test("short text whole; a sentence end within 30; a clause with …; no punctuation cut hard; markers dropped; numbers masked")
    func titles() {
        #expect(CaseTitle.make(from: "路灯坏了") == "路灯坏了")
        #expect(
            CaseTitle.make(from: "我们组的自来水已经停了三天了。老人小孩都没水喝，请水利局的领导赶紧派人来看看到底是哪里的管子坏了")
                == "我们组的自来水已经停了三天了")
        #expect(
            CaseTitle.make(from: "村口那座桥的栏杆断了好几根，晚上走路的人看不见很危险，小孩子放学都要从那里过，希望尽快修一下")
                == "村口那座桥的栏杆断了好几根，晚上走路的人看不见很危险…")
        let run = CaseTitle.make(from: "喂喂我跟你说我们这边那个路啊下雨塌了一大块车子都过不去了你们快点派人来修一下啊不然要出事")
        #expect(run.count == 30 && run.hasSuffix("…"))
        #expect(CaseTitle.make(from: "[语音] 钉钉转写：水管爆了，满地都是水") == "水管爆了，满地都是水")
        #expect(CaseTitle.make(from: "我的电话13812345678，低保的事").contains("138****5678"))
        #expect(CaseTitle.make(from: "  \n ") == "（无文字内容）")
    }
}

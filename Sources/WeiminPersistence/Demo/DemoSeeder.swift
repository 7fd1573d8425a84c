import FluentKit
import Foundation
import WeiminCore

/// What `weimin demo` put in the database.
public struct DemoSummary: Sendable {
    public var regions: Int
    public var groups: Int
    public var messages: Int
    public var cases: Int
    public var alreadySeeded: Bool
}

/// Seeds 保靖县 with townships, villages, groups, departments, staff for every role, messages and cases
/// in every state. Idempotent: each part checks what is there, so a second run adds nothing and a run
/// interrupted half-way finishes the rest.
public struct DemoSeeder: Sendable {
    let database: WeiminDatabase
    let cipher: FieldCipher
    let staff: StaffDirectory
    /// Acting on a case is a use case (WeiminApp's `ActOnCase`); the demo's history goes through it like any other.
    public typealias Act = @Sendable (CaseCommand, CaseNumber, Viewer, CaseWorkflow, Date) async throws -> Case
    let act: Act

    public init(database: WeiminDatabase, cipher: FieldCipher, staff: StaffDirectory, act: @escaping Act) {
        self.database = database
        self.cipher = cipher
        self.staff = staff
        self.act = act
    }

    public static var accounts: [(username: String, name: String, role: Role)] {
        DemoCatalogue.users.map { ($0.username, $0.name, $0.role) }
    }

    public static var password: String { DemoCatalogue.password }

    public func seed(now: Date = Date()) async throws -> DemoSummary {
        let db = database.db
        let already = try await SettingModel.find("demo.seeded", on: db) != nil
        try await seedRegions(now: now)
        let departments = try await seedDepartments(now: now)
        let groups = try await seedGroups(now: now)
        try await seedUsers()
        if try await CaseModel.query(on: db).filter(\.$countyCode == DemoCatalogue.county.0).count() == 0 {
            try await seedTraffic(groups: groups, departments: departments, now: now)
        }
        if !already {
            try await SettingModel(key: "demo.seeded", value: "v1", updatedAt: now).create(on: db)
        }
        return DemoSummary(
            regions: try await RegionModel.query(on: db).count(),
            groups: try await ChatGroupModel.query(on: db).count(),
            messages: try await MessageModel.query(on: db).count(),
            cases: try await CaseModel.query(on: db).count(),
            alreadySeeded: already)
    }

    // MARK: Regions, departments, groups, staff

    private func seedRegions(now: Date) async throws {
        let county = DemoCatalogue.county.0
        var rows: [RegionModel] = [
            RegionModel(
                code: DemoCatalogue.province.0, name: DemoCatalogue.province.1, level: "province", parentCode: nil, countyCode: nil,
                createdAt: now),
            RegionModel(
                code: DemoCatalogue.prefecture.0, name: DemoCatalogue.prefecture.1, level: "prefecture",
                parentCode: DemoCatalogue.province.0, countyCode: nil, createdAt: now),
            RegionModel(
                code: county, name: DemoCatalogue.county.1, level: "county", parentCode: DemoCatalogue.prefecture.0, countyCode: county,
                createdAt: now),
        ]
        for (t, (name, villages)) in DemoCatalogue.townships.enumerated() {
            let tc = DemoCatalogue.townshipCode(t)
            rows.append(RegionModel(code: tc, name: name, level: "township", parentCode: county, countyCode: county, createdAt: now))
            for (v, vname) in villages.enumerated() {
                rows.append(
                    RegionModel(
                        code: DemoCatalogue.villageCode(township: t, village: v), name: vname, level: "village", parentCode: tc,
                        countyCode: county, createdAt: now))
            }
        }
        let existing = Set(try await RegionModel.query(on: database.db).all().compactMap(\.id))
        let missing = rows.filter { !existing.contains($0.id!) }
        guard !missing.isEmpty else { return }
        try await database.db.transaction { db in
            for r in missing { try await r.create(on: db) }
        }
    }

    private func seedDepartments(now: Date) async throws -> [String: UUID] {
        let db = database.db
        let county = DemoCatalogue.county.0
        var wanted = DemoCatalogue.departments
        for (t, (name, _)) in DemoCatalogue.townships.enumerated() {
            wanted.append((DemoCatalogue.townshipCode(t), "\(name)人民政府"))
        }
        let existing = Dictionary(
            uniqueKeysWithValues: try await DepartmentModel.query(on: db).filter(\.$countyCode == county).all().map { ($0.code, $0.id!) })
        let toCreate = wanted
        return try await db.transaction { tx in
            var byCode = existing
            for (code, name) in toCreate where byCode[code] == nil {
                let row = DepartmentModel(id: UUID(), countyCode: county, code: code, name: name, createdAt: now)
                try await row.create(on: tx)
                byCode[code] = row.id!
            }
            if try await DispatchEntryModel.query(on: tx).filter(\.$countyCode == county).count() == 0 {
                for (category, matter, dept, keywords) in DemoCatalogue.catalogue {
                    let e = DispatchEntryModel()
                    e.id = UUID()
                    e.countyCode = county
                    e.category = category.rawValue
                    e.matter = matter
                    e.$department.id = byCode[dept]!
                    e.keywords = keywords.joined(separator: "|")
                    try await e.create(on: tx)
                }
            }
            return byCode
        }
    }

    struct SeededGroup {
        let id: UUID
        let township: String
        let village: String
        let platform: Platform
        let villagers: [(id: String, name: String)]
    }

    private func seedGroups(now: Date) async throws -> [SeededGroup] {
        let county = DemoCatalogue.county.0
        var rng = SplitMix64(seed: 433125)
        var result: [SeededGroup] = []
        let existing = Dictionary(uniqueKeysWithValues: try await ChatGroupModel.query(on: database.db).all().map { ($0.villageCode, $0) })
        var n = 0
        for (t, (townshipName, villages)) in DemoCatalogue.townships.enumerated() {
            for (v, villageName) in villages.enumerated() {
                n += 1
                let vc = DemoCatalogue.villageCode(township: t, village: v)
                let platform: Platform = n % 6 == 0 ? .dingtalk : (n % 4 == 0 ? .wecom : .wechat)
                let villagers = (0..<7).map { i -> (String, String) in
                    let name =
                        DemoMessages.surnames[rng.next(DemoMessages.surnames.count)]
                        + DemoMessages.givenNames[rng.next(DemoMessages.givenNames.count)]
                    return ("wxid_\(vc)_\(i)", name)
                }
                if let row = existing[vc] {
                    result.append(
                        SeededGroup(
                            id: row.id!, township: DemoCatalogue.townshipCode(t), village: vc, platform: platform, villagers: villagers))
                    continue
                }
                let gid = UUID()
                let withPolice = n % 7 != 3
                let groupNumber = n
                try await database.db.transaction { db in
                    let g = ChatGroupModel()
                    g.id = gid
                    g.countyCode = county
                    g.townshipCode = DemoCatalogue.townshipCode(t)
                    g.villageCode = vc
                    g.platform = platform.rawValue
                    g.externalID = platform == .wechat ? "\(vc)@chatroom" : (platform == .wecom ? "wr\(vc)" : "cid\(vc)")
                    g.name = "\(townshipName)\(villageName)村民群"
                    g.createdAt = now.addingTimeInterval(-400 * 86400)
                    try await g.create(on: db)
                    var members: [(String, String, PersonKind, Bool, UUID?)] = [
                        ("sec_\(vc)", "\(villageName)支书", .villageCadre, true, nil),
                        ("acc_\(vc)", "\(villageName)文书", .villageCadre, false, nil),
                        ("cadre_\(vc)", "\(townshipName)包村干部", .townshipCadre, false, nil),
                    ]
                    // A few groups still lack a police officer, so 覆盖率 has something to show.
                    if withPolice { members.append(("police_\(vc)", "\(townshipName)派出所民警", .police, false, nil)) }
                    for (i, villager) in villagers.enumerated() {
                        let p = PersonModel()
                        p.id = UUID()
                        p.countyCode = county
                        p.villageCode = vc
                        p.name = villager.1
                        p.kind = PersonKind.villager.rawValue
                        let phone = "13\(7 + i % 3)\(String(format: "%08d", (groupNumber * 7919 + i * 104729) % 100_000_000))"
                        p.phoneCipher = try cipher.seal(phone)
                        p.phoneMasked = PIIMask.phone(phone)
                        p.phoneIndex = cipher.blindIndex(phone)
                        p.createdAt = now
                        try await p.create(on: db)
                        members.append((villager.0, villager.1, .villager, false, p.id))
                    }
                    for (uid, name, kind, admin, person) in members {
                        let m = GroupMemberModel()
                        m.id = UUID()
                        m.personID = person
                        m.groupID = gid
                        m.countyCode = county
                        m.platformUserID = uid
                        m.displayName = name
                        m.kind = kind.rawValue
                        m.isAdmin = admin
                        m.joinedAt = g.createdAt
                        try await m.create(on: db)
                    }
                }
                result.append(
                    SeededGroup(id: gid, township: DemoCatalogue.townshipCode(t), village: vc, platform: platform, villagers: villagers))
            }
        }
        return result
    }

    private func seedUsers() async throws {
        for u in DemoCatalogue.users where try await staff.user(named: u.username) == nil {
            try await staff.add(
                .init(
                    username: u.username, displayName: u.name, password: DemoCatalogue.password, role: u.role,
                    region: RegionCode(u.region)!, departmentCode: u.department))
        }
    }

    // MARK: Messages and cases

    /// The path through the closed loop that leaves a case in each demo state.
    static let paths: [[CaseAction]] = [
        [],
        [.accept],
        [.accept, .dispatch],
        [.accept, .dispatch, .start],
        [.accept, .dispatch, .start, .resolve],
        [.accept, .dispatch, .start, .resolve, .review(.satisfied)],
        [.accept, .dispatch, .start, .resolve, .review(.basicallySatisfied), .close],
        [.decline],
        [.merge],
        [.accept, .dispatch, .returnToCentre],
        [.accept, .dispatch, .start, .suspend],
        [.accept, .dispatch, .start, .resolve, .review(.unsatisfied), .reopen],
        [.accept, .dispatch, .start, .resolve, .review(.satisfied), .close],
        [.accept, .resolve, .review(.satisfied), .close],
    ]

    private func seedTraffic(groups: [SeededGroup], departments: [String: UUID], now: Date) async throws {
        var rng = SplitMix64(seed: 20_261_126)
        let messages = MessageStore(database: database)
        let cases = CaseStore(database: database, cipher: cipher)
        let county = RegionCode(DemoCatalogue.county.0)!
        let workflow = CaseWorkflow(calendar: WorkCalendar(holidays: HolidayCalendar.bundled()))
        let people = try await DemoPeople.load(staff: staff, county: county)
        let dabaiyan = groups.first { $0.village == "433125111201" }!
        var seq = 0
        func nextMessageID(_ g: SeededGroup) -> String {
            seq += 1
            switch g.platform {
            case .wecom: return "\(1_456_453_720 + seq)"
            case .dingtalk: return "msg\(String(seq, radix: 16))"
            default: return "\(7_000_000_000_000_000_000 &+ seq)"
            }
        }

        // Chatter first: most of a group's traffic needs nothing.
        var chatter: [IncomingMessage] = []
        for i in 0..<260 {
            let g = groups[rng.next(groups.count)]
            let who = g.villagers[rng.next(g.villagers.count)]
            let at = now.addingTimeInterval(-Double(rng.next(45 * 86400)))
            chatter.append(
                IncomingMessage(
                    groupID: g.id, countyCode: county, platform: g.platform, platformMessageID: nextMessageID(g),
                    senderID: who.id, senderName: who.name, text: DemoMessages.chatter[i % DemoMessages.chatter.count], sentAt: at))
        }
        _ = try await messages.append(chatter, receivedAt: now)

        var opened: [Case] = []
        var sealedPlaced = false
        let total = 130
        for k in 0..<total {
            let demand = DemoMessages.demands[k % DemoMessages.demands.count]
            var g = groups[(k * 7 + k / DemoMessages.demands.count) % groups.count]
            // The report about a village secretary comes from 大白岩村, so its admin's recusal can be shown.
            if demand.sealed && demand.text.contains("村支书") && !sealedPlaced {
                g = dabaiyan
                sealedPlaced = true
            }
            let path = Self.paths[k % Self.paths.count]
            // Older cases have gone further along the loop.
            let ageDays = Double(path.count) * 3 + Double(rng.next(10)) + 0.3
            let createdAt = now.addingTimeInterval(-ageDays * 86400 - Double(rng.next(8 * 3600)))
            let who = g.villagers[rng.next(g.villagers.count)]
            var batch = [
                IncomingMessage(
                    groupID: g.id, countyCode: county, platform: g.platform, platformMessageID: nextMessageID(g),
                    senderID: who.id, senderName: who.name, text: demand.text, sentAt: createdAt)
            ]
            if let f = demand.followUp {
                let other = g.villagers[(rng.next(g.villagers.count))]
                batch.append(
                    IncomingMessage(
                        groupID: g.id, countyCode: county, platform: g.platform, platformMessageID: nextMessageID(g),
                        senderID: other.id, senderName: other.name, text: f, sentAt: createdAt.addingTimeInterval(1200)))
            }
            let stored = try await messages.append(batch, receivedAt: createdAt)
            let ids = stored.map { outcome -> Int in
                switch outcome {
                case .stored(let id), .duplicate(let id): return id
                }
            }
            let c = try await cases.open(
                NewCase(
                    county: county, township: RegionCode(g.township), village: RegionCode(g.village), groupID: g.id,
                    category: demand.category, departmentID: demand.sealed ? departments["jwjw"] : nil, urgency: demand.urgency,
                    sealed: demand.sealed, title: demand.title, summary: demand.text, opinionRisk: demand.risk, messageIDs: ids),
                actor: .system, at: createdAt, workflow: workflow)
            if demand.sealed {
                let accused = ["村支书", "村主任", "村会计"].first { demand.text.contains($0) }
                try await SealedReportStore(database: database, cipher: cipher).seal(
                    caseID: c.id, reporter: .init(name: who.name, platformID: who.id, phone: nil), originalText: demand.text,
                    accused: accused.map { "\(g.village) \($0)" }, accusedUsernames: [], at: createdAt)
            }
            // Sealed reports stay with the discipline commission: accepted and under investigation at most.
            let steps = demand.sealed ? Array(path.prefix(while: { $0 == .accept || $0 == .dispatch || $0 == .start })) : path
            var at = createdAt
            let lead = demand.sealed ? departments["jwjw"]! : departments[demand.department]!
            for action in steps {
                at = min(at.addingTimeInterval(Double(2 * 3600 + rng.next(20 * 3600))), now.addingTimeInterval(-60))
                let viewer: Viewer
                switch action {
                case _ where demand.sealed: viewer = people.discipline
                // A case the centre answers itself (即办件) is never dispatched.
                case .resolve where !steps.contains(.dispatch): viewer = people.centre
                case .start, .resolve, .returnToCentre, .suspend, .resume: viewer = people.handler(demand.department, lead)
                case .reopen: viewer = people.supervisor
                default: viewer = people.centre
                }
                let command: CaseCommand
                switch action {
                case .accept: command = .accept(note: "已受理")
                case .decline: command = .decline(reason: "属民事纠纷，不属于受理范围，已告知群众可向人民法院起诉")
                case .merge:
                    guard
                        let target = opened.last(where: { $0.category == demand.category && !$0.sealed && !$0.state.isTerminal })
                            ?? opened.first(where: { !$0.sealed && !$0.state.isTerminal })
                    else { continue }
                    command = .merge(into: target.id, note: "与同类诉求 \(target.number) 合并办理")
                case .dispatch:
                    command = .dispatch(
                        lead: lead, coHandlers: [],
                        note: "派至\(DemoCatalogue.departments.first { $0.code == demand.department }?.name ?? demand.department)")
                case .returnToCentre: command = .returnToCentre(reason: "该事项属乡镇职责，申请退回改派")
                case .suspend: command = .suspend(reason: "等待群众补充材料")
                case .resolve: command = .resolve(reply: DemoMessages.reply(for: demand.category))
                case .review(let s): command = .review(s, note: "电话回访：\(CoreStrings.satisfactionName(s))")
                case .reopen: command = .reopen(reason: "群众不满意，责成重办")
                case .close: command = .close(note: "归档")
                case .start: command = .start(note: "已签收")
                case .reassign, .resume: continue
                }
                _ = try await act(command, c.number, viewer, workflow, at)
            }
            opened.append(try await CaseModel.find(c.id, on: database.db)!.toCore())
        }
    }
}

import FluentKit
import Foundation
import SQLKit
import Testing
import WeiminCore
@testable import WeiminPersistence

@Suite("Keys, personal data and staff accounts")
struct SecurityTests {
    private func tempPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("weimin-key-\(UUID().uuidString)/\(name)").path
    }

    @Test("a key file is created once with mode 0600 and read back identically")
    func keyFile() throws {
        let path = tempPath("weimin.key")
        #expect(throws: PersistenceError.self) { try DataKey.load(file: path, create: false) }
        let created = try DataKey.load(file: path, create: true)
        let again = try DataKey.load(file: path, create: true)
        #expect(created.fingerprint == again.fingerprint)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(throws: PersistenceError.self) { try DataKey.parse("not base64!", source: "test") }
        #expect(throws: PersistenceError.self) { try DataKey.parse(Data(repeating: 1, count: 16).base64EncodedString(), source: "test") }
    }

    @Test("AES-GCM round trip; ciphertext differs each time; blind index is stable and normalised")
    func cipher() throws {
        let key = try DataKey(rawKey: Data(repeating: 7, count: 32))
        let c = FieldCipher(dataKey: key)
        let a = try c.seal("13812345678")
        let b = try c.seal("13812345678")
        #expect(a != b)
        #expect(!a.contains("13812345678"))
        #expect(try c.open(a) == "13812345678")
        #expect(c.blindIndex("138 1234 5678") == c.blindIndex("13812345678"))
        #expect(c.blindIndex("13812345678") != c.blindIndex("13812345679"))
        let other = FieldCipher(dataKey: try DataKey(rawKey: Data(repeating: 8, count: 32)))
        #expect(throws: (any Error).self) { try other.open(a) }
        #expect(other.blindIndex("13812345678") != c.blindIndex("13812345678"))
    }

    @Test("a database refuses a key other than the one it was created with", arguments: Backend.available)
    func keyMismatch(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let k1 = try DataKey(rawKey: Data(repeating: 1, count: 32))
            let k2 = try DataKey(rawKey: Data(repeating: 2, count: 32))
            try await KeyCheck.verify(k1, on: db, record: true)
            try await KeyCheck.verify(k1, on: db, record: false)
            await #expect(throws: PersistenceError.self) { try await KeyCheck.verify(k2, on: db, record: true) }
        }
    }

    @Test("staff: bcrypt hashes, validation, authentication and tokens", arguments: Backend.available)
    func staff(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            _ = try await SmallCounty.create(on: db)
            let staff = StaffDirectory(database: db, cost: 6)
            let v = try await staff.add(
                .init(
                    username: "Zhujian", displayName: "李强", password: "correct-horse-1", role: .departmentHandler,
                    region: SmallCounty.county, departmentCode: "zjj"))
            #expect(v.username == "zhujian")
            #expect(v.departmentID != nil)
            let stored = try #require(try await StaffUserModel.query(on: db.db).filter(\.$username == "zhujian").first())
            #expect(stored.passwordHash.hasPrefix("$2"))
            #expect(!stored.passwordHash.contains("correct-horse-1"))

            await #expect(throws: StaffError.self) {
                try await staff.add(
                    .init(
                        username: "zhujian", displayName: "", password: "correct-horse-1", role: .intakeOperator, region: SmallCounty.county
                    ))
            }
            await #expect(throws: StaffError.self) {
                try await staff.add(
                    .init(username: "short", displayName: "", password: "123", role: .intakeOperator, region: SmallCounty.county))
            }
            await #expect(throws: StaffError.self) {
                try await staff.add(
                    .init(
                        username: "nodept", displayName: "", password: "correct-horse-1", role: .departmentHandler,
                        region: SmallCounty.county))
            }
            await #expect(throws: StaffError.self) {
                try await staff.add(
                    .init(
                        username: "nowhere", displayName: "", password: "correct-horse-1", role: .intakeOperator,
                        region: RegionCode("433126")!))
            }
            await #expect(throws: StaffError.self) {
                try await staff.add(
                    .init(
                        username: "bad name", displayName: "", password: "correct-horse-1", role: .intakeOperator,
                        region: SmallCounty.county))
            }

            #expect(try await staff.authenticate(username: "ZHUJIAN", password: "correct-horse-1")?.role == .departmentHandler)
            #expect(try await staff.authenticate(username: "zhujian", password: "wrong-password") == nil)
            #expect(try await staff.authenticate(username: "nobody", password: "correct-horse-1") == nil)

            let issued = try await staff.issueToken(for: v)
            #expect(try await staff.viewer(forToken: issued.token)?.username == "zhujian")
            #expect(try await staff.viewer(forToken: issued.token, at: issued.expiresAt.addingTimeInterval(1)) == nil)
            #expect(try await staff.viewer(forToken: "wm_forged") == nil)
            // Only the hash of a token is stored.
            let tokens = try await APITokenModel.query(on: db.db).all()
            #expect(tokens.count == 1 && tokens[0].tokenHash != issued.token)
            // A new password revokes existing tokens.
            try await staff.setPassword(username: "zhujian", password: "another-horse-2")
            #expect(try await staff.viewer(forToken: issued.token) == nil)
            #expect(try await staff.authenticate(username: "zhujian", password: "another-horse-2") != nil)
        }
    }
}

@Suite("Demo data")
struct DemoSeedTests {
    @Test("seeds 保靖县 with every case state, and a second run adds nothing", arguments: Backend.available)
    func seedTwice(kind: Backend) async throws {
        try await TestDatabase.with(kind) { db in
            let cipher = FieldCipher(dataKey: try DataKey(rawKey: Data(repeating: 3, count: 32)))
            let seeder = DemoSeeder.forTests(database: db, cipher: cipher, staff: StaffDirectory(database: db, cost: 4))
            let first = try await seeder.seed()
            #expect(!first.alreadySeeded)
            #expect(first.regions == 3 + 12 + 36)
            #expect(first.groups == 36)
            #expect(first.messages >= 300)
            #expect(first.cases >= 100)
            let second = try await seeder.seed()
            #expect(second.alreadySeeded)
            #expect(
                second.regions == first.regions && second.groups == first.groups && second.messages == first.messages
                    && second.cases == first.cases)

            let states = Set(try await CaseModel.query(on: db.db).all().map(\.state))
            #expect(states == Set(CaseState.allCases.map(\.rawValue)))
            let township = try #require(try await RegionModel.query(on: db.db).filter(\.$name == "长潭河乡").first())
            let village = try #require(try await RegionModel.query(on: db.db).filter(\.$name == "大白岩村").first())
            #expect(village.parentCode == township.id)
            #expect(try await RegionModel.find("433125", on: db.db)?.name == "保靖县")
            #expect(try await RegionModel.find("433125", on: db.db)?.parentCode == "433100")
            // Every county row carries its county code.
            #expect(try await CaseModel.query(on: db.db).filter(\.$countyCode != "433125").count() == 0)
            // No clear phone number is stored anywhere in people: decrypt each one and look for it in every column.
            let people = try await PersonModel.query(on: db.db).all()
            #expect(people.count > 100)
            let rows = try await db.sql.raw("SELECT * FROM people").all()
            for person in people.prefix(20) {
                let phone = try cipher.open(try #require(person.phoneCipher))
                #expect(PIIMask.isMobile(phone))
                #expect(person.phoneMasked == PIIMask.phone(phone))
                for row in rows {
                    for column in row.allColumns {
                        if let s = try? row.decode(column: column, as: String.self) {
                            #expect(!s.contains(phone), "clear phone in people.\(column)")
                        }
                    }
                }
            }
            #expect(try await PersonModel.query(on: db.db).first()?.phoneMasked?.contains("****") == true)
            // Sealed demo cases exist and are hidden from the village admin of 大白岩村.
            let sealed = try await CaseModel.query(on: db.db).filter(\.$sealed == true).count()
            #expect(sealed > 0)
            let admin = viewer(.villageAdmin, "433125111201")
            let visible = try await FluentCaseRepository(database: db).cases(CaseQuery(perPage: 200), visibility: admin.caseVisibility)
            #expect(visible.items.allSatisfy { !$0.sealed })
            let all = try await CaseModel.query(on: db.db).filter(\.$villageCode == "433125111201").count()
            #expect(visible.total < all)
        }
    }
}

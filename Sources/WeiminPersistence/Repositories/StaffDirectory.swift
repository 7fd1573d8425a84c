import Crypto
import FluentKit
import Foundation
import HummingbirdBcrypt
import WeiminCore

public enum StaffError: Error, CustomStringConvertible, Sendable {
    case invalid(String)
    case duplicate(String)

    public var description: String {
        switch self {
        case .invalid(let why): return why
        case .duplicate(let name): return StoreMessages.Staff.duplicate(name)
        }
    }
}

/// Staff accounts: creation with validated role and scope, password checks, API tokens.
public struct StaffDirectory: Sendable {
    let database: WeiminDatabase
    /// bcrypt cost; 11 keeps a sign-in under ~0.2 s on a small server while staying expensive to brute-force.
    let cost: UInt8

    public static let tokenLifetime: TimeInterval = 12 * 3600
    public static let minimumPasswordLength = 10

    public init(database: WeiminDatabase, cost: UInt8 = 11) {
        self.database = database
        self.cost = cost
    }

    public struct NewStaff: Sendable {
        public var username: String
        public var displayName: String
        public var password: String
        public var role: Role
        public var region: RegionCode
        public var departmentCode: String?

        public init(username: String, displayName: String, password: String, role: Role, region: RegionCode, departmentCode: String? = nil)
        {
            self.username = username
            self.displayName = displayName
            self.password = password
            self.role = role
            self.region = region
            self.departmentCode = departmentCode
        }
    }

    /// Creates a staff user. Refuses unknown regions, a department outside the user's county,
    /// weak passwords and duplicate names, each with a message that says what to change.
    @discardableResult
    public func add(_ new: NewStaff, at now: Date = Date()) async throws -> Viewer {
        let username = new.username.trimmingCharacters(in: .whitespaces).lowercased()
        guard !username.isEmpty, username.count <= 64,
            username.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
        else { throw StaffError.invalid(StoreMessages.Staff.badUsername) }
        guard new.password.count >= Self.minimumPasswordLength else {
            throw StaffError.invalid(StoreMessages.Staff.passwordTooShort(minimum: Self.minimumPasswordLength))
        }
        let db = database.db
        guard try await RegionModel.find(new.region.rawValue, on: db) != nil else {
            throw StaffError.invalid(StoreMessages.Staff.unknownRegion(new.region))
        }
        if try await StaffUserModel.query(on: db).filter(\.$username == username).first() != nil {
            throw StaffError.duplicate(username)
        }
        var departmentID: UUID?
        if let code = new.departmentCode {
            guard let county = new.region.countyCode,
                let dept = try await DepartmentModel.query(on: db).filter(\.$countyCode == county.rawValue).filter(\.$code == code).first()
            else { throw StaffError.invalid(StoreMessages.Staff.unknownDepartment(code, region: new.region)) }
            departmentID = dept.id
        } else if new.role.needsDepartment {
            throw StaffError.invalid(StoreMessages.Staff.departmentRequired)
        }
        let row = StaffUserModel()
        row.id = UUID()
        row.username = username
        row.displayName = new.displayName.isEmpty ? username : new.displayName
        row.passwordHash = Bcrypt.hash(new.password, cost: cost)
        row.role = new.role.rawValue
        row.regionCode = new.region.rawValue
        row.countyCode = new.region.countyCode?.rawValue
        row.departmentID = departmentID
        row.active = true
        row.createdAt = now
        row.updatedAt = now
        try await row.create(on: db)
        return try Self.viewer(row)
    }

    public func user(named username: String) async throws -> Viewer? {
        guard let row = try await StaffUserModel.query(on: database.db).filter(\.$username == username.lowercased()).first() else {
            return nil
        }
        return try Self.viewer(row)
    }

    /// A staff member's own WeChat id (for duty alerts through a bridge), or nil.
    public func wechatID(of username: String) async throws -> String? {
        try await StaffUserModel.query(on: database.db).filter(\.$username == username.lowercased()).first()?.wechatID
    }

    /// Records (or, with nil, forgets) a staff member's own WeChat id.
    public func setWeChatID(_ id: String?, for username: String, at now: Date = Date()) async throws {
        guard let row = try await StaffUserModel.query(on: database.db).filter(\.$username == username.lowercased()).first() else {
            throw PersistenceError.notFound(StoreMessages.Duty.unknownUser(username))
        }
        let trimmed = id?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let t = trimmed, t.isEmpty || t.count > 64 || t.contains(where: { $0.isNewline }) {
            throw PersistenceError.invalid(StoreMessages.Duty.badWeChatID)
        }
        row.wechatID = trimmed
        row.updatedAt = now
        try await database.writing { db in try await row.save(on: db) }
    }

    /// A staff member's WeCom and DingTalk user ids (for duty alerts through the county's application).
    public func platformAccounts(of username: String) async throws -> [DutyChannel: String] {
        guard let row = try await StaffUserModel.query(on: database.db).filter(\.$username == username.lowercased()).first() else {
            return [:]
        }
        var out: [DutyChannel: String] = [:]
        out[.wecom] = row.weComUserID
        out[.dingtalk] = row.dingTalkUserID
        return out
    }

    /// Records (or, with nil, forgets) a staff member's user id on WeCom or DingTalk — the id the county's application
    /// sends to (企业微信“账号”, 钉钉 userId), not a phone number.
    public func setPlatformAccount(_ id: String?, on channel: DutyChannel, for username: String, at now: Date = Date()) async throws {
        guard channel != .sms else { throw PersistenceError.invalid(StoreMessages.Duty.badPlatformAccount) }
        guard let row = try await StaffUserModel.query(on: database.db).filter(\.$username == username.lowercased()).first() else {
            throw PersistenceError.notFound(StoreMessages.Duty.unknownUser(username))
        }
        let trimmed = id?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let t = trimmed, t.isEmpty || t.count > 64 || t.contains(where: { $0.isNewline || $0 == "|" || $0 == "," }) {
            throw PersistenceError.invalid(StoreMessages.Duty.badPlatformAccount)
        }
        if channel == .wecom { row.weComUserID = trimmed } else { row.dingTalkUserID = trimmed }
        row.updatedAt = now
        try await database.writing { db in try await row.save(on: db) }
    }

    /// Staff by username, for showing names where the record keeps the account ("张敏（受理员）", not "shouli").
    public func byUsername(_ usernames: Set<String>) async throws -> [String: Viewer] {
        guard !usernames.isEmpty else { return [:] }
        let rows = try await StaffUserModel.query(on: database.db).filter(\.$username ~~ Array(usernames)).all()
        return Dictionary(
            try rows.map {
                let v = try Self.viewer($0); return (v.username, v)
            }
        ) { a, _ in a }
    }

    public func list() async throws -> [Viewer] {
        try await StaffUserModel.query(on: database.db).sort(\.$username).all().map(Self.viewer)
    }

    /// Checks a password. Unknown users cost the same bcrypt work as known ones, so timing does not
    /// tell which user names exist.
    public func authenticate(username: String, password: String) async throws -> Viewer? {
        let row = try await StaffUserModel.query(on: database.db).filter(\.$username == username.lowercased()).first()
        let hash = row?.passwordHash ?? Self.dummyHash
        let ok = await Task.detached { Bcrypt.verify(password, hash: hash) }.value
        guard ok, let row, row.active else { return nil }
        return try Self.viewer(row)
    }

    public func setPassword(username: String, password: String, at now: Date = Date()) async throws {
        guard password.count >= Self.minimumPasswordLength else {
            throw StaffError.invalid(StoreMessages.Staff.passwordTooShort(minimum: Self.minimumPasswordLength))
        }
        guard let row = try await StaffUserModel.query(on: database.db).filter(\.$username == username.lowercased()).first() else {
            throw StaffError.invalid(StoreMessages.Staff.unknownUser(username))
        }
        row.passwordHash = Bcrypt.hash(password, cost: cost)
        row.updatedAt = now
        try await row.save(on: database.db)
        // A new password ends every session signed in with the old one.
        try await APITokenModel.query(on: database.db).filter(\.$userID == row.id!).delete()
    }

    /// Issues a bearer token; only its SHA-256 is stored.
    public func issueToken(for viewer: Viewer, at now: Date = Date()) async throws -> (token: String, expiresAt: Date) {
        let raw = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let token =
            "wm_"
            + raw.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let row = APITokenModel()
        row.id = UUID()
        row.userID = viewer.userID
        row.tokenHash = Self.tokenHash(token)
        row.createdAt = now
        row.expiresAt = now.addingTimeInterval(Self.tokenLifetime)
        row.lastUsedAt = now
        try await row.create(on: database.db)
        return (token, row.expiresAt)
    }

    /// The viewer a token belongs to, if it is valid, unexpired and its user still active.
    public func viewer(forToken token: String, at now: Date = Date()) async throws -> Viewer? {
        guard token.hasPrefix("wm_"), token.count < 100 else { return nil }
        guard let row = try await APITokenModel.query(on: database.db).filter(\.$tokenHash == Self.tokenHash(token)).first(),
            row.expiresAt > now,
            let user = try await StaffUserModel.find(row.userID, on: database.db), user.active
        else { return nil }
        return try Self.viewer(user)
    }

    public func revokeToken(_ token: String) async throws {
        try await APITokenModel.query(on: database.db).filter(\.$tokenHash == Self.tokenHash(token)).delete()
    }

    static func tokenHash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static let dummyHash = Bcrypt.hash("weimin-no-such-user", cost: 11)

    static func viewer(_ row: StaffUserModel) throws -> Viewer {
        guard let id = row.id, let role = Role(rawValue: row.role), let region = RegionCode(row.regionCode) else {
            throw PersistenceError.invalid(StoreMessages.Records.user(row.username))
        }
        return Viewer(
            userID: id, username: row.username, displayName: row.displayName, role: role, region: region, departmentID: row.departmentID)
    }
}

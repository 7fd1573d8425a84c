import Crypto
import FluentKit
import Foundation
import SQLKit
import WeiminCore

/// Sign-in to the web console: the password step with its lock (5 failures → 15 minutes), the TOTP secret
/// (sealed with the data key), and browser sessions that end when idle. Only a hash of the session cookie is
/// stored, so a copy of the database cannot be used to sign in.
public struct SignInStore: Sendable {
    let database: WeiminDatabase
    let cipher: FieldCipher
    let staff: StaffDirectory
    let throttle: SignInThrottle

    public static let maxFailures = 5
    public static let lockDuration: TimeInterval = 15 * 60
    public static let idleLimit: TimeInterval = 30 * 60
    public static let absoluteLimit: TimeInterval = 12 * 3600

    /// Built once (in `AppServices`): the throttle's memory of addresses and unknown names is shared by every path.
    public init(database: WeiminDatabase, cipher: FieldCipher, staff: StaffDirectory, throttle: SignInThrottle = SignInThrottle()) {
        self.database = database
        self.cipher = cipher
        self.staff = staff
        self.throttle = throttle
    }

    public enum SecondFactor: Sendable, Equatable {
        /// Not needed (optional for this role and not set up).
        case none
        /// Set up: the code is asked for.
        case verify
        /// Required for the role but not yet set up: the user sets it up now.
        case enrol
    }

    public enum PasswordOutcome: Sendable, Equatable {
        case accepted(Viewer, SecondFactor)
        /// Unknown user or wrong password: one answer for both, and no count of tries left (that told which names exist).
        case wrong
        case locked(until: Date)
        /// Too many failures from this network address, whatever the names tried.
        case throttled(until: Date)
    }

    /// Roles that must use two factors: they can see sealed reports or change who may do what.
    public static func requiresSecondFactor(_ role: Role) -> Bool {
        [.supervisor, .discipline, .admin].contains(role)
    }

    /// The password step, the same for the console, API tokens and HTTP Basic: the address throttle, then the
    /// account lock, then bcrypt. A failure counts against the account (or, for a name that does not exist, against
    /// that name in memory, so unknown names lock like real ones) and against the address.
    public func passwordStep(username: String, password: String, address: String? = nil, at now: Date = Date()) async throws
        -> PasswordOutcome
    {
        if let until = await throttle.addressBlocked(address, at: now) { return .throttled(until: until) }
        let name = username.lowercased()
        let user = try await StaffUserModel.query(on: database.db).filter(\.$username == name).first()
        if let id = user?.id {
            if let state = try await state(id), let until = state.lockedUntil, until > now { return .locked(until: until) }
        } else if let until = await throttle.unknownNameLocked(name, at: now) {
            return .locked(until: until)
        }
        guard let viewer = try await staff.authenticate(username: username, password: password) else {
            await throttle.recordAddressFailure(address, at: now)
            guard let id = user?.id else {
                if let until = await throttle.recordUnknownNameFailure(name, at: now) { return .locked(until: until) }
                return .wrong
            }
            return try await recordFailure(id, at: now)
        }
        // Only the password count is cleared: codes keep their own (a known password must not reset code guessing).
        try await upsert(viewer.userID) { $0.failedCount = 0 }
        let confirmed = try await state(viewer.userID)?.totpConfirmedAt != nil
        let factor: SecondFactor = confirmed ? .verify : (Self.requiresSecondFactor(viewer.role) ? .enrol : .none)
        return .accepted(viewer, factor)
    }

    /// A wrong password: counts towards the lock.
    public func recordFailure(_ user: UUID, at now: Date = Date()) async throws -> PasswordOutcome {
        let after = try await upsert(user) { s in
            s.failedCount += 1
            if s.failedCount >= Self.maxFailures {
                s.failedCount = 0
                s.lockedUntil = now.addingTimeInterval(Self.lockDuration)
            }
        }
        if let until = after.lockedUntil, until > now { return .locked(until: until) }
        return .wrong
    }

    public enum CodeOutcome: Sendable, Equatable {
        case accepted
        case wrong(attemptsLeft: Int)
        case locked(until: Date)
        /// The user has no authenticator set up (nor one being set up, when enrolling).
        case notSetUp
    }

    /// Checks a TOTP code (the 30-second step now or either side, for phones whose clocks drift). A step that was
    /// already used is refused, so an overheard code cannot be replayed. Wrong codes have their own count, cleared only
    /// by a right code; five lock the account like five wrong passwords. One transaction, so two requests racing with
    /// the same code cannot both pass. `enrolling` accepts the unconfirmed secret being set up and confirms it.
    public func verifyCode(_ user: UUID, code: String, enrolling: Bool = false, at now: Date = Date()) async throws -> CodeOutcome {
        let cipher = self.cipher
        return try await database.writing { db in
            let sql = db as! any SQLDatabase
            try await sql.raw(
                """
                INSERT INTO staff_sign_in (user_id, failed_count, must_change_password) VALUES (\(bind: user), 0, \(bind: false))
                ON CONFLICT (user_id) DO UPDATE SET failed_count = staff_sign_in.failed_count
                """
            ).run()
            guard var s = try await state(user, on: sql) else { return .notSetUp }
            if let until = s.lockedUntil, until > now { return .locked(until: until) }
            guard let sealed = s.totpCipher, enrolling || s.totpConfirmedAt != nil else { return .notSetUp }
            let secret = try cipher.open(sealed)
            let outcome: CodeOutcome
            if let step = TOTPCode.matchingStep(code: code, secret: secret, at: now), step > (s.lastTOTPStep ?? Int64.min) {
                s.lastTOTPStep = step
                s.codeFailedCount = 0
                if s.totpConfirmedAt == nil { s.totpConfirmedAt = now }
                outcome = .accepted
            } else {
                s.codeFailedCount += 1
                if s.codeFailedCount >= Self.maxFailures {
                    s.codeFailedCount = 0
                    let until = now.addingTimeInterval(Self.lockDuration)
                    s.lockedUntil = until
                    outcome = .locked(until: until)
                } else {
                    outcome = .wrong(attemptsLeft: Self.maxFailures - s.codeFailedCount)
                }
            }
            try await write(s, user, on: sql)
            return outcome
        }
    }

    /// Why an API sign-in (a token from `POST /api/v1/sessions`, or HTTP Basic on each request) was refused.
    public enum APIRefusal: Error, Sendable, Equatable {
        case wrong
        case locked(until: Date)
        case throttled(until: Date)
        /// The account uses a second factor: send `code` with the password to get a token (Basic cannot carry one).
        case codeRequired
        case wrongCode(attemptsLeft: Int)
        /// A role that must use a second factor has not set one up: that is done in the console first.
        case secondFactorNotSetUp
        /// The password was set by an administrator and must be changed in the console first.
        case mustChangePassword
    }

    /// The API's sign-in: the same password step as the console, then the second factor where the account has one
    /// or the role requires one, then the must-change rule.
    public func apiSignIn(
        username: String, password: String, code: String?, address: String?,
        at now: Date = Date()
    ) async throws -> Result<Viewer, APIRefusal> {
        switch try await passwordStep(username: username, password: password, address: address, at: now) {
        case .wrong: return .failure(.wrong)
        case .locked(let until): return .failure(.locked(until: until))
        case .throttled(let until): return .failure(.throttled(until: until))
        case .accepted(let viewer, let factor):
            switch factor {
            case .none: break
            case .enrol: return .failure(.secondFactorNotSetUp)
            case .verify:
                guard let code, !code.isEmpty else { return .failure(.codeRequired) }
                switch try await verifyCode(viewer.userID, code: code, at: now) {
                case .accepted: break
                case .wrong(let left):
                    await throttle.recordAddressFailure(address, at: now)
                    return .failure(.wrongCode(attemptsLeft: left))
                case .locked(let until): return .failure(.locked(until: until))
                case .notSetUp: return .failure(.secondFactorNotSetUp)
                }
            }
            if try await state(viewer.userID)?.mustChangePassword == true { return .failure(.mustChangePassword) }
            return .success(viewer)
        }
    }

    public func lockedUntil(_ user: UUID, at now: Date = Date()) async throws -> Date? {
        guard let until = try await state(user)?.lockedUntil, until > now else { return nil }
        return until
    }

    /// An administrator lifts a lock (and, with `resetSecondFactor`, makes the user set up TOTP again).
    public func unlock(_ user: UUID, resetSecondFactor: Bool = false) async throws {
        try await upsert(user) { s in
            s.failedCount = 0
            s.codeFailedCount = 0
            s.lockedUntil = nil
            if resetSecondFactor {
                s.totpCipher = nil
                s.totpConfirmedAt = nil
                s.lastTOTPStep = nil
            }
        }
        if resetSecondFactor { try await endSessions(of: user) }
    }

    /// What the account page and the administrators' list show of a user's sign-in.
    public struct Summary: Sendable {
        public var lockedUntil: Date?
        public var secondFactor: Bool
        public var lastSignInAt: Date?
        public var mustChangePassword: Bool
    }

    public func summary(_ user: UUID, at now: Date = Date()) async throws -> Summary {
        let s = try await state(user) ?? State()
        return Summary(
            lockedUntil: s.lockedUntil.flatMap { $0 > now ? $0 : nil }, secondFactor: s.totpConfirmedAt != nil,
            lastSignInAt: s.lastSignInAt, mustChangePassword: s.mustChangePassword)
    }

    /// A user changes their own password: the current one is checked, every other session ends.
    public func changePassword(_ viewer: Viewer, current: String, new: String, keeping cookie: String?) async throws {
        guard try await staff.authenticate(username: viewer.username, password: current) != nil else {
            throw StaffError.invalid(StoreMessages.Staff.wrongCurrentPassword)
        }
        guard new != current else { throw StaffError.invalid(StoreMessages.Staff.samePassword) }
        try await staff.setPassword(username: viewer.username, password: new)
        try await upsert(viewer.userID) { $0.mustChangePassword = false }
        if let cookie {
            try await database.sql.raw(
                "DELETE FROM web_sessions WHERE user_id = \(bind: viewer.userID) AND id <> \(bind: Self.hash(cookie))"
            ).run()
        } else {
            try await endSessions(of: viewer.userID)
        }
    }

    /// An administrator resets a password: a temporary one, shown once, that must be changed at the next
    /// sign-in; the lock is lifted and every session of that user ends.
    public func resetPassword(username: String) async throws -> String {
        guard let user = try await staff.user(named: username) else { throw StaffError.invalid(StoreMessages.Staff.unknownUser(username)) }
        let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var rng = SystemRandomNumberGenerator()
        let temporary = String((0..<12).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        try await staff.setPassword(username: username, password: temporary)
        try await upsert(user.userID) { s in
            s.mustChangePassword = true
            s.failedCount = 0
            s.lockedUntil = nil
        }
        try await endSessions(of: user.userID)
        return temporary
    }

    // MARK: TOTP

    /// The user's TOTP secret and whether it has been confirmed with a code.
    public func totp(_ user: UUID) async throws -> (secret: String, confirmed: Bool)? {
        guard let s = try await state(user), let sealed = s.totpCipher else { return nil }
        return (try cipher.open(sealed), s.totpConfirmedAt != nil)
    }

    /// A new secret for setting up an authenticator app (replaces an unconfirmed one; a confirmed one stays
    /// until an administrator resets it).
    public func beginEnrolment(_ user: UUID) async throws -> String {
        if let existing = try await totp(user) {
            if existing.confirmed { throw StaffError.invalid(StoreMessages.Staff.secondFactorAlreadySet) }
            return existing.secret
        }
        // 20 characters from the Base32 alphabet: 100 bits, easy to type if the QR code cannot be scanned.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var rng = SystemRandomNumberGenerator()
        let secret = String((0..<20).map { _ in alphabet[Int(rng.next() % 32)] })
        let sealed = try cipher.seal(secret)
        try await upsert(user) {
            $0.totpCipher = sealed; $0.totpConfirmedAt = nil
        }
        return secret
    }

    public func confirmEnrolment(_ user: UUID, at now: Date = Date()) async throws {
        try await upsert(user) { $0.totpConfirmedAt = now }
    }

    // MARK: Storage

    struct State {
        var failedCount = 0
        var lockedUntil: Date?
        var totpCipher: String?
        var totpConfirmedAt: Date?
        var lastSignInAt: Date?
        var mustChangePassword = false
        var codeFailedCount = 0
        var lastTOTPStep: Int64?
    }

    func state(_ user: UUID, on sql: (any SQLDatabase)? = nil) async throws -> State? {
        guard
            let row = try await (sql ?? database.sql).raw(
                """
                SELECT failed_count, locked_until, totp_cipher, totp_confirmed_at, last_sign_in_at, must_change_password,
                       code_failed_count, last_totp_step
                FROM staff_sign_in WHERE user_id = \(bind: user)
                """
            ).first()
        else { return nil }
        return State(
            failedCount: try row.decode(column: "failed_count", as: Int.self),
            lockedUntil: try row.decode(column: "locked_until", as: Date?.self),
            totpCipher: try row.decode(column: "totp_cipher", as: String?.self),
            totpConfirmedAt: try row.decode(column: "totp_confirmed_at", as: Date?.self),
            lastSignInAt: try row.decode(column: "last_sign_in_at", as: Date?.self),
            mustChangePassword: try row.decode(column: "must_change_password", as: Bool.self),
            codeFailedCount: try row.decode(column: "code_failed_count", as: Int.self),
            lastTOTPStep: try row.decode(column: "last_totp_step", as: Int64?.self))
    }

    @discardableResult
    func upsert(_ user: UUID, _ change: @escaping @Sendable (inout State) -> Void) async throws -> State {
        try await database.writing { db in
            let sql = db as! any SQLDatabase
            // Bump first so concurrent attempts serialise on the row (SQLite takes the write lock, PostgreSQL the row lock).
            try await sql.raw(
                """
                INSERT INTO staff_sign_in (user_id, failed_count, must_change_password) VALUES (\(bind: user), 0, \(bind: false))
                ON CONFLICT (user_id) DO UPDATE SET failed_count = staff_sign_in.failed_count
                """
            ).run()
            guard var s = try await state(user, on: sql) else { return State() }
            change(&s)
            try await write(s, user, on: sql)
            return s
        }
    }

    func write(_ s: State, _ user: UUID, on sql: any SQLDatabase) async throws {
        try await sql.raw(
            """
            UPDATE staff_sign_in SET failed_count = \(bind: s.failedCount), locked_until = \(bind: s.lockedUntil), totp_cipher = \(bind: s.totpCipher),
                totp_confirmed_at = \(bind: s.totpConfirmedAt), last_sign_in_at = \(bind: s.lastSignInAt),
                must_change_password = \(bind: s.mustChangePassword), code_failed_count = \(bind: s.codeFailedCount),
                last_totp_step = \(bind: s.lastTOTPStep)
            WHERE user_id = \(bind: user)
            """
        ).run()
    }

    public static func randomToken() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ token: String) -> String { StaffDirectory.tokenHash(token) }
}

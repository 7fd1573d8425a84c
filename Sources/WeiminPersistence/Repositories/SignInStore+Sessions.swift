import Crypto
import FluentKit
import Foundation
import SQLKit
import WeiminCore

// Browser sessions: the cookie is shown once and only its hash is stored; a session ends when idle, on sign-out, or
// when the password changes.
extension SignInStore {
    public struct Session: Sendable {
        public var viewer: Viewer
        public var csrf: String
        public var secondFactorDone: Bool
        public var expiresAt: Date
        /// An administrator reset the password: it must be replaced before anything else.
        public var mustChangePassword: Bool
    }

    /// A new browser session; returns the cookie value (shown once, stored only as a hash) and its CSRF token.
    public func startSession(for viewer: Viewer, secondFactorDone: Bool, at now: Date = Date()) async throws -> (
        cookie: String, csrf: String
    ) {
        let cookie = Self.randomToken()
        let csrf = Self.randomToken()
        try await database.sql.raw(
            """
            INSERT INTO web_sessions (id, user_id, csrf, second_factor_done, created_at, last_seen_at, expires_at)
            VALUES (\(bind: Self.hash(cookie)), \(bind: viewer.userID), \(bind: csrf), \(bind: secondFactorDone), \(bind: now), \(bind: now),
                    \(bind: now.addingTimeInterval(Self.absoluteLimit)))
            """
        ).run()
        if secondFactorDone { try await upsert(viewer.userID) { $0.lastSignInAt = now } }
        return (cookie, csrf)
    }

    /// The session a cookie belongs to, if it is neither idle too long nor past its absolute end; using it
    /// keeps it alive (written at most once a minute).
    public func session(cookie: String, at now: Date = Date()) async throws -> Session? {
        guard cookie.count >= 20, cookie.count < 100 else { return nil }
        let id = Self.hash(cookie)
        guard
            let row = try await database.sql.raw(
                """
                SELECT w.user_id, w.csrf, w.second_factor_done, w.last_seen_at, w.expires_at, s.must_change_password
                FROM web_sessions w LEFT JOIN staff_sign_in s ON s.user_id = w.user_id WHERE w.id = \(bind: id)
                """
            ).first()
        else { return nil }
        let lastSeen = try row.decode(column: "last_seen_at", as: Date.self)
        let expires = try row.decode(column: "expires_at", as: Date.self)
        guard expires > now, now.timeIntervalSince(lastSeen) < Self.idleLimit else {
            try await database.sql.raw("DELETE FROM web_sessions WHERE id = \(bind: id)").run()
            return nil
        }
        guard let user = try await StaffUserModel.find(try row.decode(column: "user_id", as: UUID.self), on: database.db), user.active
        else { return nil }
        if now.timeIntervalSince(lastSeen) > 60 {
            try await database.sql.raw("UPDATE web_sessions SET last_seen_at = \(bind: now) WHERE id = \(bind: id)").run()
        }
        return Session(
            viewer: try StaffDirectory.viewer(user), csrf: try row.decode(column: "csrf", as: String.self),
            secondFactorDone: try row.decode(column: "second_factor_done", as: Bool.self), expiresAt: expires,
            mustChangePassword: try row.decode(column: "must_change_password", as: Bool?.self) ?? false)
    }

    public func completeSecondFactor(cookie: String, user: UUID, at now: Date = Date()) async throws {
        try await database.sql.raw("UPDATE web_sessions SET second_factor_done = \(bind: true) WHERE id = \(bind: Self.hash(cookie))").run()
        try await upsert(user) { $0.lastSignInAt = now }
    }

    public func endSession(cookie: String) async throws {
        try await database.sql.raw("DELETE FROM web_sessions WHERE id = \(bind: Self.hash(cookie))").run()
    }

    public func endSessions(of user: UUID) async throws {
        try await database.sql.raw("DELETE FROM web_sessions WHERE user_id = \(bind: user)").run()
    }
}

import Foundation
import HummingbirdOTP

/// What the database does not count: failures by network address (a guesser who tries many names from one place)
/// and failures on names that do not exist (so they lock after five tries like real accounts, and a lock does not
/// tell a guesser which names are real). Kept in memory: it protects one running server, and a restart only gives a
/// guesser back one window. Bounded, so a flood of random names cannot grow it without limit.
public actor SignInThrottle {
    public static let addressLimit = 20
    public static let window: TimeInterval = 15 * 60
    static let maxEntries = 10_000

    struct Count {
        var failures: [Date] = []
        var blockedUntil: Date?
    }

    private var addresses: [String: Count] = [:]
    private var unknownNames: [String: Count] = [:]

    public init() {}

    public func addressBlocked(_ address: String?, at now: Date) -> Date? {
        guard let address, let until = addresses[address]?.blockedUntil, until > now else { return nil }
        return until
    }

    public func recordAddressFailure(_ address: String?, at now: Date) {
        guard let address else { return }
        _ = Self.record(&addresses, address, limit: Self.addressLimit, at: now)
    }

    public func unknownNameLocked(_ name: String, at now: Date) -> Date? {
        guard let until = unknownNames[name]?.blockedUntil, until > now else { return nil }
        return until
    }

    /// Returns the end of the lock when this failure makes one (as `SignInStore.maxFailures` does for real accounts).
    public func recordUnknownNameFailure(_ name: String, at now: Date) -> Date? {
        Self.record(&unknownNames, name, limit: SignInStore.maxFailures, at: now)
    }

    private static func record(_ table: inout [String: Count], _ key: String, limit: Int, at now: Date) -> Date? {
        if table.count >= maxEntries { prune(&table, at: now) }
        var c = table[key] ?? Count()
        c.failures = c.failures.filter { now.timeIntervalSince($0) < window } + [now]
        if c.failures.count >= limit {
            c.failures = []
            c.blockedUntil = now.addingTimeInterval(window)
        }
        table[key] = c
        return c.blockedUntil.flatMap { $0 > now ? $0 : nil }
    }

    private static func prune(_ table: inout [String: Count], at now: Date) {
        table = table.filter { _, c in
            (c.blockedUntil.map { $0 > now } ?? false) || c.failures.contains { now.timeIntervalSince($0) < window }
        }
        // Still full of live entries: forget the oldest half rather than grow.
        if table.count >= maxEntries {
            let keep = table.sorted { ($0.value.failures.last ?? .distantPast) > ($1.value.failures.last ?? .distantPast) }.prefix(
                maxEntries / 2)
            table = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }
}

/// RFC 6238 codes (30-second steps, 6 digits), as authenticator apps compute them.
public enum TOTPCode {
    public static let stepSeconds: TimeInterval = 30

    /// The time step whose code this is — now, or one step either side — or nil.
    public static func matchingStep(code: String, secret: String, at now: Date) -> Int64? {
        let digits = code.filter { $0 != " " }
        guard digits.count == 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits) else { return nil }
        let totp = TOTP(secret: secret)
        for offset in [0.0, -stepSeconds, stepSeconds] {
            let at = now.addingTimeInterval(offset)
            if totp.compute(date: at) == value { return Int64((at.timeIntervalSince1970 / stepSeconds).rounded(.down)) }
        }
        return nil
    }
}

import Foundation
import WeiminCore

/// Where the data lives: an embedded SQLite file (the default) or a PostgreSQL server.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// `--database-url` wins over `--dir`; `sqlite:` URLs are accepted for symmetry.
    public static func resolve(databaseURL: String?, dir: String) throws -> DatabaseLocation {
        if let raw = databaseURL?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if raw.hasPrefix("postgres://") || raw.hasPrefix("postgresql://") {
                return .postgres(url: raw)
            }
            if raw.hasPrefix("sqlite://") {
                return .sqlite(path: String(raw.dropFirst("sqlite://".count)))
            }
            throw PersistenceError.configuration(StoreMessages.Database.unrecognisedURL)
        }
        return .sqlite(path: (dir as NSString).appendingPathComponent("weimin.sqlite"))
    }

    public var isSQLite: Bool {
        if case .sqlite = self { return true }
        return false
    }

    /// Safe to print: a PostgreSQL password never appears.
    public var description: String {
        switch self {
        case .sqlite(let path): return "SQLite \(path)"
        case .postgres(let url): return "PostgreSQL \(Self.redact(url))"
        }
    }

    static func redact(_ url: String) -> String {
        guard var c = URLComponents(string: url) else { return "postgres://…" }
        if c.password != nil { c.password = "***" }
        return c.string ?? "postgres://…"
    }
}

public enum PersistenceError: Error, CustomStringConvertible, Sendable {
    /// Settings that make the database unsafe to run on; the message says how to fix it.
    case unsafeDatabase(String)
    /// The database was migrated by a newer Weimin.
    case schemaTooNew([String])
    case schemaNotMigrated
    case configuration(String)
    case keyMismatch(String)
    case notFound(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .unsafeDatabase(let why): return StoreMessages.Database.unsafe(why)
        case .schemaTooNew(let names): return StoreMessages.Database.schemaTooNew(names)
        case .schemaNotMigrated: return StoreMessages.Database.schemaNotMigrated
        case .configuration(let why): return why
        case .keyMismatch(let why): return why
        case .notFound(let what): return StoreMessages.Database.notFound(what)
        case .invalid(let why): return why
        }
    }
}

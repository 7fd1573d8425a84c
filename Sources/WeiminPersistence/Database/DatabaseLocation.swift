import Foundation

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
            throw PersistenceError.configuration(
                "数据库地址无法识别：应以 postgres:// 开头（例如 postgres://weimin:密码@127.0.0.1:5432/weimin），或不设置以使用内置 SQLite")
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
        case .unsafeDatabase(let why): return "数据库设置不安全，拒绝启动：\(why)"
        case .schemaTooNew(let names):
            return "数据库结构比本程序新（未知的迁移：\(names.joined(separator: ", "))）。请升级 weimin 后再启动，切勿用旧版本打开。"
        case .schemaNotMigrated: return "数据库尚未初始化或有未执行的迁移，请先运行 `weimin migrate`。"
        case .configuration(let why): return why
        case .keyMismatch(let why): return why
        case .notFound(let what): return "未找到：\(what)"
        case .invalid(let why): return why
        }
    }
}

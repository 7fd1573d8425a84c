import Foundation
import Logging
import WeiminPersistence
import ZIPFoundation

/// `weimin backup` and `weimin restore` for the embedded database: one zip with the database (a consistent
/// `VACUUM INTO` copy taken while the server runs), the media files, and a manifest (release, schema, row counts and
/// the data key's fingerprint). Never the key itself: a backup on a shared drive must not open sealed reports. The
/// key is kept apart by the county (docs/install.md) and given back at restore.
public enum Backup {
    public static let format = "weimin-backup-1"

    public struct Manifest: Codable, Sendable, Equatable {
        public var format: String
        /// `sqlite` (the zip holds weimin.sqlite) or `postgresql` (weimin.pgdump, pg_dump's custom format).
        public var database: String
        public var release: String
        public var schema: Int
        public var createdAt: Date
        public var keyFingerprint: String
        /// Where the key was when the backup was made (a path, not a secret): restore looks there when no key is given.
        public var keyFile: String
        public var counts: [String: Int]
        public var mediaFiles: Int

        enum CodingKeys: String, CodingKey {
            case format, database, release, schema, counts
            case createdAt = "created_at"
            case keyFingerprint = "key_fingerprint"
            case keyFile = "key_file"
            case mediaFiles = "media_files"
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ d: String) { description = d }
    }

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.dateEncodingStrategy = .iso8601
        return e
    }

    /// Writes the backup of `services`' database to `out` (which must not exist). `progress` hears each step.
    public static func make(
        services: AppServices, out: String, includeMedia: Bool = true, progress: (String) -> Void = { _ in }
    ) async throws -> Manifest {
        guard !FileManager.default.fileExists(atPath: out) else { throw Failure("\(out) 已存在，不会覆盖：请换一个文件名") }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("weimin-backup-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        progress("复制数据库（服务可继续运行）…")
        let (kind, dump, counts) = try await copyDatabase(services, into: work)
        let mediaRoot = URL(fileURLWithPath: services.mediaFiles.root)
        let media = includeMedia ? mediaFiles(under: mediaRoot) : []
        let manifest = Manifest(
            format: format, database: kind, release: WeiminVersion.release, schema: WeiminVersion.schema, createdAt: Date(),
            keyFingerprint: services.keyFingerprint, keyFile: URL(fileURLWithPath: services.config.keyFile).standardizedFileURL.path,
            counts: counts, mediaFiles: media.count)
        try encoder.encode(manifest).write(to: URL(fileURLWithPath: work + "/manifest.json"))

        progress("写入 \(out)（数据库 + \(media.count) 个媒体文件）…")
        let partial = out + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        let archive = try Archive(url: URL(fileURLWithPath: partial), accessMode: .create)
        try archive.addEntry(with: "manifest.json", relativeTo: URL(fileURLWithPath: work), compressionMethod: .deflate)
        try archive.addEntry(with: dump, relativeTo: URL(fileURLWithPath: work), compressionMethod: .deflate)
        for (i, relative) in media.enumerated() {
            // Photos and voice are compressed already; storing them as they are is faster and no larger.
            try archive.addEntry(with: relative, relativeTo: mediaRoot.deletingLastPathComponent(), compressionMethod: .none)
            if (i + 1) % 500 == 0 { progress("媒体文件 \(i + 1)/\(media.count)") }
        }
        // Only a complete file gets the final name: a backup cut short by a full disk is never taken for a good one.
        try FileManager.default.moveItem(atPath: partial, toPath: out)
        return manifest
    }

    /// The database's consistent copy in `work`: its kind, file name and the row counts of that same moment.
    static func copyDatabase(_ services: AppServices, into work: String) async throws -> (String, String, [String: Int]) {
        switch services.database.location {
        case .sqlite:
            let snapshot = work + "/weimin.sqlite"
            try await services.database.snapshotSQLite(to: snapshot)
            // Count what the copy holds, not the live database (which has moved on meanwhile).
            let copy = try WeiminDatabase(location: .sqlite(path: snapshot), logger: services.logger)
            do {
                let counts = try await copy.rowCounts()
                await copy.shutdown()
                return ("sqlite", "weimin.sqlite", counts)
            } catch {
                await copy.shutdown()
                throw error
            }
        case .postgres(let url):
            let pgDump = try PostgresTools.find("pg_dump")
            let file = work + "/weimin.pgdump"
            // pg_dump reads the very snapshot the counts were taken in.
            let counts = try await services.database.withExportedSnapshot { snapshot, counts in
                try await PostgresTools.run(
                    pgDump, ["--format=custom", "--no-owner", "--no-privileges", "--snapshot=\(snapshot)", "--file=\(file)"], url: url)
                return counts
            }
            return ("postgresql", "weimin.pgdump", counts)
        }
    }

    /// `media/ab/cd/<sha256>` paths (relative to the media folder's parent), without the unfinished `tmp` ones.
    static func mediaFiles(under root: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var found: [String] = []
        let base = root.lastPathComponent
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let relative = url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1)
            if relative.hasPrefix("tmp/") { continue }
            found.append(base + "/" + relative)
        }
        return found.sorted()
    }

    /// Reads a backup's manifest without extracting it.
    public static func manifest(of file: String) throws -> Manifest {
        guard FileManager.default.fileExists(atPath: file) else { throw Failure("找不到备份文件 \(file)") }
        let archive: Archive
        do { archive = try Archive(url: URL(fileURLWithPath: file), accessMode: .read) } catch {
            throw Failure("\(file) 不是 weimin 备份（无法作为 zip 读取，可能不完整或已损坏）")
        }
        guard let entry = archive["manifest.json"] else { throw Failure("\(file) 不是 weimin 备份（缺少 manifest.json）") }
        var data = Data()
        _ = try archive.extract(entry) { data.append($0) }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let manifest = try decoder.decode(Manifest.self, from: data)
        guard manifest.format == format else { throw Failure("备份格式 \(manifest.format) 无法识别（本程序读 \(format)）") }
        return manifest
    }

    /// Restores `file` into the new data folder `dir` (refused if it exists and is not empty), with the data key from
    /// `keyFile`, else from where it was at backup time. The key must match the manifest's fingerprint.
    public static func restore(
        _ file: String, into dir: String, keyFile: String?, databaseURL: String? = nil, progress: (String) -> Void = { _ in }
    ) async throws -> Manifest {
        let manifest = try manifest(of: file)
        guard manifest.schema <= WeiminVersion.schema else {
            throw Failure("备份来自较新的版本（schema \(manifest.schema)，本程序 \(WeiminVersion.schema)）：请用新版本恢复")
        }
        let fm = FileManager.default
        if manifest.database == "postgresql" {
            guard databaseURL != nil else {
                throw Failure("这是 PostgreSQL 的备份：请用 --database-url 指定一个新建的空数据库（createdb weimin_restored）")
            }
        } else if databaseURL != nil {
            throw Failure("这是内置 SQLite 的备份，不能恢复到 PostgreSQL：去掉 --database-url")
        }
        if fm.fileExists(atPath: dir), !((try? fm.contentsOfDirectory(atPath: dir)) ?? []).isEmpty {
            throw Failure("\(dir) 已存在且不是空的，不会覆盖：请给一个新的数据目录")
        }
        let source = keyFile ?? manifest.keyFile
        guard let keyText = try? String(contentsOfFile: source, encoding: .utf8) else {
            throw Failure("找不到数据密钥 \(source)。备份不含密钥：请用 --key-file 指定单独保管的 weimin.key（指纹 \(manifest.keyFingerprint)）")
        }
        let key = try DataKey.parse(keyText.trimmingCharacters(in: .whitespacesAndNewlines), source: source)
        guard key.fingerprint == manifest.keyFingerprint else {
            throw Failure("密钥 \(source) 的指纹 \(key.fingerprint) 与备份记录的 \(manifest.keyFingerprint) 不符：这不是这份数据的密钥")
        }
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        progress("解压到 \(dir)…")
        let archive = try Archive(url: URL(fileURLWithPath: file), accessMode: .read)
        let target = URL(fileURLWithPath: dir).standardizedFileURL
        for entry in archive where entry.path != "manifest.json" && entry.path != "weimin.pgdump" {
            let destination = target.appendingPathComponent(entry.path).standardizedFileURL
            // An entry named ../x must not escape the new folder.
            guard destination.path.hasPrefix(target.path + "/") else { throw Failure("备份中有越界的路径 \(entry.path)，已停止") }
            _ = try archive.extract(entry, to: destination)
        }
        if let databaseURL, let dump = archive["weimin.pgdump"] {
            let database = try WeiminDatabase(
                location: try DatabaseLocation.resolve(databaseURL: databaseURL, dir: dir), logger: .init(label: "weimin.restore"))
            let used: Bool
            do { used = try await database.hasWeiminSchema() } catch {
                await database.shutdown()
                throw error
            }
            await database.shutdown()
            guard !used else { throw Failure("目标数据库已有 weimin 的表，不会覆盖：请新建一个空数据库") }
            let file = target.appendingPathComponent(".weimin.pgdump").path
            defer { try? fm.removeItem(atPath: file) }
            _ = try archive.extract(dump, to: URL(fileURLWithPath: file))
            progress("pg_restore 写入数据库…")
            try await PostgresTools.run(
                try PostgresTools.find("pg_restore"), ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", file],
                url: databaseURL)
        }
        let keyPath = target.appendingPathComponent("weimin.key").path
        try Data(keyText.utf8).write(to: URL(fileURLWithPath: keyPath))
        try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyPath)
        return manifest
    }
}

extension Backup.Manifest {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(String.self, forKey: .format)
        // The first backups (before PostgreSQL was covered) were all SQLite and did not say so.
        database = try c.decodeIfPresent(String.self, forKey: .database) ?? "sqlite"
        release = try c.decode(String.self, forKey: .release)
        schema = try c.decode(Int.self, forKey: .schema)
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        keyFingerprint = try c.decode(String.self, forKey: .keyFingerprint)
        keyFile = try c.decode(String.self, forKey: .keyFile)
        counts = try c.decode([String: Int].self, forKey: .counts)
        mediaFiles = try c.decode(Int.self, forKey: .mediaFiles)
    }
}

import ArgumentParser
import Foundation
import WeiminServer

// weimin backup | restore

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "备份数据库和媒体文件（服务可继续运行；不含密钥）。Back up the database and media while serving; never the key.",
        discussion: """
            写出一个 zip：数据库的一致副本、媒体文件和说明（版本、各表行数、密钥指纹）。密钥不在备份里：请另行妥善保管 weimin.key。
            内置 SQLite 用 VACUUM INTO 复制；PostgreSQL 调用 pg_dump（需安装 postgresql-client），恢复时用 --database-url 指定新建的空库。
            """)

    @OptionGroup var data: DataOptions

    @Option(help: "备份文件（不能已存在）。The backup file to write (must not exist).")
    var out: String

    @Flag(name: .customLong("no-media"), help: "不含媒体文件。Leave the media files out.")
    var noMedia = false

    func run() async throws {
        try await runReportingErrors {
            let config = try await data.load()
            let manifest = try await ServerRunner.withServices(config: config) { services in
                try await Backup.make(services: services, out: out, includeMedia: !noMedia) { say($0) }
            }
            let counts = manifest.counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "，")
            say("已备份到 \(out)：\(counts)；媒体文件 \(manifest.mediaFiles) 个。")
            say("密钥指纹 \(manifest.keyFingerprint)。备份不含密钥，恢复时需要 \(config.keyFile)（请另行保管）。")
        }
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "把备份恢复到一个新的数据目录（不会覆盖已有数据）。Restore a backup into a new data folder; never overwrites.")

    @Argument(help: "weimin backup 写出的文件。The backup file.")
    var file: String

    @Option(help: "新的数据目录（不存在或为空）。The new data folder (absent or empty).")
    var dir: String

    @Option(name: .customLong("key-file"), help: "数据密钥文件（默认：备份时的位置）。The data key (default: where it was at backup).")
    var keyFile: String?

    @Option(
        name: .customLong("database-url"),
        help: "PostgreSQL 备份恢复到的新建空数据库。For a PostgreSQL backup: the new, empty database to restore into.")
    var databaseURL: String?

    func run() async throws {
        try await runReportingErrors {
            let manifest = try await Backup.restore(file, into: dir, keyFile: keyFile, databaseURL: databaseURL) { say($0) }
            let counts = manifest.counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "，")
            say("已恢复到 \(dir)（备份于 \(manifest.createdAt)，版本 \(manifest.release)，schema \(manifest.schema)）：\(counts)。")
            say(
                "下一步：weimin audit verify --dir \(dir) 核验留痕链；weimin serve --dir \(dir)\(databaseURL == nil ? "" : " --database-url …") 启动（旧版本的备份会先要求 weimin migrate）。"
            )
        }
    }
}

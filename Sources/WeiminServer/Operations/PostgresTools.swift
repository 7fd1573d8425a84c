import Foundation

/// PostgreSQL's own client programs (`pg_dump`, `pg_restore`), run as child processes for backups. The password
/// travels in PGPASSWORD, never on the command line, where `ps` would show it to every user of the machine.
enum PostgresTools {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The program on PATH, else in Debian's versioned folders (newest first).
    static func find(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for v in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) })
        where FileManager.default.isExecutableFile(
            atPath: "/usr/lib/postgresql/\(v)/bin/\(name)")
        {
            return "/usr/lib/postgresql/\(v)/bin/\(name)"
        }
        throw Failure(
            description: "找不到 \(name)：请安装与服务器版本一致的 PostgreSQL 客户端（Debian：apt-get install postgresql-client），或按 docs/operations.md 手工备份")
    }

    /// Runs `program` with `arguments` against `url`; the URL's password goes into the environment.
    static func run(_ program: String, _ arguments: [String], url: String) async throws {
        var components = URLComponents(string: url)
        var environment = ProcessInfo.processInfo.environment
        if let password = components?.password {
            environment["PGPASSWORD"] = password
            components?.password = nil
        }
        // libpq reads postgres:// URLs but not the driver's sslmode=disable spelling differences; both are the same.
        let target = components?.string ?? url
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments + ["--dbname=\(target)"]
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let name = URL(fileURLWithPath: program).lastPathComponent
            throw Failure(
                description: "\(name) 失败（退出码 \(process.terminationStatus)）：\(String(decoding: output.prefix(2000), as: UTF8.self))")
        }
    }
}

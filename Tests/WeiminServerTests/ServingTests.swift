import Foundation
import Synchronization
import Testing
@testable import WeiminPersistence
@testable import WeiminServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Availability and process behaviour of the real `weimin serve`: connection cap, idle timeout, a taken port,
/// SIGTERM, the data key and file modes.
@Suite("Serving and process")
struct ServingTests {
    /// A migrated database (no demo data: these tests need only /healthz), closed again as an installer leaves it.
    static func prepared(_ backend: Backend) async throws -> WeiminConfig {
        let config = try await DemoApp.makeConfig(backend)
        _ = try await ServerRunner.withServices(config: config, migrate: true) { _ in true }
        return config
    }

    /// A plain TCP connection to the server on loopback, with a receive timeout so a test can never hang.
    final class Connection {
        let fd: Int32

        init(port: Int, receiveTimeout seconds: Int = 30) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw POSIXError(.EMFILE) }
            var timeout = timeval(tv_sec: seconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard result == 0 else {
                close(fd)
                throw POSIXError(.ECONNREFUSED)
            }
        }

        deinit { close(fd) }

        func send(_ text: String) {
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }

        /// Everything until the server closes the connection (or the timeout): nil when the timeout came first.
        func readToEnd() -> String? {
            var out = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n > 0 { out += buffer[0..<n]; continue }
                if n == 0 || errno == ECONNRESET { return String(decoding: out, as: UTF8.self) }
                return nil
            }
        }

        /// One response's head (up to the blank line).
        func readHead() -> String? {
            var out = [UInt8]()
            var byte: UInt8 = 0
            while !(out.count >= 4 && Array(out.suffix(4)) == Array("\r\n\r\n".utf8)) {
                guard recv(fd, &byte, 1, 0) == 1 else { return out.isEmpty ? nil : String(decoding: out, as: UTF8.self) }
                out.append(byte)
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    static func get(_ path: String) -> String { "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" }

    @Test("beyond the connection cap a request is answered 503 and closed; below it /healthz answers")
    func connectionCap() async throws {
        let config = try await Self.prepared(.sqlite)
        let cap = 16
        let (process, port) = try await ServeProcess.start(
            config, environment: ["WEIMIN_HTTP_MAX_CONNECTIONS": "\(cap)", "WEIMIN_HTTP_IDLE_TIMEOUT": "600"])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        // A few hundred idle connections: many more than the cap.
        var idle: [Connection] = []
        for _ in 0..<300 { idle.append(try Connection(port: port)) }
        let extra = try Connection(port: port)
        extra.send(Self.get("/healthz"))
        let refused = try #require(extra.readToEnd(), "no answer beyond the cap (the connection was left waiting)")
        #expect(refused.hasPrefix("HTTP/1.1 503"), "\(refused.prefix(80))")
        #expect(refused.lowercased().contains("connection: close"))
        #expect(refused.contains("连接数已满"))

        // The first connections were accepted under the cap and are served.
        idle[0].send(Self.get("/healthz"))
        let served = try #require(idle[0].readHead())
        #expect(served.hasPrefix("HTTP/1.1 200"), "\(served.prefix(80))")

        // Once the idle ones go, new connections are served again.
        idle.removeAll()
        var healthy = false
        for _ in 0..<100 where !healthy {
            let c = try Connection(port: port)
            c.send(Self.get("/healthz"))
            healthy = c.readHead()?.hasPrefix("HTTP/1.1 200") == true
            if !healthy { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(healthy)
    }

    @Test("the idle timeout and connection cap are read from the environment and checked")
    func settings() async throws {
        let c = try await WeiminConfig.load(
            flags: [:], configFile: nil, environment: ["WEIMIN_HTTP_IDLE_TIMEOUT": "5", "WEIMIN_HTTP_MAX_CONNECTIONS": "64"])
        #expect(c.idleTimeout == 5 && c.maxConnections == 64)
        for (k, v) in [("WEIMIN_HTTP_IDLE_TIMEOUT", "0"), ("WEIMIN_HTTP_IDLE_TIMEOUT", "abc"), ("WEIMIN_HTTP_MAX_CONNECTIONS", "-1")] {
            await #expect(throws: ConfigError.self, "\(k)=\(v)") {
                try await WeiminConfig.load(flags: [:], configFile: nil, environment: [k: v])
            }
        }
    }

    @Test("an idle connection, and one that never finishes its request head, is closed by the server")
    func idleTimeout() async throws {
        let config = try await Self.prepared(.sqlite)
        let (process, port) = try await ServeProcess.start(config, environment: ["WEIMIN_HTTP_IDLE_TIMEOUT": "1"])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let silent = try Connection(port: port)
        #expect(silent.readToEnd() != nil, "an idle connection stayed open")
        let slow = try Connection(port: port)
        slow.send("GET /healthz HTTP/1.1\r\nHo")
        #expect(slow.readToEnd() != nil, "a connection with a half-sent request head stayed open")
    }

    static func binary() throws -> String {
        let path = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("weimin").path
        try #require(FileManager.default.isExecutableFile(atPath: path), "build the weimin executable first (swift build --build-tests)")
        return path
    }

    /// Runs `weimin` to its end; returns how it ended and what it wrote to standard error.
    static func run(_ arguments: [String]) async throws -> (reason: Process.TerminationReason, status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try binary())
        process.arguments = arguments
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationReason, process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func arguments(_ command: String, _ config: WeiminConfig) -> [String] {
        var a = [command, "--dir", config.dir]
        if let url = config.databaseURL { a += ["--database-url", url] }
        return a
    }

    @Test("a second serve on a taken port says so in Chinese and exits 1, without crashing", arguments: Backend.available)
    func portTaken(backend: Backend) async throws {
        let config = try await Self.prepared(backend)
        let (first, port) = try await ServeProcess.start(config)
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        let second = try await Self.run(
            Self.arguments("serve", config) + ["--host", "127.0.0.1", "--port", "\(port)", "--log-level", "error"])
        #expect(second.reason == .exit, "ended by a signal: \(second.status)")
        #expect(second.status == 1)
        #expect(second.stderr.contains("端口 \(port) 已被占用"), "\(second.stderr)")
    }

    @Test("SIGTERM drains and exits 0", arguments: Backend.available)
    func sigterm(backend: Backend) async throws {
        let config = try await Self.prepared(backend)
        let (process, port) = try await ServeProcess.start(config)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let c = try Connection(port: port)
        c.send(Self.get("/healthz"))
        #expect(c.readHead()?.hasPrefix("HTTP/1.1 200") == true)
        kill(process.processIdentifier, SIGTERM)
        let ended = await Task.detached {
            process.waitUntilExit(); return (process.terminationReason, process.terminationStatus)
        }.value
        #expect(ended.0 == .exit)
        #expect(ended.1 == 0)
    }

    @Test("migrate refuses to write a new key for a database that holds data; the old key restored works", arguments: Backend.available)
    func missingKey(backend: Backend) async throws {
        let config = try await Self.prepared(backend)
        let original = try Data(contentsOf: URL(fileURLWithPath: config.keyFile))
        try FileManager.default.removeItem(atPath: config.keyFile)
        let migrate = try await Self.run(Self.arguments("migrate", config))
        #expect(migrate.status == 1)
        #expect(migrate.stderr.contains("恢复"), "\(migrate.stderr)")
        #expect(!FileManager.default.fileExists(atPath: config.keyFile), "a new key file was written")
        let serve = try await Self.run(Self.arguments("serve", config) + ["--port", "0"])
        #expect(serve.status == 1)
        #expect(!FileManager.default.fileExists(atPath: config.keyFile))
        try original.write(to: URL(fileURLWithPath: config.keyFile))
        #expect(try await Self.run(Self.arguments("migrate", config)).status == 0)
    }

    @Test("a new data folder is 0700; the database, its WAL files and the key are 0600")
    func fileModes() async throws {
        let config = try await Self.prepared(.sqlite)
        func mode(_ path: String) throws -> Int {
            try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }
        #expect(try mode(config.dir) == 0o700)
        #expect(try mode(config.keyFile) == 0o600)
        let db = (config.dir as NSString).appendingPathComponent("weimin.sqlite")
        #expect(try mode(db) == 0o600)
        // The server writes the WAL; its files take the database file's mode.
        let (process, port) = try await ServeProcess.start(config)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let c = try Connection(port: port)
        c.send(Self.get("/healthz"))
        _ = c.readHead()
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: db + suffix) {
            #expect(try mode(db + suffix) == 0o600, "\(suffix)")
        }
    }
}

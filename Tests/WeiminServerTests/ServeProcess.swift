import Foundation
import Synchronization
import Testing
@testable import WeiminPersistence
@testable import WeiminServer

/// The real `weimin serve` in its own process (built with the tests), on a free loopback port.
enum ServeProcess {
    static func start(_ config: WeiminConfig, environment extra: [String: String] = [:]) async throws -> (process: Process, port: Int) {
        let binary = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("weimin").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the weimin executable first (swift build --build-tests)")
        var arguments = ["serve", "--host", "127.0.0.1", "--port", "0", "--dir", config.dir, "--log-level", "error"]
        if let url = config.databaseURL { arguments += ["--database-url", url] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        let banner = Mutex("")
        out.fileHandleForReading.readabilityHandler = { h in
            let chunk = String(decoding: h.availableData, as: UTF8.self)
            banner.withLock { $0 += chunk }
        }
        try process.run()
        for _ in 0..<200 {
            let text = banner.withLock { $0 }
            if let r = text.range(of: #"http://127\.0\.0\.1:(\d+)"#, options: .regularExpression),
                let port = Int(text[r].split(separator: ":").last!)
            {
                return (process, port)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(process.processIdentifier, SIGKILL)
        throw ServeFailure(output: banner.withLock { $0 })
    }

    struct ServeFailure: Error, CustomStringConvertible {
        let output: String
        var description: String { "weimin serve did not start: \(output)" }
    }
}

extension DemoApp {
    /// HTTP Basic with the demo password, for fixtures with their own database (no cached token there).
    static func basic(_ user: String) -> String { "Basic " + Data("\(user):\(password)".utf8).base64EncodedString() }

    /// `Authorization: Bearer …` for a demo user of these services, issued directly. Supervisor, discipline and admin
    /// cannot use Basic (they need a second factor); tests that are not about sign-in take a token this way.
    static func auth(_ user: String, _ services: AppServices) async throws -> String {
        let privileged = ["duban", "jijian", "admin"].contains(user)
        return privileged ? try await bearer(user, services) : basic(user)
    }

    static func bearer(_ user: String, _ services: AppServices) async throws -> String {
        let viewer = try #require(try await services.staff.user(named: user))
        return "Bearer " + (try await services.staff.issueToken(for: viewer).token)
    }
}

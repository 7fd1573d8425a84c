import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import WeiminCore
import WeiminPersistence

/// What the command line calls: each entry point opens the services, does its work and closes them.
/// Kept here, not in the executable, so tests can drive the same paths.
public enum ServerRunner {
    public static func makeLogger(_ config: WeiminConfig) -> Logger {
        var logger =
            config.logJSON
            ? Logger(label: "weimin") { JSONLogHandler(label: $0) }
            : Logger(label: "weimin")
        logger.logLevel = config.logLevel
        return logger
    }

    /// `weimin serve`: runs until SIGINT/SIGTERM.
    public static func serve(config: WeiminConfig, migrate: Bool = false, banner: (@Sendable (String) -> Void)? = nil) async throws {
        let logger = makeLogger(config)
        let services = try await AppServices.open(config: config, migrate: migrate, logger: logger)
        let location = services.database.location
        if let warning = services.calendarWarning() {
            logger.warning("\(warning)")
            try? FileHandle.standardOutput.write(contentsOf: Data("警告：\(warning)\n".utf8))
        }
        let tracing: (any Service)?
        do { tracing = try Tracing.service(config: config, logger: logger) } catch {
            await services.shutdown()
            throw error
        }
        let app = buildApplication(services: services, extraServices: tracing.map { [$0] } ?? []) { port in
            let host = config.host == "0.0.0.0" ? "127.0.0.1" : config.host
            let text = "Weimin 为民 已启动：http://\(host):\(port)\n数据库：\(location)\n按 Ctrl+C 停止。"
            if let banner { banner(text) } else { try? FileHandle.standardOutput.write(contentsOf: Data((text + "\n").utf8)) }
        }
        do {
            try await app.runService()
        } catch {
            // Every service has stopped by now; only then is the pool closed (a service must never meet a closed pool).
            await services.shutdown()
            if (error as? IOError)?.errnoCode == EADDRINUSE || String(describing: error).contains("Address already in use") {
                throw ConfigError.invalid("端口 \(config.port) 已被占用（可能已有一个 weimin 在运行）。请停止它，或用 --port 换一个端口。")
            }
            throw error
        }
        await services.shutdown()
    }

    public static func withServices<T: Sendable>(config: WeiminConfig, migrate: Bool = false, _ body: (AppServices) async throws -> T)
        async throws -> T
    {
        let services = try await AppServices.open(config: config, migrate: migrate, logger: makeLogger(config))
        do {
            let result = try await body(services)
            await services.shutdown()
            return result
        } catch {
            await services.shutdown()
            throw error
        }
    }
}

import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import WeiminServer

/// What every benchmark needs: a fresh database in a temporary folder (or an empty PostgreSQL), and
/// a server on a free loopback port that can be stopped gracefully.
enum BenchSupport {
    static func withFreshServices<T: Sendable>(databaseURL: String?, _ body: (AppServices) async throws -> T) async throws -> T {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weimin-bench-\(UUID().uuidString)").path
        // WEIMIN_BENCH_KEEP=1 keeps the database afterwards (to look at query plans on the same data).
        let keep = ProcessInfo.processInfo.environment["WEIMIN_BENCH_KEEP"] == "1"
        defer {
            if keep {
                FileHandle.standardError.write(Data("数据库保留在 kept: \(dir)\n".utf8))
            } else {
                try? FileManager.default.removeItem(atPath: dir)
            }
        }
        var config = WeiminConfig(dir: dir, host: "127.0.0.1", port: 0)
        config.databaseURL = databaseURL
        config.supervisionInterval = 0
        config.triageInterval = 0
        config.retentionDays = 0
        var logger = Logger(label: "weimin.bench")
        logger.logLevel = .error
        let services = try await AppServices.open(config: config, migrate: true, logger: logger)
        do {
            let result = try await body(services)
            await services.shutdown()
            return result
        } catch {
            await services.shutdown()
            throw error
        }
    }

    /// A running loopback server: its port, and how to stop it.
    struct Server {
        let port: Int
        let group: ServiceGroup
        let task: Task<Void, any Error>

        func stop() async {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
        }
    }

    static func start<Context: RequestContext>(_ router: Router<Context>, logger: Logger) async throws -> Server
    where Context.Source == ApplicationRequestContextSource {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "weimin"),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw HTTPError(.internalServerError, message: "无法在本机回环地址上启动压测服务器")
        }
        return Server(port: port, group: group, task: task)
    }
}

import Foundation
import Logging
import ServiceLifecycle
import WeiminApp
import WeiminPersistence

/// Once a day, erases personal data past the retention period (off when the period is 0).
public struct RetentionService: Service {
    let store: RetentionStore
    let media: MediaStore
    let files: MediaFiles
    let days: Int
    let logger: Logger
    let health: ServiceHealth

    public init(services: AppServices) {
        self.store = services.retention
        self.media = services.mediaStore
        self.files = services.mediaFiles
        self.days = services.config.retentionDays
        self.logger = services.logger
        self.health = services.health
    }

    public func run() async throws {
        // Graceful shutdown cancels the sleep; that is the normal end of this service, not an error (SIGTERM exits 0).
        try await endingQuietlyOnShutdown {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    do {
                        let erased = try await RunRetention(store: store).run(now: Date(), days: days)
                        if !erased.isEmpty { logger.notice("retention: personal data erased", metadata: ["cases": "\(erased.count)"]) }
                        // The erased items' files, now that their rows say so (also swept by the media service).
                        while try await media.sweepErased(files: files) > 0 {}
                        health.passed("retention")
                    } catch {
                        logger.error("retention run failed", metadata: ["error": "\(String(reflecting: error))"])
                        health.failed("retention", error: "\(error)")
                    }
                    try await Task.sleep(for: .seconds(86400))
                }
            }
        }
    }
}

import Foundation
import Logging
import ServiceLifecycle
import WeiminApp
import WeiminCore
import WeiminPersistence

/// Triages new messages shortly after they are stored (every `triage.interval` ms): ingestion acknowledges a
/// message as soon as it is on disk and never waits for triage, so triage cannot slow it down. One instance
/// at a time works (a lease); on SIGTERM the current pass finishes first.
public struct TriageService: Service {
    let store: TriageStore
    let leases: SupervisionStore
    let services: AppServices
    let interval: Duration
    let logger: Logger
    let holder = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"

    public init(services: AppServices, interval: Duration) {
        store = services.triageStore
        leases = services.supervision
        self.services = services
        self.interval = interval
        logger = services.logger
    }

    /// The county's triager: the configured or shipped model and rules, with its places and catalogue.
    public static func triager(services: AppServices, store: TriageStore) async throws -> Triager {
        let knowledge = try await store.countyKnowledge()
        var triager = try TriageSetup.triager(
            modelPath: services.config.activeTriageModel, rulesPath: services.config.triageRules,
            places: knowledge.places, catalogue: knowledge.catalogue)
        triager.noneAbove = services.config.triageNoneAbove
        return triager
    }

    /// One pass (for tests and for the loop).
    public func runOnce(triager: inout Triager, limit: Int = 500, now: Date = Date()) async throws -> TriageStore.Pass {
        var working = triager
        let pass = try await leases.withLease("triage", holder: holder, now: now, for: 60) {
            try await services.triagePending.run(triager: &working, limit: limit, at: now)
        }
        triager = working
        return pass ?? TriageStore.Pass()
    }

    /// The model file's path, size and modification time: what tells that it changed.
    static func modelStamp(_ path: String?) -> String {
        guard let path, let a = try? FileManager.default.attributesOfItem(atPath: path) else { return "shipped" }
        return "\(path)|\(a[.size] ?? 0)|\((a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
    }

    public func run() async throws {
        // Triage starts with the messages stored from now on. The cursor is set before the model loads (seconds for a
        // large model): a message that arrives meanwhile is triaged, not skipped as history.
        do {
            try await services.triagePending.start(at: Date())
        } catch {
            logger.error("triage could not set its starting point", metadata: ["error": "\(String(reflecting: error))"])
        }
        var triager: Triager
        services.health.model = .loading
        do { triager = try await Self.triager(services: services, store: store) } catch {
            logger.error("triage is off: the model or rules could not be loaded", metadata: ["error": "\(error)"])
            services.health.model = .failed(reason: "\(error)")
            return
        }
        services.health.model = .loaded(version: triager.modelVersion)
        logger.info("triage on", metadata: ["model": "\(triager.modelVersion)"])
        var loaded = Self.modelStamp(services.config.activeTriageModel)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // A model retrained (or replaced) while the server runs is picked up on the next pass.
            let stamp = Self.modelStamp(services.config.activeTriageModel)
            if stamp != loaded {
                do {
                    triager = try await Self.triager(services: services, store: store)
                    logger.info("triage model reloaded", metadata: ["model": "\(triager.modelVersion)"])
                } catch {
                    logger.error("the new triage model could not be loaded; keeping the old one", metadata: ["error": "\(error)"])
                }
                loaded = stamp
            }
            // Acknowledging messages comes first: while a flood is being written, triage waits (up to 5 s at a
            // time, so it never starves) and then takes a short pass, instead of competing for the one writer.
            var waited = Duration.zero
            while waited < .seconds(5), await services.ingest.writer.busy(within: .milliseconds(250)), !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                waited += .milliseconds(250)
            }
            do {
                let limit = waited > .zero ? 100 : 500
                let pass = try await runOnce(triager: &triager, limit: limit)
                services.health.passed("triage")
                if pass.triaged >= limit { continue }
            } catch {
                logger.error("triage pass failed", metadata: ["error": "\(String(reflecting: error))"])
                services.health.failed("triage", error: "\(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}

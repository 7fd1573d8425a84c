import Foundation
import Logging
import ServiceLifecycle
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
        store = TriageStore(database: services.database, cipher: services.cipher)
        leases = SupervisionStore(database: services.database)
        self.services = services
        self.interval = interval
        logger = services.logger
    }

    /// The county's triager: the configured or shipped model and rules, with its places and catalogue.
    public static func triager(services: AppServices, store: TriageStore) async throws -> Triager {
        let knowledge = try await store.countyKnowledge()
        return try TriageSetup.triager(modelPath: services.config.triageModel, rulesPath: services.config.triageRules,
                                       places: knowledge.places, catalogue: knowledge.catalogue)
    }

    /// One pass (for tests and for the loop).
    public func runOnce(triager: inout Triager, now: Date = Date()) async throws -> TriageStore.Pass {
        var working = triager
        let pass = try await leases.withLease("triage", holder: holder, now: now, for: 60) {
            try await store.runOnce(triager: &working, cases: services.caseStore, workflow: services.workflow, at: now)
        }
        triager = working
        return pass ?? TriageStore.Pass()
    }

    public func run() async throws {
        var triager: Triager
        do { triager = try await Self.triager(services: services, store: store) } catch {
            logger.error("triage is off: the model or rules could not be loaded", metadata: ["error": "\(error)"])
            return
        }
        logger.info("triage on", metadata: ["model": "\(triager.modelVersion)"])
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let pass = try await runOnce(triager: &triager)
                if pass.triaged >= 500 { continue }
            } catch {
                logger.error("triage pass failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}

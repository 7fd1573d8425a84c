import Foundation
import Hummingbird
import HTTPTypes
import Logging
import ServiceLifecycle
import WeiminApp
import WeiminCore
import WeiminPersistence

/// The router with every route. Authorization is decided per route through `requireViewer`, which
/// consults `Access` in WeiminCore: one rule table, one place.
public func buildRouter(services: AppServices) -> Router<WeiminRequestContext> {
    let router = Router(context: WeiminRequestContext.self)
    if services.config.tracingEndpoint != nil {
        // A span per request for the county's collector. Query values that are secrets (bridge tokens, platform
        // signatures) or personal (ledger searches) are sent as REDACTED; bodies never.
        router.add(middleware: TracingMiddleware(redactingQueryParameters: Tracing.redactedQueryParameters))
    }
    router.add(middleware: RequestLogMiddleware(logger: services.logger))
    router.add(middleware: ErrorLoggingMiddleware(logger: services.logger))
    router.add(middleware: InputRulesMiddleware())
    HealthController(services: services).addRoutes(to: router)
    OperationsController(services: services).addRoutes(to: router)
    HomeController(services: services).addRoutes(to: router)
    PlatformCallbacksController(services: services).addRoutes(to: router)
    FileLinksController(services: services).addRoutes(to: router)
    // The web console: cookie sessions, forms with CSRF tokens, server-rendered pages.
    let signIn = services.signIn
    for (path, type, body) in [
        ("static/weimin.css", "text/css; charset=utf-8", WebViews.stylesheet),
        ("static/weimin.js", "text/javascript; charset=utf-8", WebViews.script),
    ] {
        router.get(RouterPath(path)) { _, _ -> Response in
            Response(
                status: .ok,
                headers: [
                    .contentType: type, .cacheControl: "max-age=3600",
                    HTTPField.Name("X-Content-Type-Options")!: "nosniff",
                ],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
    }
    let console = router.group().add(middleware: WebSessionMiddleware(signIn: signIn))
    SignInController(services: services, signIn: signIn).addRoutes(to: console)
    WorkbenchController(services: services).addRoutes(to: console)
    LedgerController(services: services).addRoutes(to: console)
    SupervisionPageController(services: services).addRoutes(to: console)
    CasePageController(services: services).addRoutes(to: console)
    DashboardController(services: services).addRoutes(to: console)
    ExportController(services: services).addRoutes(to: console)
    GroupsController(services: services).addRoutes(to: console)
    DutyPageController(services: services).addRoutes(to: console)
    AccountController(services: services, signIn: signIn).addRoutes(to: console)
    let api = router.group("api/v1").add(middleware: AuthenticationMiddleware(staff: services.staff, signIn: signIn))
    SessionsController(staff: services.staff, signIn: signIn).addRoutes(to: api)
    RegionsController(services: services).addRoutes(to: api)
    let cases = CasesController(services: services)
    cases.addRoutes(to: api)
    cases.addActionRoutes(to: api)
    cases.addSealedRoutes(to: api)
    SupervisionController(services: services).addRoutes(to: api)
    NoticesController(services: services).addRoutes(to: api)
    TemplatesController(services: services).addRoutes(to: api)
    OutboxController(services: services).addRoutes(to: api)
    AlertsController(services: services).addRoutes(to: api)
    DutyController(services: services).addRoutes(to: api)
    TriageController(services: services).addRoutes(to: api)
    MessagesController(services: services).addRoutes(to: api)
    MediaController(services: services).addRoutes(api: api, console: console)
    CaseFormationController(services: services).addRoutes(api: api, console: console)
    return router
}

/// The application: HTTP server (idle timeout, connection cap) plus the background services. SIGTERM drains requests;
/// the caller closes the database once all of them have stopped.
public func buildApplication(
    services: AppServices, extraServices: [any Service] = [], onServerRunning: (@Sendable (Int) async -> Void)? = nil
) -> some ApplicationProtocol {
    let router = buildRouter(services: services)
    var app = Application(
        router: router,
        server: .limitedHTTP1(idleTimeout: .seconds(services.config.idleTimeout), maxConnections: services.config.maxConnections),
        configuration: .init(address: .hostname(services.config.host, port: services.config.port), serverName: "weimin"),
        onServerRunning: { channel in await onServerRunning?(channel.localAddress?.port ?? 0) },
        logger: services.logger)
    // The database is not one of the app's services: the caller closes it after every service has stopped (see
    // ServerRunner.serve), so no background service can touch a closed pool, even when the server fails to bind.
    app.addServices(extraServices)
    // Each background service, with how often it means to run, so that `/readyz` can tell when one has stopped.
    let health = services.health
    if services.config.supervisionInterval > 0 {
        health.expect("supervision", every: TimeInterval(services.config.supervisionInterval))
        app.addServices(SupervisionService(services: services, interval: .seconds(services.config.supervisionInterval)))
    }
    if services.config.dutyInterval > 0 {
        health.expect("duty", every: TimeInterval(services.config.dutyInterval))
        app.addServices(DutyService(services: services, interval: .seconds(services.config.dutyInterval)))
    }
    if services.config.retentionDays > 0 {
        health.expect("retention", every: 86400)
        app.addServices(RetentionService(services: services))
    }
    if services.config.triageInterval > 0 {
        health.expect("triage", every: Double(services.config.triageInterval) / 1000)
        health.model = .loading
        app.addServices(TriageService(services: services, interval: .milliseconds(services.config.triageInterval)))
    }
    if services.config.mediaInterval > 0 {
        health.expect("media", every: Double(services.config.mediaInterval) / 1000)
        app.addServices(MediaService(services: services, interval: .milliseconds(services.config.mediaInterval)))
    }
    if services.config.deliveryInterval > 0 {
        health.expect("delivery", every: Double(services.config.deliveryInterval) / 1000)
        health.expect("satisfaction", every: 15)
        app.addServices(DeliveryService(services: services, interval: .milliseconds(services.config.deliveryInterval)))
        app.addServices(SatisfactionService(services: services))
    }
    return app
}

/// Logs unexpected errors (not the 4xx that routes throw on purpose) without request bodies,
/// which may hold personal data.
struct ErrorLoggingMiddleware: RouterMiddleware {
    typealias Context = WeiminRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch let refused as MessageRefused {
            throw HTTPError(.badRequest, message: refused.reason)
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: error))"])
            throw HTTPError(.internalServerError, message: "服务器内部错误，已记录日志。请稍后重试或联系管理员。")
        }
    }
}

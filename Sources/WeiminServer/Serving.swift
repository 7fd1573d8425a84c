import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import ServiceLifecycle
import Synchronization

/// HTTP/1.1 with a cap on open connections. Beyond the cap a connection is not left waiting in the kernel's
/// backlog (Hummingbird's `availableConnectionsDelegate` stops accepting, which lets idle sockets starve
/// `/healthz`): it is accepted, its first request is answered 503 with `Connection: close`, and it is closed.
/// Idle connections are closed after `idleTimeout`, which also bounds how long a request head may take to
/// arrive: the idle clock runs until a complete head has been read.
struct LimitedHTTP1Channel: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let inner: HTTP1Channel.Value
        let overCap: Bool
        var channel: any Channel { inner.channel }
    }

    let http1: HTTP1Channel
    let limiter: ConnectionLimiter

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let overCap = !limiter.open()
        let limiter = self.limiter
        channel.closeFuture.whenComplete { _ in limiter.close() }
        return http1.setup(channel: channel, logger: logger).map { Value(inner: $0, overCap: overCap) }
    }

    func handle(value: Value, logger: Logger) async {
        guard value.overCap else { return await http1.handle(value: value.inner, logger: logger) }
        logger.debug("connection over the cap answered 503", metadata: ["cap": "\(limiter.maximum)"])
        try? await value.inner.executeThenClose { inbound, outbound in
            // Read the request head first, so the client is waiting for an answer when it comes.
            var parts = inbound.makeAsyncIterator()
            guard case .head = try await parts.next() else { return }
            let body = ByteBuffer(string: #"{"error":{"message":"服务器连接数已满，请稍后重试。"}}"#)
            let head = HTTPResponse(
                status: .serviceUnavailable,
                headerFields: [
                    .contentType: "application/json; charset=utf-8", .contentLength: String(body.readableBytes),
                    .connection: "close", .retryAfter: "1",
                ])
            try await outbound.write(contentsOf: [.head(head), .body(body), .end(nil)])
        }
    }
}

/// Counts open connections; `open()` is false when this one is over the cap (it is counted all the same,
/// and `close()` is called for it when it closes).
final class ConnectionLimiter: Sendable {
    let maximum: Int
    private let count = Atomic<Int>(0)

    init(maximum: Int) { self.maximum = maximum }

    func open() -> Bool { count.wrappingAdd(1, ordering: .relaxed).newValue <= maximum }
    func close() { count.wrappingSubtract(1, ordering: .relaxed) }
    var current: Int { count.load(ordering: .relaxed) }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with an idle timeout and a cap on open connections (see `LimitedHTTP1Channel`).
    static func limitedHTTP1(idleTimeout: Duration, maxConnections: Int) -> HTTPServerBuilder {
        let limiter = ConnectionLimiter(maximum: maxConnections)
        return .init { responder in
            LimitedHTTP1Channel(
                http1: HTTP1Channel(responder: responder, configuration: .init(idleTimeout: .init(idleTimeout))), limiter: limiter)
        }
    }
}

/// A background service's loop ends with a CancellationError when graceful shutdown (SIGTERM) or a failing sibling
/// cancels it: that is its normal end, not an error to report (and it must not turn exit 0 into exit 1).
func endingQuietlyOnShutdown(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch is CancellationError where Task.isCancelled || Task.isShuttingDownGracefully {
    }
}

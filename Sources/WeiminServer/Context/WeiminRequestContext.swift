import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import WeiminCore

/// Per-request state: who is asking. Set by `AuthenticationMiddleware`, read by `requireViewer`.
public struct WeiminRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var viewer: Viewer? {
        // Middleware further out (the request log) sees who asked through the shared trace.
        didSet { trace.staff = viewer?.userID }
    }
    /// Shared by every copy of this context, so the request log learns what inner middleware decided.
    public let trace = RequestTrace()
    /// The browser session, for console pages (nil for API clients).
    public var web: WebSession?
    /// The peer's IP address (sign-in failures are counted per address as well as per account).
    public let peerAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.viewer = nil
        self.web = nil
        self.peerAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The client's address for counting sign-in failures: the peer, or — when the peer is a reverse proxy on this
    /// machine (nginx in front of Weimin) — the address it forwards in `X-Real-IP`.
    public func clientAddress(_ request: Request) -> String? {
        if let peer = peerAddress, peer == "127.0.0.1" || peer == "::1",
            let forwarded = request.headers[HTTPField.Name("X-Real-IP")!], !forwarded.isEmpty, forwarded.count <= 45
        {
            return forwarded
        }
        return peerAddress
    }

    public var responseEncoder: JSONEncoder { APIJSON.encoder }
    public var requestDecoder: JSONDecoder { APIJSON.decoder }

    /// The signed-in viewer, allowed to read `resource`; otherwise 401 or 403 with a reason.
    public func requireViewer(reading resource: Resource? = nil) throws -> Viewer {
        guard let viewer else {
            throw HTTPError(
                .unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"weimin\""],
                message: "请先登录：使用 POST /api/v1/sessions 获取令牌，或在请求中提供用户名和密码")
        }
        if let resource, !Access.mayRead(viewer.role, resource) {
            throw HTTPError(.forbidden, message: "\(CoreStrings.roleName(viewer.role))无权查看此内容")
        }
        return viewer
    }
}

enum APIJSON {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }()
}

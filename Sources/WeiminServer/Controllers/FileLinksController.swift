import Foundation
import Hummingbird
import WeiminPersistence

/// `GET /files/{id}?expires=&token=`: a file sent to a group whose robot could not carry it (a 公示's attachment),
/// opened by a villager from the link in the group, without an account. The link is signed and short-lived
/// (`FileLinks`). The file is always a download, never shown in the page: an uploaded HTML or SVG cannot run as this site.
struct FileLinksController {
    let services: AppServices

    func addRoutes(to router: Router<WeiminRequestContext>) {
        let links = services.fileLinks
        let outbox = services.outbox
        router.get("/files/:id") { request, context -> Response in
            let q = request.uri.queryParameters
            guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else {
                return Self.refusal(.notFound, "链接无效：请使用群里发出的完整链接。")
            }
            switch links.verify(id, expires: q["expires"].map(String.init), token: q["token"].map(String.init)) {
            case .invalid: return Self.refusal(.notFound, "链接无效：请使用群里发出的完整链接。")
            case .expired: return Self.refusal(.gone, "链接已过期，请向村委会索取该文件。")
            case .valid: break
            }
            guard let file = try await outbox.file(id) else { return Self.refusal(.gone, "该文件已不再提供，请向村委会索取。") }
            let ascii = String(
                file.name.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
            let encoded = file.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "file"
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/octet-stream",
                    .contentDisposition: "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)",
                    .xContentTypeOptions: "nosniff", .cacheControl: "private, no-store",
                    .contentSecurityPolicy: "default-src 'none'; sandbox",
                ],
                body: .init(byteBuffer: ByteBuffer(bytes: file.data)))
        }
    }

    static func refusal(_ status: HTTPResponse.Status, _ words: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: words + "\n")))
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WeiminCore
import WeiminPersistence

/// The photos, voice notes and files kept with messages (docs/protocols.md §6):
///   GET /api/v1/media/{id}   — bearer token or Basic
///   GET /media/{id}          — the console (session cookie)
/// A file is served only to those who may see a case the message is in (the ledger's own visibility, so a sealed
/// report's photo reaches the discipline role alone and a recused cadre never); a message in no case, to the staff
/// whose area holds its group and who read cases without a department restriction. Anyone else gets the same 404 as a
/// file that does not exist. The type served is the one sniffed from the bytes; only pictures, audio and video a
/// browser plays are shown inline, everything else is a download, never interpreted by the browser.
struct MediaController {
    let services: AppServices

    func addRoutes(api: RouterGroup<WeiminRequestContext>, console: RouterGroup<WeiminRequestContext>) {
        api.get("media/:id") { request, context -> Response in
            let viewer = try context.requireViewer(reading: .cases)
            return try await serve(try context.parameters.require("id"), to: viewer, asWAV: request.uri.queryParameters["as"] == "wav")
        }
        console.get("media/:id") { request, context -> Response in
            guard let (viewer, _) = context.console() else { return WebViews.redirect(context.signInPath) }
            guard Access.mayRead(viewer.role, .cases) else {
                throw HTTPError(.forbidden, message: "\(CoreStrings.roleName(viewer.role))无权查看群众发送的文件")
            }
            return try await serve(try context.parameters.require("id"), to: viewer, asWAV: request.uri.queryParameters["as"] == "wav")
        }
    }

    /// `asWAV`: a voice note decoded for a browser to play (AMR and WeChat's SILK are not playable there); the stored
    /// original is unchanged and still downloadable.
    func serve(_ raw: String, to viewer: Viewer, asWAV: Bool = false) async throws -> Response {
        guard let id = UUID(uuidString: raw) else { throw HTTPError(.badRequest, message: "文件编号应为 UUID") }
        guard let item = try await services.mediaStore.item(id), try await Self.mayOpen(item, viewer: viewer, cases: services.cases) else {
            throw HTTPError(.notFound, message: "文件不存在或无权查看")
        }
        guard item.status == .stored, let digest = item.sha256, let bytes = services.mediaFiles.read(digest) else {
            throw HTTPError(.notFound, message: "文件未保存：\(Self.statusName(item.status))\(item.failure.map { "（\($0)）" } ?? "")")
        }
        if asWAV {
            guard item.kind == .voice || (item.contentType ?? "").hasPrefix("audio/") else {
                throw HTTPError(.badRequest, message: "只有语音可以转为 WAV 播放")
            }
            let wav: [UInt8]
            do { wav = try VoiceTranscriber.wav16k(bytes) } catch {
                throw HTTPError(.unprocessableContent, message: "语音无法解码播放：\(error.description)")
            }
            var headers: HTTPFields = [
                .contentType: "audio/wav", .contentDisposition: "inline; filename=\"voice.wav\"", .cacheControl: "private, no-store",
                .contentSecurityPolicy: "default-src 'none'; sandbox",
            ]
            headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: wav)))
        }
        let type = MediaType.sniff(bytes)
        let name = item.fileName ?? "\(CoreStrings.messageKind(item.kind))-\(item.id.uuidString.prefix(8)).\(type.ext)"
        var headers: HTTPFields = [
            .contentType: type.mime,
            .contentDisposition:
                "\(type.inline ? "inline" : "attachment"); filename=\"\(type.ext == "bin" ? "file.bin" : "file.\(type.ext)")\"; filename*=UTF-8''\(Self.rfc5987(name))",
            .cacheControl: "private, no-store",
            .contentSecurityPolicy: "default-src 'none'; sandbox",
        ]
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Whether `viewer` may open an item (see the type's comment).
    static func mayOpen(_ item: MediaItem, viewer: Viewer, cases: any CaseRepository) async throws -> Bool {
        guard Access.mayRead(viewer.role, .cases) else { return false }
        for raw in item.caseNumbers {
            if let number = CaseNumber(raw), try await cases.detail(number: number, visibility: viewer.caseVisibility) != nil {
                return true
            }
        }
        guard item.caseNumbers.isEmpty, !item.sealed, let village = item.villageCode else { return false }
        let v = viewer.caseVisibility
        return v.departmentID == nil && !v.onlySealed && village.hasPrefix(v.regionPrefix)
    }

    static func statusName(_ status: MediaStatus) -> String {
        switch status {
        case .stored: return "已保存"
        case .pending: return "等待从平台下载"
        case .failed: return "下载失败"
        case .tooLarge: return "超过大小上限，只保存了消息"
        case .unavailable: return "平台未提供可下载的文件"
        case .erased: return "已按保存期限删除"
        }
    }

    static func rfc5987(_ s: String) -> String {
        s.addingPercentEncoding(
            withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"))
            ?? "file"
    }
}

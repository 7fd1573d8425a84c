import Foundation
import Hummingbird
import NIOCore
import WeiminApp
import WeiminCore
import WeiminPersistence

/// Notices to groups (公示公开、宣传教育):
///   POST /api/v1/notices      compose and publish (now or at `publish_at`) to `groups`, a `region`, or `all`
///   GET  /api/v1/notices      what was published in the viewer's area, with delivery per group
///   GET  /api/v1/notices/{id} one notice: where and when it was delivered, what failed, objections raised
struct NoticesController {
    let services: AppServices

    struct NoticeRequest: Decodable {
        let kind: String
        let title: String
        let body: String
        let attachments: [AttachmentRequest]?
        let disclosure: Bool?
        let objectionDays: Int?
        let publishAt: Date?
        let groups: [UUID]?
        let region: String?
        let all: Bool?
    }

    /// A link (`url`) or a file (`content_base64`, up to 20 MB, what a WeCom robot can upload).
    struct AttachmentRequest: Decodable {
        let name: String
        let url: String?
        let contentBase64: String?
        let contentType: String?
    }

    /// 20 files of 20 MB would not fit in memory comfortably; a notice carries at most 40 MB of files.
    static let maxBody = 56 << 20

    struct NoticeDTO: ResponseEncodable, Sendable {
        let notice: NoticeRecord
    }

    func addRoutes(to group: RouterGroup<WeiminRequestContext>) {
        group.post("notices") { request, context -> EditedResponse<NoticeDTO> in
            let viewer = try context.requireViewer()
            guard NoticeAccess.mayPublish(viewer.role) else {
                throw HTTPError(.forbidden, message: "\(CoreStrings.roleName(viewer.role))不能发布公告")
            }
            let body: NoticeRequest
            let bytes: ByteBuffer
            do { bytes = try await request.body.collect(upTo: Self.maxBody) } catch {
                throw HTTPError(.contentTooLarge, message: "公告连同附件最多 40 MB")
            }
            do { body = try APIJSON.decoder.decode(NoticeRequest.self, from: Data(bytes.readableBytesView)) } catch {
                throw HTTPError(
                    .badRequest,
                    message:
                        "请求体应为 JSON：{kind, title, body, groups | region | all, disclosure, objection_days, publish_at, attachments: [{name, url | content_base64}]}（\(MessagesController.describe(error))）"
                )
            }
            var links: [NoticeDraft.Attachment] = []
            var files: [OutboundFile] = []
            for a in body.attachments ?? [] {
                if let encoded = a.contentBase64 {
                    guard let data = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) else {
                        throw HTTPError(.badRequest, message: "附件“\(a.name)”的 content_base64 不是有效的 Base64")
                    }
                    files.append(OutboundFile(name: a.name, contentType: a.contentType ?? "application/octet-stream", data: Array(data)))
                } else {
                    links.append(NoticeDraft.Attachment(name: a.name, url: a.url))
                }
            }
            guard files.reduce(0, { $0 + $1.data.count }) <= 40 << 20 else { throw HTTPError(.contentTooLarge, message: "公告连同附件最多 40 MB") }
            guard let kind = NoticeKind(rawValue: body.kind) else {
                throw HTTPError(.badRequest, message: "kind 应为 \(NoticeKind.allCases.map(\.rawValue).joined(separator: "、"))")
            }
            let groupIDs: [UUID]
            if let ids = body.groups, !ids.isEmpty {
                groupIDs = ids
            } else if body.all == true || body.region != nil {
                var root = viewer.region
                if let text = body.region {
                    // A region that is not a code is a mistake to say, not a reason to publish to the whole area.
                    guard let code = RegionCode(text) else {
                        throw HTTPError(.badRequest, message: "region 应为行政区划代码（如 433125111），收到：\(text.prefix(40))")
                    }
                    root = code
                }
                guard viewer.region.contains(root) else { throw HTTPError(.forbidden, message: "只能向本辖区的群发布") }
                groupIDs = try await services.groups.groups(within: root, page: 1, perPage: 5000).items.map(\.id)
            } else {
                throw HTTPError(.badRequest, message: "请选择群：groups（群编号列表）、region（乡镇或村代码）或 all: true")
            }
            let draft = NoticeDraft(
                kind: kind, title: body.title, body: body.body, attachments: links, files: files, disclosure: body.disclosure ?? false,
                objectionDays: body.objectionDays ?? 7, publishAt: body.publishAt, groupIDs: groupIDs)
            do {
                let record = try await services.publishNotice.run(draft, by: viewer)
                return EditedResponse(status: .created, response: NoticeDTO(notice: record))
            } catch let error as CaseOperationError {
                switch error {
                case .forbidden(let why): throw HTTPError(.forbidden, message: why)
                case .invalid(let why), .conflict(let why): throw HTTPError(.badRequest, message: why)
                case .notFound: throw HTTPError(.notFound)
                }
            }
        }

        group.get("notices") { _, context -> ListDTO<NoticeRecord> in
            let viewer = try context.requireViewer()
            return ListDTO(items: try await services.notices.list(for: viewer))
        }

        group.get("notices/:id") { _, context -> NoticeDTO in
            let viewer = try context.requireViewer()
            guard let id = UUID(uuidString: try context.parameters.require("id")),
                let record = try await services.notices.record(id),
                let region = RegionCode(record.region),
                record.region.hasPrefix(viewer.region.scopePrefix) || viewer.region.scopePrefix.hasPrefix(region.scopePrefix)
            else { throw HTTPError(.notFound, message: "公告不存在或无权查看") }
            return NoticeDTO(notice: record)
        }
    }
}

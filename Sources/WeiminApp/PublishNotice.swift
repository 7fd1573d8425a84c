import Foundation
import WeiminCore
import WeiminPersistence

/// Use case: publish a notice (公示公开、宣传教育, docs/domain.md §6). Core checks the notice and the publisher
/// (`NoticeRules`: who may, lengths, attachments, the objection window, how far ahead) and writes the words the groups
/// read; the groups must exist and lie in the publisher's region; then one transaction stores the notice, its files
/// and, for every group, its message and files in the outbox, due at the publishing time.
public struct PublishNotice: Sendable {
    let notices: NoticeStore

    public init(notices: NoticeStore) { self.notices = notices }

    public func run(_ draft: NoticeDraft, by viewer: Viewer, at now: Date = Date()) async throws -> NoticeRecord {
        let plan = try NoticeRules.plan(
            title: draft.title, body: draft.body, role: viewer.role, groupCount: Set(draft.groupIDs).count, disclosure: draft.disclosure,
            objectionDays: draft.objectionDays, attachmentNames: draft.attachments.map(\.name),
            files: draft.files.map { ($0.name, $0.data.count) },
            maxFileBytes: OutboxStore.maxFileBytes, publishAt: draft.publishAt, now: now)
        let wanted = Set(draft.groupIDs)
        let groups = try await notices.groups(ids: wanted)
        guard groups.count == wanted.count else { throw CaseOperationError.invalid("有的群不存在") }
        let scope = viewer.region.scopePrefix
        guard groups.allSatisfy({ $0.village.hasPrefix(scope) }) else { throw CaseOperationError.forbidden("只能向本辖区的群发布") }
        let text = NoticeRules.groupText(
            plan, kind: draft.kind, disclosure: draft.disclosure, links: draft.attachments.map { ($0.name, $0.url) },
            fileNames: draft.files.map(\.name),
            templates: try await notices.templates())
        let id = UUID()
        let notices = self.notices
        try await notices.transaction { tx in
            try await notices.store(id: id, plan: plan, draft: draft, groups: groups, text: text, by: viewer, at: now, in: tx)
        }
        guard let record = try await notices.record(id) else { throw CaseOperationError.notFound }
        return record
    }
}

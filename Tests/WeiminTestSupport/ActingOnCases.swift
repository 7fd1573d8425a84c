import Foundation
import WeiminApp
import WeiminCore
import WeiminPersistence

extension CaseStore {
    /// Tests act on cases through the use case, exactly as the API, the console and the satisfaction service do.
    public func execute(_ command: CaseCommand, on number: CaseNumber, by viewer: Viewer, workflow: CaseWorkflow, at now: Date) async throws
        -> Case
    {
        try await ActOnCase(cases: self, workflow: workflow).run(command, on: number, by: viewer, at: now)
    }
}

extension DemoSeeder {
    /// The demo seeder with its case history going through `ActOnCase`, as `AppServices.demoSeeder()` builds it.
    public static func forTests(database: WeiminDatabase, cipher: FieldCipher, staff: StaffDirectory) -> DemoSeeder {
        actingThroughUseCases(database: database, cipher: cipher, staff: staff, cases: CaseStore(database: database, cipher: cipher))
    }
}

extension NoticeStore {
    /// Tests publish through the use case, as the notices controller does.
    public func publish(_ draft: NoticeDraft, by viewer: Viewer, at now: Date = Date()) async throws -> NoticeRecord {
        try await PublishNotice(notices: self).run(draft, by: viewer, at: now)
    }
}

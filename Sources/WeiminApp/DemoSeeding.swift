import WeiminPersistence

extension DemoSeeder {
    /// The demo seeder whose case histories are made by `ActOnCase`, as a person's actions would be: the one way to
    /// build it, for `weimin demo` and for the tests.
    /// `cases` is the container's case store: the seeder builds no store of its own.
    public static func actingThroughUseCases(
        database: WeiminDatabase, cipher: FieldCipher, staff: StaffDirectory, cases: CaseStore
    ) -> DemoSeeder {
        DemoSeeder(database: database, cipher: cipher, staff: staff) { command, number, viewer, workflow, at in
            try await ActOnCase(cases: cases, workflow: workflow).run(command, on: number, by: viewer, at: at)
        }
    }
}

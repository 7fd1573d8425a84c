import Foundation
import Logging
import WeiminApp
import WeiminCore
import WeiminPersistence

/// Everything the routes and services need, built once and passed through initialisers.
public struct AppServices: Sendable {
    public let config: WeiminConfig
    public let database: WeiminDatabase
    public let cipher: FieldCipher
    /// Short-lived download links for files a group's robot cannot carry (`public.url`).
    public let fileLinks: FileLinks
    /// Names the data key without revealing it (backups record it; restore checks the key given against it).
    public let keyFingerprint: String
    public let regions: any RegionRepository
    public let groups: any GroupRepository
    public let departments: any DepartmentRepository
    public let cases: any CaseRepository
    public let caseStore: CaseStore
    public let messages: MessageStore
    public let staff: StaffDirectory
    /// Sign-in for the console, API tokens and HTTP Basic alike: one lock, one throttle, one second-factor rule.
    public let signIn: SignInStore
    /// Triage's reads and writes, and sealed reports (reporter and words under the data key).
    public let triageStore: TriageStore
    public let sealedReports: SealedReportStore
    /// The other repositories, built once here so controllers, services and commands never build their own.
    public let outbox: OutboxStore
    public let supervision: SupervisionStore
    public let assessment: AssessmentStore
    public let notices: NoticeStore
    public let templates: TemplateStore
    public let alerts: AlertStore
    public let audit: AuditLedger
    public let satisfaction: SatisfactionStore
    public let retention: RetentionStore
    public let triageCorrections: TriageCorrections
    public let groupRegistry: GroupRegistry
    public let duty: DutyStore
    public let calendars: CalendarStore
    public let importHistory: ImportHistory
    /// The media folder and its size limit (`media.dir`, `media.max_bytes`), and the media table.
    public let mediaFiles: MediaFiles
    public let mediaStore: MediaStore
    /// Ingestion: group-commit writer and source lookups.
    public let ingest: TakeMessagesIn
    public let logger: Logger
    /// Background services' last passes and the triage model's state, for `/readyz`.
    public let health = ServiceHealth()
    /// Counters and histograms for `/metrics`.
    public let metrics = WeiminMetrics.shared
    /// The closed loop's rules: calendar, working hours and deadline rules.
    public let workflow: CaseWorkflow
    /// Migrations applied while opening (empty when the schema was already current).
    public let migrationsApplied: [String]

    /// Opens the database and checks it is safe and current. `migrate` applies pending migrations
    /// (and creates the key file if missing); without it a stale schema is refused.
    public static func open(config: WeiminConfig, migrate: Bool, logger: Logger) async throws -> AppServices {
        let location = try config.databaseLocation()
        if !migrate, case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
            throw PersistenceError.configuration(
                "\(path) 处没有数据库。新安装请先运行 `weimin migrate`（或 `weimin demo` 体验演示数据），或用 --dir / --database-url 指向已有的数据库。")
        }
        let database = try WeiminDatabase(location: location, logger: logger)
        do {
            try await database.prepareConnections()
            let key: DataKey
            if let text = config.dataKeyText {
                key = try DataKey.parse(text, source: "WEIMIN_DATA_KEY")
            } else {
                if migrate { try await KeyCheck.refuseNewKey(file: config.keyFile, on: database) }
                key = try DataKey.load(file: config.keyFile, create: migrate)
            }
            var applied: [String] = []
            if migrate {
                applied = try await database.migrate()
            } else {
                try await database.requireCurrentSchema()
            }
            try await KeyCheck.verify(key, on: database, record: migrate)
            if applied.contains("M027AddSealedCaseWords") {
                // Sealed cases stored before M027 kept their words in clear: encrypt them now, once.
                try await SealedReportStore(database: database, cipher: FieldCipher(dataKey: key)).encryptLegacyWords()
            }
            let holidays = try await CalendarStore(database: database).calendar(bundled: HolidayCalendar.bundled())
            let workflow = try makeWorkflow(config: config, holidays: holidays, logger: logger)
            return AppServices(config: config, database: database, key: key, logger: logger, migrationsApplied: applied, workflow: workflow)
        } catch {
            await database.shutdown()
            throw error
        }
    }

    init(config: WeiminConfig, database: WeiminDatabase, key: DataKey, logger: Logger, migrationsApplied: [String], workflow: CaseWorkflow)
    {
        self.workflow = workflow
        self.migrationsApplied = migrationsApplied
        self.config = config
        self.database = database
        self.cipher = FieldCipher(dataKey: key)
        self.keyFingerprint = key.fingerprint
        let cipher = self.cipher
        self.regions = FluentRegionRepository(database: database)
        self.groups = FluentGroupRepository(database: database)
        self.departments = FluentDepartmentRepository(database: database)
        self.cases = FluentCaseRepository(database: database)
        self.caseStore = CaseStore(database: database, cipher: cipher)
        self.messages = MessageStore(database: database)
        self.staff = StaffDirectory(database: database, cost: config.bcryptCost)
        self.signIn = SignInStore(database: database, cipher: cipher, staff: staff, throttle: SignInThrottle())
        self.triageStore = TriageStore(database: database, cipher: cipher)
        self.sealedReports = SealedReportStore(database: database, cipher: cipher)
        self.outbox = OutboxStore(database: database, cipher: cipher)
        self.supervision = SupervisionStore(database: database)
        self.assessment = AssessmentStore(database: database)
        self.notices = NoticeStore(database: database)
        self.templates = TemplateStore(database: database)
        self.alerts = AlertStore(database: database)
        self.audit = AuditLedger(database: database)
        self.satisfaction = SatisfactionStore(database: database)
        self.retention = RetentionStore(database: database)
        self.triageCorrections = TriageCorrections(database: database)
        self.groupRegistry = GroupRegistry(database: database)
        self.duty = DutyStore(database: database, cipher: cipher)
        self.fileLinks = FileLinks(cipher: cipher, base: config.publicURL, lifetime: TimeInterval(config.fileLinkHours * 3600))
        self.calendars = CalendarStore(database: database)
        self.importHistory = ImportHistory(messages: messages)
        self.mediaFiles = MediaFiles(root: config.mediaDir, maxBytes: config.mediaMaxBytes)
        self.mediaStore = MediaStore(database: database)
        self.ingest = TakeMessagesIn(store: IngestStore(database: database, cipher: cipher))
        self.logger = logger
    }

    /// From November, the next year's holiday arrangement should be loaded; nil when all is well.
    public func calendarWarning(now: Date = Date()) -> String? {
        let today = workflow.calendar.local(now).date
        guard let year = workflow.calendar.holidays.missingNextYear(today: today) else { return nil }
        return "尚未导入 \(year) 年节假日安排：国务院公布后请运行 weimin calendar load \(year).json，否则跨年期限将只按周一至周五计算。"
    }

    /// Use case: publish a notice (WeiminApp).
    public var publishNotice: PublishNotice { PublishNotice(notices: notices) }

    /// Use case: act on a case (WeiminApp).
    public var actOnCase: ActOnCase { ActOnCase(cases: caseStore, workflow: workflow, duty: duty) }

    /// The actions a viewer may take on a case now — counting the duty roster, which lets the person on duty take an
    /// urgent case (the API's `allowed_actions`, the console's buttons and the workbench agree).
    public func availableActions(on c: Case, to viewer: Viewer, at now: Date = Date()) async throws -> [String] {
        let onDuty = try await ActOnCase.isOnDuty(viewer, for: c, duty: duty, at: now)
        return workflow.available(on: c, to: viewer, onDuty: onDuty)
    }

    /// Use case: alert the person on duty about urgent and risky cases (WeiminApp); `smsGateway`: whether each alert is also
    /// posted to the county's SMS gateway.
    public func alertDuty(smsGateway: Bool) -> AlertDuty {
        AlertDuty(
            duty: duty, staff: staff, regions: regions,
            policy: DutyPolicy(escalateAfter: TimeInterval(config.dutyEscalateMinutes * 60)), applications: ingest.store,
            smsGateway: smsGateway)
    }

    /// Use case: triage what is pending (WeiminApp).
    public var triagePending: TriagePending {
        TriagePending(triage: triageStore, cases: caseStore, sealedReports: sealedReports, workflow: workflow)
    }

    public func demoSeeder() -> DemoSeeder {
        DemoSeeder.actingThroughUseCases(database: database, cipher: cipher, staff: staff, cases: caseStore)
    }

    public func shutdown() async {
        await database.shutdown()
    }
}

/// The calendar shipped with this release plus the county's rule overrides, if any.
func makeWorkflow(config: WeiminConfig, holidays: HolidayCalendar, logger: Logger) throws -> CaseWorkflow {
    if holidays.years.isEmpty {
        logger.error("节假日数据缺失：程序目录下的 weimin_WeiminCore.resources 未随程序一起部署，工作日将只按周一至周五计算。可用 weimin calendar load 导入。")
    }
    let calendar = WorkCalendar(
        holidays: holidays, periods: config.workHours,
        timeZone: TimeZone(identifier: config.timezone) ?? TimeZone(identifier: "Asia/Shanghai")!)
    return CaseWorkflow(calendar: calendar, rules: try deadlineRules(config: config))
}

/// The defaults merged with the county's rules file, if one is configured.
public func deadlineRules(config: WeiminConfig) throws -> DeadlineRules {
    guard let path = config.rulesFile else { return .defaults }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ConfigError.invalid("找不到时限规则文件 \(path)")
    }
    return DeadlineRules.defaults.merging(try DeadlineRules.overrides(json: data))
}

import Foundation

/// The Simplified Chinese words the storage layer (WeiminPersistence) shows people: refusals and errors read by
/// staff and integrators, notes written into case histories, placeholders stored in place of erased or sealed
/// words. Persistence only passes values in; every word and punctuation mark is here.
public enum StoreMessages {
    // MARK: Backups

    public enum Backup {
        public static let notSQLite = "此操作只用于内置 SQLite 数据库；PostgreSQL 用 pg_dump 备份"
        public static let notPostgres = "此操作只用于 PostgreSQL 数据库"
        public static func exists(_ path: String) -> String { "\(path) 已存在，不会覆盖：请换一个文件名" }
    }

    // MARK: Database set-up and safety

    public enum Database {
        public static let unrecognisedURL =
            "数据库地址无法识别：应以 postgres:// 开头（例如 postgres://weimin:密码@127.0.0.1:5432/weimin），或不设置以使用内置 SQLite"

        /// `redactedURL` must already have its password hidden.
        public static func malformedPostgresURL(_ redactedURL: String) -> String {
            "PostgreSQL 地址格式不对：\(redactedURL)。示例：postgres://weimin:密码@127.0.0.1:5432/weimin"
        }

        public static func postgresUnreachable(_ location: String, error: String) -> String {
            "无法连接 PostgreSQL（\(location)）：\(error)"
        }

        public static func unsafe(_ why: String) -> String { "数据库设置不安全，拒绝启动：\(why)" }

        public static func schemaTooNew(_ unknownMigrations: [String]) -> String {
            "数据库结构比本程序新（未知的迁移：\(unknownMigrations.joined(separator: ", "))）。请升级 weimin 后再启动，切勿用旧版本打开。"
        }

        public static let schemaNotMigrated = "数据库尚未初始化或有未执行的迁移，请先运行 `weimin migrate`。"

        public static func notFound(_ what: String) -> String { "未找到：\(what)" }

        /// SQLite would not switch to WAL; `mode` is the journal mode it reported, if any.
        public static func walUnavailable(mode: String?) -> String {
            "无法切换到 WAL 日志模式（当前：\(mode ?? "未知")）。数据目录可能在网络盘或只读介质上，请换到本机磁盘。"
        }

        // A setting read back from SQLite that is not what was asked for.
        public static func journalMode(_ value: String) -> String { "journal_mode=\(value)，应为 wal" }
        public static func synchronous(_ value: String) -> String { "synchronous=\(value)，应为 FULL(2)" }
        public static func foreignKeys(_ value: String) -> String { "foreign_keys=\(value)，应为 1" }
        public static func busyTimeout(_ value: String) -> String { "busy_timeout=\(value)，应至少 1000 毫秒" }

        /// The problems above, as one sentence.
        public static func unsafeSettings(_ problems: [String]) -> String { problems.joined(separator: "；") }
    }

    // MARK: Data key and encryption

    public enum DataKey {
        public static func wrongLength(bytes: Int) -> String {
            "数据密钥长度应为 32 字节（Base64 编码后 44 个字符），实际 \(bytes) 字节"
        }

        public static func fileMissing(_ path: String) -> String {
            "找不到数据密钥文件 \(path)。首次运行 `weimin migrate` 或 `weimin demo` 会自动生成；请勿删除或替换它。"
        }

        public static func cannotCreateFile(_ path: String) -> String { "无法创建数据密钥文件 \(path)，请检查目录权限" }

        public static func notBase64(source: String) -> String { "数据密钥（\(source)）不是有效的 Base64 文本" }

        /// The key file is gone but the database already holds data sealed with a key of this fingerprint.
        public static func fileLostWithData(file: String, database: String, fingerprint: String) -> String {
            "找不到数据密钥文件 \(file)，但数据库 \(database) 已有数据（密钥指纹 \(fingerprint)）。生成新密钥会使已加密的数据无法读取，因此拒绝继续。"
                + "请从备份恢复原来的 weimin.key 到该位置（或用 WEIMIN_KEY_FILE / WEIMIN_DATA_KEY 指向它）后重试。"
        }

        public static func mismatch(recorded: String, current: String) -> String {
            "数据密钥与数据库不匹配（数据库记录的密钥指纹为 \(recorded)，当前密钥为 \(current)）。请使用最初生成的 weimin.key，或设置正确的 WEIMIN_KEY_FILE / WEIMIN_DATA_KEY。"
        }

        public static let encryptionFailed = "加密失败"
        public static let malformedCiphertext = "密文格式错误"
    }

    // MARK: Media files

    public enum Media {
        /// Sizes in bytes, shown in KB.
        public static func tooLarge(bytes: Int, limit: Int) -> String { "文件 \(bytes / 1024) KB，超过上限 \(limit / 1024) KB" }
        public static func io(_ why: String) -> String { "媒体文件读写失败：\(why)" }
        public static let badDigest = "摘要无效"
        public static func cannotCreateFolder(_ folder: String, reason: String) -> String { "无法创建目录 \(folder)：\(reason)" }
        public static func cannotWrite(_ path: String, errno: Int32) -> String { "无法写入 \(path)（errno \(errno)）" }
        public static func writeOrSyncFailed(_ path: String, errno: Int32) -> String { "写入或同步 \(path) 失败（errno \(errno)）" }
        public static func cannotMove(to path: String, errno: Int32) -> String { "无法移动到 \(path)（errno \(errno)）" }
    }

    // MARK: Damaged rows

    /// A stored row this binary cannot read, named by its identity.
    public enum Records {
        public static func regionCode(_ id: String?) -> String { "区划代码损坏：\(id ?? "?")" }
        public static func department(_ code: String) -> String { "部门记录损坏：\(code)" }
        public static func message(_ platformMessageID: String) -> String { "消息记录损坏：\(platformMessageID)" }
        public static func user(_ username: String) -> String { "用户记录损坏：\(username)" }
        public static func group(_ name: String) -> String { "群记录损坏：\(name)" }
        public static let messageReadBack = "写入消息后读回的行不完整"

        /// The part of a case row that could not be read.
        public enum CaseField: Sendable {
            case number, county, category, urgency, state

            public var name: String {
                switch self {
                case .number: return "编号"
                case .county: return "县代码"
                case .category: return "类别"
                case .urgency: return "紧急程度"
                case .state: return "状态"
                }
            }
        }

        public static func caseField(_ number: String, _ field: CaseField) -> String { "工单 \(number) 的\(field.name)无法读取" }
    }

    // MARK: Cases

    public enum Cases {
        public static func splitOut(into number: String, count: Int) -> String { "拆出 \(count) 条消息，另立工单 \(number)" }
        public static func notFound(_ number: String) -> String { "工单 \(number) 不存在或无权查看" }
        public static func conflict(_ number: String) -> String { "工单 \(number) 刚被他人更新，请刷新后重试" }
        public static func numberOutOfRange(county: RegionCode, year: Int, sequence: Int) -> String {
            "工单编号超出范围：\(county)-\(year)-\(sequence)"
        }
        public static let numberUnavailable = "无法分配工单编号"
        /// The title of a case opened from an objection to a notice (the caller shortens it to fit).
        public static func objectionTitle(_ noticeTitle: String) -> String { "对《\(noticeTitle)》的异议" }
    }

    /// Notes written into a case's audit chain.
    public enum CaseEvents {
        public static func threadJoined(reason: String) -> String { "群消息并入：\(reason)" }
        public static func excluded(reason: String) -> String { "核减：\(reason)" }
        public static let phoneFollowUp = "群内回访 3 天未答复，转所在乡镇电话回访"
        public static func readSealedWords(purpose: String) -> String { "查阅密封工单内容（\(purpose)）" }
        public static let sealedWordsEncrypted = "密封件内容改为加密保存"
        public static let readSealedMaterial = "查阅密封材料（工单内容、举报人身份与原始内容）"
    }

    // MARK: Sealed cases (reports about cadres)

    public enum Sealed {
        /// Stored in place of a sealed case's title and summary (the words themselves are encrypted).
        public static let title = "反映干部问题（密封件）"
        public static let summary = "（密封件：内容已加密，仅纪委监委可查阅，每次查阅均记录在案）"

        public static let noDataKey = "密封件的内容须加密保存，但未配置数据密钥"
        public static let onlySealedCases = "只有密封件（问题线索）可以封存"
        public static let notATransfer = "不是转纪委操作"
        public static let noDisciplineDepartment = "本县未设纪委监委（部门代码 jwjw），无法转交"
        public static let sealedNumberOutOfRange = "密封件编号超出范围"
        /// Why a group message about the case was not sent.
        public static let outboxCancelled = "已转纪委，取消发送"

        // Why someone is recused from a sealed case.
        public static let recusedAccused = "被反映人"
        public static let recusedGroupAdmin = "来源群管理员"

        /// "username（why）" in the list of recused people.
        public static func recused(_ username: String, reason: String) -> String { "\(username)（\(reason)）" }

        /// "actor（role name）" in the list of who handled a case before it was transferred; `role` is the stored
        /// role code, shown by name when it is one.
        public static func handler(_ actor: String, role: String) -> String {
            "\(actor)（\(Role(rawValue: role).map(CoreStrings.roleName) ?? role)）"
        }
    }

    // MARK: Group messages (outbox, robots, attachments)

    public enum Outbox {
        public static let groupMissing = "群不存在"
        public static let robotAddress = "机器人地址应为 http(s):// 开头的完整地址"
        public static func robotDisabled(reason: String) -> String {
            "本群发送机器人已停用：\(reason)。群里收不到受理回执和答复，请重新绑定机器人（weimin robot bind）。"
        }
        public static func uncertainDelivery(_ id: Int) -> String {
            "第 \(id) 条群消息发送时服务中断，无法确认群里是否收到；为免重复未再发送，请到群里核实，必要时手工补发。"
        }
        public static let attachmentGone = "附件已不存在"
        public static func emptyAttachment(_ name: String) -> String { "附件“\(name)”是空文件" }
        public static func attachmentTooLarge(_ name: String) -> String { "附件“\(name)”超过 20 MB，群机器人无法发送" }

        // A message's `last_error`, shown to admins.
        public static let unbound = "本群未绑定发送机器人"
        public static let interrupted = "发送过程中服务中断，无法确认是否已送达（不重复发送，请人工核实）"
        public static let cancelled = "已取消"
    }

    // MARK: Staff accounts and sign-in

    public enum Staff {
        public static func duplicate(_ username: String) -> String { "用户名 \(username) 已存在" }
        public static let badUsername = "用户名只能包含英文字母、数字和 . _ -，不超过 64 个字符"
        public static func passwordTooShort(minimum: Int) -> String { "密码至少 \(minimum) 个字符" }
        public static func unknownRegion(_ region: RegionCode) -> String { "区划 \(region) 不存在，请先导入区划或检查代码" }
        public static func unknownDepartment(_ code: String, region: RegionCode) -> String { "部门 \(code) 在 \(region) 所属县中不存在" }
        public static let departmentRequired = "部门承办人必须指定部门（--department）"
        public static func unknownUser(_ username: String) -> String { "用户 \(username) 不存在" }
        public static let wrongCurrentPassword = "当前密码不正确"
        public static let samePassword = "新密码不能与当前密码相同"
        public static let secondFactorAlreadySet = "已设置双因素认证；如需更换，请管理员重置"
    }

    // MARK: Ingest sources and groups

    public enum Ingest {
        public static func unknownSourceKind(_ kind: String, allowed: [String]) -> String {
            "来源类型 \(kind) 无效：可选 \(allowed.joined(separator: ", "))"
        }
        public static func unknownCounty(_ county: RegionCode) -> String { "县 \(county) 不存在" }
        public static func unknownVillage(_ village: RegionCode) -> String { "村 \(village) 不存在" }
        /// Why a message was quarantined: its group is not registered (named by its name, or its platform ID).
        public static func groupNotRegistered(name: String, externalID: String) -> String {
            "群未登记：\(name.isEmpty ? externalID : name)"
        }
        // Field names in input-check messages.
        public static let groupIDField = "群编号"
        public static let groupNameField = "群名称"
    }

    // MARK: Group members' roles (覆盖率)

    /// What `PersistenceError.notFound` names ("未找到：…") when a role cannot be set.
    public enum Groups {
        public static func group(_ id: UUID) -> String { "群 \(id)（或不属于本县）" }
        public static func member(_ platformUserID: String) -> String {
            "群成员 \(platformUserID)：不在该群名册中，也没有在群里发过言"
        }
    }

    // MARK: Assessment and dashboard

    public enum Duty {
        public static let badShiftLength = "值班时段应为 1 小时到 7 天，且结束晚于开始"
        public static let regionOutsideCounty = "值班区划应为本县或本县的乡镇"
        public static func unknownUser(_ u: String) -> String { "没有账号 \(u)，或该账号已停用" }
        public static func alerted(level: Int, recipient: String) -> String {
            level == 1 ? "已提醒值班人员 \(recipient)" : "值班人员未及时确认，已升级提醒带班领导 \(recipient)"
        }
        public static func acknowledged(level: Int) -> String { level == 1 ? "值班人员确认收到提醒" : "带班领导确认收到提醒" }
        public static let badWeChatID = "微信号（wxid）应为 1–64 个字符，不含换行"
        public static func channelFailed(_ c: DutyChannel, username: String, reason: String) -> String {
            let fix =
                c == .sms
                ? "请检查短信网关" : "请核对其用户 ID（weimin user \(c.rawValue) \(username) …）和应用的可见范围"
            return "值班提醒未能经\(c.displayName)送达 \(username)：\(reason)。\(fix)。"
        }
        public static let badPlatformAccount = "企业微信或钉钉的用户 ID 应为 1–64 个字符，不含换行、“|”和“,”"
        public static func alerted(level: Int, recipient: String, channels: [DutyChannel]) -> String {
            let base = alerted(level: level, recipient: recipient)
            return channels.isEmpty ? base : base + "，并通过" + channels.map(\.displayName).joined(separator: "、") + "发送"
        }
        public static let nobodyOnDuty = "该区域当前无人值班，提醒未能送达任何人：请尽快排班"
    }

    public enum Assessment {
        public static let badWeights = "权重应在 0 到 1 之间，且不能全为 0"
        public static func exclusionForbidden(_ role: Role) -> String { "核减须由督办负责人决定，\(CoreStrings.roleName(role))无此权限" }
        public static let exclusionReasonRequired = "请填写核减理由（1000字以内），它将向被考核单位公开"
        public static let alreadyExcluded = "该工单已核减"
        /// Dashboard rows for cases with no township, and for open cases with no department.
        public static let noTownship = "县直"
        public static let noDepartment = "县受理中心"
    }

    // MARK: Alerts

    public enum Alerts {
        public static func listForbidden(_ role: Role) -> String { "\(CoreStrings.roleName(role))无权查看系统提醒" }
        public static func resolveForbidden(_ role: Role) -> String { "\(CoreStrings.roleName(role))无权处理系统提醒" }
    }

    // MARK: Audit verification

    public enum Audit {
        public static let badCaseNumber = "工单编号损坏"
        /// The case row's named fields no longer match what its audit chain recorded.
        public static func rowChanged(fields: [String]) -> String {
            "工单当前的\(fields.joined(separator: "、"))与留痕记录不符（工单被直接改动）"
        }
    }

    // MARK: Retention

    public enum Retention {
        /// Stored in place of an erased message's text and a case's summary.
        public static let erasedText = "（已按保存期限删除）"
        /// Stored in place of an erased sender's name.
        public static let erasedSender = "（已删除）"
    }
}

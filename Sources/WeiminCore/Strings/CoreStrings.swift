import Foundation

/// The Simplified Chinese words users see for domain values, in one table so wording stays consistent
/// between the API, the console, the CLI and exports.
public enum CoreStrings {
    /// Message kinds as the console and placeholders name them.
    public static func messageKind(_ kind: MessageKind) -> String {
        switch kind {
        case .text: return "文字"
        case .image: return "图片"
        case .voice: return "语音"
        case .video: return "视频"
        case .file: return "文件"
        case .sticker: return "表情包"
        case .link: return "链接"
        case .quote: return "引用"
        case .system: return "系统消息"
        case .event: return "群事件"
        }
    }

    /// Working time in words: "45 分钟", "3 小时 20 分", "2 个工作日 1 小时" (a working day is `dayMinutes`).
    public static func workingTime(_ minutes: Double, dayMinutes: Double) -> String {
        let m = max(0, Int(minutes.rounded()))
        if m < 60 { return "\(m) 分钟" }
        let day = max(1, Int(dayMinutes))
        if m < day { return "\(m / 60) 小时" + (m % 60 > 0 ? " \(m % 60) 分" : "") }
        let hours = (m % day) / 60
        return "\(m / day) 个工作日" + (hours > 0 ? " \(hours) 小时" : "")
    }

    /// A case command by its API name (`CaseActionCatalogue`), for buttons and lists; also 核减, which is not one.
    public static func commandName(_ name: String) -> String {
        if let entry = CaseActionCatalogue.entry(named: name) { return entry.label }
        switch name {
        case "exclude": return "核减"
        case "open": return "立案"
        case "split": return "拆分"
        default: return name
        }
    }

    public static func supervisionLevelName(_ l: SupervisionLevel) -> String {
        switch l {
        case .warning: return "预警"
        case .order: return "督办单"
        case .notice: return "通报"
        }
    }

    /// "剩 2 个工作日 1 小时" before a deadline, "已超期 3 小时" after it, in the limit's own kind of time: working
    /// time for working-day and working-minute limits, the clock's time for limits that run at any hour (an urgent
    /// answer at night shows "剩 18 分钟", not "剩 0 分钟").
    public static func timeLeft(until due: Date, limit: TimeLimit?, now: Date, calendar: WorkCalendar) -> String {
        switch limit {
        case .calendarDays, .elapsedMinutes:
            let minutes = abs(due.timeIntervalSince(now)) / 60
            return due < now ? "已超期 " + elapsedTime(minutes) : "剩 " + elapsedTime(minutes)
        case .workingDays, .workingMinutes, nil:
            let day = Double(calendar.minutesPerDay)
            return due < now
                ? "已超期 " + workingTime(calendar.workingMinutes(from: due, to: now), dayMinutes: day)
                : "剩 " + workingTime(calendar.workingMinutes(from: now, to: due), dayMinutes: day)
        }
    }

    /// The clock's time in words: "18 分钟", "3 小时 20 分", "2 天 5 小时".
    public static func elapsedTime(_ minutes: Double) -> String {
        let m = max(0, Int(minutes.rounded(.down)))
        if m < 60 { return "\(m) 分钟" }
        if m < 1440 { return "\(m / 60) 小时" + (m % 60 > 0 ? " \(m % 60) 分" : "") }
        let hours = (m % 1440) / 60
        return "\(m / 1440) 天" + (hours > 0 ? " \(hours) 小时" : "")
    }

    public static func categoryName(_ c: Category) -> String {
        switch c {
        case .publicity: return "宣传教育"
        case .disclosure: return "公示公开"
        case .service: return "便民服务"
        case .petition: return "信访举报"
        case .opinion: return "舆情管控"
        case .none: return "无需处理"
        }
    }

    public static func stateName(_ s: CaseState) -> String {
        switch s {
        case .new: return "待受理"
        case .accepted: return "已受理"
        case .dispatched: return "已派单"
        case .inProgress: return "办理中"
        case .resolved: return "已办结"
        case .reviewed: return "已回访"
        case .closed: return "已归档"
        case .declined: return "不予受理"
        case .merged: return "已合并"
        case .returned: return "已退回"
        case .suspended: return "挂起"
        }
    }

    public static func actionName(_ a: CaseAction) -> String {
        switch a {
        case .accept: return "受理"
        case .decline: return "不予受理"
        case .merge: return "合并"
        case .dispatch: return "派单"
        case .start: return "签收"
        case .returnToCentre: return "退回"
        case .reassign: return "改派"
        case .suspend: return "挂起"
        case .resume: return "恢复办理"
        case .resolve: return "办结"
        case .review: return "回访"
        case .reopen: return "重办"
        case .close: return "归档"
        }
    }

    public static func urgencyName(_ u: Urgency) -> String {
        switch u {
        case .normal: return "一般"
        case .urgent: return "紧急"
        }
    }

    public static func satisfactionName(_ s: Satisfaction) -> String {
        switch s {
        case .satisfied: return "满意"
        case .basicallySatisfied: return "基本满意"
        case .unsatisfied: return "不满意"
        }
    }

    /// The audit note of a 转纪委: why, the old and new numbers, who had acted on the case and who is recused
    /// (read by the discipline commission only).
    public static func transferNote(reason: String, formerNumber: String, sealedNumber: String, handledBy: [String], recused: [String])
        -> String
    {
        "转纪委：\(reason)。原编号 \(formerNumber)，改为 \(sealedNumber)；转交前经手人员："
            + (handledBy.isEmpty ? "无" : handledBy.joined(separator: "、")) + "；回避："
            + (recused.isEmpty ? "无" : recused.joined(separator: "、"))
    }

    public static func roleName(_ r: Role) -> String {
        switch r {
        case .intakeOperator: return "受理员"
        case .departmentHandler: return "部门承办人"
        case .townshipCadre: return "乡镇干部"
        case .villageAdmin: return "村级管理员"
        case .supervisor: return "督办"
        case .discipline: return "纪检监察"
        case .leader: return "领导"
        case .admin: return "系统管理员"
        }
    }

    public static func platformName(_ p: Platform) -> String {
        switch p {
        case .wecom: return "企业微信"
        case .dingtalk: return "钉钉"
        case .wechat: return "微信"
        case .feishu: return "飞书"
        case .other: return "其他"
        }
    }

    public static func regionLevelName(_ l: RegionLevel) -> String {
        switch l {
        case .province: return "省"
        case .prefecture: return "州市"
        case .county: return "县"
        case .township: return "乡镇"
        case .village: return "村"
        }
    }

    public static func personKindName(_ k: PersonKind) -> String {
        switch k {
        case .villager: return "村民"
        case .villageCadre: return "村干部"
        case .townshipCadre: return "包村干部"
        case .police: return "民警"
        case .other: return "其他"
        }
    }
}

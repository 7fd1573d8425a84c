import Foundation

/// The clocks a case can run (docs/domain.md §3.3).
public enum DeadlineStep: String, CaseIterable, Codable, Sendable, Hashable {
    /// 响应: first answer in the group.
    case response
    /// 办结: the matter handled (for petitions, handling after acceptance).
    case handling
    /// 信访受理告知: decide acceptance and tell the petitioner.
    case petitionAcceptance = "petition_acceptance"
    /// 退回: a department may object that a case is not its business.
    case returnWindow = "return_window"
    /// 复查申请 / 复查决定.
    case reviewRequest = "review_request"
    case reviewDecision = "review_decision"
    /// 复核申请 / 复核决定.
    case recheckRequest = "recheck_request"
    case recheckDecision = "recheck_decision"
    /// 检举控告受理告知: tell a named reporter whether a report about a cadre is accepted.
    case reportAcceptance = "report_acceptance"

    public var chineseName: String {
        switch self {
        case .response: return "首次响应"
        case .handling: return "办结"
        case .petitionAcceptance: return "受理告知"
        case .returnWindow: return "退回异议"
        case .reviewRequest: return "申请复查"
        case .reviewDecision: return "复查决定"
        case .recheckRequest: return "申请复核"
        case .recheckDecision: return "复核决定"
        case .reportAcceptance: return "检举控告受理告知"
        }
    }
}

/// One time-limit rule with the source users see next to the deadline.
public struct DeadlineRule: Codable, Sendable, Hashable {
    public var id: String
    public var step: DeadlineStep
    /// Nil matches any category.
    public var category: Category?
    /// Nil matches either urgency.
    public var urgency: Urgency?
    /// Nil matches sealed and open cases alike.
    public var sealed: Bool?
    public var limit: TimeLimit
    /// The longest extension (延期) that may be approved, if any.
    public var maxExtension: TimeLimit?
    /// The legal or local source, e.g. "《信访工作条例》（2022）第三十四条".
    public var source: String

    public init(
        id: String, step: DeadlineStep, category: Category? = nil, urgency: Urgency? = nil, sealed: Bool? = nil,
        limit: TimeLimit, maxExtension: TimeLimit? = nil, source: String
    ) {
        self.id = id
        self.step = step
        self.category = category
        self.urgency = urgency
        self.sealed = sealed
        self.limit = limit
        self.maxExtension = maxExtension
        self.source = source
    }

    /// How many of the optional conditions this rule pins down: the most specific match wins.
    var specificity: Int { (category == nil ? 0 : 1) + (urgency == nil ? 0 : 2) + (sealed == nil ? 0 : 4) }

    func matches(step: DeadlineStep, category: Category, urgency: Urgency, sealed: Bool) -> Bool {
        self.step == step && (self.category == nil || self.category == category)
            && (self.urgency == nil || self.urgency == urgency) && (self.sealed == nil || self.sealed == sealed)
    }
}

/// A county's rule table: the defaults from docs/domain.md §3.2, overridable per county by a JSON file (§3.5).
public struct DeadlineRules: Sendable, Hashable {
    public private(set) var rules: [DeadlineRule]

    public init(rules: [DeadlineRule]) { self.rules = rules }

    public func rule(for step: DeadlineStep, category: Category, urgency: Urgency, sealed: Bool) -> DeadlineRule? {
        rules.filter { $0.matches(step: step, category: category, urgency: urgency, sealed: sealed) }
            .max { $0.specificity < $1.specificity }
    }

    /// Replaces rules with the same id and adds new ones; a county's file need only list what differs.
    public func merging(_ overrides: [DeadlineRule]) -> DeadlineRules {
        var byID = Dictionary(uniqueKeysWithValues: rules.map { ($0.id, $0) })
        var order = rules.map(\.id)
        for r in overrides {
            if byID[r.id] == nil { order.append(r.id) }
            byID[r.id] = r
        }
        return DeadlineRules(rules: order.compactMap { byID[$0] })
    }

    /// Reads a county's overrides: a JSON array of rules, limits written like "5wd", "15d", "2wh", "30m".
    public static func overrides(json: Data) throws -> [DeadlineRule] {
        do {
            return try JSONDecoder().decode([DeadlineRule].self, from: json)
        } catch {
            throw TimeLimit.ParseError.invalid("时限规则文件无法读取（应为规则数组，时限写作 5wd/15d/2wh/30m）：\(error)")
        }
    }

    static let county = "县级规定（可在配置中调整）"
    static let petitionRegulation = "《信访工作条例》（2022）"

    /// docs/domain.md §3.2, with sources.
    public static let defaults = DeadlineRules(rules: [
        DeadlineRule(id: "response.default", step: .response, limit: .workingMinutes(120), source: "\(county)：2个工作小时内在群内首次响应"),
        DeadlineRule(
            id: "response.urgent", step: .response, urgency: .urgent, limit: .elapsedMinutes(30), source: "\(county)：紧急事项30分钟内响应，不分昼夜"),
        DeadlineRule(
            id: "response.opinion", step: .response, category: .opinion, limit: .elapsedMinutes(60), source: "\(county)：舆情事项1小时内响应，不分昼夜"),
        DeadlineRule(
            id: "response.opinion.urgent", step: .response, category: .opinion, urgency: .urgent, limit: .elapsedMinutes(30),
            source: "\(county)：紧急事项30分钟内响应，不分昼夜"),
        DeadlineRule(
            id: "handling.publicity", step: .handling, category: .publicity, limit: .workingDays(1), source: "\(county)：政策咨询1个工作日内答复"),
        DeadlineRule(
            id: "handling.service", step: .handling, category: .service, limit: .workingDays(5), maxExtension: .workingDays(10),
            source: "12345热线办理惯例（如《济南市12345市民服务热线管理办法》《潍坊市12345政务服务便民热线管理办法》）：5个工作日办结，经批准可延期不超过10个工作日"),
        DeadlineRule(
            id: "handling.disclosure", step: .handling, category: .disclosure, limit: .workingDays(5), source: "\(county)：公开申请或异议5个工作日内答复"),
        DeadlineRule(id: "handling.opinion", step: .handling, category: .opinion, limit: .workingDays(1), source: "\(county)：舆情事项1个工作日内处置"),
        DeadlineRule(
            id: "petition.acceptance", step: .petitionAcceptance, category: .petition, limit: .calendarDays(15),
            source: "\(petitionRegulation)第二十三条：15日内决定是否受理并告知信访人"),
        DeadlineRule(
            id: "handling.petition", step: .handling, category: .petition, limit: .calendarDays(60), maxExtension: .calendarDays(30),
            source: "\(petitionRegulation)第三十四条：受理之日起60日内办结；情况复杂的，经本机关负责人批准可延长不超过30日，并告知信访人延期理由"),
        DeadlineRule(
            id: "return.window", step: .returnWindow, limit: .workingDays(5),
            source: "\(petitionRegulation)第二十三条：有关机关认为不属于本机关职责的，应在5个工作日内提出异议"),
        DeadlineRule(
            id: "review.request", step: .reviewRequest, category: .petition, limit: .calendarDays(30),
            source: "\(petitionRegulation)第三十五条：信访人可自收到处理意见之日起30日内请求复查"),
        DeadlineRule(
            id: "review.decision", step: .reviewDecision, category: .petition, limit: .calendarDays(30),
            source: "\(petitionRegulation)第三十五条：收到复查请求之日起30日内提出复查意见"),
        DeadlineRule(
            id: "recheck.request", step: .recheckRequest, category: .petition, limit: .calendarDays(30),
            source: "\(petitionRegulation)第三十六条：信访人可自收到复查意见之日起30日内请求复核"),
        DeadlineRule(
            id: "recheck.decision", step: .recheckDecision, category: .petition, limit: .calendarDays(30),
            source: "\(petitionRegulation)第三十六条：收到复核请求之日起30日内提出复核意见（听证时间不计入）"),
        DeadlineRule(
            id: "report.acceptance", step: .reportAcceptance, sealed: true, limit: .workingDays(15),
            source: "《纪检监察机关处理检举控告工作规则》（2020）：15个工作日内告知实名检举控告人受理情况"),
    ])
}

extension TimeLimit {
    public enum ParseError: Error, CustomStringConvertible, Sendable {
        case invalid(String)

        public var description: String {
            switch self {
            case .invalid(let why): return why
            }
        }
    }

    /// Parses the compact form used in configuration: `5wd` working days, `15d` calendar days,
    /// `2wh` working hours, `90wm` working minutes, `30m` elapsed minutes, `1h` elapsed hours.
    public init(parse text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let digits = t.prefix { $0.isNumber }
        let unit = t.dropFirst(digits.count)
        guard let n = Int(digits), n > 0, n <= 100_000 else { throw ParseError.invalid("时限 \(text) 无效：应为正整数加单位，如 5wd、15d、2wh、30m") }
        switch unit {
        case "wd": self = .workingDays(n)
        case "d": self = .calendarDays(n)
        case "wh": self = .workingMinutes(n * 60)
        case "wm": self = .workingMinutes(n)
        case "m": self = .elapsedMinutes(n)
        case "h": self = .elapsedMinutes(n * 60)
        default: throw ParseError.invalid("时限单位 \(unit) 无法识别：wd 工作日、d 日、wh 工作小时、wm 工作分钟、h 小时、m 分钟")
        }
    }

    /// The compact form, the inverse of `init(parse:)`.
    public var compact: String {
        switch self {
        case .workingDays(let n): return "\(n)wd"
        case .calendarDays(let n): return "\(n)d"
        case .workingMinutes(let m): return m % 60 == 0 ? "\(m / 60)wh" : "\(m)wm"
        case .elapsedMinutes(let m): return m % 60 == 0 ? "\(m / 60)h" : "\(m)m"
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parse: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(compact)
    }
}

import Foundation

/// The transparent layer beside the model: word lists a county can edit (a JSON file), each rule with a
/// name people recognise, so every flag says which rule fired on which words. Urgency must not wait for a
/// model to be sure: "着火了" at 3 a.m. is urgent the first time it is seen.
public struct TriageRules: Sendable, Codable, Hashable {
    /// A named list of phrases. `all` (optional) are groups of which one phrase each must also appear
    /// within `window` characters — "村会计" near "优亲厚友", not anywhere in a long message.
    public struct Rule: Sendable, Codable, Hashable {
        public var name: String
        public var any: [String]
        public var all: [[String]]?
        public var window: Int?
        /// For risk: how much it adds (1–3).
        public var weight: Int?
        /// Phrases that cancel the rule anywhere in the message: news from elsewhere, a video passed on, praise.
        public var unless: [String]?

        public init(name: String, any: [String], all: [[String]]? = nil, window: Int? = nil, weight: Int? = nil, unless: [String]? = nil) {
            self.name = name
            self.any = any
            self.all = all
            self.window = window
            self.weight = weight
            self.unless = unless
        }
    }

    public var urgent: [Rule]
    public var risk: [Rule]
    /// The risk rule for a frightening claim being passed on: such a case goes to 网信 and is never quoted back.
    public static let rumourRule = "恐慌谣言"
    public var cadre: [Rule]
    /// Words that cancel a phrase right before it ("没有着火", "不是打架").
    public var negators: [String]

    public init(urgent: [Rule], risk: [Rule], cadre: [Rule], negators: [String]) {
        self.urgent = urgent
        self.risk = risk
        self.cadre = cadre
        self.negators = negators
    }

    /// A rule that fired, on which words.
    public struct Hit: Sendable, Hashable, Codable {
        public var rule: String
        public var words: [String]
        public var weight: Int
    }

    /// The defaults, written for the county's villages; a county adds its own words in its rules file.
    public static let defaults = TriageRules(
        urgent: [
            Rule(name: "火灾", any: ["着火", "失火", "起火", "火灾", "烧起来了", "火烧", "冒烟了", "火很大", "烧着了"]),
            Rule(name: "洪水内涝", any: ["发大水", "洪水", "水淹", "淹了", "被淹", "涨大水", "山洪", "决堤", "溃坝", "漫过"]),
            Rule(name: "山体滑坡泥石流", any: ["滑坡", "泥石流", "塌方了", "山垮了", "垮山", "落石", "山体开裂"]),
            Rule(name: "受伤急救", any: ["受伤", "流血", "出血", "昏迷", "晕倒", "不省人事", "急救", "120", "摔断", "骨折", "被咬", "触电", "中毒", "喘不过气"]),
            Rule(name: "暴力", any: ["打人", "砍人", "动刀", "拿刀", "持刀", "打起来了", "打架", "斗殴", "捅了", "杀人", "家暴"]),
            Rule(name: "儿童走失", any: ["孩子不见了", "小孩不见了", "娃不见了", "孩子走丢", "小孩走丢", "走失", "找不到孩子", "伢儿不见", "娃娃不见"]),
            Rule(name: "轻生", any: ["不想活", "活不下去", "寻短见", "跳河", "跳楼", "喝农药", "喝药", "上吊", "想死", "轻生", "自杀"]),
            Rule(name: "燃气危化", any: ["煤气泄漏", "天然气泄漏", "液化气", "爆炸", "闻到煤气"]),
            Rule(name: "交通事故", any: ["车祸", "翻车", "撞人", "撞了人", "掉下坎", "翻到沟里", "侧翻"]),
        ],
        risk: [
            Rule(
                name: "号召聚集", any: ["一起去", "都去", "集体去", "大家去", "聚集", "围堵", "堵路", "拉横幅", "集体上访", "去县里", "去乡政府", "找政府要个说法", "讨说法"], weight: 2),
            Rule(
                name: "扬言曝光", any: ["曝光", "发抖音", "发到网上", "找记者", "找媒体", "上热搜", "发微博", "找电视台", "网上发", "快手上发", "记者", "媒体", "上新闻"], weight: 1),
            Rule(
                name: "传播谣言", any: ["听说", "据说", "有人说", "传言", "谣言", "都在传", "转发", "千万别"], all: [["要", "会", "了", "马上", "全部"]], window: 12,
                weight: 1),
            // A frightening claim passed on ("听说化工厂漏毒气了，转发告诉家里人"): a rumour that spreads, not a demand.
            Rule(
                name: Self.rumourRule,
                any: [
                    "有毒", "毒气", "致癌", "得癌", "泄漏", "漏气", "爆炸", "不能喝", "不能吃", "死了好多", "死了几个", "封村", "封路", "要地震", "传染",
                    "瘟疫", "投毒", "被污染",
                ],
                all: [["听说", "据说", "有人说", "都在传", "在传", "转发", "扩散", "赶紧告诉", "快告诉", "大家注意", "千万别", "囤", "抢购", "快跑", "网上说", "群里说"]],
                window: 20, weight: 2, unless: ["辟谣", "不实", "是假的", "别信", "不要信", "谣言"]),
            Rule(name: "情绪激烈", any: ["忍无可忍", "受够了", "欺人太甚", "没天理", "太过分", "气死", "黑心", "狗官", "不给说法", "拼了", "豁出去"], weight: 1),
            Rule(name: "威胁对抗", any: ["拼命", "同归于尽", "要他好看", "走着瞧", "砸了", "烧了他"], weight: 2),
        ],
        cadre: [
            // An official (anyone from 组长 to a department's staff, police, 城管, a headteacher) near a misconduct; an official
            // near a relative and a benefit (优亲厚友); a report naming an official. News from elsewhere and praise cancel.
            Rule(
                name: "反映干部问题",
                any: [
                    "村支书", "支书", "书记", "村主任", "主任", "村长", "会计", "文书", "出纳", "组长", "网格员", "村干部", "干部", "包村", "驻村",
                    "工作队", "队长", "村委", "两委", "监委会", "乡政府", "镇政府", "镇长", "乡长", "所长", "站长", "局长", "科长", "股长",
                    "领导", "民警", "警察", "辅警", "城管", "执法队", "校长", "老师", "院长", "工作人员", "经办", "经手", "当官的", "官员",
                    "扶贫干部", "包工的干部",
                ],
                all: [
                    [
                        "贪", "回扣", "优亲厚友", "截留", "克扣", "扣了", "扣一", "扣两", "扣三", "扣五", "扣我", "扣钱", "挪用", "私分", "分了", "分钱",
                        "私吞", "吞了", "侵吞", "中饱私囊", "腰包", "口袋", "收钱", "收了", "收礼", "送礼", "红包", "索要", "吃拿卡要", "好处", "意思意思",
                        "跑路费", "手续费", "辛苦费", "违规", "违纪", "违法", "虚报", "多报", "冒领", "代领", "代签", "补签", "套取", "骗取", "关系户",
                        "关系保", "人情保", "亲戚", "自家人", "私自", "侵占", "霸占", "据为己有", "个人名义", "自己卡", "他卡上", "他老婆的", "报假账", "假账",
                        "做假", "造假", "公款", "吃喝", "大吃大喝", "打牌", "赌博", "赌钱", "打人", "打了", "踢烂", "骂人", "威胁", "报复", "打压", "不作为",
                        "乱作为", "踢皮球", "推诿", "不办事", "找不到他", "包庇", "干股", "入股", "拉票", "贿选", "买票", "送烟送酒", "滥用职权", "以权谋私",
                        "强行", "暴力", "选择性执法", "暗箱", "串通", "心里有鬼", "不公开", "不给看", "不让看", "查账", "彻查", "纪委", "举报", "拿去", "拿回家",
                        "拿回去", "拿走", "拉到他", "拉回", "卖了", "卖给", "给自己", "自己家", "他自己", "他家的", "送了礼", "熟人", "说假话", "没入账", "放贷",
                        "偷偷", "说了算", "态度恶劣", "刁民", "骂我们", "不给他面子", "土鸡", "腊鸡", "公章", "钱从哪来", "被他", "被谁", "冒用",
                        "只晓得", "分配不公", "不公平", "霸道", "欺压", "压着", "卡着", "不给办", "故意刁难", "刁难", "有问题",
                    ]
                ],
                window: 30,
                unless: [
                    "新闻", "视频", "外省", "别的县", "人家村", "有个县", "被抓了", "请勿转发", "谣言", "辟谣", "电视上", "网上那", "表扬",
                    "锦旗", "点赞",
                ]),
            // A police station or "the township" is also where villagers go for help, and 镇上 is often just a place: these
            // count only with a misconduct that cannot be someone else's doing (not 打了, 带走, 违法 — the victim's words).
            Rule(
                name: "反映派出所或乡镇问题",
                any: ["派出所", "乡里", "镇上", "乡里的人", "镇里"],
                all: [
                    [
                        "贪", "回扣", "截留", "克扣", "挪用", "私分", "私吞", "侵吞", "中饱私囊", "收钱", "收礼", "红包", "索要", "吃拿卡要", "好处费",
                        "不作为", "乱作为", "推诿", "踢皮球", "包庇", "以权谋私", "滥用职权", "选择性执法", "关系户", "优亲厚友", "虚报", "冒领",
                        "套取", "骗取", "公款", "大吃大喝", "态度恶劣", "故意刁难", "刁难", "不给办", "不立案", "打人", "暴力执法", "纪委", "彻查",
                        "查账", "暗箱", "不开票", "没有发票", "乱收费", "乱罚款", "罚款不给", "干股", "放贷",
                    ]
                ],
                window: 20,
                unless: [
                    "新闻", "视频", "外省", "别的县", "人家村", "有个县", "被抓了", "请勿转发", "谣言", "辟谣", "电视上", "网上那", "表扬",
                    "锦旗", "点赞",
                ]),
            // Buying votes before a 村委/支委 election: the meal and the cigarettes are the misconduct, whoever pays.
            Rule(
                name: "贿选",
                any: ["选举", "换届", "投票", "选票", "支委", "村委会选", "选村长", "选主任"],
                all: [["请吃饭", "请客", "吃饭", "一条烟", "送烟", "送酒", "红包", "给钱", "发钱", "每人", "拉票", "怎么投", "投给"]],
                window: 40,
                unless: ["新闻", "视频", "外省", "别的县", "被抓了", "谣言", "辟谣", "依法", "宣传"]),
            Rule(
                name: "优亲厚友",
                any: ["支书", "书记", "村主任", "主任", "村长", "会计", "文书", "组长", "网格员", "村干部", "干部", "队长"],
                all: [
                    [
                        "儿子", "女儿", "儿媳", "女婿", "老婆", "老公", "妻子", "弟弟", "哥哥", "妹妹", "姐姐", "侄子", "外甥", "舅舅", "舅子", "老表",
                        "亲家", "连襟", "岳母", "丈母娘", "老娘", "亲妹妹", "亲弟弟", "家属", "家的人", "家里人", "老丈人", "小舅子",
                    ],
                    [
                        "低保", "补贴", "补助", "救助", "名额", "评上", "评了", "公益岗", "保洁员", "护林员", "领了", "拿了", "补偿", "资助", "贫困户",
                        "困难户", "危房", "慰问", "名单",
                    ],
                ],
                window: 30,
                unless: [
                    "新闻", "视频", "外省", "别的县", "人家村", "有个县", "被抓了", "请勿转发", "谣言", "辟谣", "电视上", "网上那", "表扬",
                    "锦旗", "点赞",
                ]),
            Rule(
                name: "举报",
                any: ["举报", "实名举报", "检举", "揭发"],
                all: [
                    ["村", "干部", "书记", "主任", "会计", "组长", "乡", "镇", "领导", "民警", "城管", "校长", "局", "所长", "网格员", "文书"]
                ],
                window: 30,
                unless: [
                    "新闻", "视频", "外省", "别的县", "人家村", "有个县", "被抓了", "辟谣", "举报电话", "举报方式", "欢迎举报", "举报奖励", "可拨打",
                    "请拨打",
                ]),
        ],
        negators: ["没有", "没", "不是", "未", "不会", "无"]
    )

    /// Reads a county's rules file: the defaults, with each list the file names replaced.
    public static func merged(json: Data) throws -> TriageRules {
        struct Partial: Decodable {
            var urgent: [Rule]?
            var risk: [Rule]?
            var cadre: [Rule]?
            var negators: [String]?
        }
        let p = try JSONDecoder().decode(Partial.self, from: json)
        var r = defaults
        if let u = p.urgent { r.urgent = u }
        if let x = p.risk { r.risk = x }
        if let c = p.cadre { r.cadre = c }
        if let n = p.negators { r.negators = n }
        return r
    }
}

/// Rules ready to match quickly: phrases as scalar arrays indexed by their first scalar, matched in one
/// pass over the message. Nothing is allocated unless a rule fires.
public struct CompiledRules: Sendable {
    public enum Kind: Sendable { case urgent, risk, cadre }

    struct Phrase: Sendable {
        var scalars: [UInt32]
        var text: String
        /// (rule index, group): group −1 is the rule's `any` list, 0… its `all` groups.
        var rule: Int
        var group: Int
    }

    struct CompiledRule: Sendable {
        var name: String
        var weight: Int
        var window: Int
        var groups: Int
        var unless: [[UInt32]]
    }

    struct Set_: Sendable {
        var rules: [CompiledRule] = []
        var byFirst: [UInt32: [Phrase]] = [:]
        /// One bit per BMP character: does any phrase start with it? Most characters of a message start
        /// none, and a bit test is much cheaper than the dictionary lookup it saves.
        var starts = [UInt64](repeating: 0, count: 1024)

        mutating func add(_ p: Phrase) {
            byFirst[p.scalars[0], default: []].append(p)
            let v = p.scalars[0]
            if v < 65536 { starts[Int(v >> 6)] |= 1 << UInt64(v & 63) }
        }

        @inline(__always)
        func candidates(_ v: UInt32) -> [Phrase]? {
            if v < 65536 && starts[Int(v >> 6)] & (1 << UInt64(v & 63)) == 0 { return nil }
            return byFirst[v]
        }
    }

    var sets: [Set_] = []
    var negators: [[UInt32]]

    public init(_ r: TriageRules) {
        negators = r.negators.map(Self.scalars)
        for list in [r.urgent, r.risk, r.cadre] {
            var set = Set_()
            for (i, rule) in list.enumerated() {
                set.rules.append(
                    CompiledRule(
                        name: rule.name, weight: rule.weight ?? 1, window: rule.window ?? 20, groups: rule.all?.count ?? 0,
                        unless: (rule.unless ?? []).filter { !$0.isEmpty }.map(Self.scalars)))
                for p in rule.any where !p.isEmpty {
                    let sc = Self.scalars(p)
                    set.add(Phrase(scalars: sc, text: p, rule: i, group: -1))
                }
                for (g, group) in (rule.all ?? []).enumerated() {
                    for p in group where !p.isEmpty {
                        let sc = Self.scalars(p)
                        set.add(Phrase(scalars: sc, text: p, rule: i, group: g))
                    }
                }
            }
            sets.append(set)
        }
    }

    /// Lower-case ASCII and full-width forms folded, as the message is.
    static func fold(_ v: UInt32) -> UInt32 {
        var v = v
        if v >= 0xFF01 && v <= 0xFF5E { v -= 0xFEE0 }
        if v >= 0x41 && v <= 0x5A { v += 0x20 }
        return v
    }

    static func scalars(_ s: String) -> [UInt32] { s.unicodeScalars.map { fold($0.value) } }

    public func hits(_ kind: Kind, in text: String) -> [Hit] {
        var buffer: [UInt32] = []
        buffer.reserveCapacity(text.utf8.count)
        for u in text.unicodeScalars { buffer.append(Self.fold(u.value)) }
        return buffer.withUnsafeBufferPointer { hits(kind, in: $0) }
    }

    public typealias Hit = TriageRules.Hit

    /// Hits in already-folded scalars.
    public func hits(_ kind: Kind, in s: UnsafeBufferPointer<UInt32>) -> [Hit] {
        let set = sets[kind == .urgent ? 0 : (kind == .risk ? 1 : 2)]
        // First pass: where each rule's `any` list matches (not negated), a few places per rule: the first official
        // named may be far from the misconduct while a later one is next to it.
        var anyHits: [(rule: Int, word: String, at: Int)] = []
        for i in 0..<s.count {
            guard let candidates = set.candidates(s[i]) else { continue }
            for p in candidates where p.group == -1 && matches(p.scalars, s, at: i) && !negated(s, at: i) {
                if anyHits.lazy.filter({ $0.rule == p.rule }).count < 8 { anyHits.append((p.rule, p.text, i)) }
            }
        }
        guard !anyHits.isEmpty else { return [] }
        var result: [Hit] = []
        var done = Set<Int>()
        for (r, word, at) in anyHits.sorted(by: { ($0.rule, $0.at) < ($1.rule, $1.at) }) where !done.contains(r) {
            let rule = set.rules[r]
            if rule.unless.contains(where: { contains($0, in: s) }) {
                done.insert(r)
                continue
            }
            var words = [word]
            if rule.groups > 0 {
                let lo = max(0, at - rule.window), hi = min(s.count, at + word.unicodeScalars.count + rule.window)
                for g in 0..<rule.groups {
                    var found: String?
                    var i = lo
                    while i < hi && found == nil {
                        if let candidates = set.candidates(s[i]) {
                            for p in candidates
                            where p.rule == r && p.group == g && i + p.scalars.count <= hi && matches(p.scalars, s, at: i)
                                && !negated(s, at: i)
                            {
                                found = p.text
                                break
                            }
                        }
                        i += 1
                    }
                    guard let f = found else { words = []; break }
                    words.append(f)
                }
                if words.isEmpty { continue }
            }
            done.insert(r)
            result.append(Hit(rule: rule.name, words: words, weight: rule.weight))
        }
        return result
    }

    func contains(_ p: [UInt32], in s: UnsafeBufferPointer<UInt32>) -> Bool {
        guard p.count <= s.count else { return false }
        for i in 0...(s.count - p.count) where matches(p, s, at: i) { return true }
        return false
    }

    @inline(__always)
    func matches(_ p: [UInt32], _ s: UnsafeBufferPointer<UInt32>, at i: Int) -> Bool {
        guard i + p.count <= s.count else { return false }
        for k in 0..<p.count where s[i + k] != p[k] { return false }
        return true
    }

    /// A negator directly before the phrase, or with one character between ("没着火", "没有人打架" is not caught: fine).
    func negated(_ s: UnsafeBufferPointer<UInt32>, at i: Int) -> Bool {
        for n in negators {
            for start in [i - n.count, i - n.count - 1] where start >= 0 {
                var ok = true
                for k in 0..<n.count where s[start + k] != n[k] { ok = false; break }
                if ok { return true }
            }
        }
        return false
    }
}

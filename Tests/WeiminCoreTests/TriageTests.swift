import Foundation
import Testing
@testable import WeiminCore

/// The team's corpus, read from the repository (data/triage/corpus.tsv).
enum Corpus {
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("data/triage/corpus.tsv")
    static func load(_ columns: [String]) throws -> [LabelledExample] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try LabelledData.read(text, delimiter: 0x09, textColumn: "text", labelColumns: columns).examples
    }
}

@Suite("Triage: features, training, calibration, rules, entities")
struct TriageTests {
    @Test("machine-read words: a `none` below 0.9 goes to a person; a sure `none`, a demand and an undecided one are left as they are")
    func machineReadNone() {
        func decision(_ c: WeiminCore.Category, _ score: Double, undecided: Bool = false) -> TriageDecision {
            TriageDecision(
                category: c, categoryScore: score, categoryScores: [:], department: nil, departmentScore: 0, urgency: .normal,
                urgencyScore: 0, opinionRisk: 0, reportsCadre: false, cadreScore: 0, entities: Entities(), reasons: [],
                undecided: undecided,
                modelVersion: "t")
        }
        let unsure = decision(.none, 0.8).forMachineRead()
        #expect(unsure.undecided && unsure.reasons.last?.contains("人工确认") == true)
        #expect(!decision(.none, 0.95).forMachineRead().undecided)
        #expect(decision(.service, 0.6).forMachineRead() == decision(.service, 0.6))
        #expect(decision(.none, 0.3, undecided: true).forMachineRead().reasons.isEmpty)
    }

    @Test("normalising folds full-width forms, digits, repeats and @names; features are L2-normalised and the same every time")
    func features() {
        var out: [UInt32] = []
        // Digits all become "0", and any run of one character is kept at two.
        TextNormalizer.normalize("@张三 ＡＢＣ１２３！！！！啊啊啊啊", into: &out)
        #expect(String(String.UnicodeScalarView(out.compactMap(Unicode.Scalar.init))) == " abc00!!啊啊 ")
        var x = FeatureExtractor(config: FeatureConfig(dimension: 1 << 12))
        var a = SparseVector(), b = SparseVector()
        x.extract("村口的路塌了，车过不去", into: &a)
        x.extract("村口的路塌了，车过不去", into: &b)
        #expect(a == b && !a.indices.isEmpty)
        #expect(Set(a.indices).count == a.indices.count)
        let norm = a.values.reduce(0) { $0 + $1 * $1 }
        #expect(abs(norm - 1) < 1e-5)
        // A typo still shares most grams with the right spelling.
        x.extract("村口的路踏了，车过不去", into: &b)
        let shared = Set(a.indices).intersection(b.indices).count
        #expect(Double(shared) / Double(a.indices.count) > 0.6)
    }

    @Test("training converges on a small separable set and is reproducible bit for bit", arguments: LinearTrainer.Loss.allCases)
    func convergence(loss: LinearTrainer.Loss) throws {
        var rows: [LabelledExample] = []
        for w in ["停水", "没水", "水管爆了", "自来水不来"] {
            for p in ["三组", "我家", "村里", "上面"] { rows.append(.init(text: "\(p)\(w)了", labels: ["l": "water"])) }
        }
        for w in ["路塌了", "路上有坑", "桥断了", "路被冲坏"] {
            for p in ["三组", "我家", "村里", "上面"] { rows.append(.init(text: "\(p)\(w)", labels: ["l": "road"])) }
        }
        for w in ["早上好", "谢谢", "哈哈", "收到"] {
            for p in ["大家", "书记", "", "各位"] { rows.append(.init(text: "\(p)\(w)", labels: ["l": "none"])) }
        }
        let features = FeatureConfig(dimension: 1 << 14)
        let m1 = try TextModelTraining.train(rows, labelColumns: ["l"], features: features, trainer: LinearTrainer(loss: loss))
        let m2 = try TextModelTraining.train(rows, labelColumns: ["l"], features: features, trainer: LinearTrainer(loss: loss))
        #expect(try m1.serialized() == m2.serialized())
        #expect(m1.version == m2.version)
        let report = TextModelTraining.evaluate(m1, head: "l", rows)
        #expect(report.accuracy == 1)
        // Unseen phrasing of the same things.
        let unseen = [LabelledExample(text: "二组停水两天了", labels: ["l": "water"]), LabelledExample(text: "村口的桥断了", labels: ["l": "road"])]
        #expect(TextModelTraining.predict(m1, head: "l", unseen) == ["water", "road"])
        // Written and read back, it is the same model.
        let loaded = try TextModel.load(try m1.serialized())
        #expect(loaded == m1)
        #expect(throws: TextModel.FormatError.self) { try TextModel.load(Data("WMTM nonsense".utf8)) }
    }

    @Test("the temperature is fitted on held-out data: with a third of the labels wrong, the model says about 2/3, not 99 %")
    func calibration() throws {
        // Noisy labels: the same words under both labels a third of the time; a calibrated model must not say 99 %.
        var rows: [LabelledExample] = []
        var rng = SplitMix64(seed: 3)
        for i in 0..<600 {
            let word = i % 2 == 0 ? "修路" : "聊天"
            let truth = i % 2 == 0 ? "a" : "b"
            let label = rng.next() % 3 == 0 ? (truth == "a" ? "b" : "a") : truth
            rows.append(.init(text: "\(word)\(i % 17)号", labels: ["l": label]))
        }
        let model = try TextModelTraining.train(rows, labelColumns: ["l"], features: FeatureConfig(dimension: 1 << 12))
        let head = try #require(model.heads["l"])
        #expect(head.temperature != 1)
        var x = model.extractor()
        var v = SparseVector(), p: [Float] = []
        x.extract("修路3号", into: &v)
        head.probabilities(v, into: &p)
        #expect(abs(p.reduce(0, +) - 1) < 1e-5)
        let pa = p[head.labels.firstIndex(of: "a")!]
        #expect(pa > 0.55 && pa < 0.8, "\(pa)")
    }

    @Test(
        "rules fire with their names and words; negations and praise do not",
        arguments: [
            ("着火了！快来人", "urgent", "火灾"),
            ("孩子不见了，大家帮忙找找", "urgent", "儿童走失"),
            ("明天早上大家都去乡政府门口", "risk", "号召聚集"),
            ("再不解决我就找记者曝光", "risk", "扬言曝光"),
            ("村会计把低保名额给了他小舅子", "cadre", "优亲厚友"),
            ("我要实名举报村支书", "cadre", "举报"),
            // An official × a misconduct, in words the first lists lacked; the official named first is far from it.
            ("镇里派来的那个干部人倒是客气，开会讲得也好听，可是修桥的钱他经手以后就说不够了，桥修了一半，剩下的钱进了谁的腰包", "cadre", "反映干部问题"),
            ("派出所的辅警跟开赌场的是一伙的，每次要查之前都先打电话通风报信，他还收了人家的好处", "cadre", "反映干部问题"),
            ("今年的公益岗又是组长的儿媳妇，去年也是她，一天活不干照样领钱", "cadre", "优亲厚友"),
        ])
    func rules(text: String, kind: String, rule: String) {
        let r = CompiledRules(.defaults)
        let hits = r.hits(kind == "urgent" ? .urgent : (kind == "risk" ? .risk : .cadre), in: text)
        #expect(hits.contains { $0.rule == rule }, "\(hits)")
    }

    @Test(
        "no rule fires on negations, past events, praise, news from elsewhere or a notice",
        arguments: [
            "没有着火，是在烧落叶", "不是打架，是闹着玩", "感谢村支书帮我家办了低保", "书记今天来我家看了",
            "给张书记送了面锦旗，他帮我们把拖了三年的补偿款要回来了", "新闻里说邻省有个县的局长贪了几千万被抓了",
            "【通知】村委会定于周五下午召开低保评议会，请各组组长准时参加",
        ])
    func quiet(text: String) {
        let r = CompiledRules(.defaults)
        #expect(r.hits(.urgent, in: text).isEmpty && r.hits(.cadre, in: text).isEmpty)
    }

    @Test("entities: phones and ID numbers only masked, money in digits and words, places of the county, dates")
    func entities() {
        let x = EntityExtractor(places: [("433125111", "长潭河乡"), ("433125111201", "大白岩村")])
        let e = x.extract("我电话13974312256，身份证433125199001011235，家在长潭河大白岩村，借了他两万块，还有3,000元，11月3号和明天都行")
        #expect(e.phones == ["139****2256"])
        #expect(e.idNumbers == ["433125********1235"])
        #expect(e.money == ["两万块", "3,000元"])
        #expect(e.places.map(\.code) == ["433125111", "433125111201"])
        #expect(e.dates.contains("11月3号") && e.dates.contains("明天"))
        // An 18-digit number that fails the check digit is not an ID; "3万人" is not money.
        let f = x.extract("编号433125199001011238，来了3万人")
        #expect(f.idNumbers.isEmpty && f.money.isEmpty)
    }

    @Test("CSV and TSV with a BOM, quotes and named columns; bad rows are skipped with their line and reason")
    func labelledData() throws {
        let csv = "\u{FEFF}id,review,label\n1,\"好，很好\",pos\n2,差,\n3,\"一般，\"\"还行\"\"\",neu\n4,多了,一列,x\n"
        let loaded = try LabelledData.read(
            csv, delimiter: LabelledData.delimiter(fileName: "a.csv", head: csv), textColumn: "review", labelColumns: ["label"])
        #expect(loaded.examples.map(\.text) == ["好，很好", "一般，\"还行\""])
        #expect(loaded.skipped.map(\.line) == [3, 5])
        #expect(throws: LabelledData.Problem.self) {
            try LabelledData.read(csv, delimiter: 0x2C, textColumn: "text", labelColumns: ["label"])
        }
        #expect(LabelledData.delimiter(fileName: "x.txt", head: "text\tlabel\n") == 0x09)
    }

    @Test("the evaluation report matches hand-computed precision, recall, macro-F1 and confusion")
    func report() {
        let r = EvaluationReport(gold: ["a", "a", "b", "b", "c"], predicted: ["a", "b", "b", "b", "a"])
        #expect(r.accuracy == 0.6)
        #expect(r.perClass["a"]?.precision == 0.5 && r.perClass["a"]?.recall == 0.5)
        #expect(abs((r.perClass["b"]?.f1 ?? 0) - 0.8) < 1e-9)
        #expect(r.perClass["c"]?.f1 == 0 && r.perClass["c"]?.support == 1)
        #expect(abs(r.macroF1 - (0.5 + 0.8 + 0) / 3) < 1e-9)
        #expect(r.confusion == [[1, 1, 0], [0, 2, 0], [1, 0, 0]])
    }

    @Test("regression: trained on the corpus's training split, macro-F1 on the held-out split stays above the recorded floor")
    func heldOut() throws {
        let rows = try Corpus.load(["category"])
        #expect(rows.count >= 3000)
        let (train, test) = LabelledData.split(rows, column: "category", testFraction: 0.2, seed: 7)
        let model = try TextModelTraining.train(train, labelColumns: ["category"])
        let report = TextModelTraining.evaluate(model, head: "category", test)
        // Recorded 2026-11-27: 0.86–0.88 on this split (bench/triage-baseline.py: scikit-learn 0.85). Floor: 0.82.
        #expect(report.macroF1 >= 0.82, "\(report.table)")
        #expect(report.perClass.values.allSatisfy { $0.f1 >= 0.6 }, "\(report.table)")
    }

    @Test("regression: the department head, trained as the shipped model is, stays above its recorded floor on held-out rows")
    func departmentHeldOut() throws {
        let rows = try Corpus.load(["category", "department"])
        let (train, test) = LabelledData.split(rows, column: "category", testFraction: 0.2, seed: 7)
        let model = try TextModelTraining.train(
            train, labelColumns: ["department"], useIDF: Retraining.useIDF,
            ignoring: ["department": ["-"]], losses: Retraining.losses)
        let report = TextModelTraining.evaluate(model, head: "department", test.filter { $0.labels["department"] != "-" })
        // Recorded 2026-11-27: 0.733 on this split (log-loss without IDF: 0.66; bench/triage-outputs.py: scikit-learn 0.72). Floor: 0.70.
        #expect(report.macroF1 >= 0.70, "\(report.table)")
    }

    @Test("cadre rules: a police station or 镇上 as the helper or the place is no report; their misconduct, or vote buying, is")
    func cadreRules() {
        let rules = CompiledRules(.defaults)
        for helper in [
            "那个疯子已经被派出所带走了，伤的人送医院了，没大事",
            "上个月我在赶集的时候被人打了，派出所说在查，一个月了没消息，我想问一下案子到底怎么样了",
            "打牌的人少了点，现在都去镇上打了哈哈",
            "我的微信被盗了，有人冒充我借钱，我已经报警了，派出所的同志帮我看看能不能追查",
        ] {
            #expect(rules.hits(.cadre, in: helper).isEmpty, "\(helper)")
        }
        for report in [
            "我去派出所报案三次了，派出所就是不立案，这不是不作为吗",
            "镇上那个管低保的把我们的补助截留了一半",
            "选举前一天晚上有人请老党员吃饭，每人一条烟，说明天知道怎么投了吧",
            "村会计把低保名额都给了他自家亲戚",
        ] {
            #expect(!rules.hits(.cadre, in: report).isEmpty, "\(report)")
        }
    }

    @Test("triage puts it together: category, department, urgency, risk, a sealed cadre report, reasons")
    func triage() throws {
        let rows = try Corpus.load(["category", "department", "urgency", "risk", "cadre"])
        let model = try TextModelTraining.train(
            rows, labelColumns: ["category", "department", "urgency", "risk", "cadre"],
            features: FeatureConfig(dimension: 1 << 16), trainer: LinearTrainer(epochs: 6),
            ignoring: ["department": ["-"]])
        var t = Triager(model: model, places: [("433125111201", "大白岩村")], catalogue: [(code: "slj", keywords: ["自来水"])])
        var d = t.triage("着火了！大白岩村老王家屋后的柴堆烧起来了")
        #expect(d.urgency == .urgent && d.category.isActionable)
        #expect(d.reasons.contains { $0.contains("火灾") })
        #expect(d.entities.places.map(\.code) == ["433125111201"])
        d = t.triage("村会计把低保名额都给了他自家亲戚")
        #expect(d.reportsCadre && d.category == .petition && d.department == "jwjw")
        d = t.triage("我们组的自来水停了三天了")
        #expect(d.category == .service && d.department == "slj")
        // Without a confident department model, the county's 派单目录 words decide, and say so.
        let noDepartment = try TextModelTraining.train(
            rows, labelColumns: ["category"], features: FeatureConfig(dimension: 1 << 16), trainer: LinearTrainer(epochs: 4))
        var byCatalogue = Triager(model: noDepartment, catalogue: [(code: "slj", keywords: ["自来水"])])
        d = byCatalogue.triage("我们组的自来水停了三天了")
        #expect(d.department == "slj" && d.reasons.contains { $0.contains("派单目录") })
        d = t.triage("大家早上好")
        #expect(d.category == .none && !d.isActionable && d.department == nil)
        d = t.triage("明天都去乡政府门口拉横幅，不给说法不走")
        #expect(d.opinionRisk >= 2 && d.category == .opinion)
        #expect(!d.modelVersion.isEmpty)
        // A frightening claim being passed on is a rumour: 舆情, for the catalogue's rumour entry, whatever it is about.
        var withRumours = Triager(
            model: model, catalogue: [(code: "slj", keywords: ["自来水"]), (code: "wxb", keywords: ["谣言", "舆情"])])
        d = withRumours.triage("听说化工厂漏毒气了，自来水都不能喝了，大家赶紧转发告诉家里人")
        #expect(d.category == .opinion && d.opinionRisk >= 2 && d.department == "wxb")
        #expect(d.reasons.contains { $0.contains("谣言") })
        // The cadre who answers it is not spreading it.
        d = withRumours.triage("网上说化工厂漏毒气是谣言，大家不要信，自来水可以放心喝")
        #expect(!d.reasons.contains { $0.contains("恐慌谣言") })
    }
}

@Suite("Threads and hot issues")
struct ThreadAndClusterTests {
    let t0 = Date(timeIntervalSince1970: 1_796_000_000)
    let road = UUID(), water = UUID()

    var open: [OpenCaseSummary] {
        [
            OpenCaseSummary(caseID: road, originSender: "tian", openedAt: t0, lastActivity: t0, text: "三组到四组的路上有个大坑，晚上骑摩托车危险得很"),
            OpenCaseSummary(
                caseID: water, originSender: "long", openedAt: t0.addingTimeInterval(-86400), lastActivity: t0.addingTimeInterval(-3600),
                text: "我们组停水三天了"),
        ]
    }

    var recent: [ThreadMessage] {
        [
            ThreadMessage(id: 1, sender: "long", sentAt: t0.addingTimeInterval(-86400), text: "我们组停水三天了", caseID: water),
            ThreadMessage(id: 2, sender: "tian", sentAt: t0, text: "三组到四组的路上有个大坑，晚上骑摩托车危险得很", caseID: road),
        ]
    }

    @Test("a burst, a quote, a follow-up, a +1 and the same demand in other words join one case; chat is ignored")
    func attach() {
        let a = ThreadAttacher()
        func decide(_ id: Int, _ sender: String, _ after: TimeInterval, _ text: String, quote: Int? = nil, actionable: Bool = false)
            -> ThreadDecision
        {
            a.decide(
                ThreadMessage(id: id, sender: sender, sentAt: t0.addingTimeInterval(after), text: text, quoteOf: quote),
                actionable: actionable, recent: recent, open: open)
        }
        guard case .join(road, _) = decide(3, "tian", 120, "就在老李家门口那里", actionable: true) else { Issue.record("burst"); return }
        guard case .join(water, _) = decide(4, "wang", 5000, "我们这边也停了", quote: 1) else { Issue.record("quote"); return }
        guard case .join(water, let why) = decide(5, "long", 3 * 86400, "水还没修好吗，都几天了") else { Issue.record("follow-up"); return }
        #expect(why.contains("追问"))
        guard case .join(road, _) = decide(6, "peng", 1800, "+1") else { Issue.record("support"); return }
        guard case .join(road, let similar) = decide(7, "shi", 2 * 86400, "三组到四组的路上那个大坑，晚上骑摩托车太危险了", actionable: true) else {
            Issue.record("similar"); return
        }
        #expect(similar.contains("相近"))
        #expect(decide(8, "shi", 2 * 86400, "学校门口的校车开得太快了", actionable: true) == .open)
        #expect(decide(9, "shi", 2 * 86400, "大家早上好") == .ignore)
        // Too late to be a burst; and a support long after the case went quiet opens nothing.
        #expect(decide(10, "tian", 3 * 3600, "哈哈") == .ignore)
        #expect(decide(11, "peng", 5 * 3600, "+1") == .ignore)

        // The same villager minutes later with a different demand, or forwarding a long notice: not a continuation.
        func decideAs(_ text: String, _ after: TimeInterval, actionable: Bool, category: Category?, department: String?) -> ThreadDecision {
            a.decide(
                ThreadMessage(id: 20, sender: "tian", sentAt: t0.addingTimeInterval(after), text: text), actionable: actionable,
                recent: recent, open: openWithKinds, category: category, department: department)
        }
        #expect(decideAs("还有我家低保这个月怎么没发", 300, actionable: true, category: .service, department: "mzj") == .open)
        #expect(
            decideAs(
                "【转发】关于2027年度城乡居民医疗保险集中缴费的通知：各位村民，2027年度医保缴费工作已经开始，请于12月31日前通过微信或到村委会缴纳", 300,
                actionable: false, category: nil, department: nil) == .ignore)
        guard case .join(road, _) = decideAs("坑有半米深", 300, actionable: false, category: nil, department: nil) else {
            Issue.record("a short detail still goes on with the demand"); return
        }
        // A neighbour's longer "我家也是…" joins the demand it answers (water), not the latest case (the road).
        let neighbour = a.decide(
            ThreadMessage(id: 21, sender: "zhou", sentAt: t0.addingTimeInterval(600), text: "我家也是，从昨天晚上到现在一滴水都没有"),
            actionable: true, recent: recent, open: openWithKinds, category: .service, department: nil)
        guard case .join(water, _) = neighbour else { Issue.record("我家也是 → \(neighbour)"); return }
    }

    var openWithKinds: [OpenCaseSummary] {
        open.map {
            var c = $0
            c.category = .service
            c.departmentCode = c.caseID == road ? "jtj" : "slj"
            return c
        }
    }

    @Test("near-duplicates across villages form a hot issue with counts by township and week; unrelated messages do not")
    func clusters() {
        let c = HotIssueClusterer()
        let day = 86400.0
        var items: [HotIssueItem] = []
        let texts = [
            "今年医保怎么又涨了，去年才三百多", "医保今年怎么又涨价了，去年才三百多块", "今年的医保怎么又涨了这么多，去年三百多",
            "医保又涨了，去年才三百多，今年怎么这么多",
        ]
        for (i, t) in texts.enumerated() {
            items.append(
                HotIssueItem(
                    id: i + 1, text: t, township: i % 2 == 0 ? "433125111" : "433125100", sentAt: t0.addingTimeInterval(Double(i) * 3 * day)
                ))
        }
        for (i, t) in ["村口的路灯坏了", "谁家的狗跑丢了", "明天赶场", "学校的饭太少了", "猪肉涨价了，十八一斤了"].enumerated() {
            items.append(HotIssueItem(id: 100 + i, text: t, township: "433125111", sentAt: t0))
        }
        let found = c.clusters(items)
        #expect(found.count == 1)
        let hot = found[0]
        #expect(hot.messageIDs == [1, 2, 3, 4])
        #expect(hot.byTownship == ["433125111": 2, "433125100": 2])
        #expect(hot.byWeek.values.reduce(0, +) == 4 && hot.byWeek.count >= 2)
        #expect(MinHasher.similarity(MinHasher().signature(texts[0]), MinHasher().signature("明天赶场")) < 0.2)
    }
}

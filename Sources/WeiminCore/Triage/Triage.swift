import Foundation

/// What triage decided about one message, with its scores and reasons a person can read.
public struct TriageDecision: Sendable, Hashable, Codable {
    public var category: Category
    /// Calibrated probability of `category`.
    public var categoryScore: Double
    /// Every category's probability.
    public var categoryScores: [String: Double]
    /// A department code from the county's catalogue (nil when nothing is to be done).
    public var department: String?
    public var departmentScore: Double
    public var urgency: Urgency
    public var urgencyScore: Double
    /// 0 (none) … 3 (high).
    public var opinionRisk: Int
    public var reportsCadre: Bool
    public var cadreScore: Double
    public var entities: Entities
    /// Which rule fired on which words; which words weighed most for the model.
    public var reasons: [String]
    /// The model could not decide (its best guess is below the county's threshold): a person looks.
    public var undecided: Bool
    public var modelVersion: String

    /// Opens or joins a case.
    public var isActionable: Bool { category.isActionable && !undecided }

    /// Words a machine read from a photo or heard in a voice note may be misread: `none` on them needs more confidence
    /// than on typed words (`machineNoneAbove`), or a person looks (the centre's 待确认).
    public static let machineNoneAbove = 0.9

    /// The same decision for machine-read words: a `none` below `machineNoneAbove` goes to a person.
    public func forMachineRead() -> TriageDecision {
        guard category == .none, !undecided, categoryScore < Self.machineNoneAbove else { return self }
        var d = self
        d.undecided = true
        d.reasons.append("机器识别的文字，分诊把握不足（无需处理 \(Int((categoryScore * 100).rounded()))%）：请人工确认")
        return d
    }
}

/// Triage for one county: the trained model, the rule lists, the places of the county and the dispatch
/// catalogue's keywords. One `Triager` per thread (it owns scratch buffers); `triage` allocates nothing for
/// the model's part once warm.
public struct Triager: Sendable {
    public let model: TextModel
    public let rules: CompiledRules
    public let entities: EntityExtractor
    /// Department code → keywords (the county's 派单目录): they decide the department when the model is unsure.
    public let catalogue: [(code: String, keywords: [String])]
    /// Below this probability, the category is left to a person.
    public var decideAbove: Double = 0.45
    /// `none` is the costly decision (a demand decided `none` is never answered), so it needs more confidence than the
    /// others: below this probability of `none`, the message waits in 待确认 for a person. Chosen from the trade-off
    /// curve in docs/benchmarks.md (demand recall ≥ 0.97 at the lowest workload); a county may set its own
    /// (`triage.none_above`).
    public var noneAbove: Double = Triager.defaultNoneAbove
    public static let defaultNoneAbove = 0.65
    /// The cadre head's probability above which a message is a report about a cadre even when no rule fired (a sealed
    /// case for the discipline commission). Chosen on the style-shift dev split: recall 0.95 there with 1.5 % of other
    /// messages flagged (docs/benchmarks.md); the rules catch the plain cases, the model the veiled ones.
    public var cadreAbove: Double = 0.4
    /// The model's version, computed once (it hashes every weight).
    public let modelVersion: String
    var extractor: FeatureExtractor
    /// The heads, looked up once (the hot path does no dictionary or label lookups): category, urgency, risk, cadre
    /// and department scored in one pass (`FusedHeads`); the indices say which is which.
    let fused: FusedHeads?
    let categoryIndex: Int?
    let departmentIndex: Int?
    let riskIndex: Int?
    let urgencyIndex: (head: Int, urgent: Int)?
    let cadreIndex: (head: Int, yes: Int)?
    var vector = SparseVector()
    var scores: [Float] = []
    var probs: [Float] = []
    var folded: [UInt32] = []
    var raw: [UInt32] = []

    public init(
        model: TextModel, rules: TriageRules = .defaults, places: [(code: String, name: String)] = [],
        catalogue: [(code: String, keywords: [String])] = []
    ) {
        self.model = model
        self.rules = CompiledRules(rules)
        self.entities = EntityExtractor(places: places)
        self.catalogue = catalogue
        modelVersion = model.version
        extractor = model.extractor()
        var small: [LinearClassifier] = []
        func add(_ name: String) -> Int? {
            guard let h = model.heads[name] else { return nil }
            small.append(h)
            return small.count - 1
        }
        categoryIndex = add("category")
        riskIndex = add("risk")
        urgencyIndex = add("urgency").flatMap { i in small[i].labels.firstIndex(of: Urgency.urgent.rawValue).map { (i, $0) } }
        cadreIndex = add("cadre").flatMap { i in small[i].labels.firstIndex(of: "yes").map { (i, $0) } }
        // Department last: its 20 classes take two more cache lines of the same row, read together with the first
        // (in its own table it cost a third of full triage, in cache misses).
        departmentIndex = add("department")
        fused = small.isEmpty ? nil : FusedHeads(small)
        vector.indices.reserveCapacity(512)
        vector.values.reserveCapacity(512)
    }

    /// One fused head's best label, with its probability (from `scores`).
    mutating func best(fused h: Int?) -> (label: String, p: Double)? {
        guard let h, let fused else { return nil }
        fused.probabilities(head: h, from: scores, into: &probs)
        var bi = 0
        for i in probs.indices where probs[i] > probs[bi] { bi = i }
        return (fused.heads[h].labels[bi], Double(probs[bi]))
    }

    /// One fused head's probability of one class (from `scores`).
    mutating func probability(_ head: (Int, Int)?) -> Double? {
        guard let (h, i) = head, let fused else { return nil }
        fused.probabilities(head: h, from: scores, into: &probs)
        return Double(probs[i])
    }

    /// Triages one message. `explain` adds the words that weighed most (slower; for what people see).
    public mutating func triage(_ text: String, explain: Bool = true) -> TriageDecision {
        extractor.extract(text, into: &vector)
        folded.removeAll(keepingCapacity: true)
        raw.removeAll(keepingCapacity: true)
        for u in text.unicodeScalars {
            raw.append(u.value)
            folded.append(CompiledRules.fold(u.value))
        }
        var reasons: [String] = []

        // Category, from the model.
        var category = Category.none
        var categoryScore = 1.0
        var categoryScores: [String: Double] = [:]
        fused?.scores(vector, into: &scores)
        if let c = categoryIndex, let fused {
            let h = fused.heads[c]
            fused.probabilities(head: c, from: scores, into: &probs)
            var bi = 0
            for i in probs.indices {
                categoryScores[h.labels[i]] = Double(probs[i])
                if probs[i] > probs[bi] { bi = i }
            }
            category = Category(rawValue: h.labels[bi]) ?? .none
            categoryScore = Double(probs[bi])
        }
        var undecided = categoryScore < decideAbove || (category == .none && categoryScore < noneAbove)

        // Rules: urgency, risk, reports about cadres.
        let (urgentHits, riskHits, cadreHits) = folded.withUnsafeBufferPointer { s in
            (rules.hits(.urgent, in: s), rules.hits(.risk, in: s), rules.hits(.cadre, in: s))
        }
        let urgentModel = probability(urgencyIndex) ?? 0
        var urgency = Urgency.normal
        if let hit = urgentHits.first {
            urgency = .urgent
            reasons.append("紧急规则“\(hit.rule)”命中：\(hit.words.joined(separator: "、"))")
        } else if urgentModel >= 0.8 {
            urgency = .urgent
            reasons.append("模型判断紧急（\(Self.pct(urgentModel))）")
        }
        var risk = min(3, riskHits.reduce(0) { $0 + $1.weight })
        for hit in riskHits { reasons.append("舆情规则“\(hit.rule)”命中：\(hit.words.joined(separator: "、"))") }
        if let m = best(fused: riskIndex), let level = Int(m.label), level > risk, m.p >= 0.6 {
            risk = level
            reasons.append("模型判断舆情风险 \(level) 级（\(Self.pct(m.p))）")
        }
        let cadreModel = probability(cadreIndex) ?? 0
        var cadre = false
        if let hit = cadreHits.first {
            cadre = true
            reasons.append("反映干部规则“\(hit.rule)”命中：\(hit.words.joined(separator: "、"))")
        } else if cadreModel >= cadreAbove {
            cadre = true
            reasons.append("模型判断为反映干部问题（\(Self.pct(cadreModel))）")
        }

        // What the rules change: a report about a cadre is a sealed petition for the discipline commission;
        // an emergency or a high risk needs action whatever the model thought.
        if cadre {
            if category != .petition { reasons.append("反映干部问题，按信访举报（密封件）办理") }
            category = .petition
            undecided = false
        } else if urgency == .urgent && (category == .none || undecided) {
            category = .service
            undecided = false
            reasons.append("紧急情况须处置，归入便民服务")
        } else if riskHits.contains(where: { $0.rule == TriageRules.rumourRule }) {
            // A rumour being spread is 舆情 whatever it is about: the water department does not answer a rumour.
            if category != .opinion { reasons.append("疑似谣言在传播，归入舆情管控（回执不复述内容）") }
            category = .opinion
            undecided = false
        } else if risk >= 2 && (category == .none || undecided) {
            category = .opinion
            undecided = false
            reasons.append("舆情风险 \(risk) 级，归入舆情管控")
        }

        // Department: the catalogue's words first (the county's own 派单目录), then the model.
        var department: String?
        var departmentScore = 0.0
        if cadre {
            department = "jwjw"
            departmentScore = 1
        } else if riskHits.contains(where: { $0.rule == TriageRules.rumourRule }),
            let code = catalogue.first(where: { $0.1.contains("谣言") })?.0
        {
            // The county's 派单目录 names who answers rumours (网信办 or 宣传部).
            department = code
            departmentScore = 1
            reasons.append("谣言由派单目录的舆情条目办理 → \(code)")
        } else if category.isActionable {
            // The model when it is sure; otherwise the county's own 派单目录 words; otherwise the model's best guess.
            let m = best(fused: departmentIndex)
            if let m, m.p >= 0.5, m.label != "-" {
                department = m.label
                departmentScore = m.p
            } else if let (code, word) = catalogueMatch() {
                department = code
                departmentScore = 1
                reasons.append("派单目录关键词“\(word)” → \(code)")
            } else if let m, m.label != "-" && m.label != "none" {
                department = m.label
                departmentScore = m.p
            }
        }

        if explain, category.isActionable || undecided {
            var words: [String] = []
            if let ci = categoryIndex, let c = fused?.heads[ci].labels.firstIndex(of: category.rawValue) {
                words = topWords(text, fusedHead: ci, class: c, count: 3)
            }
            let lead =
                undecided
                ? "模型拿不准（最可能：\(CoreStrings.categoryName(category)) \(Self.pct(categoryScore))），请人工判断"
                : "模型：\(CoreStrings.categoryName(category)) \(Self.pct(categoryScore))"
            reasons.insert(words.isEmpty ? lead : lead + "，权重最高的字词：" + words.map { "“\($0)”" }.joined(separator: " "), at: 0)
        }

        return TriageDecision(
            category: category, categoryScore: categoryScore, categoryScores: categoryScores, department: department,
            departmentScore: departmentScore, urgency: urgency, urgencyScore: urgency == .urgent && !urgentHits.isEmpty ? 1 : urgentModel,
            opinionRisk: risk, reportsCadre: cadre, cadreScore: cadre && !cadreHits.isEmpty ? 1 : cadreModel,
            entities: entities.extract(scalars: raw), reasons: reasons, undecided: undecided, modelVersion: modelVersion)
    }

    func catalogueMatch() -> (String, String)? {
        guard !catalogue.isEmpty else { return nil }
        let text = String(String.UnicodeScalarView(folded.compactMap(Unicode.Scalar.init)))
        var best: (String, String)?
        for (code, words) in catalogue {
            for w in words where w.count >= 2 && text.contains(w) {
                if best == nil || w.count > best!.1.count { best = (code, w) }
            }
        }
        return best
    }

    /// The grams that pushed most towards class `c` of fused head `hi`: the strongest buckets of this message first
    /// (no strings made), then only those buckets turned back into the words that produced them. The weights are read
    /// from the fused table, whose rows scoring has just brought into the cache (the head's own table would miss on
    /// every gram: a tenth of full triage's time on long messages).
    mutating func topWords(_ text: String, fusedHead hi: Int, class c: Int, count: Int) -> [String] {
        guard let fused else { return [] }
        let stride = fused.stride, column = fused.offsets[hi] + c
        var top: [(bucket: Int32, weight: Float)] = []
        for (j, b) in vector.indices.enumerated() {
            let contribution = fused.weights[Int(b) * stride + column] * vector.values[j]
            guard contribution > 0 else { continue }
            if top.count < 8 {
                top.append((b, contribution))
            } else if let m = top.indices.min(by: { top[$0].weight < top[$1].weight }), top[m].weight < contribution {
                top[m] = (b, contribution)
            }
        }
        guard !top.isEmpty else { return [] }
        top.sort { $0.weight > $1.weight }
        // Whole words only (no gram across a space), and none inside another already chosen: compared as
        // scalars, since Foundation's substring search costs more than all of the scoring.
        var chosen: [ArraySlice<UInt32>] = []
        for case let g? in extractor.firstGrams(text, buckets: top.map(\.bucket)) {
            guard !g.isEmpty, !g.contains(0x20), !chosen.contains(where: { Self.contains($0, g) || Self.contains(g, $0) }) else { continue }
            chosen.append(g)
            if chosen.count == count { break }
        }
        return chosen.map { g in
            var s = ""
            for v in g { if let u = Unicode.Scalar(v) { s.unicodeScalars.append(u) } }
            return s
        }
    }

    static func contains(_ a: ArraySlice<UInt32>, _ b: ArraySlice<UInt32>) -> Bool {
        guard b.count <= a.count else { return false }
        var i = a.startIndex
        while i + b.count <= a.endIndex {
            if a[i..<(i + b.count)].elementsEqual(b) { return true }
            i += 1
        }
        return false
    }

    static func pct(_ p: Double) -> String { "\(Int((p * 100).rounded()))%" }
}

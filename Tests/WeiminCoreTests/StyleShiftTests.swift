import Foundation
import Testing

@testable import WeiminCore

/// The style-shift set (data/triage/style-shift/style-shift.tsv) judges triage on messages written apart from the
/// corpus; it is worth something only while no text of it, nor a near-duplicate, is trained on.
@Suite("Style-shift evaluation set and the none threshold")
struct StyleShiftTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func load(_ path: String, _ columns: [String]) throws -> [LabelledExample] {
        let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
        return try LabelledData.read(text, delimiter: 0x09, textColumn: "text", labelColumns: columns).examples
    }

    /// The text as features see it, without spaces: "收到！" and "收到" are the same message.
    static func key(_ text: String) -> [UInt32] {
        var out: [UInt32] = []
        TextNormalizer.normalize(text, into: &out)
        return out.filter { $0 != 0x20 }
    }

    @Test("the set has ≥ 1,500 labelled messages, and none of them — nor a near-duplicate — is in the training corpus")
    func separateFromCorpus() throws {
        let held = try Self.load(
            "data/triage/style-shift/style-shift.tsv", ["category", "department", "urgency", "risk", "cadre", "split"])
        #expect(held.count >= 1500)
        #expect(Set(held.map { $0.labels["split"] ?? "" }) == ["dev", "test"])
        let corpus = try Corpus.load(["category"])
        let corpusKeys = Set(corpus.map { Self.key($0.text) })
        let exact = held.filter { corpusKeys.contains(Self.key($0.text)) }
        #expect(exact.isEmpty, "in the corpus: \(exact.prefix(5).map(\.text))")

        // Near-duplicates: MinHash over 2-grams, candidates by banding (16 bands of 4), then the estimated Jaccard.
        let hasher = MinHasher(size: 64)
        var bands: [Int: [Int]] = [:]
        var corpusSignatures: [[UInt32]] = []
        for (i, e) in corpus.enumerated() where Self.key(e.text).count >= 8 {
            let sig = hasher.signature(e.text)
            corpusSignatures.append(sig)
            for b in 0..<16 { bands[Self.band(sig, b), default: []].append(corpusSignatures.count - 1) }
            _ = i
        }
        var near: [String] = []
        for e in held where Self.key(e.text).count >= 8 {
            let sig = hasher.signature(e.text)
            var candidates = Set<Int>()
            for b in 0..<16 { candidates.formUnion(bands[Self.band(sig, b)] ?? []) }
            if candidates.contains(where: { MinHasher.similarity(sig, corpusSignatures[$0]) >= 0.85 }) { near.append(e.text) }
        }
        #expect(near.isEmpty, "near-duplicates of corpus messages: \(near.prefix(5))")
    }

    static func band(_ sig: [UInt32], _ b: Int) -> Int {
        var h = Hasher()
        h.combine(b)
        for i in (b * 4)..<(b * 4 + 4) { h.combine(sig[i]) }
        return h.finalize()
    }

    @Test("none needs its own confidence: below noneAbove a message decided none waits for a person; the curve and the choice follow")
    func noneThreshold() throws {
        let rows = try Corpus.load(["category"])
        let model = try TextModelTraining.train(rows, labelColumns: ["category"], useIDF: true)
        var strict = Triager(model: model)
        strict.noneAbove = 1.0
        var lax = Triager(model: model)
        lax.noneAbove = 0.45
        let chat = "今天天气不错，大家吃了没"
        let laxChat = lax.triage(chat, explain: false)
        #expect(laxChat.category == .none && !laxChat.undecided)
        let strictChat = strict.triage(chat, explain: false)
        #expect(strictChat.category == .none && strictChat.undecided && DemandEvaluation.reachesPerson(strictChat))

        // Demand recall and workload by hand: two demands (one dropped), two chats (one looked at).
        func decision(_ c: Category, _ p: Double, undecided: Bool = false) -> TriageDecision {
            var d = laxChat
            (d.category, d.categoryScore, d.undecided, d.reportsCadre) = (c, p, undecided, false)
            return d
        }
        let outcomes = [
            DemandEvaluation.Outcome(goldCategory: "service", goldCadre: true, decision: decision(.service, 0.9)),
            DemandEvaluation.Outcome(goldCategory: "petition", goldCadre: false, decision: decision(.none, 0.7)),
            DemandEvaluation.Outcome(goldCategory: "none", goldCadre: false, decision: decision(.none, 0.95)),
            DemandEvaluation.Outcome(goldCategory: "none", goldCadre: false, decision: decision(.none, 0.6, undecided: true)),
        ]
        let e = DemandEvaluation(outcomes)
        #expect(e.demandRecall == 0.5 && e.workload == 0.5 && e.dropped == 1)
        #expect(e.cadreRecall == 0 && e.cadreFalseFlags == 0)
        let curve = DemandEvaluation.curve(outcomes, decideAbove: 0.45, thresholds: [0.5, 0.75, 0.99])
        #expect(curve.map(\.demandRecall) == [0.5, 1, 1])
        #expect(curve.map(\.workload) == [0.25, 0.75, 1])
        #expect(DemandEvaluation.choose(curve, target: 0.97)?.noneAbove == 0.75)
        #expect(DemandEvaluation.choose(curve, target: 1.01) == nil)
    }
}

import Foundation

/// What a person decided about one triaged message: the category the centre filed it under (改类, 非诉求 =
/// `none`) and the department it was sent to, when they did. Nil means nobody said.
public struct TriageCorrection: Sendable, Hashable {
    public var text: String
    public var category: String?
    public var department: String?
    /// Whether any of it differs from what triage had suggested (a confirmation is still a label).
    public var changed: Bool

    public init(text: String, category: String? = nil, department: String? = nil, changed: Bool) {
        self.text = text
        self.category = category
        self.department = department
        self.changed = changed
    }
}

/// Learning from the ledger: the team's corpus plus what handlers decided about real messages. A
/// correction outweighs the corpus (it is the county's own data and a person's explicit decision), so each
/// is repeated `copies` times and a corpus row with the same text is dropped.
public enum Retraining {
    /// The triage model's heads, as in the corpus's columns.
    public static let heads = ["category", "department", "urgency", "risk", "cadre"]
    /// A label nobody gave: that row is not training data for that head.
    public static let unknown = "?"
    /// Rows left out per head: no department for messages that need none (`-`), and unknown labels.
    public static let ignoring: [String: Set<String>] = Dictionary(
        uniqueKeysWithValues: heads.map {
            ($0, $0 == "department" ? ["-", unknown] : [unknown])
        })

    /// How the triage model is trained (the shipped one by `weimin model train`'s defaults): grams weighted by IDF,
    /// every head a linear SVM (one-versus-rest squared hinge). The department head — 20 departments, a few dozen
    /// examples each — went from 0.68 macro-F1 (log-loss, no IDF) to 0.73 on held-out splits; on the grown corpus the
    /// SVM also lifted the category and cadre heads on the style-shift set's dev split (category 0.891 → 0.907, cadre
    /// recall 0.78 → 0.89 at the same flags; docs/benchmarks.md).
    public static let useIDF = true
    public static let losses: [String: LinearTrainer.Loss] = Dictionary(uniqueKeysWithValues: heads.map { ($0, .hinge) })

    /// The triage model from `rows`, trained as the shipped one is.
    public static func train(
        _ rows: [LabelledExample], notes: [String: String] = [:],
        progress: (@Sendable (_ step: String, _ done: Int, _ total: Int) -> Void)? = nil
    ) throws(LabelledData.Problem) -> TextModel {
        try TextModelTraining.train(
            rows, labelColumns: heads, useIDF: useIDF, ignoring: ignoring, losses: losses, notes: notes, progress: progress)
    }

    public static func examples(corpus: [LabelledExample], corrections: [TriageCorrection], copies: Int = 3) -> [LabelledExample] {
        let corrected = Set(corrections.map { key($0.text) })
        var out = corpus.filter { !corrected.contains(key($0.text)) }
        for c in corrections where c.category != nil || c.department != nil {
            var labels = Dictionary(uniqueKeysWithValues: heads.map { ($0, unknown) })
            if let category = c.category {
                labels["category"] = category
                // A message that asks for nothing needs no department, whatever was suggested.
                if category == Category.none.rawValue { labels["department"] = "-" }
            }
            if let department = c.department { labels["department"] = department }
            for _ in 0..<max(1, copies) { out.append(LabelledExample(text: c.text, labels: labels)) }
        }
        return out
    }

    /// Whether the corrections help or harm on data the model has not seen: category macro-F1 on the
    /// corpus's held-out fifth, trained on the other four fifths without and with the corrections.
    public struct Check: Sendable, Codable, Equatable {
        public var heldOutBefore: Double
        public var heldOutAfter: Double
        public var heldOutCount: Int
    }

    public static func check(
        corpus: [LabelledExample], corrections: [TriageCorrection], copies: Int = 3,
        trainer: LinearTrainer = LinearTrainer()
    ) throws(LabelledData.Problem) -> Check {
        let split = LabelledData.split(corpus, column: "category")
        let without = try TextModelTraining.train(
            split.train, labelColumns: ["category"], trainer: trainer, useIDF: useIDF, ignoring: ignoring)
        let with = try TextModelTraining.train(
            examples(corpus: split.train, corrections: corrections, copies: copies),
            labelColumns: ["category"], trainer: trainer, useIDF: useIDF, ignoring: ignoring)
        return Check(
            heldOutBefore: TextModelTraining.evaluate(without, head: "category", split.test).macroF1,
            heldOutAfter: TextModelTraining.evaluate(with, head: "category", split.test).macroF1,
            heldOutCount: split.test.count)
    }

    /// The share of corrections whose category `model` gives (how far it has learnt them).
    public static func agreement(_ model: TextModel, _ corrections: [TriageCorrection]) -> Double? {
        let labelled = corrections.filter { $0.category != nil }
        guard !labelled.isEmpty else { return nil }
        let predicted = TextModelTraining.predict(model, head: "category", labelled.map { LabelledExample(text: $0.text, labels: [:]) })
        return Double(zip(predicted, labelled).filter { $0 == $1.category }.count) / Double(labelled.count)
    }

    static func key(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }
}

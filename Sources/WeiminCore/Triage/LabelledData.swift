import Foundation

/// A labelled example: the text and its labels by column name.
public struct LabelledExample: Sendable, Hashable {
    public var text: String
    public var labels: [String: String]
    public var line: Int
    public init(text: String, labels: [String: String], line: Int = 0) {
        self.text = text
        self.labels = labels
        self.line = line
    }
}

/// Reads labelled data from anyone's CSV or TSV (UTF-8, with or without a BOM; a header row names the
/// columns), and splits it reproducibly.
public enum LabelledData {
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    public struct Loaded: Sendable {
        public var examples: [LabelledExample]
        /// Rows left out, with the line and the reason.
        public var skipped: [(line: Int, reason: String)]
    }

    /// Tab for `.tsv`/`.tab`, comma for `.csv`; otherwise whichever the header line contains.
    public static func delimiter(fileName: String, head: String) -> UInt8 {
        let lower = fileName.lowercased()
        if lower.hasSuffix(".tsv") || lower.hasSuffix(".tab") { return 0x09 }
        if lower.hasSuffix(".csv") { return 0x2C }
        let first = head.prefix { $0 != "\n" }
        return first.contains("\t") ? 0x09 : 0x2C
    }

    public static func read(_ text: String, delimiter: UInt8, textColumn: String, labelColumns: [String]) throws(Problem) -> Loaded {
        let rows: [CSV.Row]
        do { rows = try CSV.rows(text, delimiter: delimiter) } catch { throw Problem(description: error.description) }
        guard let header = rows.first else { throw Problem(description: "文件是空的") }
        let names = header.fields.map { $0.trimmingCharacters() }
        func column(_ name: String) throws(Problem) -> Int {
            guard let i = names.firstIndex(of: name) else {
                throw Problem(description: "找不到列“\(name)”；文件的列有：\(names.joined(separator: "、"))")
            }
            return i
        }
        let textIndex = try column(textColumn)
        var labelIndex: [(String, Int)] = []
        for l in labelColumns { labelIndex.append((l, try column(l))) }
        var examples: [LabelledExample] = []
        examples.reserveCapacity(rows.count)
        var skipped: [(Int, String)] = []
        for row in rows.dropFirst() {
            if row.fields.count == 1 && row.fields[0].isEmpty { continue }
            guard row.fields.count == names.count else {
                skipped.append((row.line, "有 \(row.fields.count) 列，表头有 \(names.count) 列"))
                continue
            }
            let t = row.fields[textIndex].trimmingCharacters()
            guard !t.isEmpty else { skipped.append((row.line, "文本为空")); continue }
            var labels: [String: String] = [:]
            var missing: String?
            for (name, i) in labelIndex {
                let v = row.fields[i].trimmingCharacters()
                if v.isEmpty { missing = name; break }
                labels[name] = v
            }
            if let missing { skipped.append((row.line, "“\(missing)”列为空")); continue }
            examples.append(LabelledExample(text: t, labels: labels, line: row.line))
        }
        return Loaded(examples: examples, skipped: skipped)
    }

    /// A stratified split on `column`: about `testFraction` of each label's examples held out, chosen by a
    /// seeded shuffle, so the same file and seed always give the same split.
    public static func split(_ examples: [LabelledExample], column: String, testFraction: Double = 0.2, seed: UInt64 = 7)
        -> (train: [LabelledExample], test: [LabelledExample])
    {
        var rng = SplitMix64(seed: seed)
        var byLabel: [String: [Int]] = [:]
        for (i, e) in examples.enumerated() { byLabel[e.labels[column] ?? "", default: []].append(i) }
        var testSet = Set<Int>()
        for label in byLabel.keys.sorted() {
            var idx = byLabel[label]!
            idx.shuffle(using: &rng)
            let n = Int((Double(idx.count) * testFraction).rounded())
            testSet.formUnion(idx.prefix(n))
        }
        var train: [LabelledExample] = [], test: [LabelledExample] = []
        for (i, e) in examples.enumerated() { if testSet.contains(i) { test.append(e) } else { train.append(e) } }
        return (train, test)
    }

    /// Writes examples as TSV (what the benchmark hands to scikit-learn); tabs and line breaks in text become spaces.
    public static func tsv(_ examples: [LabelledExample], columns: [String]) -> String {
        var out = (["text"] + columns).joined(separator: "\t") + "\n"
        for e in examples {
            let clean = String(e.text.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
            out +=
                ([clean.hasPrefix("\"") ? "“" + clean.dropFirst() : clean] + columns.map { e.labels[$0] ?? "" }).joined(separator: "\t")
                + "\n"
        }
        return out
    }
}

/// Accuracy, macro-F1 (over the labels seen in the gold or predicted sets, as scikit-learn computes it),
/// per-class precision/recall/F1/support and the confusion matrix.
public struct EvaluationReport: Sendable, Codable, Equatable {
    public struct ClassScores: Sendable, Codable, Equatable {
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var support: Int
    }

    public var accuracy: Double
    public var macroF1: Double
    public var perClass: [String: ClassScores]
    public var labels: [String]
    /// `confusion[gold][predicted]`, in `labels` order.
    public var confusion: [[Int]]
    public var count: Int

    public init(gold: [String], predicted: [String]) {
        precondition(gold.count == predicted.count)
        labels = Array(Set(gold).union(predicted)).sorted()
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        var m = [[Int]](repeating: [Int](repeating: 0, count: labels.count), count: labels.count)
        for (g, p) in zip(gold, predicted) { m[index[g]!][index[p]!] += 1 }
        confusion = m
        count = gold.count
        let correct = labels.indices.reduce(0) { $0 + m[$1][$1] }
        accuracy = gold.isEmpty ? 0 : Double(correct) / Double(gold.count)
        var per: [String: ClassScores] = [:]
        var f1Sum = 0.0
        for (i, l) in labels.enumerated() {
            let tp = Double(m[i][i])
            let predictedN = Double(labels.indices.reduce(0) { $0 + m[$1][i] })
            let support = m[i].reduce(0, +)
            let precision = predictedN > 0 ? tp / predictedN : 0
            let recall = support > 0 ? tp / Double(support) : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            per[l] = ClassScores(precision: precision, recall: recall, f1: f1, support: support)
            f1Sum += f1
        }
        perClass = per
        macroF1 = labels.isEmpty ? 0 : f1Sum / Double(labels.count)
    }

    /// The report as a table for a terminal.
    public var table: String {
        func pct(_ v: Double) -> String { String(format: "%.3f", v) }
        var out = "准确率 accuracy \(pct(accuracy))  宏平均F1 macro-F1 \(pct(macroF1))  样本 \(count)\n\n"
        let width = max(8, (labels.map(\.count).max() ?? 0) + 2)
        func pad(_ s: String) -> String { s + String(repeating: " ", count: max(1, width - s.count)) }
        out += pad("label") + "precision  recall     f1         support\n"
        for l in labels {
            let c = perClass[l]!
            out += pad(l) + [pct(c.precision), pct(c.recall), pct(c.f1)].map { $0 + "      " }.joined() + "\(c.support)\n"
        }
        out +=
            "\n混淆矩阵 confusion (rows = gold, columns = predicted)\n" + pad("") + labels.map { pad(String($0.prefix(width - 1))) }.joined()
            + "\n"
        for (i, l) in labels.enumerated() {
            out += pad(l) + confusion[i].map { pad(String($0)) }.joined() + "\n"
        }
        return out
    }
}

import Foundation
import WeiminCore
import WeiminPersistence

/// `weimin model retrain`: the shipped corpus plus what handlers decided in the ledger (改类, 非诉求, 派单,
/// 改派), trained into a new model. Refuses a model that does worse on the corpus's held-out fifth than
/// the corpus alone by more than `tolerance`, unless forced: a few careless corrections must not quietly
/// make triage worse for everyone.
public struct TriageRetrainer: Sendable {
    public var copies = 3
    public var tolerance = 0.03
    public var force = false
    /// Hears each step: `check` (the held-out comparison, two trainings), then `features` and `head …` of the model.
    public var progress: (@Sendable (_ step: String, _ done: Int, _ total: Int) -> Void)?

    public init() {}

    public struct Report: Sendable, Codable {
        public var corrections: Int
        public var changed: Int
        public var rows: Int
        public var check: Retraining.Check
        /// Share of the corrections' categories the old and the new model give.
        public var agreementBefore: Double?
        public var agreementAfter: Double?
        public var modelVersion: String
        public var bytes: Int
        public var seconds: Double
        public var written: Bool
        public var refusal: String?
    }

    public struct Refused: Error, CustomStringConvertible {
        public let description: String
    }

    /// The corpus the shipped model was trained on (see docs/labelling-guide.md).
    public static func shippedCorpus() throws -> [LabelledExample] {
        guard let url = Bundle.module.url(forResource: "triage-corpus", withExtension: "tsv"), let data = try? Data(contentsOf: url),
            let text = String(data: data, encoding: .utf8)
        else { throw Refused(description: "找不到内置语料 triage-corpus.tsv（安装不完整）") }
        return try LabelledData.read(text, delimiter: 0x09, textColumn: "text", labelColumns: Retraining.heads).examples
    }

    /// Trains from `corpus` and `corrections`, and writes the model to `out` unless the check refuses it.
    public func run(corpus: [LabelledExample], corrections: [TriageCorrection], current: TextModel, out: String) throws -> Report {
        let start = ContinuousClock.now
        guard !corrections.isEmpty else { throw Refused(description: "台账里还没有改类、非诉求或派单记录，没有可学习的纠正") }
        progress?("check", 0, 0)
        let check = try Retraining.check(corpus: corpus, corrections: corrections, copies: copies)
        var report = Report(
            corrections: corrections.count, changed: corrections.filter(\.changed).count, rows: 0, check: check,
            agreementBefore: Retraining.agreement(current, corrections), agreementAfter: nil,
            modelVersion: "", bytes: 0, seconds: 0, written: false, refusal: nil)
        if check.heldOutBefore - check.heldOutAfter > tolerance && !force {
            report.refusal = String(
                format: "加入纠正后，语料留出集的类别 macro-F1 从 %.3f 降到 %.3f（超过 %.2f）；请核对纠正是否有误，确认无误可加 --force",
                check.heldOutBefore, check.heldOutAfter, tolerance)
        } else {
            let rows = Retraining.examples(corpus: corpus, corrections: corrections, copies: copies)
            let model = try Retraining.train(
                rows, notes: ["rows": String(rows.count), "data": "corpus+ledger", "corrections": String(corrections.count)],
                progress: progress)
            let bytes = try model.serialized()
            // Written beside and renamed over (atomic), so a running server never reads half a file.
            let temp = out + ".tmp"
            try bytes.write(to: URL(fileURLWithPath: temp))
            guard rename(temp, out) == 0 else { throw Refused(description: "无法写入 \(out)（\(String(cString: strerror(errno)))）") }
            report.rows = rows.count
            report.agreementAfter = Retraining.agreement(model, corrections)
            report.modelVersion = model.version
            report.bytes = bytes.count
            report.written = true
        }
        let elapsed = ContinuousClock.now - start
        report.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return report
    }
}

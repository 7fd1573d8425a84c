import Foundation
import WeiminCore
import WeiminServer

/// `weimin bench triage`: how fast triage runs on one core, and how long training takes.
///
/// - predict: features and the named head only (what the scikit-learn comparison times);
/// - full: every output — category, department, urgency, risk, cadre, entities, reasons — per message;
/// - training time on 10,000 and 100,000 examples (the corpus repeated with small edits, so rows differ),
///   model size and peak memory. Figures are reported with the machine's own baseline where one exists.
public struct TriageBenchmark {
    public struct Options: Sendable {
        public var modelPath: String?
        public var dataPath: String = "data/triage/corpus.tsv"
        public var head: String = "category"
        public var textColumn: String = "text"
        public var predictOnly = false
        public var trainSizes: [Int] = [10_000, 100_000]
        public var seconds: Double = 3
        public init() {}
    }

    public struct Result: Codable, Sendable {
        public var messages: Int
        public var predictUsPerMessage: Double
        public var predictPerSecond: Double
        public var fullPerSecond: Double?
        public var fullUsPerMessage: Double?
        /// Each round's full-triage rate, and the median of (full time ÷ prediction time) per round.
        public var fullRounds: [Double]?
        public var fullOverPredict: Double?
        public var trainSeconds: [String: Double]?
        public var modelBytes: Int?
        public var peakMemoryMB: Double
    }

    let options: Options
    let say: (String) -> Void

    public init(options: Options, say: @escaping (String) -> Void) {
        self.options = options
        self.say = say
    }

    public func run() throws -> Result {
        let model = try TriageSetup.model(path: options.modelPath)
        guard let text = FileManager.default.contents(atPath: options.dataPath).flatMap({ String(data: $0, encoding: .utf8) }) else {
            throw TriageSetup.SetupError(description: "读不到 \(options.dataPath)（请在项目目录运行，或用 --data 指定）")
        }
        let delimiter = LabelledData.delimiter(fileName: options.dataPath, head: String(text.prefix(2000)))
        let labelColumns = model.heads[options.head] != nil && text.prefix(2000).contains(options.head) ? [options.head] : []
        let loaded = try LabelledData.read(text, delimiter: delimiter, textColumn: options.textColumn, labelColumns: labelColumns)
        let texts = loaded.examples.map(\.text)
        guard !texts.isEmpty, let head = model.heads[options.head] else {
            throw TriageSetup.SetupError(description: "没有可测的消息，或模型里没有“\(options.head)”")
        }

        // Predict: features + one head, one message at a time, as messages arrive.
        var extractor = model.extractor()
        var v = SparseVector()
        var p: [Float] = []
        var sink = 0
        for t in texts.prefix(200) { extractor.extract(t, into: &v); head.probabilities(v, into: &p) }  // warm up
        // Prediction and full triage take turns in short rounds, and the median round is reported: on a shared
        // machine a slow moment then hits both alike, and each round's full/predict ratio is a same-moment baseline.
        let clock = ContinuousClock()
        let rounds = options.predictOnly ? 1 : 5
        let slice = Duration.seconds(options.seconds / Double(rounds))
        var triager = Triager(model: model)
        for t in texts.prefix(200) { _ = triager.triage(t) }
        var predictRates: [Double] = [], fullRates: [Double] = [], ratios: [Double] = []
        var total = 0
        for _ in 0..<rounds {
            var n = 0
            let start = clock.now
            while clock.now - start < slice {
                for t in texts {
                    extractor.extract(t, into: &v)
                    head.probabilities(v, into: &p)
                    sink &+= p.count
                }
                n += texts.count
            }
            predictRates.append(Double(n) / Self.seconds(clock.now - start))
            total += n
            guard !options.predictOnly else { break }
            var m = 0
            let s2 = clock.now
            while clock.now - s2 < slice {
                for t in texts { sink &+= triager.triage(t).reasons.count }
                m += texts.count
            }
            fullRates.append(Double(m) / Self.seconds(clock.now - s2))
            ratios.append(predictRates.last! / fullRates.last!)
        }
        let predictRate = Self.median(predictRates)
        var result = Result(messages: total, predictUsPerMessage: 1e6 / predictRate, predictPerSecond: predictRate, peakMemoryMB: 0)
        say(String(format: "预测（特征 + “%@”）：%.0f 条/秒，每条 %.2f µs（单核）", options.head, result.predictPerSecond, result.predictUsPerMessage))

        if !options.predictOnly {
            let fullRate = Self.median(fullRates)
            result.fullPerSecond = fullRate
            result.fullUsPerMessage = 1e6 / fullRate
            result.fullRounds = fullRates.map { $0.rounded() }
            result.fullOverPredict = Self.median(ratios)
            say(
                String(
                    format: "完整分诊（类别、部门、紧急、舆情、干部、实体、理由）：%.0f 条/秒，每条 %.2f µs（单核；%d 轮中位数，各轮 %@；耗时为同轮预测的 %.1f 倍）",
                    fullRate, result.fullUsPerMessage!, rounds, fullRates.map { String(format: "%.0f", $0) }.joined(separator: "/"),
                    result.fullOverPredict!))

            // Training on 10k and 100k rows: the labelled rows repeated, each copy lightly edited.
            let columns = Array(model.heads.keys.sorted().filter { col in text.prefix(2000).contains(col) })
            let full = try LabelledData.read(
                text, delimiter: delimiter, textColumn: options.textColumn, labelColumns: columns.isEmpty ? labelColumns : columns)
            var times: [String: Double] = [:]
            for size in options.trainSizes {
                let rows = Self.augmented(full.examples, to: size)
                let t0 = clock.now
                // Trained as the shipped model is (IDF, the department head an SVM).
                let trained = try TextModelTraining.train(
                    rows, labelColumns: columns.isEmpty ? labelColumns : columns, features: model.features,
                    useIDF: Retraining.useIDF, ignoring: Retraining.ignoring, losses: Retraining.losses)
                times[String(size)] = Self.seconds(clock.now - t0)
                result.modelBytes = try trained.serialized().count
                say(
                    String(
                        format: "训练 %d 条（%d 个头）：%.2f 秒，模型 %d KB", size, trained.heads.count, times[String(size)]!, result.modelBytes! / 1024
                    ))
            }
            result.trainSeconds = times
        }
        result.peakMemoryMB = IngestBenchmark.peakMemoryMB()
        say(String(format: "峰值内存：%.0f MB", result.peakMemoryMB))
        if sink == 42 { say("") }
        return result
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.isEmpty ? 0 : (s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2)
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    /// The rows repeated to `size`, each copy after the first changed a little (a character dropped,
    /// doubled or a particle added), so the trainer sees `size` distinct messages.
    static func augmented(_ rows: [LabelledExample], to size: Int) -> [LabelledExample] {
        var out: [LabelledExample] = []
        out.reserveCapacity(size)
        var rng = SplitMix64(seed: 99)
        let particles = ["啊", "哦", "嘛", "呢", "了", "！", "。", "哈"]
        var round = 0
        while out.count < size {
            for r in rows where out.count < size {
                var e = r
                if round > 0 {
                    var chars = Array(e.text)
                    switch rng.next() % 3 {
                    case 0 where chars.count > 3: chars.remove(at: Int(rng.next() % UInt64(chars.count)))
                    case 1: let i = Int(rng.next() % UInt64(chars.count)); chars.insert(chars[i], at: i)
                    default: chars.append(contentsOf: particles[Int(rng.next() % UInt64(particles.count))])
                    }
                    e.text = String(chars)
                }
                out.append(e)
            }
            round += 1
        }
        return out
    }
}

import ArgumentParser
import Foundation
import WeiminCore
import WeiminPersistence
import WeiminServer

// weimin model train | eval,  weimin classify

struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "训练、评估分类模型。Train and evaluate the triage model (or a model on your own labelled data).",
        subcommands: [Train.self, Eval.self, Calibrate.self, Retrain.self])

    struct DataFile: ParsableArguments {
        @Option(help: "带表头的 CSV 或 TSV（UTF-8，可带 BOM）。Labelled data with a header row.") var data: String
        @Option(name: .customLong("text-column"), help: "文本所在的列名。Column holding the text.") var textColumn: String = "text"
        @Option(name: .customLong("label-column"), help: "标签列名，多个用逗号分隔。Label column(s), comma-separated.") var labelColumn: String =
            "category"
        @Option(help: "分隔符 tab | comma（默认按扩展名或表头判断）。Delimiter.") var delimiter: String?

        var labelColumns: [String] {
            labelColumn.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        func load() throws -> LabelledData.Loaded {
            try Self.load(path: data, textColumn: textColumn, labelColumns: labelColumns, delimiter: delimiter)
        }

        static func load(path data: String, textColumn: String, labelColumns: [String], delimiter: String? = nil) throws
            -> LabelledData.Loaded
        {
            guard let bytes = FileManager.default.contents(atPath: data) else { throw ValidationError("读不到文件 \(data)") }
            guard let text = String(data: bytes, encoding: .utf8) else {
                throw ValidationError("\(data) 不是 UTF-8 编码；请先转换：iconv -f GBK -t UTF-8 \(data) > 新文件")
            }
            let sep: UInt8
            switch delimiter {
            case nil: sep = LabelledData.delimiter(fileName: data, head: String(text.prefix(2000)))
            case "tab", "\\t": sep = 0x09
            case "comma", ",": sep = 0x2C
            default: throw ValidationError("--delimiter 应为 tab 或 comma")
            }
            do {
                let loaded = try LabelledData.read(text, delimiter: sep, textColumn: textColumn, labelColumns: labelColumns)
                if !loaded.skipped.isEmpty {
                    let shown = loaded.skipped.prefix(5).map { "第 \($0.line) 行：\($0.reason)" }.joined(separator: "；")
                    FileHandle.standardError.write(
                        Data("跳过 \(loaded.skipped.count) 行（\(shown)\(loaded.skipped.count > 5 ? "…" : "")）\n".utf8))
                }
                return loaded
            } catch {
                throw ValidationError("\(data)：\(error.description)")
            }
        }
    }

    struct Train: AsyncParsableCommand {
        /// What a training step is called on screen.
        static func stepName(_ step: String) -> String {
            step == "features" ? "提取特征（条）" : step.hasPrefix("head ") ? "训练完成的模型头（\(step.dropFirst(5))）" : step
        }

        static let configuration = CommandConfiguration(
            abstract: "在标注数据上训练模型。Train a model; the same data always gives the same file.",
            discussion:
                "Example: weimin model train --data data/triage/corpus.tsv --label-column category,department,urgency,risk,cadre --out triage.wmtm"
        )

        @OptionGroup var file: DataFile
        @Option(help: "输出的模型文件。Model file to write.") var out: String
        @Option(help: "训练轮数。Epochs.") var epochs: Int = LinearTrainer().epochs
        @Option(name: .customLong("max-n"), help: "最长的字 n 元组。Longest character n-gram.") var maxN: Int = 3
        @Option(help: "特征桶数（2 的幂）。Hashed feature buckets (power of two).") var buckets: Int = 1 << 18
        @Option(name: .customLong("learning-rate"), help: "学习率。AdaGrad learning rate.") var learningRate: Float = LinearTrainer()
            .learningRate
        @Option(help: "L2 正则。L2 regularisation.") var l2: Float = LinearTrainer().l2
        @Flag(help: "以 JSON 输出训练结果（秒数、大小、版本）。Print one JSON object.") var json = false
        @Option(help: "某列的某个取值不作为该列的训练数据，如 department=-。Rows with this label are not training data for that column.")
        var ignore: [String] = []
        @Option(help: "类别权重的幂（0 不加权，1 完全平衡；默认多类 1、二类 0.5）。Class-weight power.") var balance: Double?
        @Flag(inversion: .prefixedNo, help: "按逆文档频率给字词加权（TF-IDF，默认开）。Weight grams by inverse document frequency (default on).")
        var idf = true
        @Flag(help: "另加词特征（按内置词表切词，词表来自 jieba）。Also one feature per word of the shipped lexicon.") var words = false
        @Option(help: "损失函数 hinge（线性 SVM，默认）| logistic；可按列指定，如 urgency=logistic。Loss, for all heads or per column (default hinge).")
        var loss: [String] = []
        @Option(help: "SVM 的 C（仅 hinge）。The SVM's C (hinge loss only).") var c: Float = LinearTrainer().c

        func run() async throws {
            let loaded = try file.load()
            guard buckets > 0, buckets & (buckets - 1) == 0 else { throw ValidationError("--buckets 应为 2 的幂，如 262144") }
            guard epochs > 0 else { throw ValidationError("--epochs 应为正整数，如 6") }
            guard c > 0, c.isFinite else { throw ValidationError("--c 应为正数，如 1") }
            let start = ContinuousClock.now
            var trainer = LinearTrainer()
            // The defaults are the shipped model's recipe (`Retraining`): IDF and the linear SVM for every head.
            trainer.loss = .hinge
            trainer.epochs = epochs
            trainer.learningRate = learningRate
            trainer.l2 = l2
            trainer.balancePower = balance
            trainer.c = c
            var losses: [String: LinearTrainer.Loss] = [:]
            for rule in loss {
                let parts = rule.split(separator: "=", maxSplits: 1).map(String.init)
                guard let l = LinearTrainer.Loss(rawValue: parts.last!), parts.count == 1 || file.labelColumns.contains(parts[0]) else {
                    throw ValidationError("--loss 应为 logistic、hinge，或 列名=logistic|hinge（列名在 --label-column 中）：\(rule)")
                }
                if parts.count == 1 { trainer.loss = l } else { losses[parts[0]] = l }
            }
            var ignoring: [String: Set<String>] = [:]
            for rule in ignore {
                let parts = rule.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, file.labelColumns.contains(parts[0]) else {
                    throw ValidationError("--ignore 应为 列名=取值，且列名在 --label-column 中：\(rule)")
                }
                ignoring[parts[0], default: []].insert(parts[1])
            }
            let model: TextModel
            let progress = ProgressLine()
            var report: (@Sendable (String, Int, Int) -> Void)?
            if !json {
                report = { @Sendable step, done, total in progress.show(Train.stepName(step), done, of: total) }
            }
            do {
                model = try TextModelTraining.train(
                    loaded.examples, labelColumns: file.labelColumns,
                    features: FeatureConfig(dimension: buckets, minN: 1, maxN: maxN, words: words), trainer: trainer,
                    useIDF: idf, ignoring: ignoring, losses: losses,
                    notes: ["rows": String(loaded.examples.count), "data": URL(fileURLWithPath: file.data).lastPathComponent],
                    progress: report)
            } catch { throw ValidationError(error.description) }
            if !json { progress.note("训练完成", final: true) }
            let elapsed = ContinuousClock.now - start
            let bytes = try model.serialized()
            try bytes.write(to: URL(fileURLWithPath: out))
            if json {
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                print(#"{"rows":\#(loaded.examples.count),"seconds":\#(seconds),"bytes":\#(bytes.count),"version":"\#(model.version)"}"#)
                return
            }
            print(
                "训练完成 trained: \(loaded.examples.count) 条，\(file.labelColumns.joined(separator: ", "))；用时 \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))"
            )
            print("模型 model: \(out)（\(bytes.count / 1024) KB，版本 \(model.version)）")
        }
    }
}

extension ModelCommand {
    struct Retrain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "从台账学习：语料加上办理人员的改类、非诉求、派单和改派，训练新模型。Learn from the ledger's corrections.",
            discussion: """
                Writes 数据目录/triage.wmtm by default; a running server picks it up within a second or two.
                Refused (nothing written) when the corrections make the corpus's held-out macro-F1 drop by more than 0.03, unless --force.
                Example: weimin model retrain --dir /var/lib/weimin
                """)

        @OptionGroup var data: DataOptions
        @Option(help: "语料文件（默认内置语料）。Corpus TSV/CSV with the five label columns (default: the shipped corpus).") var corpus: String?
        @Option(help: "输出的模型文件（默认 数据目录/triage.wmtm）。Model file to write.") var out: String?
        @Option(help: "每条纠正重复的次数（权重）。How many times each correction counts.") var copies: Int = 3
        @Option(help: "只用某县的纠正（县代码）。Only this county's corrections.") var county: String?
        @Flag(help: "即使留出集变差也写入。Write even if the held-out check fails.") var force = false
        @Flag(help: "以 JSON 输出。One JSON object on stdout.") var json = false

        func run() async throws {
            guard (1...20).contains(copies) else { throw ValidationError("--copies 应在 1 到 20 之间") }
            var refused = false
            try await runReportingErrors {
                let config = try await data.load()
                let corrections = try await ServerRunner.withServices(config: config) { services in
                    try await services.triageCorrections.all(county: county)
                }
                let examples: [LabelledExample]
                if let corpus {
                    examples = try ModelCommand.DataFile.load(path: corpus, textColumn: "text", labelColumns: Retraining.heads).examples
                } else {
                    examples = try TriageRetrainer.shippedCorpus()
                }
                let current = try TriageSetup.model(path: config.activeTriageModel)
                var retrainer = TriageRetrainer()
                retrainer.copies = copies
                retrainer.force = force
                if !json {
                    let progress = ProgressLine()
                    retrainer.progress = { step, done, total in
                        if step == "check" {
                            progress.note("核对：语料留出集上比较加入纠正前后（训练两次）…", final: true)
                        } else {
                            progress.show(Train.stepName(step), done, of: total)
                        }
                    }
                }
                let report = try retrainer.run(
                    corpus: examples, corrections: corrections, current: current, out: out ?? config.retrainedModelPath)
                if json {
                    let encoder = JSONEncoder()
                    encoder.keyEncodingStrategy = .convertToSnakeCase
                    encoder.outputFormatting = [.sortedKeys]
                    print(String(decoding: try encoder.encode(report), as: UTF8.self))
                } else {
                    func pct(_ x: Double?) -> String { x.map { String(format: "%.0f%%", $0 * 100) } ?? "—" }
                    say(
                        "纠正 \(report.corrections) 条（其中与分诊建议不同的 \(report.changed) 条），训练 \(report.rows) 行，用时 \(String(format: "%.1f", report.seconds)) 秒。"
                    )
                    say(
                        String(
                            format: "语料留出集（%d 条）类别 macro-F1：不含纠正 %.3f，含纠正 %.3f。", report.check.heldOutCount,
                            report.check.heldOutBefore, report.check.heldOutAfter))
                    say("纠正的类别，原模型判对 \(pct(report.agreementBefore))，新模型判对 \(pct(report.agreementAfter))。")
                    if let refusal = report.refusal {
                        say("未写入：\(refusal)")
                    } else {
                        say("新模型已写入 \(out ?? config.retrainedModelPath)（\(report.bytes / 1024) KB，版本 \(report.modelVersion)）。")
                    }
                }
                refused = report.refusal != nil
            }
            if refused { throw ExitCode(2) }
        }
    }
}

struct ClassifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "对消息分诊：类别、部门、紧急程度、舆情风险、是否反映干部问题，及理由。Triage messages.",
        discussion: "Examples: weimin classify \"村口的路塌了，车过不去\"   ·   weimin classify --file messages.txt (one per line)")

    @Argument(help: "要分诊的文本。Text to triage.") var text: [String] = []
    @Option(help: "每行一条消息的文件。File with one message per line.") var file: String?
    @Option(help: "模型文件（默认内置模型）。Model file (default: the shipped model).") var model: String?
    @Option(help: "县的分诊规则 JSON（默认内置规则）。County rules file.") var rules: String?
    @Option(name: .customLong("none-above"), help: "判为“无需处理”所需的最低概率（默认 \(Triager.defaultNoneAbove)）。Confidence `none` needs.")
    var noneAbove: Double = Triager.defaultNoneAbove
    @Flag(help: "每条输出一行 JSON。One JSON object per line.") var json = false

    func run() async throws {
        // Each argument is one message (quote a message that has spaces).
        var texts = text.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        if let file {
            guard let bytes = FileManager.default.contents(atPath: file), let content = String(data: bytes, encoding: .utf8) else {
                throw ValidationError("读不到 UTF-8 文件 \(file)")
            }
            texts += content.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        }
        guard !texts.isEmpty else { throw ValidationError("请给出文本，或用 --file 指定文件") }
        var triager = try TriageSetup.triager(modelPath: model, rulesPath: rules)
        triager.noneAbove = noneAbove
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for t in texts {
            let d = triager.triage(t)
            if json {
                print(String(decoding: try encoder.encode(ClassifiedLine(text: PIIMask.redact(t), decision: d)), as: UTF8.self))
            } else {
                print(TriageSetup.describe(t, d))
            }
        }
    }

    struct ClassifiedLine: Encodable {
        let text: String
        let decision: TriageDecision
    }
}

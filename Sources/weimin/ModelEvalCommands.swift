import ArgumentParser
import Foundation
import WeiminCore
import WeiminServer

// weimin model eval | calibrate

extension ModelCommand {
    struct Eval: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "在标注数据上评估模型。Accuracy, macro-F1, per-class scores and the confusion matrix; demand recall and workload.",
            discussion: """
                Without --model the shipped model is evaluated. For a category column whose labels include none, the whole \
                decision (model, rules and the none threshold) is also scored: demand_recall (share of messages needing action \
                that reach a person), workload (share of all messages a person looks at), dropped, and cadre_recall when the \
                file has a cadre column (yes/no).
                Example: weimin model eval --data test.tsv --label-column category --json
                """)

        @Option(help: "模型文件（默认内置模型）。Model file (default: the shipped model).") var model: String?
        @OptionGroup var file: DataFile
        @Option(name: .customLong("none-above"), help: "判为“无需处理”所需的最低概率（默认 \(Triager.defaultNoneAbove)）。Confidence `none` needs.")
        var noneAbove: Double = Triager.defaultNoneAbove
        @Flag(help: "以一个 JSON 对象输出到标准输出。One JSON object on stdout.") var json = false

        func run() async throws {
            let m: TextModel
            do { m = try TriageSetup.model(path: model) } catch { throw ValidationError("\(error)") }
            let loaded = try file.load()
            var reports: [String: [String: Any]] = [:]
            for column in file.labelColumns {
                guard m.heads[column] != nil else {
                    throw ValidationError("模型里没有“\(column)”；模型有：\(m.heads.keys.sorted().joined(separator: "、"))")
                }
                var report = try Self.object(TextModelTraining.evaluate(m, head: column, loaded.examples))
                if column == "category", loaded.examples.contains(where: { $0.labels[column] == Category.none.rawValue }) {
                    let outcomes = try Self.outcomes(model: m, examples: loaded.examples, noneAbove: noneAbove, file: file)
                    let d = DemandEvaluation(outcomes)
                    report["demand_recall"] = d.demandRecall
                    report["workload"] = d.workload
                    report["dropped"] = d.dropped
                    report["none_above"] = noneAbove
                    report["decision_macro_f1"] = d.category.macroF1
                    if let r = d.cadreRecall { report["cadre_recall"] = r }
                    if let f = d.cadreFalseFlags { report["cadre_false_flags"] = f }
                }
                reports[column] = report
            }
            if json {
                let value: Any = file.labelColumns.count == 1 ? reports[file.labelColumns[0]]! : reports
                print(String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self))
            } else {
                for column in file.labelColumns {
                    print("== \(column)")
                    print(TextModelTraining.evaluate(m, head: column, loaded.examples).table)
                    if let r = reports[column]?["demand_recall"] as? Double, let w = reports[column]?["workload"] as? Double {
                        print(
                            String(
                                format: "整体判断（模型+规则，无需处理阈值 %.3f）：诉求召回 %.3f，人工查看 %.3f，漏掉 %d 条", noneAbove, r, w,
                                reports[column]?["dropped"] as? Int ?? 0))
                    }
                }
            }
        }

        static func object(_ report: EvaluationReport) throws -> [String: Any] {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            return try JSONSerialization.jsonObject(with: try encoder.encode(report)) as? [String: Any] ?? [:]
        }

        /// The whole decision for every example, with the gold category and (when the file has one) the gold cadre label.
        static func outcomes(model: TextModel, examples: [LabelledExample], noneAbove: Double, file: DataFile) throws -> [DemandEvaluation
            .Outcome]
        {
            let cadre = try? DataFile.load(path: file.data, textColumn: file.textColumn, labelColumns: ["cadre"], delimiter: file.delimiter)
            let cadreByText = Dictionary((cadre?.examples ?? []).map { ($0.text, $0.labels["cadre"] == "yes") }) { a, _ in a }
            var triager = Triager(model: model)
            triager.noneAbove = noneAbove
            return examples.map { e in
                DemandEvaluation.Outcome(
                    goldCategory: e.labels["category"] ?? "", goldCadre: cadreByText[e.text],
                    decision: triager.triage(e.text, explain: false))
            }
        }
    }

    struct Calibrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "选择“无需处理”阈值：诉求召回与人工量的取舍曲线。The none threshold's trade-off curve.",
            discussion: """
                Scores the labelled messages once and prints, for each threshold, the demand recall and the workload, then the \
                lowest-workload threshold whose demand recall reaches --target. Example: \
                weimin model calibrate --data data/triage/style-shift/style-shift.tsv --split dev --json
                """)

        @Option(help: "模型文件（默认内置模型）。Model file (default: the shipped model).") var model: String?
        @OptionGroup var file: DataFile
        @Option(help: "诉求召回的目标。Demand recall to reach.") var target: Double = 0.97
        @Option(help: "只用 split 列为此值的行（如 dev）。Only rows whose split column has this value.") var split: String?
        @Flag(help: "以一个 JSON 对象输出到标准输出。One JSON object on stdout.") var json = false

        func run() async throws {
            let m: TextModel
            do { m = try TriageSetup.model(path: model) } catch { throw ValidationError("\(error)") }
            var examples = try DataFile.load(
                path: file.data, textColumn: file.textColumn, labelColumns: ["category"], delimiter: file.delimiter
            ).examples
            if let split {
                let rows = try DataFile.load(
                    path: file.data, textColumn: file.textColumn, labelColumns: ["split"], delimiter: file.delimiter
                ).examples
                let keep = Set(rows.filter { $0.labels["split"] == split }.map(\.text))
                examples = examples.filter { keep.contains($0.text) }
                guard !examples.isEmpty else { throw ValidationError("没有 split = \(split) 的行") }
            }
            let outcomes = try Eval.outcomes(model: m, examples: examples, noneAbove: 0, file: file)
            let curve = DemandEvaluation.curve(
                outcomes, decideAbove: Triager(model: m).decideAbove, thresholds: DemandEvaluation.thresholds)
            let chosen = DemandEvaluation.choose(curve, target: target)
            if json {
                let encoder = JSONEncoder()
                encoder.keyEncodingStrategy = .convertToSnakeCase
                encoder.outputFormatting = [.sortedKeys]
                struct Out: Encodable {
                    let count: Int; let target: Double; let chosen: DemandEvaluation.Point?; let curve: [DemandEvaluation.Point]
                }
                print(
                    String(
                        decoding: try encoder.encode(Out(count: outcomes.count, target: target, chosen: chosen, curve: curve)),
                        as: UTF8.self))
                return
            }
            print("阈值 τ   诉求召回  人工查看")
            for p in curve where Int((p.noneAbove * 1000).rounded()) % 50 == 0 || p == chosen {
                print(String(format: "%.3f   %.3f     %.3f%@", p.noneAbove, p.demandRecall, p.workload, p == chosen ? "  ← 选用" : ""))
            }
            if chosen == nil { print("没有阈值能让诉求召回达到 \(target)：请改进模型或语料。") }
        }
    }
}

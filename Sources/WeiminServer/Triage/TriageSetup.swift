import Foundation
import WeiminCore

/// Where the triage model and rules come from: a file named by the county, or what ships with Weimin.
public enum TriageSetup {
    public struct SetupError: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// The model shipped with Weimin, trained on `data/triage/corpus.tsv` (see docs/labelling-guide.md).
    public static func shippedModel() throws -> TextModel {
        guard let url = Bundle.module.url(forResource: "triage", withExtension: "wmtm"), let data = try? Data(contentsOf: url) else {
            throw SetupError(description: "找不到内置分诊模型 triage.wmtm（安装不完整）")
        }
        return try TextModel.load(data)
    }

    public static func model(path: String?) throws -> TextModel {
        guard let path else { return try shippedModel() }
        guard let data = FileManager.default.contents(atPath: path) else { throw SetupError(description: "读不到模型文件 \(path)") }
        do { return try TextModel.load(data) } catch { throw SetupError(description: "\(path)：\(error)") }
    }

    public static func rules(path: String?) throws -> TriageRules {
        guard let path else { return .defaults }
        guard let data = FileManager.default.contents(atPath: path) else { throw SetupError(description: "读不到规则文件 \(path)") }
        do { return try TriageRules.merged(json: data) } catch { throw SetupError(description: "规则文件 \(path) 格式不对：\(error)") }
    }

    public static func triager(
        modelPath: String?, rulesPath: String?, places: [(code: String, name: String)] = [],
        catalogue: [(code: String, keywords: [String])] = []
    ) throws -> Triager {
        Triager(model: try model(path: modelPath), rules: try rules(path: rulesPath), places: places, catalogue: catalogue)
    }

    /// A decision in words, for a terminal.
    public static func describe(_ text: String, _ d: TriageDecision) -> String {
        var lines = ["“\(PIIMask.redact(text))”"]
        var head = "  类别 \(CoreStrings.categoryName(d.category))（\(Int((d.categoryScore * 100).rounded()))%）"
        if let dept = d.department { head += "  部门 \(dept)" }
        head += "  \(CoreStrings.urgencyName(d.urgency))  舆情风险 \(d.opinionRisk)"
        if d.reportsCadre { head += "  反映干部问题（密封）" }
        if d.undecided { head += "  待人工判断" }
        lines.append(head)
        var found: [String] = []
        if !d.entities.phones.isEmpty { found.append("电话 " + d.entities.phones.joined(separator: "、")) }
        if !d.entities.idNumbers.isEmpty { found.append("身份证 " + d.entities.idNumbers.joined(separator: "、")) }
        if !d.entities.money.isEmpty { found.append("金额 " + d.entities.money.joined(separator: "、")) }
        if !d.entities.places.isEmpty { found.append("地点 " + d.entities.places.map(\.name).joined(separator: "、")) }
        if !d.entities.dates.isEmpty { found.append("时间 " + d.entities.dates.joined(separator: "、")) }
        if !found.isEmpty { lines.append("  " + found.joined(separator: "；")) }
        for r in d.reasons { lines.append("  · " + r) }
        return lines.joined(separator: "\n")
    }
}

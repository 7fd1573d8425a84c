import Foundation
import Testing
import WeiminCore
@testable import WeiminServer

/// `weimin model train | eval` and `weimin classify` as users run them, and the shipped model.
@Suite("Triage commands and the shipped model")
struct TriageCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let corpus = root.appendingPathComponent("data/triage/corpus.tsv").path
    static var binary: String { Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("weimin").path }

    @Test("the shipped model is exactly what training on the corpus gives (weimin model train … --ignore department=-, the defaults)")
    func shippedIsReproducible() throws {
        let text = try String(contentsOfFile: Self.corpus, encoding: .utf8)
        let rows = try LabelledData.read(text, delimiter: 0x09, textColumn: "text", labelColumns: Retraining.heads).examples
        let retrained = try Retraining.train(rows, notes: ["rows": String(rows.count), "data": "corpus.tsv"])
        let shipped = try TriageSetup.shippedModel()
        #expect(shipped.version == retrained.version, "retrain it: see README, 'Triage'")
        #expect(try shipped.serialized() == retrained.serialized())
    }

    @Test("train and eval on a user's own CSV (BOM, other column names): --json has accuracy, macro_f1 and per_class")
    func trainAndEval() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weimin-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var csv = "\u{FEFF}编号,内容,类型\n"
        let rows = [
            ("停水三天了", "水"), ("自来水又停了", "水"), ("水管爆了没人修", "水"), ("家里没水喝", "水"),
            ("路上有个大坑", "路"), ("桥面塌了一块", "路"), ("公路被冲坏了", "路"), ("路灯旁边的路裂了", "路"),
        ]
        for (i, (t, l)) in (rows + rows + rows).enumerated() { csv += "\(i),\"\(t)\(i % 5)\",\(l)\n" }
        try csv.write(to: dir.appendingPathComponent("mine.csv"), atomically: true, encoding: .utf8)
        let data = dir.appendingPathComponent("mine.csv").path, model = dir.appendingPathComponent("m.wmtm").path
        var (status, out) = try await run(
            Self.binary, ["model", "train", "--data", data, "--text-column", "内容", "--label-column", "类型", "--out", model])
        #expect(status == 0, "\(out)")
        (status, out) = try await run(
            Self.binary, ["model", "eval", "--model", model, "--data", data, "--text-column", "内容", "--label-column", "类型", "--json"])
        #expect(status == 0, "\(out)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        #expect((json["accuracy"] as? Double ?? 0) > 0.9 && (json["macro_f1"] as? Double ?? 0) > 0.9)
        let perClass = try #require(json["per_class"] as? [String: [String: Any]])
        #expect(Set(perClass.keys) == ["水", "路"])
        #expect(
            perClass["水"]?["support"] as? Int == 12 && perClass["水"]?["precision"] != nil && perClass["水"]?["recall"] != nil
                && perClass["水"]?["f1"] != nil)
        // A wrong column name is a clear error naming the columns there are.
        (status, out) = try await run(Self.binary, ["model", "train", "--data", data, "--text-column", "text", "--out", model])
        #expect(status != 0 && out.contains("内容"))
    }

    @Test("weimin classify with the shipped model: category, department, urgency, reasons; numbers masked")
    func classify() async throws {
        let (status, out) = try await run(Self.binary, ["classify", "--json", "着火了！三组老刘家房子着火了，快来人", "我电话13974312256，村会计把低保名额给了他小舅子"])
        #expect(status == 0, "\(out)")
        let lines = out.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 2)
        let fire = try #require(lines.first?["decision"] as? [String: Any])
        #expect(fire["urgency"] as? String == "urgent" && fire["category"] as? String != "none")
        #expect((fire["reasons"] as? [String])?.contains { $0.contains("火灾") } == true)
        let report = try #require(lines.last?["decision"] as? [String: Any])
        #expect(report["reports_cadre"] as? Bool == true && report["department"] as? String == "jwjw")
        #expect(!out.contains("13974312256") && out.contains("139****2256"))
    }
}

import Foundation

/// Refuses settings Weimin does not know, naming the closest key it does: `{"http":{"prot":8081}}` or
/// `WEIMIN_HTTP_PROT` would otherwise be ignored and the default port used without a word.
enum ConfigCheck {
    /// `WEIMIN_…` variables that are not settings: the config file's path, and the test and benchmark scripts' own.
    static let otherVariables: Set<String> = ["WEIMIN_CONFIG", "WEIMIN_PYTHON", "WEIMIN_HTML"]
    static let otherPrefixes = ["WEIMIN_TEST_", "WEIMIN_REQUIRE_", "WEIMIN_PG_", "WEIMIN_BENCH_"]

    /// `http.idle.timeout` ↔ `WEIMIN_HTTP_IDLE_TIMEOUT`, `media.max_bytes` ↔ `WEIMIN_MEDIA_MAX_BYTES`.
    static func variable(_ key: String) -> String {
        "WEIMIN_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    static func refuseUnknown(environment: [String: String]) throws {
        let known = Dictionary(uniqueKeysWithValues: WeiminConfig.Key.all.map { (variable($0), $0) })
        let unknown = environment.keys.filter { name in
            name.hasPrefix("WEIMIN_") && known[name] == nil && !otherVariables.contains(name)
                && !otherPrefixes.contains(where: { name.hasPrefix($0) })
        }.sorted()
        guard let first = unknown.first else { return }
        let suggestion = closest(first, among: Array(known.keys) + ["WEIMIN_CONFIG"])
        throw ConfigError.invalid(
            "未知的环境变量 \(first)\(unknown.count > 1 ? "（另有 \(unknown.dropFirst().joined(separator: "、"))）" : "")"
                + (suggestion.map { "，是不是 \($0)？" } ?? "。") + "可用的设置见 weimin --help 和 docs/install.md。")
    }

    static func refuseUnknown(file data: Data, path: String) throws {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return }  // reported later
        let known = Set(WeiminConfig.Key.all)
        let unknown = flatten(object).filter { !known.contains($0) }.sorted()
        guard let first = unknown.first else { return }
        let suggestion = closest(first, among: Array(known))
        throw ConfigError.invalid(
            "配置文件 \(path) 中有未知的设置项 \(first)\(unknown.count > 1 ? "（另有 \(unknown.dropFirst().joined(separator: "、"))）" : "")"
                + (suggestion.map { "，是不是 \($0)？" } ?? "。"))
    }

    /// `{"http":{"port":1}}` → ["http.port"]; a key may also be written with its dots (`{"http.port":1}`).
    static func flatten(_ object: [String: Any], prefix: String = "") -> [String] {
        object.flatMap { key, value -> [String] in
            let path = prefix.isEmpty ? key : prefix + "." + key
            if let nested = value as? [String: Any] { return flatten(nested, prefix: path) }
            return [path]
        }
    }

    /// The known name within a few edits of what was written, if any.
    static func closest(_ name: String, among candidates: [String]) -> String? {
        let best = candidates.map { ($0, distance(Array(name.lowercased()), Array($0.lowercased()))) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(2, name.count / 3) else { return nil }
        return best.0
    }

    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let saved = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = saved
            }
        }
        return row[b.count]
    }
}

import Foundation

/// Matters whose answer is the villager's own business — 低保 and relief, health, family — are answered to the
/// villager alone: privately through the group's bridge where it can write to one person, and otherwise not in the
/// group at all (the group hears only that the case moved). The county sets the words and can turn it off.
public struct PrivateMatters: Sendable, Equatable, Codable {
    public enum Mode: String, Sendable, Codable, CaseIterable {
        /// Answers about private matters go to the villager alone.
        case privately = "private"
        /// Every answer is said in the group (the behaviour before this setting existed).
        case inGroup = "group"
    }

    public var mode: Mode
    public var words: [String]

    public init(mode: Mode, words: [String]) {
        self.mode = mode
        self.words = words
    }

    /// Welfare, health and family words; single characters are avoided (病 is also 病虫害).
    public static let defaultWords = [
        "低保", "特困", "五保", "临时救助", "救助金", "残疾", "残联", "医保", "报销", "住院", "看病", "生病", "病情", "大病", "重病",
        "精神病", "心理", "离婚", "婚姻", "家暴", "赡养", "抚养", "计生", "生育",
    ]
    public static let defaults = PrivateMatters(mode: .privately, words: defaultWords)

    /// The case is a private matter: one of the words is in its title or its words.
    public func covers(title: String, summary: String) -> Bool {
        mode == .privately && words.contains { !$0.isEmpty && (title.contains($0) || summary.contains($0)) }
    }

    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// A county's setting: up to 100 words of 2–12 characters each.
    public static func validated(mode: String, words: [String]) throws(Problem) -> PrivateMatters {
        guard let m = Mode(rawValue: mode) else {
            throw Problem(description: "mode 应为 private（涉及个人隐私的答复只发给本人）或 group（全部在群里答复）")
        }
        let cleaned = words.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        guard cleaned.count <= 100 else { throw Problem(description: "关键词最多 100 个") }
        if let bad = cleaned.first(where: { $0.count < 2 || $0.count > 12 }) {
            throw Problem(description: "关键词“\(bad)”长度应为 2–12 个字（单字会误伤，如“病”也出现在“病虫害”里）")
        }
        var seen: Set<String> = []
        return PrivateMatters(mode: m, words: cleaned.filter { seen.insert($0).inserted })
    }
}

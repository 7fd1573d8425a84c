import Foundation

/// MinHash over character 2-gram shingles: two messages' signatures agree in about the share of
/// positions that their shingle sets overlap (Jaccard similarity), whatever their length — so "三组的路
/// 又塌了" and "我们三组那段路又塌了，车过不去" are found alike without comparing every pair.
public struct MinHasher: Sendable {
    public let size: Int
    let seeds: [UInt32]

    public init(size: Int = 64, seed: UInt64 = 48) {
        self.size = size
        var rng = SplitMix64(seed: seed)
        seeds = (0..<size).map { _ in UInt32(truncatingIfNeeded: rng.next()) | 1 }
    }

    /// The shingles of a message: 2-grams of its normalised text, punctuation and spaces removed. (On the
    /// corpus, paraphrases of one complaint share 48–62 % of their 2-grams but only 26–33 % of their 3-grams.)
    static func shingles(_ text: String) -> [UInt32] {
        var s: [UInt32] = []
        TextNormalizer.normalize(text, into: &s)
        let chars = s.filter { $0 != 0x20 }
        let n = chars.count >= 2 ? 2 : 1
        guard !chars.isEmpty else { return [] }
        var out: [UInt32] = []
        out.reserveCapacity(chars.count)
        for i in 0...(chars.count - n) {
            var h: UInt32 = 0x811C_9DC5
            for k in i..<(i + n) { h = FeatureExtractor.step(h, chars[k]) }
            out.append(FeatureExtractor.finish(h, length: n))
        }
        return out
    }

    public func signature(_ text: String) -> [UInt32] {
        let sh = Self.shingles(text)
        var sig = [UInt32](repeating: .max, count: size)
        for x in sh {
            for i in 0..<size {
                var h = (x ^ seeds[i]) &* 0x9E37_79B1
                h ^= h >> 15
                h = h &* seeds[i]
                h ^= h >> 13
                if h < sig[i] { sig[i] = h }
            }
        }
        return sig
    }

    /// Estimated Jaccard similarity of two signatures.
    public static func similarity(_ a: [UInt32], _ b: [UInt32]) -> Double {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        var same = 0
        for i in a.indices where a[i] == b[i] { same += 1 }
        return Double(same) / Double(a.count)
    }
}

/// A message offered to hot-issue clustering.
public struct HotIssueItem: Sendable, Hashable {
    public var id: Int
    public var text: String
    public var township: String
    public var sentAt: Date
    public init(id: Int, text: String, township: String, sentAt: Date) {
        self.id = id
        self.text = text
        self.township = township
        self.sentAt = sentAt
    }
}

/// Near-duplicate demands across villages and days: the candidates for 每月一题 / 未诉先办.
public struct HotIssueCluster: Sendable, Hashable, Codable {
    /// The member that is most like the others, shown as the cluster's title.
    public var representative: String
    public var messageIDs: [Int]
    /// Messages per township code.
    public var byTownship: [String: Int]
    /// Messages per ISO week ("2026-W48"), Beijing time.
    public var byWeek: [String: Int]
    public var count: Int { messageIDs.count }
}

public struct HotIssueClusterer: Sendable {
    public var hasher = MinHasher()
    /// Bands × rows = the signature size: pairs agreeing on every row of any band are compared. 32 bands
    /// of 2 rows make a pair at similarity 0.45 a candidate with probability 1 − (1 − 0.45²)³² ≈ 0.9998.
    public var bands = 32
    /// Below this estimated similarity two messages are not the same issue.
    public var threshold = 0.45
    public var minimumSize = 3

    public init() {}

    public func clusters(_ items: [HotIssueItem]) -> [HotIssueCluster] {
        let sigs = items.map { hasher.signature($0.text) }
        let rows = hasher.size / bands
        var parent = Array(items.indices)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
        for band in 0..<bands {
            var buckets: [[UInt32]: [Int]] = [:]
            for (i, sig) in sigs.enumerated() where !items[i].text.isEmpty {
                buckets[Array(sig[(band * rows)..<((band + 1) * rows)]), default: []].append(i)
            }
            for members in buckets.values where members.count > 1 {
                let first = members[0]
                for other in members.dropFirst() where MinHasher.similarity(sigs[first], sigs[other]) >= threshold {
                    let a = find(first), b = find(other)
                    if a != b { parent[max(a, b)] = min(a, b) }
                }
            }
        }
        var groups: [Int: [Int]] = [:]
        for i in items.indices { groups[find(i), default: []].append(i) }
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        return groups.values.filter { $0.count >= minimumSize }.map { members in
            // The representative: highest total similarity to the others.
            let rep = members.max { a, b in
                members.reduce(0.0) { $0 + MinHasher.similarity(sigs[a], sigs[$1]) }
                    < members.reduce(0.0) { $0 + MinHasher.similarity(sigs[b], sigs[$1]) }
            }!
            var byTownship: [String: Int] = [:], byWeek: [String: Int] = [:]
            for m in members {
                byTownship[items[m].township, default: 0] += 1
                let c = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: items[m].sentAt)
                byWeek[String(format: "%04d-W%02d", c.yearForWeekOfYear ?? 0, c.weekOfYear ?? 0), default: 0] += 1
            }
            return HotIssueCluster(
                representative: items[rep].text, messageIDs: members.map { items[$0].id }.sorted(), byTownship: byTownship, byWeek: byWeek)
        }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.messageIDs[0] < $1.messageIDs[0] }
    }
}

import Foundation

/// Turns a chat message into the features the classifier reads: the text normalised as villagers'
/// typing varies (full-width letters, digits, repeated punctuation, @names), then character n-grams
/// (1–3 by default) hashed into a fixed number of buckets, weighted by sublinear term frequency and
/// L2-normalised. Chinese has no spaces, so character n-grams are the robust unit (typos and dialect
/// spellings still share most of their grams). With `words`, each word of two or more characters that
/// `WordSegmenter` finds with the shipped lexicon is one more feature, so the model also sees the
/// language's words, not only the strings its own corpus happens to repeat.
///
/// Speed matters (every stored message is triaged): `FeatureExtractor` keeps its buffers between calls,
/// so extracting features allocates nothing once it is warm.
public struct FeatureConfig: Sendable, Hashable, Codable {
    /// Buckets (a power of two).
    public var dimension: Int
    public var minN: Int
    public var maxN: Int
    /// Also one feature per lexicon word (of 2+ characters) in the message.
    public var words: Bool

    public init(dimension: Int = 1 << 18, minN: Int = 1, maxN: Int = 3, words: Bool = false) {
        precondition(dimension > 0 && dimension & (dimension - 1) == 0, "dimension must be a power of two")
        self.dimension = dimension
        self.minN = minN
        self.maxN = maxN
        self.words = words
    }

    enum CodingKeys: String, CodingKey { case dimension, minN, maxN, words }

    // Model files written before `words` existed have no such key. No precondition here: `TextModel.load`
    // checks the dimension and reports a bad file as an error, not a crash.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dimension = try c.decode(Int.self, forKey: .dimension)
        minN = try c.decode(Int.self, forKey: .minN)
        maxN = try c.decode(Int.self, forKey: .maxN)
        words = try c.decodeIfPresent(Bool.self, forKey: .words) ?? false
    }

    // Written only when on, so a model without words is the same bytes as before the option existed.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dimension, forKey: .dimension)
        try c.encode(minN, forKey: .minN)
        try c.encode(maxN, forKey: .maxN)
        if words { try c.encode(true, forKey: .words) }
    }
}

/// A sparse feature vector: bucket indices (each once, in no particular order) and their weights.
public struct SparseVector: Sendable, Hashable {
    public var indices: [Int32]
    public var values: [Float]
    public init(indices: [Int32] = [], values: [Float] = []) { self.indices = indices; self.values = values }
}

public enum TextNormalizer {
    /// Normalises into `out` (cleared first) as Unicode scalar values.
    public static func normalize(_ text: String, into out: inout [UInt32]) {
        out.removeAll(keepingCapacity: true)
        out.append(0x20)
        var skippingMention = 0
        var last: UInt32 = 0x20
        var repeatCount = 0
        for scalar in text.unicodeScalars {
            var v = scalar.value
            // Full-width ASCII and the ideographic space.
            if v >= 0xFF01 && v <= 0xFF5E { v -= 0xFEE0 } else if v == 0x3000 { v = 0x20 }
            if v >= 0x41 && v <= 0x5A { v += 0x20 }
            // "@张三 " names a member; the name says nothing about the matter.
            if v == 0x40 { skippingMention = 8; continue }
            if skippingMention > 0 {
                if v == 0x20 || v == 0x2C || v == 0x3001 || v == 0xFF0C || v == 0x2005 {
                    skippingMention = 0
                } else {
                    skippingMention -= 1; continue
                }
            }
            if v >= 0x30 && v <= 0x39 { v = 0x30 }  // every digit is "0": numbers vary, their presence does not
            switch v {
            case 0x3002, 0xFF0C, 0x3001, 0xFF1B, 0xFF1A, 0x2C, 0x2E, 0x3B, 0x3A, 0x09, 0x0A, 0x0D, 0x2005, 0x22, 0x27,
                0x201C, 0x201D, 0x2018, 0x2019, 0x300A, 0x300B, 0x3010, 0x3011, 0x28, 0x29, 0x2026, 0x2014, 0x7E, 0x2F:
                v = 0x20
            default: break
            }
            if v == last {
                repeatCount += 1
                // "啊啊啊啊" and "！！！！" say as much as two of them.
                if repeatCount >= 2 || v == 0x20 { continue }
            } else {
                repeatCount = 0
            }
            out.append(v)
            last = v
        }
        if last != 0x20 { out.append(0x20) }
    }
}

/// Extracts features; one per thread (it owns scratch buffers).
public struct FeatureExtractor: Sendable {
    public let config: FeatureConfig
    var scalars: [UInt32] = []
    /// A small open-addressing table counting the message's buckets (it fits in the L1 cache, unlike a
    /// table over all 2^18 buckets): `slotBucket` is -1 where free; `used` lists the slots to clear after.
    var slotBucket: [Int32] = [Int32](repeating: -1, count: 1024)
    var slotCount: [UInt16] = [UInt16](repeating: 0, count: 1024)
    var used: [Int32] = [Int32](repeating: 0, count: 1024)
    /// Inverse document frequency per bucket (nil: every gram weighs the same).
    let idf: [Float]?
    /// 1 + ln(count) for small counts (kept per extractor: a static would be checked for initialisation on every use).
    let tf: [Float] = (0..<64).map { $0 == 0 ? 0 : 1 + log(Float($0)) }
    /// With `config.words`: the shipped lexicon's segmenter (this extractor's own copy, for its buffers).
    var segmenter: WordSegmenter?
    var words: [Range<Int>] = []

    public init(config: FeatureConfig, idf: [Float]? = nil) {
        precondition(idf == nil || idf!.count == config.dimension)
        self.config = config
        self.idf = idf
        segmenter = config.words ? WordSegmenter.bundled() : nil
        scalars.reserveCapacity(512)
    }

    /// The hash of a gram is built one scalar at a time (so the 1-, 2- and 3-grams starting at a position
    /// share the work), then mixed with the gram's length and avalanched so the low bits — the bucket —
    /// depend on every scalar.
    @inline(__always)
    static func step(_ h: UInt32, _ v: UInt32) -> UInt32 { (h ^ v) &* 0x0100_0193 }

    /// Words start from another basis than grams, so a word and the gram of the same characters do not
    /// share a bucket (beyond chance).
    static let wordBasis: UInt32 = 0x2F6B_1C35

    @inline(__always)
    static func wordHash(_ s: UnsafeBufferPointer<UInt32>, _ r: Range<Int>) -> UInt32 {
        var h = wordBasis
        for j in r { h = step(h, s[j]) }
        return finish(h, length: r.count)
    }

    @inline(__always)
    static func finish(_ h: UInt32, length n: Int) -> UInt32 {
        var x = h ^ (UInt32(n) &* 0x9E37_79B9)
        x ^= x >> 16
        x = x &* 0x7FEB_352D
        x ^= x >> 15
        x = x &* 0x846C_A68B
        x ^= x >> 16
        return x
    }

    /// Features of `text` into `vector` (its arrays are reused).
    public mutating func extract(_ text: String, into vector: inout SparseVector) {
        TextNormalizer.normalize(text, into: &scalars)
        let count = scalars.count
        if segmenter != nil { segmenter!.segment(scalars, into: &words) } else { words.removeAll(keepingCapacity: true) }
        // At most maxN grams per position and a word per two; keep the table at most half full.
        var capacity = slotBucket.count
        while capacity < 2 * (count * config.maxN + count / 2) { capacity *= 2 }
        if capacity != slotBucket.count {
            slotBucket = [Int32](repeating: -1, count: capacity)
            slotCount = [UInt16](repeating: 0, count: capacity)
            used = [Int32](repeating: 0, count: capacity)
        }
        var usedCount = 0
        let mask = UInt32(config.dimension - 1)
        let slotMask = capacity - 1
        let minN = config.minN, maxN = config.maxN
        scalars.withUnsafeBufferPointer { s in
            slotBucket.withUnsafeMutableBufferPointer { sb in
                slotCount.withUnsafeMutableBufferPointer { sc in
                    used.withUnsafeMutableBufferPointer { up in
                        words.withUnsafeBufferPointer { wr in
                            @inline(__always)
                            func tally(_ f: UInt32) {
                                let b = Int32(bitPattern: f & mask)
                                var slot = Int(f >> 7) & slotMask
                                while true {
                                    if sb[slot] == b {
                                        if sc[slot] < UInt16.max { sc[slot] += 1 }
                                        return
                                    }
                                    if sb[slot] == -1 {
                                        sb[slot] = b
                                        sc[slot] = 1
                                        up[usedCount] = Int32(slot)
                                        usedCount += 1
                                        return
                                    }
                                    slot = (slot + 1) & slotMask
                                }
                            }
                            for i in 0..<count {
                                var h: UInt32 = 0x811C_9DC5
                                var n = 0
                                while n < maxN && i + n < count {
                                    h = Self.step(h, s[i + n])
                                    n += 1
                                    // A gram that is only a space carries nothing.
                                    if n < minN || (n == 1 && s[i] == 0x20) { continue }
                                    tally(Self.finish(h, length: n))
                                }
                            }
                            // Single characters are already unigrams.
                            for r in wr where r.count >= 2 { tally(Self.wordHash(s, r)) }
                        }
                    }
                }
            }
        }
        // Sized once, then written through pointers: no per-element append checks.
        if vector.indices.count != usedCount {
            vector.indices = [Int32](repeating: 0, count: usedCount)
            vector.values = [Float](repeating: 0, count: usedCount)
        }
        var norm: Float = 0
        let idf = self.idf
        slotBucket.withUnsafeMutableBufferPointer { sb in
            slotCount.withUnsafeBufferPointer { sc in
                used.withUnsafeBufferPointer { up in
                    tf.withUnsafeBufferPointer { table in
                        vector.indices.withUnsafeMutableBufferPointer { vi in
                            vector.values.withUnsafeMutableBufferPointer { vv in
                                for j in 0..<usedCount {
                                    let slot = Int(up[j])
                                    let b = sb[slot], k = Int(sc[slot])
                                    sb[slot] = -1
                                    var w = k < 64 ? table[k] : 1 + log(Float(k))
                                    if let idf { w *= idf[Int(b)] }
                                    vi[j] = b
                                    vv[j] = w
                                    norm += w * w
                                }
                                if norm > 0 {
                                    let inv = 1 / norm.squareRoot()
                                    for j in 0..<usedCount { vv[j] *= inv }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The grams of `text` with their buckets, for explaining a decision; with `only`, just the grams that
    /// fall in those buckets (the strings are made for those alone).
    /// For each bucket, the first gram of `text` that falls in it, as normalised scalars (nil if none): what
    /// a weight stands for. With `words`, a bucket no gram explains may be a word's.
    public mutating func firstGrams(_ text: String, buckets: [Int32]) -> [ArraySlice<UInt32>?] {
        TextNormalizer.normalize(text, into: &scalars)
        var found = [ArraySlice<UInt32>?](repeating: nil, count: buckets.count)
        var missing = buckets.count
        let mask = UInt32(config.dimension - 1)
        let count = scalars.count
        var i = 0
        while i < count && missing > 0 {
            var h: UInt32 = 0x811C_9DC5
            var n = 0
            while n < config.maxN && i + n < count {
                h = Self.step(h, scalars[i + n])
                n += 1
                if n < config.minN || (n == 1 && scalars[i] == 0x20) { continue }
                let bucket = Int32(bitPattern: Self.finish(h, length: n) & mask)
                for r in buckets.indices where buckets[r] == bucket && found[r] == nil {
                    found[r] = scalars[i..<(i + n)]
                    missing -= 1
                }
            }
            i += 1
        }
        if missing > 0, segmenter != nil {
            segmenter!.segment(scalars, into: &words)
            scalars.withUnsafeBufferPointer { s in
                for r in words where r.count >= 2 && missing > 0 {
                    let bucket = Int32(bitPattern: Self.wordHash(s, r) & mask)
                    for k in buckets.indices where buckets[k] == bucket && found[k] == nil {
                        found[k] = scalars[r]
                        missing -= 1
                    }
                }
            }
        }
        return found
    }
}

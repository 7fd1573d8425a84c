import Foundation

/// Splits runs of Chinese characters into words as jieba does with its HMM off: every dictionary word
/// starting at each position is a way forward, and the path whose words' probabilities (freq / total)
/// multiply to the most wins, found by dynamic programming from the end of the run. A character that
/// starts no word goes alone with probability 1 / total. Anything that is not an ideograph (digits,
/// Latin, spaces, punctuation) separates runs and is never part of a word.
///
/// The dictionary is a trie: the first character indexes a flat table (most characters are in the
/// BMP blocks), deeper characters go through one open-addressing hash of (parent node, scalar), so a
/// lookup is one multiply and usually one probe. The segmenter keeps its scratch buffers between calls:
/// once warm, segmenting allocates nothing. Copies share the dictionary (arrays are copy-on-write and
/// the dictionary is never written after init); give each thread its own copy for the buffers.
public struct WordSegmenter: Sendable {
    /// Child of the root for first scalars in `rootBase..<rootBase + rootChild.count`; 0 = none.
    let rootChild: [Int32]
    /// Open addressing, 0 = free: `(parent << 18 | scalar) << 24 | child` (nodes < 2^20, scalars < 2^18).
    let edges: [UInt64]
    let edgeShift: UInt64
    /// ln(freq / total) of the word ending at each node; -infinity where the node is only a prefix.
    let logP: [Double]
    /// ln(1 / total): a character on its own that is no word.
    let unknownLogP: Double
    /// The longest word in the dictionary, in characters.
    public let maxWordLength: Int
    /// Words in the dictionary.
    public let wordCount: Int

    // Scratch, indexed by position in the message: best log-probability from here to the run's end, and
    // where the first word of that path ends.
    var best: [Double] = []
    var next: [Int32] = []

    static let rootBase: UInt32 = 0x3400
    static let rootEnd: UInt32 = 0xA000
    static let maxNodes = 1 << 20

    /// CJK Unified Ideographs, Extension A, the compatibility ideographs and Extensions B–G (the same
    /// ranges scripts/lexicon-from-jieba.py keeps).
    @inline(__always)
    public static func isIdeograph(_ v: UInt32) -> Bool {
        (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0x3400 && v <= 0x4DBF) || (v >= 0xF900 && v <= 0xFAFF) || (v >= 0x2_0000 && v <= 0x3_134F)
    }

    /// A dictionary of words with their frequencies; `total` is the sum of frequencies the probabilities
    /// are taken against (jieba's whole dictionary, not only the words given). Words with a character
    /// that is not an ideograph, or a frequency ≤ 0, are left out.
    public init(words: [(word: String, freq: Int)], total: Int) {
        precondition(total > 0, "total must be positive")
        let logTotal = log(Double(total))
        var root = [Int32](repeating: 0, count: Int(Self.rootEnd - Self.rootBase))
        var children: [UInt64: Int32] = [:]
        var logP: [Double] = [-.infinity]  // node 0 is the root
        var longest = 0, count = 0
        var scalars: [UInt32] = []
        for (word, freq) in words where freq > 0 {
            scalars.removeAll(keepingCapacity: true)
            for s in word.unicodeScalars { scalars.append(s.value) }
            guard !scalars.isEmpty, scalars.allSatisfy(Self.isIdeograph) else { continue }
            var node: Int32 = 0
            for (i, v) in scalars.enumerated() {
                if i == 0 && v >= Self.rootBase && v < Self.rootEnd {
                    let r = Int(v - Self.rootBase)
                    if root[r] == 0 { root[r] = Int32(logP.count); logP.append(-.infinity) }
                    node = root[r]
                } else {
                    let key = UInt64(node) << 18 | UInt64(v)
                    if let child = children[key] {
                        node = child
                    } else {
                        let child = Int32(logP.count)
                        logP.append(-.infinity)
                        children[key] = child
                        node = child
                    }
                }
            }
            precondition(logP.count < Self.maxNodes, "word list too large for the trie's 20-bit node ids")
            if logP[Int(node)] == -.infinity { count += 1 }
            logP[Int(node)] = log(Double(freq)) - logTotal
            longest = max(longest, scalars.count)
        }
        // At most half full, so probes stay short.
        var capacity = 1024
        while capacity < 2 * children.count { capacity *= 2 }
        let shift = UInt64(64 - capacity.trailingZeroBitCount)
        var table = [UInt64](repeating: 0, count: capacity)
        // Sorted, so the table (and with it the probe lengths) is the same on every run.
        for (key, child) in children.sorted(by: { $0.key < $1.key }) {
            var slot = Int((key &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while table[slot] != 0 { slot = (slot + 1) & (capacity - 1) }
            table[slot] = key << 24 | UInt64(child)
        }
        rootChild = root
        edges = table
        edgeShift = shift
        self.logP = logP
        unknownLogP = -logTotal
        maxWordLength = longest
        wordCount = count
    }

    public struct FormatError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Reads the shipped format: `#total<TAB>n` in the header, then one `word<TAB>freq` a line
    /// (other lines starting with `#` are comments).
    public init(tsv data: Data) throws(FormatError) {
        var total = 0
        var words: [(word: String, freq: Int)] = []
        words.reserveCapacity(140_000)
        let bytes = [UInt8](data)
        var start = 0
        var lineNumber = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            lineNumber += 1
            let line = bytes[start..<end]
            start = end + 1
            guard !line.isEmpty else { continue }
            guard let tab = line.firstIndex(of: 0x09) else {
                if line.first == 0x23 { continue }
                throw FormatError(description: "词表第 \(lineNumber) 行缺少制表符")
            }
            var value = 0
            for b in line[(tab + 1)...] where b != 0x0D {
                guard b >= 0x30 && b <= 0x39, value < Int.max / 20 else { throw FormatError(description: "词表第 \(lineNumber) 行的词频无效") }
                value = value * 10 + Int(b - 0x30)
            }
            let key = line[line.startIndex..<tab]
            if key.first == 0x23 {
                if key.elementsEqual("#total".utf8) { total = value }
                continue
            }
            words.append((String(decoding: key, as: UTF8.self), value))
        }
        guard total > 0 else { throw FormatError(description: "词表缺少总词频（#total）") }
        self.init(words: words, total: total)
    }

    /// The shipped list (Resources/lexicon/words.tsv, from jieba's dictionary), read once.
    public static func bundled() -> WordSegmenter { shipped }

    private static let shipped: WordSegmenter = {
        // Shipped inside the module: missing or malformed means a broken build, and a model trained with
        // word features must not quietly run without them.
        guard let url = Bundle.module.url(forResource: "words", withExtension: "tsv", subdirectory: "lexicon"),
            let data = try? Data(contentsOf: url)
        else { fatalError("WeiminCore 资源缺少词表 lexicon/words.tsv") }
        do { return try WordSegmenter(tsv: data) } catch { fatalError("词表 lexicon/words.tsv 无效：\(error)") }
    }()

    /// The node reached from `node` by `v`, or 0.
    @inline(__always)
    static func child(_ node: Int32, _ v: UInt32, _ root: UnsafeBufferPointer<Int32>, _ edges: UnsafeBufferPointer<UInt64>, _ shift: UInt64)
        -> Int32
    {
        if node == 0 && v >= Self.rootBase && v < Self.rootEnd { return root[Int(v - Self.rootBase)] }
        let key = UInt64(node) << 18 | UInt64(v)
        let mask = edges.count - 1
        var slot = Int((key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while true {
            let e = edges[slot]
            if e == 0 { return 0 }
            if e >> 24 == key { return Int32(truncatingIfNeeded: e & 0xFF_FFFF) }
            slot = (slot + 1) & mask
        }
    }

    /// The words of `scalars` in order, into `words` (cleared first; its storage is reused): the runs of
    /// ideographs cut into the most probable sequence of words. A character that stays alone is a range
    /// of length 1; anything else is in no range.
    public mutating func segment(_ scalars: [UInt32], into words: inout [Range<Int>]) {
        words.removeAll(keepingCapacity: true)
        let count = scalars.count
        if best.count < count + 1 {
            best = [Double](repeating: 0, count: max(count + 1, 2 * best.count))
            next = [Int32](repeating: 0, count: best.count)
        }
        let unknown = unknownLogP, shift = edgeShift
        scalars.withUnsafeBufferPointer { s in
            rootChild.withUnsafeBufferPointer { root in
                edges.withUnsafeBufferPointer { edges in
                    logP.withUnsafeBufferPointer { logP in
                        best.withUnsafeMutableBufferPointer { best in
                            next.withUnsafeMutableBufferPointer { next in
                                var i = 0
                                while i < count {
                                    guard Self.isIdeograph(s[i]) else { i += 1; continue }
                                    var end = i + 1
                                    while end < count && Self.isIdeograph(s[end]) { end += 1 }
                                    // Backwards: at k, each word starting at k followed by the best path from its end.
                                    best[end] = 0
                                    var k = end - 1
                                    while k >= i {
                                        var score = -Double.infinity
                                        var to = k + 1
                                        var node: Int32 = 0
                                        var j = k
                                        while j < end {
                                            node = Self.child(node, s[j], root, edges, shift)
                                            if node == 0 { break }
                                            j += 1
                                            let p = logP[Int(node)]
                                            // Ties go to the longer word, as in jieba.
                                            if p != -.infinity && p + best[j] >= score { score = p + best[j]; to = j }
                                        }
                                        // A character that begins no word stands alone (if it begins only
                                        // longer words, one of them is taken).
                                        if score == -.infinity { score = unknown + best[k + 1]; to = k + 1 }
                                        best[k] = score
                                        next[k] = Int32(to)
                                        k -= 1
                                    }
                                    var at = i
                                    while at < end {
                                        let to = Int(next[at])
                                        words.append(at..<to)
                                        at = to
                                    }
                                    i = end
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The words of `scalars` (allocates; for tests and tools).
    public func segment(_ scalars: [UInt32]) -> [Range<Int>] {
        var copy = self
        var words: [Range<Int>] = []
        copy.segment(scalars, into: &words)
        return words
    }

    /// The words of `text` as strings (no normalising; for tests and tools).
    public func words(_ text: String) -> [String] {
        let scalars = text.unicodeScalars.map(\.value)
        return segment(scalars).map { r in
            var s = String.UnicodeScalarView()
            for v in scalars[r] { s.append(Unicode.Scalar(v)!) }
            return String(s)
        }
    }
}

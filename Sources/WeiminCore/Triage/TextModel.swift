import Foundation

/// A trained text model: the feature settings and one classifier per head (`category`, `department`,
/// `urgency`, `risk`, `cadre` for triage; any label column for a model trained on someone's own data).
///
/// File format (little-endian): `WMTM`, format version (UInt32: 2, or 3 when the features include words, so
/// a reader from before word features refuses the file rather than score without them), header length
/// (UInt32), a JSON header (features, heads with labels, bias, temperature), the IDF when used, then per
/// head the buckets that carry weight: count (UInt32), and for each bucket its index (UInt32) and one
/// Float16 per class (training rounds weights to half precision, so nothing is lost in the file). Only
/// trained buckets are written, so a model trained on 3,000 messages is small; training the same data again writes the same bytes.
public struct TextModel: Sendable, Hashable {
    public var features: FeatureConfig
    public var heads: [String: LinearClassifier]
    /// Inverse document frequency per bucket, learnt from the training texts (rare grams weigh more).
    public var idf: [Float]?
    /// Free-form facts about how it was made (data file, rows, date), kept in the header.
    public var notes: [String: String]

    public init(features: FeatureConfig, heads: [String: LinearClassifier], idf: [Float]? = nil, notes: [String: String] = [:]) {
        self.features = features
        self.heads = heads
        self.idf = idf
        self.notes = notes
    }

    /// An extractor that weighs features as this model was trained.
    public func extractor() -> FeatureExtractor { FeatureExtractor(config: features, idf: idf) }

    /// The model version stored with each decision: the heads' fingerprints, combined.
    public var version: String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for name in heads.keys.sorted() {
            for b in (name + (heads[name]?.fingerprint ?? "")).utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        }
        for v in idf ?? [] { h = (h ^ UInt64(v.bitPattern)) &* 0x0000_0100_0000_01B3 }
        return String(h, radix: 16).leftPadded(to: 16)
    }

    struct Header: Codable {
        struct Head: Codable {
            var name: String
            var labels: [String]
            var bias: [Float]
            var temperature: Float
        }
        var features: FeatureConfig
        var heads: [Head]
        var notes: [String: String]
        /// The IDF of buckets no training text had (written sparse after the header when present).
        var idfDefault: Float?
    }

    public struct FormatError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public func serialized() throws -> Data {
        let names = heads.keys.sorted()
        let header = Header(
            features: features,
            heads: names.map { n in
                let h = heads[n]!
                return Header.Head(name: n, labels: h.labels, bias: h.bias, temperature: h.temperature)
            }, notes: notes, idfDefault: idf.map { v in v.max() ?? 1 })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(header)
        var out = Data("WMTM".utf8)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        u32(features.words ? 3 : 2)
        u32(UInt32(json.count))
        out.append(json)
        if let idf, let top = idf.max() {
            let used = idf.indices.filter { idf[$0] != top }
            u32(UInt32(used.count))
            for i in used {
                u32(UInt32(i))
                u32(idf[i].bitPattern)
            }
        }
        for n in names {
            let h = heads[n]!
            let k = h.labels.count
            var used: [Int] = []
            for bucket in 0..<h.dimension where (0..<k).contains(where: { h.weights[bucket * k + $0] != 0 }) { used.append(bucket) }
            u32(UInt32(used.count))
            for bucket in used {
                u32(UInt32(bucket))
                for c in 0..<k {
                    withUnsafeBytes(of: Float16(h.weights[bucket * k + c]).bitPattern.littleEndian) { out.append(contentsOf: $0) }
                }
            }
        }
        return out
    }

    public static func load(_ data: Data) throws -> TextModel {
        let bytes = [UInt8](data)
        var at = 0
        func u32() throws -> UInt32 {
            guard at + 4 <= bytes.count else { throw FormatError(description: "模型文件不完整（在第 \(at) 字节处结束）") }
            let v = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
            at += 4
            return v
        }
        guard bytes.count >= 12, Array(bytes[0..<4]) == Array("WMTM".utf8) else { throw FormatError(description: "不是为民的模型文件（应以 WMTM 开头）") }
        at = 4
        let format = try u32()
        guard (1...3).contains(format) else { throw FormatError(description: "模型文件版本 \(format) 不受支持") }
        func u16() throws -> UInt16 {
            guard at + 2 <= bytes.count else { throw FormatError(description: "模型文件不完整（在第 \(at) 字节处结束）") }
            let v = UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
            at += 2
            return v
        }
        let length = Int(try u32())
        guard at + length <= bytes.count else { throw FormatError(description: "模型文件头不完整") }
        let header = try JSONDecoder().decode(Header.self, from: Data(bytes[at..<(at + length)]))
        at += length
        let dim = header.features.dimension
        guard dim > 0, dim & (dim - 1) == 0, dim <= 1 << 24 else { throw FormatError(description: "模型特征维度无效：\(dim)") }
        var idf: [Float]?
        if let top = header.idfDefault {
            var v = [Float](repeating: top, count: dim)
            let used = Int(try u32())
            for _ in 0..<used {
                let i = Int(try u32())
                guard i < dim else { throw FormatError(description: "模型 IDF 越界") }
                v[i] = Float(bitPattern: try u32())
            }
            idf = v
        }
        var heads: [String: LinearClassifier] = [:]
        for h in header.heads {
            let k = h.labels.count
            guard k >= 2, h.bias.count == k else { throw FormatError(description: "模型的“\(h.name)”头无效") }
            var w = [Float](repeating: 0, count: dim * k)
            let used = Int(try u32())
            for _ in 0..<used {
                let bucket = Int(try u32())
                guard bucket < dim else { throw FormatError(description: "模型权重越界") }
                for c in 0..<k { w[bucket * k + c] = format == 1 ? Float(bitPattern: try u32()) : Float(Float16(bitPattern: try u16())) }
            }
            heads[h.name] = LinearClassifier(labels: h.labels, dimension: dim, weights: w, bias: h.bias, temperature: h.temperature)
        }
        guard at == bytes.count else { throw FormatError(description: "模型文件末尾有多余数据") }
        return TextModel(features: header.features, heads: heads, idf: idf, notes: header.notes)
    }
}

extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

import Foundation

/// Several small heads scored in one pass: for each feature bucket, every head's weights side by side in one
/// 64-byte cache line. Scoring four heads separately reads four tables and misses the cache four times per
/// character gram; this reads one line. Full triage is bound by those reads, not by arithmetic.
public final class FusedHeads: @unchecked Sendable {
    // Immutable after init; the buffer is only read, so sharing across threads is safe.
    public let heads: [LinearClassifier]
    /// Where each head's classes start within a bucket's row.
    public let offsets: [Int]
    /// Floats per bucket (a multiple of 16: whole cache lines).
    public let stride: Int
    let dimension: Int
    let weights: UnsafeMutablePointer<Float>
    let bias: [Float]

    public init(_ heads: [LinearClassifier]) {
        precondition(!heads.isEmpty && Set(heads.map(\.dimension)).count == 1, "fused heads share one feature space")
        self.heads = heads
        var offsets: [Int] = []
        var total = 0
        for h in heads {
            offsets.append(total)
            total += h.labels.count
        }
        self.offsets = offsets
        let stride = (total + 15) / 16 * 16
        let dimension = heads[0].dimension
        let raw = UnsafeMutableRawPointer.allocate(byteCount: dimension * stride * MemoryLayout<Float>.stride, alignment: 64)
        let fused = raw.bindMemory(to: Float.self, capacity: dimension * stride)
        fused.initialize(repeating: 0, count: dimension * stride)
        var bias = [Float](repeating: 0, count: stride)
        for (h, head) in heads.enumerated() {
            let k = head.labels.count, o = offsets[h]
            head.weights.withUnsafeBufferPointer { w in
                for b in 0..<dimension {
                    for c in 0..<k { fused[b * stride + o + c] = w[b * k + c] }
                }
            }
            for c in 0..<k { bias[o + c] = head.bias[c] }
        }
        self.stride = stride
        self.dimension = dimension
        self.weights = fused
        self.bias = bias
    }

    deinit {
        weights.deallocate()
    }

    /// Every head's raw scores, in `stride` floats.
    @inline(__always)
    public func scores(_ x: SparseVector, into s: inout [Float]) {
        if s.count != stride { s = [Float](repeating: 0, count: stride) }
        let n = stride
        s.withUnsafeMutableBufferPointer { out in
            for c in 0..<n { out[c] = bias[c] }
            x.indices.withUnsafeBufferPointer { idx in
                x.values.withUnsafeBufferPointer { val in
                    for j in 0..<idx.count {
                        let row = weights + Int(idx[j]) * n
                        let v = val[j]
                        for c in 0..<n { out[c] += row[c] * v }
                    }
                }
            }
        }
    }

    /// Head `h`'s calibrated probabilities from scores made by `scores(_:into:)`.
    @inline(__always)
    public func probabilities(head h: Int, from s: [Float], into p: inout [Float]) {
        let k = heads[h].labels.count, o = offsets[h]
        if p.count != k { p = [Float](repeating: 0, count: k) }
        for c in 0..<k { p[c] = s[o + c] }
        LinearClassifier.softmax(&p, temperature: heads[h].temperature)
    }
}

import Foundation

/// A multinomial logistic regression over hashed features: one weight per (bucket, class), stored
/// bucket-major so the weights a message touches sit together in memory. Probabilities are the softmax of
/// the scores divided by a temperature fitted on held-out data (calibration: a "0.8" means right about
/// 80 % of the time).
public struct LinearClassifier: Sendable, Hashable {
    public var labels: [String]
    public var dimension: Int
    /// `weights[bucket * labels.count + class]`.
    public var weights: [Float]
    public var bias: [Float]
    public var temperature: Float

    public init(labels: [String], dimension: Int, weights: [Float], bias: [Float], temperature: Float = 1) {
        self.labels = labels
        self.dimension = dimension
        self.weights = weights
        self.bias = bias
        self.temperature = temperature
    }

    /// Raw scores into `scores` (resized to the class count).
    @inline(__always)
    public func scores(_ x: SparseVector, into scores: inout [Float]) {
        let k = labels.count
        if scores.count != k { scores = [Float](repeating: 0, count: k) }
        weights.withUnsafeBufferPointer { w in
            scores.withUnsafeMutableBufferPointer { s in
                for c in 0..<k { s[c] = bias[c] }
                x.indices.withUnsafeBufferPointer { idx in
                    x.values.withUnsafeBufferPointer { val in
                        for j in 0..<idx.count {
                            let base = Int(idx[j]) * k
                            let v = val[j]
                            for c in 0..<k { s[c] += w[base + c] * v }
                        }
                    }
                }
            }
        }
    }

    /// Calibrated probabilities, in place of the scores.
    @inline(__always)
    public func probabilities(_ x: SparseVector, into p: inout [Float]) {
        scores(x, into: &p)
        Self.softmax(&p, temperature: temperature)
    }

    @inline(__always)
    static func softmax(_ p: inout [Float], temperature: Float) {
        var m = -Float.infinity
        for v in p where v > m { m = v }
        var sum: Float = 0
        for c in p.indices {
            p[c] = exp((p[c] - m) / temperature)
            sum += p[c]
        }
        for c in p.indices { p[c] /= sum }
    }

    /// A short fingerprint of the weights (FNV-1a 64 over their bits): the model version stored with every decision.
    public var fingerprint: String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ v: UInt32) {
            for s in stride(from: 0, to: 32, by: 8) { h = (h ^ UInt64((v >> UInt32(s)) & 0xFF)) &* 0x0000_0100_0000_01B3 }
        }
        for l in labels { for b in l.utf8 { mix(UInt32(b)) } }
        for w in weights where w != 0 { mix(w.bitPattern) }
        for b in bias { mix(b.bitPattern) }
        mix(temperature.bitPattern)
        return String(h, radix: 16)
    }
}

/// Trains a `LinearClassifier`: AdaGrad on the softmax loss, class weights so rare classes count (a
/// township has far more chit-chat than reports), L2 on the weights a step touches, a seeded shuffle so the
/// same data always gives the same model bit for bit — then the temperature fitted on a held-out tenth and
/// the model retrained on everything.
public struct LinearTrainer: Sendable {
    /// What training minimises.
    public enum Loss: String, Sendable, CaseIterable {
        /// Softmax log-loss by AdaGrad (multinomial logistic regression).
        case logistic
        /// One-versus-rest squared hinge by dual coordinate descent (a linear SVM, as liblinear and
        /// scikit-learn's LinearSVC fit it): stronger than the log-loss with many classes and few examples each.
        case hinge
    }

    public var loss: Loss
    /// The dual solver stops when the projected gradients are within this of each other: liblinear's default for this
    /// problem. 0.01 took 31 s for 100,000 rows against 20 s, with the same macro-F1 on the style-shift dev split.
    static let hingeTolerance: Float = 0.1
    /// The SVM's C (hinge loss only): larger fits the training data more closely.
    public var c: Float
    public var epochs: Int
    public var learningRate: Float
    public var l2: Float
    public var seed: UInt64
    /// Class weights are (n / (k · n_c)) to this power: 1 is scikit-learn's "balanced", 0 no weighting.
    /// nil: 1 for three or more classes, ½ for two — what held-out splits of the corpus favoured (a rare
    /// "yes" weighted fully up made the binary heads cry wolf).
    public var balancePower: Double?

    public init(
        epochs: Int = 6, learningRate: Float = 0.4, l2: Float = 1e-6, seed: UInt64 = 20_261_127, balancePower: Double? = nil,
        loss: Loss = .logistic, c: Float = 1
    ) {
        self.loss = loss
        self.c = c
        self.epochs = epochs
        self.learningRate = learningRate
        self.l2 = l2
        self.seed = seed
        self.balancePower = balancePower
    }

    /// `labels` are indices into `classes`.
    public func train(_ xs: [SparseVector], _ ys: [Int], classes: [String], dimension: Int) -> LinearClassifier {
        precondition(xs.count == ys.count)
        var rng = SplitMix64(seed: seed)
        var order = Array(xs.indices)
        order.shuffle(using: &rng)
        // Temperature from a held-out tenth (when there is enough data), then the full fit.
        var temperature: Float = 1
        if xs.count >= 200 {
            let cut = xs.count / 10
            let held = Array(order[..<cut]), rest = Array(order[cut...])
            let partial = fit(rest.map { xs[$0] }, rest.map { ys[$0] }, classes: classes, dimension: dimension)
            temperature = Self.fitTemperature(partial, held.map { xs[$0] }, held.map { ys[$0] })
        }
        var model = fit(xs, ys, classes: classes, dimension: dimension)
        model.temperature = temperature
        return model
    }

    func fit(_ xs: [SparseVector], _ ys: [Int], classes: [String], dimension: Int) -> LinearClassifier {
        if loss == .hinge { return fitHinge(xs, ys, classes: classes, dimension: dimension) }
        let k = classes.count
        var w = [Float](repeating: 0, count: dimension * k)
        var g2 = [Float](repeating: 0, count: dimension * k)
        var b = [Float](repeating: 0, count: k)
        var bg2 = [Float](repeating: 0, count: k)
        let classWeight = classWeights(ys, k)
        let (offsets, flatIndex, flatValue) = Self.flatten(xs)
        var rng = SplitMix64(seed: seed &+ 1)
        var order = Array(xs.indices)
        var p = [Float](repeating: 0, count: k)
        let eps: Float = 1e-8
        let lr = learningRate, l2 = self.l2
        w.withUnsafeMutableBufferPointer { wp in
            g2.withUnsafeMutableBufferPointer { gp in
                p.withUnsafeMutableBufferPointer { pp in
                    flatIndex.withUnsafeBufferPointer { fi in
                        flatValue.withUnsafeBufferPointer { fv in
                            for _ in 0..<epochs {
                                order.shuffle(using: &rng)
                                for i in order {
                                    let from = offsets[i], to = offsets[i + 1], y = ys[i]
                                    // Forward: scores, then softmax.
                                    for c in 0..<k { pp[c] = b[c] }
                                    for j in from..<to {
                                        let base = Int(fi[j]) * k
                                        let v = fv[j]
                                        for c in 0..<k { pp[c] += wp[base + c] * v }
                                    }
                                    var m = -Float.infinity
                                    for c in 0..<k where pp[c] > m { m = pp[c] }
                                    var sum: Float = 0
                                    for c in 0..<k { pp[c] = exp(pp[c] - m); sum += pp[c] }
                                    let cw = classWeight[y]
                                    for c in 0..<k { pp[c] = cw * (pp[c] / sum - (c == y ? 1 : 0)) }
                                    // Backward: AdaGrad on the weighted log-loss, L2 on what this step touches.
                                    for j in from..<to {
                                        let base = Int(fi[j]) * k
                                        let v = fv[j]
                                        for c in 0..<k {
                                            let grad = pp[c] * v + l2 * wp[base + c]
                                            let g = gp[base + c] + grad * grad
                                            gp[base + c] = g
                                            wp[base + c] -= lr * grad / (g + eps).squareRoot()
                                        }
                                    }
                                    for c in 0..<k {
                                        let grad = pp[c]
                                        bg2[c] += grad * grad
                                        b[c] -= lr * grad / (bg2[c] + eps).squareRoot()
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Weights are kept at half precision — what the model file stores — so the model in memory after
        // training is exactly the one read back from its file.
        for i in w.indices where w[i] != 0 { w[i] = Float(Float16(w[i])) }
        return LinearClassifier(labels: classes, dimension: dimension, weights: w, bias: b)
    }

    /// (n / (k · n_c)) ^ power per class.
    func classWeights(_ ys: [Int], _ k: Int) -> [Float] {
        var counts = [Int](repeating: 0, count: k)
        for y in ys { counts[y] += 1 }
        return counts.map { n in
            guard n > 0 else { return 1 }
            return Float(pow(Double(ys.count) / (Double(k) * Double(n)), balancePower ?? (k > 2 ? 1 : 0.5)))
        }
    }

    /// The examples laid out flat, so the inner loops read memory in order and retain nothing.
    static func flatten(_ xs: [SparseVector]) -> (offsets: [Int], index: [Int32], value: [Float]) {
        var offsets = [Int](repeating: 0, count: xs.count + 1)
        for (i, x) in xs.enumerated() { offsets[i + 1] = offsets[i] + x.indices.count }
        var flatIndex = [Int32](), flatValue = [Float]()
        flatIndex.reserveCapacity(offsets[xs.count])
        flatValue.reserveCapacity(offsets[xs.count])
        for x in xs {
            flatIndex.append(contentsOf: x.indices)
            flatValue.append(contentsOf: x.values)
        }
        return (offsets, flatIndex, flatValue)
    }

    /// One-versus-rest L2-regularised squared-hinge SVMs, one per class, by dual coordinate descent with
    /// shrinking (Hsieh et al. 2008, the method liblinear uses). The bias is a constant feature of 1,
    /// regularised like the weights, as in liblinear. Classes are independent problems, so they are solved
    /// on all cores, each with its own seeded order: the result is the same bit for bit.
    func fitHinge(_ xs: [SparseVector], _ ys: [Int], classes: [String], dimension: Int) -> LinearClassifier {
        let k = classes.count, n = xs.count
        let classWeight = classWeights(ys, k)
        let (offsets, flatIndex, flatValue) = Self.flatten(xs)
        // ‖x_i‖² + 1 (the bias feature): the diagonal of the dual's Hessian before the loss's own term.
        var norms = [Float](repeating: 1, count: n)
        for i in 0..<n { for j in offsets[i]..<offsets[i + 1] { norms[i] += flatValue[j] * flatValue[j] } }
        let solved = Collected<([Float], Float)>(count: k)
        let problem = HingeProblem(
            offsets: offsets, index: flatIndex, value: flatValue, norms: norms, ys: ys, classWeight: classWeight,
            c: c, dimension: dimension, maxPasses: max(epochs, 10) * 10, tolerance: Self.hingeTolerance)
        // Two classes are one problem: class 0 against class 1 is class 1 against class 0 with every sign flipped (each
        // example keeps its own class's weight), so it is solved once and negated.
        let problems = k == 2 ? 1 : k
        DispatchQueue.concurrentPerform(iterations: problems) { cls in
            let positive = k == 2 ? 1 : cls
            solved.put(positive, problem.solve(positive: positive, seed: seed &+ 1 &+ UInt64(positive)))
        }
        if k == 2, let (w1, b1) = solved.items[1] { solved.put(0, (w1.map { -$0 }, -b1)) }
        var w = [Float](repeating: 0, count: dimension * k)
        var b = [Float](repeating: 0, count: k)
        for cls in 0..<k {
            let (wc, bc) = solved.items[cls]!
            for d in 0..<dimension where wc[d] != 0 { w[d * k + cls] = Float(Float16(wc[d])) }
            b[cls] = bc
        }
        return LinearClassifier(labels: classes, dimension: dimension, weights: w, bias: b)
    }

    /// The temperature (0.25–8) that minimises the held-out log-loss.
    static func fitTemperature(_ model: LinearClassifier, _ xs: [SparseVector], _ ys: [Int]) -> Float {
        guard !xs.isEmpty else { return 1 }
        var raw: [[Float]] = []
        var s: [Float] = []
        for x in xs {
            model.scores(x, into: &s)
            raw.append(s)
        }
        var best: (Float, Double) = (1, .infinity)
        var t: Float = 0.25
        while t <= 8 {
            var loss = 0.0
            for (r, y) in zip(raw, ys) {
                var p = r
                LinearClassifier.softmax(&p, temperature: t)
                loss -= Double(log(max(p[y], 1e-7)))
            }
            if loss < best.1 { best = (t, loss) }
            t *= 1.1
        }
        return best.0
    }
}

/// One class against the rest, as a squared-hinge SVM's dual.
struct HingeProblem: Sendable {
    let offsets: [Int], index: [Int32], value: [Float], norms: [Float], ys: [Int], classWeight: [Float]
    let c: Float, dimension: Int, maxPasses: Int, tolerance: Float

    /// Weights and bias for `positive` versus the rest. Examples whose dual variable stays at zero are
    /// shrunk out of the passes (liblinear's heuristic), then all are checked again before stopping: done
    /// when every projected gradient is within `tolerance` of the others.
    func solve(positive: Int, seed: UInt64) -> ([Float], Float) {
        let n = ys.count
        var w = [Float](repeating: 0, count: dimension)
        var bias: Float = 0
        var alpha = [Float](repeating: 0, count: n)
        var active = Array(0..<n)
        var activeCount = n
        var rng = SplitMix64(seed: seed)
        var pgMaxOld = Float.infinity, pgMinOld = -Float.infinity
        w.withUnsafeMutableBufferPointer { wp in
            index.withUnsafeBufferPointer { fi in
                value.withUnsafeBufferPointer { fv in
                    var pass = 0
                    while pass < maxPasses {
                        pass += 1
                        var pgMax = -Float.infinity, pgMin = Float.infinity
                        for s in 0..<activeCount {
                            let r = s + Int(rng.next() % UInt64(activeCount - s))
                            active.swapAt(s, r)
                        }
                        var s = 0
                        while s < activeCount {
                            let i = active[s]
                            let y: Float = ys[i] == positive ? 1 : -1
                            // A rare class's examples count more (class weights scale C).
                            let d = 0.5 / (c * classWeight[ys[i]])
                            var score = bias
                            for j in offsets[i]..<offsets[i + 1] { score += wp[Int(fi[j])] * fv[j] }
                            let g = y * score - 1 + d * alpha[i]
                            var pg: Float = g
                            if alpha[i] == 0 {
                                if g > pgMaxOld {
                                    activeCount -= 1
                                    active.swapAt(s, activeCount)
                                    continue
                                }
                                pg = min(g, 0)
                            }
                            pgMax = max(pgMax, pg)
                            pgMin = min(pgMin, pg)
                            if abs(pg) > 1e-12 {
                                let old = alpha[i]
                                alpha[i] = max(old - g / (norms[i] + d), 0)
                                let step = (alpha[i] - old) * y
                                for j in offsets[i]..<offsets[i + 1] { wp[Int(fi[j])] += step * fv[j] }
                                bias += step
                            }
                            s += 1
                        }
                        if pgMax - pgMin <= tolerance {
                            if activeCount == n { break }
                            activeCount = n
                            pgMaxOld = .infinity
                            pgMinOld = -.infinity
                            continue
                        }
                        pgMaxOld = pgMax <= 0 ? .infinity : pgMax
                        pgMinOld = pgMin >= 0 ? -.infinity : pgMin
                    }
                }
            }
        }
        return (w, bias)
    }
}

/// A small, fast, seedable generator: the same seed gives the same shuffle on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension PolygonEdgeIndex {
    /// Whether one ring is simple (no two edges meet except consecutive ones at their shared
    /// vertex), shown with the strip index: a one-ring polygon that is simple is valid, so GEOS's
    /// validity check can be skipped. GEOS 3.11 checks with an STR tree of monotone chains, which
    /// for a comb of long thin teeth visits O(n^1.5) chain pairs (about a second at 200,000
    /// vertices) and for a star O(n²); here each strip is swept by x over the edges' parts in it.
    ///
    /// - Parameter ring: the ring's distinct consecutive vertices (x, y), not closed.
    /// - Returns: true when shown simple; nil when it is not, or when that could not be shown
    ///   within `budget` × n pair visits (ask GEOS, which also names the problem).
    /// - Complexity: O(n log n + pairs of edges whose parts in a strip have meeting boxes).
    static func ringIsSimple(_ ring: [(x: Double, y: Double)], budget: Int = 64) -> Bool? {
        guard ring.count >= 3 else { return nil }
        return PolygonEdgeIndex(rings: [ring]).ringIsSimple(budget: budget)
    }

    /// ``ringIsSimple(_:budget:)`` on an index already built over one ring (its distinct
    /// consecutive vertices, closed or not): a polygon's own index.
    func ringIsSimple(budget: Int = 64) -> Bool? {
        guard ax.count >= 3, !hasTinyCoordinates else { return nil }
        return edgesMeetOnlyAtSharedVertices(budget: budget * ax.count) ? true : nil
    }

    /// For an index over one closed ring (edges in ring order, none of zero length).
    private func edgesMeetOnlyAtSharedVertices(budget: Int) -> Bool {
        let n = ax.count, count = stripCount
        // A ring of a few hundred edges is swept whole, as one band: each edge is one part (in
        // the strips an edge through three is three, each sorted and swept), and a line across
        // such a boundary meets few edges. Strips stay for the rings whose sweep would not
        // keep within the budget (a star's every edge spans the middle), and for large rings.
        let oneBand = n <= PolygonEdgeIndex.oneBandEdges
        // The strips are swept in bands of about `edgesPerSweepBand` edges: a query polygon's
        // index has about one edge a strip for its point tests, and a sweep over such thin
        // strips would sort and sweep each long edge many times.
        let group = max(1, count * PolygonEdgeIndex.edgesPerSweepBand / n), bands = (count + group - 1) / group
        // One pair of buffers for every band, on the stack when small.
        var widest = oneBand ? n : 0
        for b in 0..<bands { widest = max(widest, Int(stripStart[min(count, (b + 1) * group)] - stripStart[b * group])) }
        return withUnsafeTemporaryAllocation(of: StripPart.self, capacity: 2 * widest) { buffer in
            withEdges { e in
                let edges = Edges(ax: e.ax, ay: e.ay, bx: e.bx, by: e.by)
                let parts = UnsafeMutableBufferPointer(rebasing: buffer[0..<widest])
                let scratch = UnsafeMutableBufferPointer(rebasing: buffer[widest...])
                if oneBand {
                    for e in 0..<n { parts[e] = edges.box(e) }
                    var visits = 0
                    switch sweep(parts, n, scratch, edges, &visits, budget: budget) {
                    case true?: return true
                    case false?: return false
                    case nil: break  // over the budget: the bands may keep within it
                    }
                }
                var visits = 0
                for b in 0..<bands {
                    let s0 = b * group, s1 = min(count, s0 + group)
                    // Each edge's part inside the band (a little wider, so rounding cannot
                    // hide a meeting on the band's edge): long spikes through a band
                    // overlap only near neighbours there, though their whole boxes overlap
                    // thousands.
                    let low = s0 == 0 ? -Double.infinity : minY + (Double(s0) - 1e-6) * stripHeight
                    let high = s1 == count ? Double.infinity : minY + (Double(s1) + 1e-6) * stripHeight
                    var m = 0
                    for s in s0..<s1 {
                        for k in Int(stripStart[s])..<Int(stripStart[s + 1]) {
                            let e = Int(stripEdges[k])
                            // Once a band: at its first strip, or at the band's first.
                            if s > s0 && strip(min(ay[e], by[e]), count) != s { continue }
                            parts[m] = edges.clipped(e, low, high)
                            m += 1
                        }
                    }
                    guard sweep(parts, m, scratch, edges, &visits, budget: budget) == true else { return false }
                }
                return true
            }
        }
    }

    /// About how many edges a band of the simplicity sweep holds, whatever the strips.
    static let edgesPerSweepBand = 4

    /// Rings of at most this many edges are first swept whole, as one band.
    static let oneBandEdges = 256

    /// Sorts the first `m` parts by x and sweeps them: true when no two edges of theirs meet
    /// (but consecutive ones at their shared vertex), false when two do, nil when the pairs
    /// visited (counted on in `visits`) pass `budget`. `scratch` has room for `m` parts (the sort's).
    private func sweep(_ parts: UnsafeMutableBufferPointer<StripPart>, _ m: Int, _ scratch: UnsafeMutableBufferPointer<StripPart>,
                       _ edges: Edges, _ visits: inout Int, budget: Int) -> Bool? {
        let n = ax.count
        StripPart.sortByX(parts, m, from: minX, to: maxX, scratch: scratch)
        // Sweep by x: each part meets the parts after it that start before it ends (the pairs
        // whose x-ranges overlap, each once), read straight from the sorted parts rather than
        // kept in a list of live parts rewritten at every step.
        for i in 0..<m {
            let part = parts[i]
            var j = i + 1
            while j < m {
                let other = parts[j]
                if other.x0 > part.x1 { break }
                j += 1
                guard other.y1 >= part.y0 && part.y1 >= other.y0 else { continue }
                let (e, f) = (part.e, other.e)
                if e + 1 == f || (e == n - 1 && f == 0) {
                    if edges.spike(e, f) { return false }
                } else if f + 1 == e || (f == n - 1 && e == 0) {
                    if edges.spike(f, e) { return false }
                } else if edges.meet(e, f) {
                    return false
                }
            }
            visits += j - i - 1
            if visits > budget { return nil }
        }
        return true
    }

    /// An edge's part within a strip: its index and a box. (Internal for its sort's test.)
    struct StripPart {
        var e: Int, x0: Double, x1: Double, y0: Double, y1: Double

        /// The first `count` by `x0` (every x0 within `low...high`). A few by insertion; more
        /// are first dealt into `count` buckets by x0 (through `scratch`, room for `count`),
        /// which leaves the insertion little to move; the standard sort when a bucket is crowded
        /// (many equal or close x0, where insertion would be quadratic). The order of equal x0
        /// does not matter to the sweep.
        static func sortByX(_ parts: UnsafeMutableBufferPointer<StripPart>, _ count: Int, from low: Double, to high: Double,
                            scratch: UnsafeMutableBufferPointer<StripPart>) {
            if count > 24 {
                let crowded = withUnsafeTemporaryAllocation(of: Int32.self, capacity: count + 1) { bucketStart -> Bool in
                    let perWidth = Double(count) / max(high - low, 1e-300)
                    // (Written so that no x, however far out, makes a conversion that traps.)
                    @inline(__always) func bucket(_ x: Double) -> Int {
                        let t = (x - low) * perWidth
                        return t >= 0 ? (t < Double(count) ? Int(t) : count - 1) : 0
                    }
                    bucketStart.initialize(repeating: 0)
                    for i in 0..<count { bucketStart[bucket(parts[i].x0) + 1] += 1 }
                    var widest: Int32 = 0
                    for b in 0..<count { widest = max(widest, bucketStart[b + 1]); bucketStart[b + 1] += bucketStart[b] }
                    guard widest <= 32 else { return true }
                    for i in 0..<count {
                        let b = bucket(parts[i].x0)
                        scratch[Int(bucketStart[b])] = parts[i]
                        bucketStart[b] += 1
                    }
                    for i in 0..<count { parts[i] = scratch[i] }
                    return false
                }
                if crowded {
                    var all = UnsafeMutableBufferPointer(rebasing: parts[0..<count])
                    all.sort { $0.x0 < $1.x0 }
                    return
                }
            }
            for i in stride(from: 1, to: count, by: 1) {
                let part = parts[i]
                var j = i
                while j > 0, parts[j - 1].x0 > part.x0 { parts[j] = parts[j - 1]; j -= 1 }
                parts[j] = part
            }
        }
    }

    /// The edges through raw buffers, for the sweep's inner loops.
    private struct Edges {
        let ax: UnsafeBufferPointer<Double>, ay: UnsafeBufferPointer<Double>, bx: UnsafeBufferPointer<Double>, by: UnsafeBufferPointer<Double>

        /// The box of edge e's part between y = low and y = high, padded against rounding; the
        /// whole edge's box when the part is a horizontal edge or rounding leaves it empty
        /// (conservative).
        @inline(__always)
        func clipped(_ e: Int, _ low: Double, _ high: Double) -> StripPart {
            let (lowY, highY) = (min(ay[e], by[e]), max(ay[e], by[e])), (lowX, highX) = (min(ax[e], bx[e]), max(ax[e], bx[e]))
            let c0 = max(lowY, low), c1 = min(highY, high)
            guard c0 <= c1, ay[e] != by[e] else { return StripPart(e: e, x0: lowX, x1: highX, y0: lowY, y1: highY) }
            let dx = bx[e] - ax[e], dy = by[e] - ay[e]
            let u = ax[e] + (c0 - ay[e]) / dy * dx, v = ax[e] + (c1 - ay[e]) / dy * dx
            let pad = abs(dx) * 1e-9 + (abs(u) + abs(v)) * 1e-15
            return StripPart(e: e, x0: max(lowX, min(u, v) - pad), x1: min(highX, max(u, v) + pad), y0: c0, y1: c1)
        }

        /// Edge e's whole box.
        @inline(__always)
        func box(_ e: Int) -> StripPart {
            StripPart(e: e, x0: min(ax[e], bx[e]), x1: max(ax[e], bx[e]), y0: min(ay[e], by[e]), y1: max(ay[e], by[e]))
        }

        /// Do two non-consecutive edges touch or cross?
        func meet(_ e: Int, _ f: Int) -> Bool {
            PolygonEdgeIndex.segmentsMeet((ax[e], ay[e]), (bx[e], by[e]), (ax[f], ay[f]), (bx[f], by[f]))
        }

        /// Consecutive edges (`second` starts where `first` ends) meet beyond their shared
        /// vertex only when they fold back on one line.
        @inline(__always)
        func spike(_ first: Int, _ second: Int) -> Bool {
            let a = (ax[first], ay[first]), v = (bx[first], by[first]), d = (bx[second], by[second])
            if PolygonEdgeIndex.orient(a, v, d) != 0 { return false }
            // Collinear: a fold when a and d lie on the same side of v.
            return (a.0 > v.0 && d.0 > v.0) || (a.0 < v.0 && d.0 < v.0) || (a.1 > v.1 && d.1 > v.1) || (a.1 < v.1 && d.1 < v.1)
        }
    }

    /// Sign of orient2d(p, q, r), exact: the filtered test, else expansion arithmetic.
    private static func orient(_ p: (Double, Double), _ q: (Double, Double), _ r: (Double, Double)) -> Int {
        orientation(p.0, p.1, q.0, q.1, r.0, r.1) ?? exactOrientation(p.0, p.1, q.0, q.1, r.0, r.1)
    }

    /// Exact sign of (ax − px)(by − py) − (ay − py)(bx − px) with Shewchuk's expansions: each
    /// difference is an exact two-term sum (Two-Diff), each product of terms an exact pair
    /// (fused multiply-add), and the 16 pieces are summed exactly (Grow-Expansion); the sign is
    /// that of the largest component. Slow (~100 ns), for the rare near-collinear triple, such
    /// as three collinear decimal vertices, which doubles cannot show collinear.
    static func exactOrientation(_ ax: Double, _ ay: Double, _ bx: Double, _ by: Double, _ px: Double, _ py: Double) -> Int {
        func twoDiff(_ a: Double, _ b: Double) -> [Double] {
            let x = a - b, bv = a - x, av = x + bv
            return [x, (a - av) + (bv - b)]
        }
        func products(_ u: [Double], _ v: [Double], negated: Bool) -> [Double] {
            var out: [Double] = []
            for s in u { for t in v {
                let p = s * t, e = (-p).addingProduct(s, t)  // p + e == s·t exactly
                out += negated ? [-p, -e] : [p, e]
            } }
            return out
        }
        let terms = products(twoDiff(ax, px), twoDiff(by, py), negated: false) + products(twoDiff(ay, py), twoDiff(bx, px), negated: true)
        var expansion: [Double] = []  // nonoverlapping, increasing magnitude, no zeros
        for t in terms {
            var q = t
            var grown: [Double] = []
            for x in expansion {
                let sum = q + x, bv = sum - q, av = sum - bv
                let err = (q - av) + (x - bv)
                if err != 0 { grown.append(err) }
                q = sum
            }
            if q != 0 { grown.append(q) }
            expansion = grown
        }
        guard let top = expansion.last else { return 0 }
        return top > 0 ? 1 : -1
    }

    /// Do segments a–b and c–d touch or cross?
    static func segmentsMeet(_ a: (Double, Double), _ b: (Double, Double), _ c: (Double, Double), _ d: (Double, Double)) -> Bool {
        let o1 = PolygonEdgeIndex.orient(a, b, c), o2 = PolygonEdgeIndex.orient(a, b, d)
        let o3 = PolygonEdgeIndex.orient(c, d, a), o4 = PolygonEdgeIndex.orient(c, d, b)
        if o1 * o2 < 0 && o3 * o4 < 0 { return true }
        func within(_ p: (Double, Double), _ q: (Double, Double), _ r: (Double, Double)) -> Bool {
            r.0 >= min(p.0, q.0) && r.0 <= max(p.0, q.0) && r.1 >= min(p.1, q.1) && r.1 <= max(p.1, q.1)
        }
        return (o1 == 0 && within(a, b, c)) || (o2 == 0 && within(a, b, d)) || (o3 == 0 && within(c, d, a)) || (o4 == 0 && within(c, d, b))
    }
}

extension PolygonEdgeIndex {
    /// Whether one ring is simple (no two edges meet except consecutive ones at their shared
    /// vertex), shown with the strip index: a one-ring polygon that is simple is valid, so GEOS's
    /// validity check can be skipped. GEOS 3.11 checks with an STR tree of monotone chains, which
    /// for a comb of long thin teeth visits O(n^1.5) chain pairs (about a second at 200,000
    /// vertices) and for a star O(n²); here a ring of up to ``wholeRingEdges`` edges is first
    /// compared chain by chain, and a larger one (or one whose chains overlap too much) is swept
    /// by x strip by strip over the edges' parts in it.
    ///
    /// - Parameter ring: the ring's distinct consecutive vertices (x, y), not closed.
    /// - Returns: true when shown simple; nil when it is not, or when that could not be shown
    ///   within `budget` × n pair visits (ask GEOS, which also names the problem).
    /// - Complexity: O(n log n + pairs of chains whose boxes meet + pairs of edges whose x-ranges
    ///   (or parts in a strip) and boxes meet).
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
        // A ring of a few hundred edges is first tried whole, as x-monotone chains (a real
        // boundary's 60 edges make about 20), which need no sort of its edges and no test
        // within a chain. Strips stay for the rings whose chains would not keep within the
        // budget (a star's every spike spans the middle), and for large rings.
        if n <= PolygonEdgeIndex.wholeRingEdges {
            let shown = withEdges { e in
                chainsMeetOnlyAtSharedVertices(Edges(ax: e.ax, ay: e.ay, bx: e.bx, by: e.by), budget: budget)
            }
            if let shown { return shown }
        }
        // The strips are swept in bands of about `edgesPerSweepBand` edges: a query polygon's
        // index has about one edge a strip for its point tests, and a sweep over such thin
        // strips would sort and sweep each long edge many times.
        let group = max(1, count * PolygonEdgeIndex.edgesPerSweepBand / n), bands = (count + group - 1) / group
        // One pair of buffers for every band, on the stack when small.
        var widest = 0
        for b in 0..<bands { widest = max(widest, Int(stripStart[min(count, (b + 1) * group)] - stripStart[b * group])) }
        return withUnsafeTemporaryAllocation(of: StripPart.self, capacity: 2 * widest) { buffer in
            withEdges { e in
                let edges = Edges(ax: e.ax, ay: e.ay, bx: e.bx, by: e.by)
                let parts = UnsafeMutableBufferPointer(rebasing: buffer[0..<widest])
                let scratch = UnsafeMutableBufferPointer(rebasing: buffer[widest...])
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

    /// Rings of at most this many edges are first tried whole, as x-monotone chains.
    static let wholeRingEdges = 256

    /// The ring's edges cut into x-monotone chains (runs of consecutive edges along which x
    /// strictly grows or strictly falls, or one vertical edge), and the chains whose boxes meet
    /// compared edge by edge, each pair's edges in x order. Within a chain no two edges can meet
    /// but neighbours at their shared vertex: along it x strictly changes one way, so the x-ranges
    /// of edges not side by side are apart, and side by side they cannot fold back. (A vertical
    /// edge is a chain of its own: two of them in a row can fold.) True when no two edges meet
    /// but neighbours at their shared vertex, false when two do, nil when the pairs visited pass
    /// `budget`.
    private func chainsMeetOnlyAtSharedVertices(_ edges: Edges, budget: Int) -> Bool? {
        let n = ax.count
        // One block: the edges' boxes, chain by chain in order of x; then each chain's box (its
        // `e` the place of its first edge's box), in ring order, and an end marker.
        return withUnsafeTemporaryAllocation(of: StripPart.self, capacity: 2 * n + 1) { block -> Bool? in
            let boxes = UnsafeMutableBufferPointer(rebasing: block[0..<n])
            @inline(__always) func direction(_ e: Int) -> Int { edges.bx[e] > edges.ax[e] ? 1 : edges.bx[e] < edges.ax[e] ? -1 : 0 }
            var c = 0, k = 0
            while k < n {
                let s = direction(k)
                var end = k + 1
                if s != 0 { while end < n && direction(end) == s { end += 1 } }
                // Its edges' boxes in order of x: backwards along a chain whose x falls.
                var y0 = Double.infinity, y1 = -Double.infinity
                for i in k..<end {
                    let box = edges.box(s < 0 ? k + end - 1 - i : i)
                    boxes[i] = box
                    y0 = min(y0, box.y0); y1 = max(y1, box.y1)
                }
                block[n + c] = StripPart(e: k, x0: boxes[k].x0, x1: boxes[end - 1].x1, y0: y0, y1: y1)
                c += 1
                k = end
            }
            block[n + c] = StripPart(e: n, x0: 0, x1: 0, y0: 0, y1: 0)
            let chains = UnsafeMutableBufferPointer(rebasing: block[n..<(n + c + 1)])
            // Every pair of chains: a few dozen chains, whose sort by x would cost more than
            // the pairs it spares (the budget bounds the rest).
            var visits = 0
            for i in 0..<c {
                let a = chains[i], aEnd = chains[i + 1].e
                for j in (i + 1)..<c {
                    let b = chains[j]
                    guard b.x0 <= a.x1 && a.x0 <= b.x1 && b.y1 >= a.y0 && a.y1 >= b.y0 else { continue }
                    // Each of a's edges within b's box against b's edges whose x-ranges meet its
                    // own: a window that only moves on, as a's edges start ever further right.
                    let bEnd = chains[j + 1].e
                    var p = a.e, q0 = b.e
                    while p < aEnd && boxes[p].x1 < b.x0 { p += 1 }
                    while p < aEnd {
                        let e = boxes[p]
                        if e.x0 > b.x1 { break }
                        p += 1
                        guard e.y1 >= b.y0 && b.y1 >= e.y0 else { continue }
                        while q0 < bEnd && boxes[q0].x1 < e.x0 { q0 += 1 }
                        guard let q = edges.scan(e, boxes, from: q0, to: bEnd) else { return false }
                        visits += q - q0
                    }
                }
                visits += c - i - 1
                if visits > budget { return nil }
            }
            return true
        }
    }

    /// Sorts the first `m` parts by x and sweeps them: true when no two edges of theirs meet
    /// (but consecutive ones at their shared vertex), false when two do, nil when the pairs
    /// visited (counted on in `visits`) pass `budget`. `scratch` has room for `m` parts (the sort's).
    private func sweep(_ parts: UnsafeMutableBufferPointer<StripPart>, _ m: Int, _ scratch: UnsafeMutableBufferPointer<StripPart>,
                       _ edges: Edges, _ visits: inout Int, budget: Int) -> Bool? {
        StripPart.sortByX(parts, m, from: minX, to: maxX, scratch: scratch)
        // Sweep by x: each part meets the parts after it that start before it ends (the pairs
        // whose x-ranges overlap, each once), read straight from the sorted parts rather than
        // kept in a list of live parts rewritten at every step.
        for i in 0..<m {
            guard let j = edges.scan(parts[i], parts, from: i + 1, to: m) else { return false }
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

        /// `part` against `parts[from..<end]` (in order of least x) up to the first that starts
        /// beyond it: where that stopped, or nil when two of their edges meet other than as
        /// neighbours do (at their shared vertex, not folding back on one line).
        @inline(__always)
        func scan(_ part: StripPart, _ parts: UnsafeMutableBufferPointer<StripPart>, from: Int, to end: Int) -> Int? {
            var j = from
            while j < end {
                let other = parts[j]
                if other.x0 > part.x1 { break }
                j += 1
                guard other.y1 >= part.y0 && part.y1 >= other.y0 else { continue }
                if !neighboursOrApart(part.e, other.e) { return nil }
            }
            return j
        }

        /// Whether two edges of the ring meet only as neighbours do or not at all.
        @inline(__always)
        func neighboursOrApart(_ e: Int, _ f: Int) -> Bool {
            let n = ax.count
            if e + 1 == f || (e == n - 1 && f == 0) { return !spike(e, f) }
            if f + 1 == e || (f == n - 1 && e == 0) { return !spike(f, e) }
            return !meet(e, f)
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

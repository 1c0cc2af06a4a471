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
        guard ax.count >= 3 else { return nil }
        return edgesMeetOnlyAtSharedVertices(budget: budget * ax.count) ? true : nil
    }

    /// For an index over one closed ring (edges in ring order, none of zero length).
    private func edgesMeetOnlyAtSharedVertices(budget: Int) -> Bool {
        let n = ax.count, count = stripCount
        var visits = 0
        // One pair of buffers for every strip: a polygon of n edges has about n/4 strips.
        var widest = 0
        for s in 0..<count { widest = max(widest, Int(stripStart[s + 1] - stripStart[s])) }
        var parts: [(e: Int, x0: Double, x1: Double, y0: Double, y1: Double)] = []
        parts.reserveCapacity(widest)
        var active = parts
        active.reserveCapacity(widest)
        for s in 0..<count {
            // Each edge's part inside the strip (a little wider, so rounding cannot hide a
            // meeting on the strip's edge): long spikes through a strip overlap only near
            // neighbours there, though their whole boxes overlap thousands.
            let low = s == 0 ? -Double.infinity : minY + (Double(s) - 1e-6) * stripHeight
            let high = s == count - 1 ? Double.infinity : minY + (Double(s + 1) + 1e-6) * stripHeight
            parts.removeAll(keepingCapacity: true)
            for k in Int(stripStart[s])..<Int(stripStart[s + 1]) { parts.append(clipped(Int(stripEdges[k]), low, high)) }
            parts.sort { $0.x0 < $1.x0 }
            // Sweep by x: `active` holds the parts whose x-range may still reach the next one.
            active.removeAll(keepingCapacity: true)
            for part in parts {
                active.removeAll { $0.x1 < part.x0 }
                visits += active.count
                if visits > budget { return false }
                for other in active where other.y1 >= part.y0 && part.y1 >= other.y0 {
                    let (e, f) = (part.e, other.e)
                    let adjacent = (e + 1) % n == f || (f + 1) % n == e
                    if adjacent ? spike(e, f, n) : meets(e, f) { return false }
                }
                active.append(part)
            }
        }
        return true
    }

    /// The box of edge e's part between y = low and y = high, padded against rounding; the whole
    /// edge's box when the part is a horizontal edge or rounding leaves it empty (conservative).
    private func clipped(_ e: Int, _ low: Double, _ high: Double) -> (e: Int, x0: Double, x1: Double, y0: Double, y1: Double) {
        let (lowY, highY) = (min(ay[e], by[e]), max(ay[e], by[e])), (lowX, highX) = (min(ax[e], bx[e]), max(ax[e], bx[e]))
        let c0 = max(lowY, low), c1 = min(highY, high)
        guard c0 <= c1, ay[e] != by[e] else { return (e, lowX, highX, lowY, highY) }
        let dx = bx[e] - ax[e], dy = by[e] - ay[e]
        let u = ax[e] + (c0 - ay[e]) / dy * dx, v = ax[e] + (c1 - ay[e]) / dy * dx
        let pad = abs(dx) * 1e-9 + (abs(u) + abs(v)) * 1e-15
        return (e, max(lowX, min(u, v) - pad), min(highX, max(u, v) + pad), c0, c1)
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

    /// Do two non-consecutive edges touch or cross?
    private func meets(_ e: Int, _ f: Int) -> Bool {
        let (a, b, c, d) = ((ax[e], ay[e]), (bx[e], by[e]), (ax[f], ay[f]), (bx[f], by[f]))
        let o1 = PolygonEdgeIndex.orient(a, b, c), o2 = PolygonEdgeIndex.orient(a, b, d)
        let o3 = PolygonEdgeIndex.orient(c, d, a), o4 = PolygonEdgeIndex.orient(c, d, b)
        if o1 * o2 < 0 && o3 * o4 < 0 { return true }
        func within(_ p: (Double, Double), _ q: (Double, Double), _ r: (Double, Double)) -> Bool {
            r.0 >= min(p.0, q.0) && r.0 <= max(p.0, q.0) && r.1 >= min(p.1, q.1) && r.1 <= max(p.1, q.1)
        }
        return (o1 == 0 && within(a, b, c)) || (o2 == 0 && within(a, b, d)) || (o3 == 0 && within(c, d, a)) || (o4 == 0 && within(c, d, b))
    }

    /// Consecutive edges meet beyond their shared vertex only when they fold back on one line.
    private func spike(_ e: Int, _ f: Int, _ n: Int) -> Bool {
        let (first, second) = (e + 1) % n == f ? (e, f) : (f, e)
        let a = (ax[first], ay[first]), v = (bx[first], by[first]), d = (bx[second], by[second])
        if PolygonEdgeIndex.orient(a, v, d) != 0 { return false }
        // Collinear: a fold when a and d lie on the same side of v.
        return (a.0 > v.0 && d.0 > v.0) || (a.0 < v.0 && d.0 < v.0) || (a.1 > v.1 && d.1 > v.1) || (a.1 < v.1 && d.1 < v.1)
    }
}

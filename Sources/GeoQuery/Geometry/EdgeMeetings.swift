/// How often a polygon's edges meet (pairs of edges that cross or touch, other than neighbours
/// of one ring at their shared vertex), counted up to a cap: what GEOS MakeValid's time grows
/// with. A 4.8 KB ring of 400 random points meets itself ~18,000 times and took MakeValid minutes
/// (a server's worker held all that while); a real boundary needing repair meets itself a few
/// times. A repair is refused above ``repairCap``.
///
/// Edges are dealt into a uniform grid over the rings' box, one at a time, and each is tested
/// against the edges already in its cells (each pair once), so a tangle stops the count soon after
/// the cap, and a large polygon of short edges costs about one test an edge. Plain double
/// orientations: a count near the cap may be off by a degenerate touch, which does not matter.
enum EdgeMeetings {
    /// Above this many meetings a repair is refused (GEOS 3.11 took ~0.5 s at 1,200 on this
    /// machine, 2 s at 2,700, 14 s at 9,500).
    static let repairCap = 1_000

    /// Meetings of the rings' edges (each ring's vertices, closed or not), or `cap + 1` once
    /// there are more than `cap`, or when the grid work passes a bound (long edges over a large
    /// polygon: then too costly to tell, and taken as too many).
    static func count(_ rings: [[(Double, Double)]], atMost cap: Int) -> Int {
        // Edges as (ring start, index in ring, ring count) over one flat vertex list.
        var xs: [Double] = [], ys: [Double] = [], ringOf: [(start: Int, count: Int)] = []
        for ring in rings {
            var r = ring
            if r.count > 1, r.first! == r.last! { r.removeLast() }
            guard r.count >= 2 else { continue }
            ringOf.append((xs.count, r.count))
            for p in r { xs.append(p.0); ys.append(p.1) }
        }
        let n = xs.count
        guard n >= 4, let minX = xs.min(), let maxX = xs.max(), let minY = ys.min(), let maxY = ys.max() else { return 0 }
        // Edge e runs from vertex e to the next vertex of its ring.
        var next = [Int](repeating: 0, count: n), ringIndex = [Int](repeating: 0, count: n)
        for (k, r) in ringOf.enumerated() {
            for i in 0..<r.count { next[r.start + i] = r.start + (i + 1) % r.count; ringIndex[r.start + i] = k }
        }
        let side = max(1, min(1024, Int(Double(n).squareRoot())))
        let w = max(maxX - minX, 1e-300) / Double(side), h = max(maxY - minY, 1e-300) / Double(side)
        func cell(_ v: Double, _ lo: Double, _ size: Double) -> Int { min(side - 1, max(0, Int((v - lo) / size))) }
        var cells = [[Int32]](repeating: [], count: side * side)
        var tested = [Int](repeating: -1, count: n)
        var meetings = 0, work = 0
        let workBound = 64 * n + 4_000_000
        for e in 0..<n {
            let f = next[e]
            let (ax, ay, bx, by) = (xs[e], ys[e], xs[f], ys[f])
            let c0 = cell(min(ax, bx), minX, w), c1 = cell(max(ax, bx), minX, w)
            let r0 = cell(min(ay, by), minY, h), r1 = cell(max(ay, by), minY, h)
            for row in r0...r1 {
                for col in c0...c1 {
                    let k = row * side + col
                    for o32 in cells[k] {
                        let o = Int(o32)
                        guard tested[o] != e else { continue }
                        tested[o] = e
                        work += 1
                        // Neighbours in one ring share a vertex: not a meeting.
                        if ringIndex[o] == ringIndex[e] && (next[o] == e || next[e] == o) { continue }
                        if meet(ax, ay, bx, by, xs[o], ys[o], xs[next[o]], ys[next[o]]) {
                            meetings += 1
                            if meetings > cap { return cap + 1 }
                        }
                    }
                    cells[k].append(Int32(e))
                    work += 1
                }
            }
            if work > workBound { return cap + 1 }
        }
        return meetings
    }

    /// Whether segments a–b and c–d share a point.
    static func meet(_ ax: Double, _ ay: Double, _ bx: Double, _ by: Double,
                     _ cx: Double, _ cy: Double, _ dx: Double, _ dy: Double) -> Bool {
        if max(ax, bx) < min(cx, dx) || max(cx, dx) < min(ax, bx) || max(ay, by) < min(cy, dy) || max(cy, dy) < min(ay, by) { return false }
        func orient(_ px: Double, _ py: Double, _ qx: Double, _ qy: Double, _ rx: Double, _ ry: Double) -> Double {
            (qx - px) * (ry - py) - (qy - py) * (rx - px)
        }
        let d1 = orient(cx, cy, dx, dy, ax, ay), d2 = orient(cx, cy, dx, dy, bx, by)
        let d3 = orient(ax, ay, bx, by, cx, cy), d4 = orient(ax, ay, bx, by, dx, dy)
        if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) { return true }
        // Touching or collinear: an endpoint on the other segment (the boxes already meet).
        func on(_ d: Double, _ px: Double, _ py: Double, _ qx: Double, _ qy: Double, _ rx: Double, _ ry: Double) -> Bool {
            d == 0 && min(px, qx) <= rx && rx <= max(px, qx) && min(py, qy) <= ry && ry <= max(py, qy)
        }
        return on(d1, cx, cy, dx, dy, ax, ay) || on(d2, cx, cy, dx, dy, bx, by) || on(d3, ax, ay, bx, by, cx, cy) || on(d4, ax, ay, bx, by, dx, dy)
    }
}

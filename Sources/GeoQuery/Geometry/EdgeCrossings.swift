/// How often a polygon's edges cross (pairs of edges whose interiors cross at one point, each
/// passing through the other), counted up to a cap: the new nodes GEOS MakeValid must make, what
/// its time grows with, and faster where the crossings crowd together. A 4.8 KB ring of 400 random
/// points crosses itself ~18,000 times, ~90 times an edge, and MakeValid had not finished it after
/// 60 s (a server's worker held all that while); a real boundary needing repair crosses itself a
/// few times. Many
/// adjacent generalised areas as one MultiPolygon cross thinly: Leicester's 194 LSOAs 3,296 times
/// in 7,012 edges (MakeValid 0.5 s), County Durham's 8,648 times in 21,118 (1.3 s), about twice
/// an edge where their edges cross at all. So a repair is refused (``tangle(_:)``) past
/// ``repairCap`` crossings when they crowd (``crowding`` or more an edge that crosses), and past
/// ``hardCap`` in any case: edges that cross nothing, added to a tangle, do not lift the refusal.
///
/// Edges are dealt into a uniform grid over the rings' box, one at a time, and each is tested
/// against the edges already in its cells (each pair once), so a tangle stops the count soon after
/// the cap, and a large polygon of short edges costs about one test an edge.
enum EdgeCrossings {
    /// Crossings above which crowded ones are refused: GEOS 3.11 took ~0.5 s at 1,200 in a ring of
    /// 100 random points on this machine, 2 s at 2,700, 14 s at 9,500.
    static let repairCap = 1_000
    /// Crossings an edge (mean over the edges that cross) from which they count as crowded.
    static let crowding = 8
    /// Crossings above which any repair is refused.
    static let hardCap = 20_000

    /// What the count found: crossings (``hardCap`` + 1 when it stopped there, or when the grid
    /// work passed its bound) and how many edges cross at least once.
    struct Tally: Equatable {
        var crossings: Int
        var crossingEdges: Int
    }

    /// Why the rings are too tangled to repair, or nil when they are not.
    static func tangle(_ rings: [[(Double, Double)]]) -> String? {
        let t = count(rings, atMost: hardCap)
        if t.crossings > hardCap {
            return "its edges cross more than \(Format.grouped(hardCap)) times"
        }
        if t.crossings > repairCap && 2 * t.crossings >= crowding * t.crossingEdges {
            return "its edges cross \(Format.grouped(t.crossings)) times, \(2 * t.crossings / max(1, t.crossingEdges)) times on average each edge that crosses"
        }
        return nil
    }

    /// Crossings of the rings' edges (each ring's vertices, closed or not), and the edges that
    /// cross; crossings `cap + 1` once there are more than `cap`, or when the grid work passes a
    /// bound (long edges over a large polygon: then too costly to tell, and taken as too many).
    static func count(_ rings: [[(Double, Double)]], atMost cap: Int) -> Tally {
        // Every ring's vertices in one flat list, each ring as (its first vertex, its count).
        var xs: [Double] = [], ys: [Double] = [], ringOf: [(start: Int, count: Int)] = []
        for ring in rings {
            var r = ring
            if r.count > 1, r.first! == r.last! { r.removeLast() }
            guard r.count >= 2 else { continue }
            ringOf.append((xs.count, r.count))
            for p in r { xs.append(p.0); ys.append(p.1) }
        }
        let n = xs.count
        guard n >= 4, let minX = xs.min(), let maxX = xs.max(), let minY = ys.min(), let maxY = ys.max() else { return Tally(crossings: 0, crossingEdges: 0) }
        // Edge e runs from vertex e to the next vertex of its ring.
        var next = [Int](repeating: 0, count: n)
        for r in ringOf {
            for i in 0..<r.count { next[r.start + i] = r.start + (i + 1) % r.count }
        }
        let side = max(1, min(1024, Int(Double(n).squareRoot())))
        let w = max(maxX - minX, 1e-300) / Double(side), h = max(maxY - minY, 1e-300) / Double(side)
        func cell(_ v: Double, _ lo: Double, _ size: Double) -> Int { min(side - 1, max(0, Int((v - lo) / size))) }
        var cells = [[Int32]](repeating: [], count: side * side)
        var tested = [Int](repeating: -1, count: n)
        var crosses = [Bool](repeating: false, count: n)
        var crossings = 0, crossingEdges = 0, work = 0
        func over() -> Tally { Tally(crossings: cap + 1, crossingEdges: crossingEdges) }
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
                        if cross(ax, ay, bx, by, xs[o], ys[o], xs[next[o]], ys[next[o]]) {
                            crossings += 1
                            for x in [e, o] where !crosses[x] { crosses[x] = true; crossingEdges += 1 }
                            if crossings > cap { return over() }
                        }
                    }
                    cells[k].append(Int32(e))
                    work += 1
                }
            }
            if work > workBound { return over() }
        }
        return Tally(crossings: crossings, crossingEdges: crossingEdges)
    }

    /// Whether segments a–b and c–d cross at one point inside both (neither touches the other's
    /// line at an end: neighbours at their shared vertex, touches and overlaps are not crossings).
    /// Orientations are the edge index's filtered ones; a pair too close to call is not counted.
    static func cross(_ ax: Double, _ ay: Double, _ bx: Double, _ by: Double,
                      _ cx: Double, _ cy: Double, _ dx: Double, _ dy: Double) -> Bool {
        if max(ax, bx) < min(cx, dx) || max(cx, dx) < min(ax, bx) || max(ay, by) < min(cy, dy) || max(cy, dy) < min(ay, by) { return false }
        guard let d1 = PolygonEdgeIndex.orientation(cx, cy, dx, dy, ax, ay), let d2 = PolygonEdgeIndex.orientation(cx, cy, dx, dy, bx, by),
              d1 * d2 < 0,
              let d3 = PolygonEdgeIndex.orientation(ax, ay, bx, by, cx, cy), let d4 = PolygonEdgeIndex.orientation(ax, ay, bx, by, dx, dy)
        else { return false }
        return d3 * d4 < 0
    }
}

extension PolygonEdgeIndex {
    /// A margin far above rounding in degrees (~0.1 mm): edges closer than this count as meeting.
    private static let apartPad = 1e-9

    /// The edges in the caller's frame (x = longitude, y = latitude), for walking another index's edges.
    func edge(_ e: Int) -> (ax: Double, ay: Double, bx: Double, by: Double) {
        transposed ? (ay[e], ax[e], by[e], bx[e]) : (ax[e], ay[e], bx[e], by[e])
    }

    var edgeCount: Int { ax.count }

    /// True when no edge of this index comes near the segment (ax, ay)–(bx, by) (caller's frame);
    /// conservative: false whenever an edge might touch it.
    /// - Complexity: the edges of the strips the segment's box spans.
    func isApart(fromSegment sax: Double, _ say: Double, _ sbx: Double, _ sby: Double) -> Bool {
        let (px, py, qx, qy) = transposed ? (say, sax, sby, sbx) : (sax, say, sbx, sby)
        let pad = PolygonEdgeIndex.apartPad
        let x0 = min(px, qx) - pad, x1 = max(px, qx) + pad, y0 = min(py, qy) - pad, y1 = max(py, qy) + pad
        if y1 < minY || y0 > maxY || x1 < minX || x0 > maxX { return true }
        let count = stripCount
        let sdx = qx - px, sdy = qy - py, sTolerance = pad * (abs(sdx) + abs(sdy))
        for s in strip(y0, count)...strip(y1, count) {
            for k in Int(stripStart[s])..<Int(stripStart[s + 1]) {
                let e = Int(stripEdges[k])
                let eax = ax[e], eay = ay[e], ebx = bx[e], eby = by[e]
                if max(eax, ebx) < x0 || min(eax, ebx) > x1 || max(eay, eby) < y0 || min(eay, eby) > y1 { continue }
                // Apart when one segment's ends lie clearly on one side of the other's line.
                let c1 = sdx * (eay - py) - sdy * (eax - px), c2 = sdx * (eby - py) - sdy * (ebx - px)
                if (c1 > sTolerance && c2 > sTolerance) || (c1 < -sTolerance && c2 < -sTolerance) { continue }
                let edx = ebx - eax, edy = eby - eay, eTolerance = pad * (abs(edx) + abs(edy))
                let d1 = edx * (py - eay) - edy * (px - eax), d2 = edx * (qy - eay) - edy * (qx - eax)
                if (d1 > eTolerance && d2 > eTolerance) || (d1 < -eTolerance && d2 < -eTolerance) { continue }
                return false
            }
        }
        return true
    }

    /// How the polygon of `other` lies against this one when their boundaries are apart: `.inside`
    /// (every ring of `other` inside this polygon, and none of this polygon's boundary inside
    /// `other`: their intersection is `other` itself), `.outside` (they share no point), else
    /// `.crosses` (their boundaries come near each other, or one could not be decided in doubles).
    /// - Parameter firstVertices: one vertex of each ring of `other` (caller's frame).
    /// - Complexity: per edge of `other`, the edges of the strips its box spans; then per edge of
    ///   this index in `other`'s box, a point test in `other`.
    func relation(of other: PolygonEdgeIndex, firstVertices: [(x: Double, y: Double)]) -> BoxRelation {
        // Each polygon's vertices are tested in the other: tiny ones cannot be (`smallestExact`).
        guard !hasTinyCoordinates && !other.hasTinyCoordinates else { return .crosses }
        for e in 0..<other.edgeCount {
            let s = other.edge(e)
            if !isApart(fromSegment: s.ax, s.ay, s.bx, s.by) { return .crosses }
        }
        // No boundary meets the other's: each ring lies wholly inside or wholly outside the other
        // polygon, so one vertex per ring tells which.
        var inside = 0
        for v in firstVertices {
            guard let c = contains(x: v.x, y: v.y) else { return .crosses }
            if c { inside += 1 }
        }
        guard inside == 0 || inside == firstVertices.count else { return .crosses }
        // A ring of this polygon inside `other` (an island or a hole within it) makes the
        // intersection smaller than `other`, or not empty: leave it to GEOS.
        // The other's box in this index's frame; only the strips it spans can hold such a ring.
        let (x0, y0, x1, y1) = other.transposed == transposed ? (other.minX, other.minY, other.maxX, other.maxY)
            : (other.minY, other.minX, other.maxY, other.maxX)
        guard !(y1 < minY || y0 > maxY || x1 < minX || x0 > maxX) else { return inside > 0 ? .inside : .outside }
        let count = stripCount
        for s in strip(y0, count)...strip(y1, count) {
            for k in Int(stripStart[s])..<Int(stripStart[s + 1]) {
                let e = Int(stripEdges[k])
                let vx = ax[e], vy = ay[e]
                if vx < x0 || vx > x1 || vy < y0 || vy > y1 { continue }
                let inOther = transposed ? other.contains(x: vy, y: vx) : other.contains(x: vx, y: vy)
                if inOther != false { return .crosses }
            }
        }
        return inside > 0 ? .inside : .outside
    }
    /// True when every edge stays farther than `radius` (times 1 + 1e-6) from (cx, cy) in the plane
    /// where caller's x is scaled by `xScale` (a circle's local plane: x = Δlongitude × cos φ, y =
    /// Δlatitude); conservative: false whenever an edge might reach the circle.
    /// - Complexity: the edges of the strips the circle's box spans.
    func isApart(fromCircle cx: Double, _ cy: Double, xScale k: Double, radius: Double) -> Bool {
        let reach = radius * (1 + 1e-6), reach2 = reach * reach
        let (x0, x1, y0, y1) = (cx - reach / k, cx + reach / k, cy - reach, cy + reach)
        let (fx0, fy0, fx1, fy1) = transposed ? (y0, x0, y1, x1) : (x0, y0, x1, y1)
        if fy1 < minY || fy0 > maxY || fx1 < minX || fx0 > maxX { return true }
        let count = stripCount
        for s in strip(fy0, count)...strip(fy1, count) {
            for k2 in Int(stripStart[s])..<Int(stripStart[s + 1]) {
                let e = Int(stripEdges[k2])
                if max(ax[e], bx[e]) < fx0 || min(ax[e], bx[e]) > fx1 || max(ay[e], by[e]) < fy0 || min(ay[e], by[e]) > fy1 { continue }
                let v = edge(e)
                // The edge in the circle's plane, the circle at the origin: its nearest point to it.
                let px = (v.ax - cx) * k, py = v.ay - cy, dx = (v.bx - v.ax) * k, dy = v.by - v.ay
                let length2 = dx * dx + dy * dy
                let t = length2 > 0 ? min(1, max(0, -(px * dx + py * dy) / length2)) : 0
                let nx = px + t * dx, ny = py + t * dy
                if nx * nx + ny * ny <= reach2 { return false }
            }
        }
        return true
    }
}

/// Point-in-polygon in Swift over an edge list indexed by strips (after tidwall/tg's write-up on
/// polygon indexing): a point tests only the edges of its strip.
///
/// Strips run across whichever axis the edges are short in (a comb of tall teeth gets vertical
/// strips), and there are only as many as keep the edge-to-strip entries at most 16 per edge, so
/// building is O(n log n) in time and O(n) in memory whatever the shape. Internally the strips are
/// always horizontal: a transposed index swaps x and y at its entry points (a reflection leaves
/// containment unchanged).
///
/// Exactness: orientations use Shewchuk's filtered `orient2d` — when rounding could flip a
/// sign the test answers "undecided" (nil) and the caller asks GEOS, so answers equal GEOS's
/// robust predicates while almost every point costs a few multiplications. Box tests are
/// conservative: a box is `.inside` or `.outside` only when no edge comes near it.
///
/// A class, immutable: a query passes its polygon's index along several times, and each copy of
/// a struct of six arrays retained and released all six.
///
/// The lists live in two blocks the index owns (one of Doubles, one of Int32s), not six arrays:
/// a batch line builds an index for its polygon, and six arrays were six allocations a line
/// (and four copies out of a scratch block). (Unchecked Sendable: the blocks are written only
/// by `init` and freed only by `deinit`; in between they are only read.)
public final class PolygonEdgeIndex: @unchecked Sendable {
    // Edges as flat lists in the index's frame: x runs along the strips, y across them
    // (x = longitude, y = latitude unless `transposed`).
    let ax: UnsafeBufferPointer<Double>, ay: UnsafeBufferPointer<Double>, bx: UnsafeBufferPointer<Double>, by: UnsafeBufferPointer<Double>
    let minY: Double, maxY: Double, minX: Double, maxX: Double
    /// Both kept: a point's strip is found by multiplying (per point, so no division), the
    /// simplicity sweep's strip bounds by the height.
    let stripHeight: Double, stripsPerUnit: Double
    /// Strip `s`'s edges are `stripEdges[stripStart[s]..<stripStart[s + 1]]`.
    let stripStart: UnsafeBufferPointer<Int32>, stripEdges: UnsafeBufferPointer<Int32>
    /// The blocks the lists above lie in.
    private let coordinateBlock: UnsafeMutablePointer<Double>, stripBlock: UnsafeMutablePointer<Int32>
    /// Strips across x (the caller's x and y are swapped on the way in).
    let transposed: Bool
    /// Some coordinate is not zero but below ``smallestExact``: the index then decides no point
    /// and shows no ring simple (nil: the caller asks GEOS).
    let hasTinyCoordinates: Bool

    /// Below this magnitude (and above zero) a coordinate's differences can multiply to less than
    /// the smallest normal double, whose rounding is absolute, not relative: the filtered
    /// orientation's bound and the expansion arithmetic are then no longer exact (a review found
    /// a self-crossing ring shown simple at 5e-324). No position needs such a coordinate.
    static let smallestExact = 0x1p-300

    /// Shewchuk's bound for the fast orient2d: (3 + 16ε)ε.
    private static let orientBound = 3.3306690738754716e-16
    /// Most strip entries per edge on average; fewer strips are used rather than more entries.
    private static let entriesPerEdge = 16

    /// The index of a polygon's edges (all rings, even-odd).
    /// - Parameters:
    ///   - polygon: the polygon, in degrees.
    ///   - edgesPerStrip: about how many edges a strip holds on average. One suits a query
    ///     polygon, whose boundary map points each test the edges of their strip; a boundary that
    ///     is mostly asked about large boxes (the force areas) wants wider strips, since a box
    ///     tests every edge of the strips it spans.
    public convenience init(_ polygon: Polygon, edgesPerStrip: Int = 1) {
        self.init(parts: polygon.parts, edgesPerStrip: edgesPerStrip) { (x: $0.lng, y: $0.lat) }
    }

    /// Over planar rings of any units (British National Grid metres for catchments); each ring
    /// closed or not, holes and parts alike (even-odd).
    /// - Complexity: O(n log n): at most 17 counting passes to size the strips, then one fill.
    convenience init(rings: [[(x: Double, y: Double)]]) {
        self.init(parts: [rings], edgesPerStrip: 1) { $0 }
    }

    /// Over rings of any vertex type, read through `xy` (no copy of the rings in another form).
    /// Built in a few flat passes over raw buffers: it is a fifth of a batch polygon line's cost.
    private init<Vertex>(parts: [[[Vertex]]], edgesPerStrip: Int, _ xy: (Vertex) -> (x: Double, y: Double)) {
        let edgeCount = parts.reduce(0) { $1.reduce($0) { $0 + ($1.count > 1 ? $1.count : 0) } }
        // The extent over the edges' starts: every vertex starts an edge (a ring's last vertex
        // is its first, or starts the closing edge).
        var x0 = Double.infinity, x1 = -Double.infinity, y0 = Double.infinity, y1 = -Double.infinity
        var tiny = false
        // The four coordinate lists are written through raw pointers into the index's block
        // (appends checked capacity and uniqueness at each of 4n writes).
        let block = UnsafeMutablePointer<Double>.allocate(capacity: max(1, 4 * edgeCount))
        var (ax, ay, bx, by) = {
            let (pax, pay, pbx, pby) = (block, block + edgeCount, block + 2 * edgeCount, block + 3 * edgeCount)
            var k = 0
            for rings in parts { for ring in rings where ring.count > 1 {
                var a = xy(ring[0])
                let first = a
                for i in 1...ring.count {
                    // An open ring gets its closing edge.
                    let b = i < ring.count ? xy(ring[i]) : first
                    if i == ring.count && a == first { break }
                    pax[k] = a.x; pay[k] = a.y; pbx[k] = b.x; pby[k] = b.y
                    k += 1
                    x0 = min(x0, a.x); x1 = max(x1, a.x); y0 = min(y0, a.y); y1 = max(y1, a.y)
                    if !PolygonEdgeIndex.isExact(a.x, a.y) { tiny = true }
                    a = b
                }
            } }
            return (UnsafeBufferPointer(start: pax, count: k), UnsafeBufferPointer(start: pay, count: k),
                    UnsafeBufferPointer(start: pbx, count: k), UnsafeBufferPointer(start: pby, count: k))
        }()
        let n = ax.count
        if n == 0 { (x0, x1, y0, y1) = (0, 0, 0, 0) }
        // Each edge enters about (its extent across the strips ÷ strip height) strips: strip
        // across the axis in which the edges are shorter, relative to the polygon's size.
        var across = 0.0, along = 0.0
        let perHeight = 1 / max(y1 - y0, 1e-300), perWidth = 1 / max(x1 - x0, 1e-300)
        for e in 0..<n {
            across += abs(by[e] - ay[e]) * perHeight
            along += abs(bx[e] - ax[e]) * perWidth
        }
        let transposed = along < across
        if transposed { swap(&ax, &ay); swap(&bx, &by); swap(&x0, &y0); swap(&x1, &y1) }
        // About `edgesPerStrip` edges per strip on average, at least one strip; halved while the
        // entries would exceed `entriesPerEdge` per edge (tall edges enter many strips).
        var strips = max(1, min(1 << 16, n / max(1, edgesPerStrip)))
        func height(_ count: Int) -> Double { max((y1 - y0) / Double(count), 1e-12) }
        // The strips' starts, then their entries: one block.
        var lists: UnsafeMutablePointer<Int32>! = nil
        // Each edge's first and last strip, worked out once per strip count tried and then read
        // by both the count and the fill.
        withUnsafeTemporaryAllocation(of: (first: Int32, last: Int32).self, capacity: n) { spans in
            do {
                let ay = ay, by = by  // constants for the loop below (the vars may have been swapped)
                /// Fills `spans` for `count` strips; the entries they make.
                func span(_ count: Int) -> Int {
                    let h = 1 / height(count)
                    var total = 0
                    for e in 0..<n {
                        let (low, high) = ay[e] < by[e] ? (ay[e], by[e]) : (by[e], ay[e])
                        let first = PolygonEdgeIndex.strip(low, y0, h, count), last = PolygonEdgeIndex.strip(high, y0, h, count)
                        spans[e] = (Int32(first), Int32(last))
                        total += last - first + 1
                    }
                    return total
                }
                var entries = span(strips)
                while strips > 1, entries > PolygonEdgeIndex.entriesPerEdge * n { strips /= 2; entries = span(strips) }
                lists = .allocate(capacity: strips + 1 + entries)
            }
            // Counting sort of the entries by strip. An edge adds one at its first strip and
            // takes one after its last (a count per edge, not per entry); summed once, that is
            // each strip's count, summed again its end. The fill (last edge first) then moves
            // each end back to the strip's first entry, so each strip lists its edges in order.
            let start = lists!, out = lists! + (strips + 1)
            start.initialize(repeating: 0, count: strips + 1)
            for e in 0..<n { start[Int(spans[e].first)] += 1; start[Int(spans[e].last) + 1] -= 1 }
            var count: Int32 = 0, end: Int32 = 0
            for s in 0..<strips { count += start[s]; end += count; start[s] = end }
            let entries = Int(end)
            for e in stride(from: n - 1, through: 0, by: -1) {
                for s in Int(spans[e].first)...Int(spans[e].last) { start[s] -= 1; (out + Int(start[s])).initialize(to: Int32(e)) }
            }
            start[strips] = Int32(entries)
        }
        (self.ax, self.ay, self.bx, self.by) = (ax, ay, bx, by)
        (minX, maxX, minY, maxY) = (x0, x1, y0, y1)
        stripHeight = height(strips)
        stripsPerUnit = 1 / stripHeight
        stripStart = UnsafeBufferPointer(start: lists, count: strips + 1)
        stripEdges = UnsafeBufferPointer(start: lists + (strips + 1), count: Int(lists[strips]))
        (coordinateBlock, stripBlock) = (block, lists)
        self.transposed = transposed
        hasTinyCoordinates = tiny
    }

    deinit {
        coordinateBlock.deallocate()
        stripBlock.deallocate()
    }

    /// The strip of y: a multiplication by the strips per unit, not a division by the height (a
    /// point's test starts with it). Build and look-up use this one function, and it never
    /// decreases as y grows, so an edge is listed in every strip a point on it can fall in.
    @inline(__always)
    static func strip(_ y: Double, _ minY: Double, _ perHeight: Double, _ count: Int) -> Int {
        min(count - 1, max(0, Int((y - minY) * perHeight)))
    }

    @inline(__always)
    func strip(_ y: Double, _ count: Int) -> Int { PolygonEdgeIndex.strip(y, minY, stripsPerUnit, count) }

    var stripCount: Int { stripStart.count - 1 }

    /// Sign of orient2d(a, b, p): +1 p left of a→b, -1 right, 0 on the line; nil when rounding
    /// could change the sign.
    @inline(__always)
    static func orientation(_ ax: Double, _ ay: Double, _ bx: Double, _ by: Double, _ px: Double, _ py: Double) -> Int? {
        let left = (ax - px) * (by - py), right = (ay - py) * (bx - px)
        let det = left - right
        let bound = orientBound * (abs(left) + abs(right))
        if det > bound { return 1 }
        if det < -bound { return -1 }
        return bound == 0 ? 0 : nil
    }

    /// Inside or on the boundary; nil when the point is too close to an edge to decide in doubles.
    public func contains(latitude: Double, longitude: Double) -> Bool? {
        PolygonEdgeIndex.isExact(longitude, latitude) ? contains(x: longitude, y: latitude) : nil
    }

    /// Whether a point from outside the mirror (not a map point, which is whole micro-degrees)
    /// can be decided here: no coordinate below ``smallestExact`` but zero.
    static func isExact(_ x: Double, _ y: Double) -> Bool {
        (x == 0 || abs(x) >= smallestExact) && (y == 0 || abs(y) >= smallestExact)
    }

    /// For map points (whole micro-degrees, or grid metres) and the index's own kind of vertices;
    /// points from elsewhere go through ``contains(latitude:longitude:)``, which checks them.
    func contains(x: Double, y: Double) -> Bool? {
        transposed ? containsInFrame(x: y, y: x) : containsInFrame(x: x, y: y)
    }

    private func containsInFrame(x px: Double, y py: Double) -> Bool? {
        crossingsInFrame(x: px, y: py).map { $0 < 0 || $0 & 1 == 1 }
    }

    /// Edges the ray from the point to +x (in the caller's frame: +longitude, or +latitude for a
    /// transposed index) crosses: zero means no ring encloses the point. -1 on the boundary; nil
    /// when the point is too close to an edge to decide in doubles.
    func crossings(x: Double, y: Double) -> Int? {
        guard PolygonEdgeIndex.isExact(x, y) else { return nil }
        return transposed ? crossingsInFrame(x: y, y: x) : crossingsInFrame(x: x, y: y)
    }

    @inline(__always)
    private func crossingsInFrame(x px: Double, y py: Double) -> Int? {
        if py < minY || py > maxY || px < minX || px > maxX { return 0 }
        if hasTinyCoordinates { return nil }
        return withEdges { edges in edges.crossings(x: px, y: py, strip: strip(py, stripCount)) }
    }

    /// The points of a leaf (micro-degrees, bit `i` of `candidates` for point `i`) inside or on
    /// the boundary, and those too close to an edge to decide in doubles (the caller asks GEOS):
    /// the same test as ``contains(x:y:)`` point by point, with the edge lists' addresses and the
    /// index's constants read once for the leaf, not once a point (that was ~90 instructions a
    /// point, more than its edges cost).
    func containsEach(latE6 lat: UnsafePointer<Int32>, lngE6 lng: UnsafePointer<Int32>, _ candidates: UInt64) -> (inside: UInt64, undecided: UInt64) {
        if hasTinyCoordinates { return (0, candidates) }
        let count = stripCount, transposed = self.transposed, (x0, x1, y0, y1) = (minX, maxX, minY, maxY), perUnit = stripsPerUnit
        return withEdges { edges in
            var inside: UInt64 = 0, undecided: UInt64 = 0, left = candidates
            while left != 0 {
                let i = left.trailingZeroBitCount
                left &= left &- 1
                let latitude = MicroDegrees.degrees(lat[i]), longitude = MicroDegrees.degrees(lng[i])
                let (px, py) = transposed ? (latitude, longitude) : (longitude, latitude)
                if py < y0 || py > y1 || px < x0 || px > x1 { continue }
                switch edges.crossings(x: px, y: py, strip: PolygonEdgeIndex.strip(py, y0, perUnit, count)) {
                case let n?: if n < 0 || n & 1 == 1 { inside |= 1 << UInt64(i) }
                case nil: undecided |= 1 << UInt64(i)
                }
            }
            return (inside, undecided)
        }
    }

    /// The edge lists as raw buffers, for the loops that test points against a strip's edges.
    struct StripEdges {
        let ax: UnsafeBufferPointer<Double>, ay: UnsafeBufferPointer<Double>, bx: UnsafeBufferPointer<Double>, by: UnsafeBufferPointer<Double>
        let start: UnsafeBufferPointer<Int32>, entries: UnsafeBufferPointer<Int32>

        /// Edges of strip `s` the ray from the point to +x (the index's frame) crosses; -1 on the
        /// boundary; nil when the point is too close to an edge to decide in doubles.
        @inline(__always)
        func crossings(x px: Double, y py: Double, strip s: Int) -> Int? {
            var crossed = 0
            // Raw reads: a point tests every edge of its strip, and this loop is most of a polygon
            // query's walk (the strip's entries are valid edge indices by construction).
            for k in Int(start[s])..<Int(start[s + 1]) {
                let e = Int(entries[k])
                let x1 = ax[e], y1 = ay[e], x2 = bx[e], y2 = by[e]
                if (y1 > py) != (y2 > py) {
                    // An edge wholly to the point's right crosses the ray, one wholly to its
                    // left does not: exactly what the orientation would say, without it.
                    if px < x1 && px < x2 { crossed += 1; continue }
                    if px > x1 && px > x2 { continue }
                    guard let o = PolygonEdgeIndex.orientation(x1, y1, x2, y2, px, py) else { return nil }
                    if o == 0 { return -1 }  // on the edge
                    // Upward edge with p on its left, or downward edge with p on its right: the ray to +x crosses it.
                    if (y2 > y1) == (o > 0) { crossed += 1 }
                } else if y1 == py || y2 == py {
                    if y1 == py && y2 == py {
                        if px >= min(x1, x2) && px <= max(x1, x2) { return -1 }  // on a horizontal edge
                    } else if (x1 == px && y1 == py) || (x2 == px && y2 == py) {
                        return -1  // on a vertex
                    }
                }
            }
            return crossed
        }
    }

    @inline(__always)
    func withEdges<R>(_ body: (StripEdges) -> R) -> R {
        withExtendedLifetime(self) { body(StripEdges(ax: ax, ay: ay, bx: bx, by: by, start: stripStart, entries: stripEdges)) }
    }

    /// Conservative: `.crosses` whenever an edge might touch the box.
    func classify(minX: Double, minY: Double, maxX: Double, maxY: Double) -> BoxRelation {
        transposed ? classifyInFrame(minX: minY, minY: minX, maxX: maxY, maxY: maxX)
            : classifyInFrame(minX: minX, minY: minY, maxX: maxX, maxY: maxY)
    }

    private func classifyInFrame(minX x0: Double, minY y0: Double, maxX x1: Double, maxY y1: Double) -> BoxRelation {
        if y1 < minY || y0 > maxY || x1 < minX || x0 > maxX { return .outside }
        let count = stripCount
        let first = strip(y0, count), last = strip(y1, count)
        // Margin far above rounding in these coordinates: near-misses count as touching.
        let pad = 1e-9
        for s in first...last {
            for k in Int(stripStart[s])..<Int(stripStart[s + 1]) {
                let e = Int(stripEdges[k])
                let ex0 = min(ax[e], bx[e]), ex1 = max(ax[e], bx[e]), ey0 = min(ay[e], by[e]), ey1 = max(ay[e], by[e])
                if ex1 < x0 - pad || ex0 > x1 + pad || ey1 < y0 - pad || ey0 > y1 + pad { continue }
                // Do the box's corners all lie clearly on one side of the edge's line?
                let ex = ax[e], ey = ay[e], dx = bx[e] - ex, dy = by[e] - ey
                let tolerance = pad * (abs(dx) + abs(dy))
                // The four corners' sides, without a list of them (this runs per edge near a box).
                @inline(__always) func side(_ cx: Double, _ cy: Double) -> Int {
                    let c = dx * (cy - ey) - dy * (cx - ex)
                    return c > tolerance ? 1 : (c < -tolerance ? -1 : 0)
                }
                let sides = (side(x0, y0), side(x1, y0), side(x0, y1), side(x1, y1))
                let positive = (sides.0 == 1 ? 1 : 0) + (sides.1 == 1 ? 1 : 0) + (sides.2 == 1 ? 1 : 0) + (sides.3 == 1 ? 1 : 0)
                let negative = (sides.0 == -1 ? 1 : 0) + (sides.1 == -1 ? 1 : 0) + (sides.2 == -1 ? 1 : 0) + (sides.3 == -1 ? 1 : 0)
                if positive < 4 && negative < 4 { return .crosses }
            }
        }
        // No edge near the box: it lies wholly inside or wholly outside; its centre says which.
        switch containsInFrame(x: (x0 + x1) / 2, y: (y0 + y1) / 2) {
        case true?: return .inside
        case false?: return .outside
        case nil: return .crosses
        }
    }
}

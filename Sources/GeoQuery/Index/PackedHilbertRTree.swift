import CPrefetch

/// How an axis-aligned box relates to a query area.
enum BoxRelation { case outside, inside, crosses }

/// A query area as the tree sees it: a box test for nodes and an exact test for points.
protocol TreeArea {
    /// A box around the area (micro-degrees): ``classify(minLat:minLng:maxLat:maxLng:)`` answers
    /// `.outside` for every box apart from it, so the search leaves such children out sixteen at a time.
    var boxE6: (minLat: Int32, minLng: Int32, maxLat: Int32, maxLng: Int32) { get }
    /// Conservative: `.inside` only if every point of the box is inside, `.outside` only if none is.
    func classify(minLat: Int32, minLng: Int32, maxLat: Int32, maxLng: Int32) -> BoxRelation
    /// Exact membership of one map point (micro-degrees).
    func contains(latE6: Int32, lngE6: Int32) -> Bool
    /// Exact membership of a leaf's points (`count` ≤ 64, micro-degrees): bit `i` for point `i`.
    func containsEach(latE6: UnsafePointer<Int32>, lngE6: UnsafePointer<Int32>, count: Int) -> UInt64
}

extension TreeArea {
    /// One ``contains(latE6:lngE6:)`` per point; an area with a faster test for many points at once overrides it.
    @inline(__always)
    func containsEach(latE6: UnsafePointer<Int32>, lngE6: UnsafePointer<Int32>, count: Int) -> UInt64 {
        containsOneByOne(latE6: latE6, lngE6: lngE6, count: count)
    }

    /// ``containsEach(latE6:lngE6:count:)`` as one ``contains(latE6:lngE6:)`` per point.
    @inline(__always)
    func containsOneByOne(latE6: UnsafePointer<Int32>, lngE6: UnsafePointer<Int32>, count: Int) -> UInt64 {
        var inside: UInt64 = 0
        for i in 0..<count where contains(latE6: latE6[i], lngE6: lngE6[i]) { inside |= 1 << UInt64(i) }
        return inside
    }
}

/// A static packed Hilbert R-tree over map points, in flat arrays (after mourner/flatbush).
///
/// The points themselves are stored in Hilbert order, so level 0 needs no boxes and no index
/// array: node `k` of level `L` covers points `k·16^L ..< min((k+1)·16^L, n)`, and its children
/// are nodes `16k ..< 16k+16` of level `L-1`. Internal node boxes are stored level by level,
/// bottom-up, in micro-degrees (exact for Police UK's 6-decimal coordinates).
public enum PackedHilbertRTree {
    /// Children per node (flatbush's default).
    public static let nodeSize = 16
    /// The bits of a full leaf's points.
    static let fullLeaf: UInt64 = 1 << UInt64(nodeSize) - 1

    /// Build-time output: the permutation that puts points in Hilbert order, and the node boxes.
    public struct Layout: Sendable {
        /// `order[i]` is the input index of the i-th point along the curve.
        public internal(set) var order: [Int32]
        /// First node index of each internal level (level 1 first); last entry = node count.
        public internal(set) var levelStart: [UInt32]
        public internal(set) var minLat: [Int32], minLng: [Int32], maxLat: [Int32], maxLng: [Int32]
    }

    /// Sorts points along a Hilbert curve over their bounding box and builds every level.
    /// - Complexity: O(n) (two radix passes over 32-bit Hilbert keys; points sharing a key sorted among themselves).
    public static func build(latE6: [Int32], lngE6: [Int32]) -> Layout {
        let n = latE6.count
        guard n > 0 else { return Layout(order: [], levelStart: [0], minLat: [], minLng: [], maxLat: [], maxLng: []) }
        let loLat = latE6.min()!, hiLat = latE6.max()!, loLng = lngE6.min()!, hiLng = lngE6.max()!
        let spanLat = max(1, Int64(hiLat) - Int64(loLat)), spanLng = max(1, Int64(hiLng) - Int64(loLng))
        var keys = [UInt32](repeating: 0, count: n)
        for i in 0..<n {
            let x = UInt32((Int64(lngE6[i]) - Int64(loLng)) * 65535 / spanLng)
            let y = UInt32((Int64(latE6[i]) - Int64(loLat)) * 65535 / spanLat)
            keys[i] = hilbert(x, y)
        }
        var order = radixOrder(keys)
        // Points sharing a curve cell (~10 m across the UK) go by latitude, then longitude, not
        // by the order they were first read: two builds of the same points then number them
        // alike (a point's number is its street id where the mirror has no list of ids).
        var i = 0
        while i < n {
            var j = i + 1
            while j < n && keys[Int(order[j])] == keys[Int(order[i])] { j += 1 }
            if j - i > 1 { order[i..<j].sort { (latE6[Int($0)], lngE6[Int($0)], $0) < (latE6[Int($1)], lngE6[Int($1)], $1) } }
            i = j
        }
        var lat = [Int32](), lng = [Int32]()
        lat.reserveCapacity(n); lng.reserveCapacity(n)
        for i in order { lat.append(latE6[Int(i)]); lng.append(lngE6[Int(i)]) }

        var layout = Layout(order: order, levelStart: [0], minLat: [], minLng: [], maxLat: [], maxLng: [])
        // Level 1 from the points.
        var count = (n + nodeSize - 1) / nodeSize
        for k in 0..<count {
            var a = Int32.max, b = Int32.max, c = Int32.min, d = Int32.min
            for p in (k * nodeSize)..<min(n, (k + 1) * nodeSize) {
                a = min(a, lat[p]); b = min(b, lng[p]); c = max(c, lat[p]); d = max(d, lng[p])
            }
            layout.minLat.append(a); layout.minLng.append(b); layout.maxLat.append(c); layout.maxLng.append(d)
        }
        layout.levelStart.append(UInt32(layout.minLat.count))
        // Higher levels from the level below, until one root.
        while count > 1 {
            let below = Int(layout.levelStart[layout.levelStart.count - 2])
            let next = (count + nodeSize - 1) / nodeSize
            for k in 0..<next {
                var a = Int32.max, b = Int32.max, c = Int32.min, d = Int32.min
                for j in (below + k * nodeSize)..<(below + min(count, (k + 1) * nodeSize)) {
                    a = min(a, layout.minLat[j]); b = min(b, layout.minLng[j])
                    c = max(c, layout.maxLat[j]); d = max(d, layout.maxLng[j])
                }
                layout.minLat.append(a); layout.minLng.append(b); layout.maxLat.append(c); layout.maxLng.append(d)
            }
            layout.levelStart.append(UInt32(layout.minLat.count))
            count = next
        }
        return layout
    }

    /// Position along a Hilbert curve of order 16 (the classic rotate-and-flip walk).
    static func hilbert(_ x0: UInt32, _ y0: UInt32) -> UInt32 {
        var x = x0, y = y0, d: UInt32 = 0
        var s: UInt32 = 1 << 15
        while s > 0 {
            let rx: UInt32 = (x & s) > 0 ? 1 : 0
            let ry: UInt32 = (y & s) > 0 ? 1 : 0
            d += s &* s &* ((3 &* rx) ^ ry)
            if ry == 0 {  // rotate the quadrant so the curve stays continuous
                if rx == 1 { x = s &- 1 &- x; y = s &- 1 &- y }
                swap(&x, &y)
            }
            s >>= 1
        }
        return d
    }

    /// Indices that sort `keys` ascending, stable (LSD radix sort, two 16-bit passes).
    static func radixOrder(_ keys: [UInt32]) -> [Int32] {
        var a = (0..<Int32(keys.count)).map { $0 }
        var b = a
        for shift in [UInt32(0), 16] {
            var counts = [Int](repeating: 0, count: 65537)
            for k in keys { counts[Int((k >> shift) & 0xFFFF) + 1] += 1 }
            for i in 1...65536 { counts[i] += counts[i - 1] }
            for i in a {
                let digit = Int((keys[Int(i)] >> shift) & 0xFFFF)
                b[counts[digit]] = i
                counts[digit] += 1
            }
            swap(&a, &b)
        }
        return a
    }
}

/// Read-only view of a stored tree: what a query walks.
struct TreeView {
    let pointCount: Int
    let lat: UnsafeBufferPointer<Int32>
    let lng: UnsafeBufferPointer<Int32>
    let levelStart: UnsafeBufferPointer<UInt32>
    let minLat: UnsafeBufferPointer<Int32>, minLng: UnsafeBufferPointer<Int32>
    let maxLat: UnsafeBufferPointer<Int32>, maxLng: UnsafeBufferPointer<Int32>

    /// Number of internal levels (level 1 ... top).
    var levels: Int { levelStart.count - 1 }

    /// The points a node covers: node `k` of level `L` spans `k·16^L ..< (k+1)·16^L`.
    @inline(__always)
    func points(level: Int, node k: Int) -> Range<Int> {
        var span = 1
        for _ in 0..<level { span *= PackedHilbertRTree.nodeSize }
        return (k * span)..<min(pointCount, (k + 1) * span)
    }

    /// Visits everything inside `area`: whole nodes that lie inside (`node(level, k)`, with the
    /// global node index for per-node aggregates) and single points on crossing leaves (`point(p)`).
    /// - Complexity: O(nodes crossing the boundary · 16) point tests plus one visit per inside node.
    /// Inlined, so the callers' closures are too: a boundary point then costs its test and its
    /// cells, not an indirect call through a closure context.
    ///
    /// A crossing node's data are asked for as it is pushed and read only when it is popped, after
    /// its siblings: the wait for memory overlaps their work. `leafPushed(first)` and
    /// `leafPopped(first)` let the caller do the same for its per-point data of the leaf whose
    /// points start at `first` (at push: what it can address from `first`; at pop: what that
    /// gives the address of). `leaf(first, count, inside)` may take a crossing leaf whole, its
    /// points inside the area as the bits of `inside`: true, and no `point` is called for it.
    @inline(__always)
    func search<A: TreeArea>(_ area: A, node: (_ level: Int, _ globalNode: Int) -> Void, point: (Int) -> Void,
                             leafPushed: (Int) -> Void = { _ in }, leafPopped: (Int) -> Void = { _ in },
                             leaf: (_ first: Int, _ count: Int, _ inside: UInt64) -> Bool = { _, _, _ in false }) {
        guard pointCount > 0 else { return }
        let top = levels
        let fanout = PackedHilbertRTree.nodeSize
        let box = area.boxE6
        // Depth first, so at most `fanout` nodes wait per level: the stack has a fixed bound and,
        // one word a node (k << 5 | level << 1 | inside), lives on the thread's stack, not the
        // heap. A node is classified before it is pushed, so the many children outside the area
        // never are, and the visits keep the depth-first order (inside children wait their turn).
        withUnsafeTemporaryAllocation(of: Int.self, capacity: top * fanout + 1) { stack in
            var waiting = 0
            @inline(__always) func push(_ level: Int, _ k: Int, _ g: Int) {
                switch area.classify(minLat: minLat[g], minLng: minLng[g], maxLat: maxLat[g], maxLng: maxLng[g]) {
                case .outside: return
                case .inside: stack[waiting] = k << 5 | level << 1 | 1
                case .crosses:
                    stack[waiting] = k << 5 | level << 1
                    if level == 1 {
                        let first = k * fanout
                        geoquery_prefetch(lat.baseAddress.unsafelyUnwrapped + first)
                        geoquery_prefetch(lng.baseAddress.unsafelyUnwrapped + first)
                        leafPushed(first)
                    } else {
                        let child = Int(levelStart[level - 2]) + k * fanout
                        geoquery_prefetch(minLat.baseAddress.unsafelyUnwrapped + child)
                        geoquery_prefetch(minLng.baseAddress.unsafelyUnwrapped + child)
                        geoquery_prefetch(maxLat.baseAddress.unsafelyUnwrapped + child)
                        geoquery_prefetch(maxLng.baseAddress.unsafelyUnwrapped + child)
                    }
                }
                waiting += 1
            }
            push(top, 0, Int(levelStart[top - 1]))
            while waiting > 0 {
                waiting -= 1
                let entry = stack[waiting], k = entry >> 5, level = (entry >> 1) & 0xF
                if entry & 1 == 1 { node(level, Int(levelStart[level - 1]) + k); continue }
                if level == 1 {
                    let first = k * fanout, count = min(pointCount, first + fanout) - first
                    leafPopped(first)
                    var inside = area.containsEach(latE6: lat.baseAddress.unsafelyUnwrapped + first, lngE6: lng.baseAddress.unsafelyUnwrapped + first, count: count)
                    if leaf(first, count, inside) { continue }
                    while inside != 0 {
                        point(first + inside.trailingZeroBitCount)
                        inside &= inside &- 1
                    }
                    continue
                }
                let below = Int(levelStart[level - 2]), count = Int(levelStart[level - 1]) - below
                let lo = k * fanout, n = min(count, lo + fanout) - lo
                // Only the children whose boxes meet the area's box are classified (most do not),
                // pushed last first as before.
                var near = n == fanout ? meeting(box, from: below + lo) : (0..<n).reduce(UInt64(0)) { bits, i in
                    let g = below + lo + i
                    let apart = maxLat[g] < box.minLat || minLat[g] > box.maxLat || maxLng[g] < box.minLng || minLng[g] > box.maxLng
                    return apart ? bits : bits | 1 << UInt64(i)
                }
                while near != 0 {
                    let i = 63 - near.leadingZeroBitCount
                    near &= ~(1 << UInt64(i))
                    push(level - 1, lo + i, below + lo + i)
                }
            }
        }
    }

    /// Bit `i` set when node `first + i`'s box meets `box`, for sixteen nodes at once: plain vector
    /// subtractions whose signs say "apart" (comparisons of vectors, with masks, compiled to a
    /// loop per element and cost ten times more). Node boxes lie within ±180°, so with the area's
    /// box clamped to ±1000° no difference leaves Int32.
    @inline(__always)
    func meeting(_ box: (minLat: Int32, minLng: Int32, maxLat: Int32, maxLng: Int32), from first: Int) -> UInt64 {
        @inline(__always) func load(_ b: UnsafeBufferPointer<Int32>) -> SIMD16<Int32> {
            UnsafeRawPointer(b.baseAddress.unsafelyUnwrapped + first).loadUnaligned(as: SIMD16<Int32>.self)
        }
        @inline(__always) func each(_ v: Int32) -> SIMD16<Int32> { SIMD16(repeating: min(max(v, -1_000_000_000), 1_000_000_000)) }
        // Negative where the node lies below, above, left or right of the box.
        let apart = (load(maxLat) &- each(box.minLat)) | (each(box.maxLat) &- load(minLat))
            | (load(maxLng) &- each(box.minLng)) | (each(box.maxLng) &- load(minLng))
        let bits = SIMD16<Int32>(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768)
        return UInt64(truncatingIfNeeded: ((~apart &>> 31) & bits).wrappedSum())
    }

    /// The nearest map point by the local metric around (lat, lng), or nil for an empty tree.
    /// Best-first over node boxes; exact enough to name "the nearest map point" in a note.
    /// `skipping`: points (sorted) that do not count.
    func nearest(latE6: Int32, lngE6: Int32, skipping: UnsafeBufferPointer<UInt32>? = nil) -> Int? {
        guard pointCount > 0 else { return nil }
        let metric = LocalMetric(latE6: latE6, lngE6: lngE6)
        func boxDistance(_ g: Int) -> Double {
            let la = min(max(latE6, minLat[g]), maxLat[g]), lo = min(max(lngE6, minLng[g]), maxLng[g])
            return metric.squaredDistance(latE6: la, lngE6: lo)
        }
        var best = -1
        var queue: [(d: Double, level: Int, k: Int)] = [(0, levels, 0)]
        while !queue.isEmpty {
            let i = queue.indices.min { queue[$0].d < queue[$1].d }!
            let (_, level, k) = queue.remove(at: i)
            if level == 0 { best = k; break }  // nothing left in the queue is nearer
            if level == 1 {
                for p in points(level: 1, node: k) where !(skipping?.holds(UInt32(p)) ?? false) {
                    queue.append((metric.squaredDistance(latE6: lat[p], lngE6: lng[p]), 0, p))
                }
            } else {
                let below = Int(levelStart[level - 2])
                let count = Int(levelStart[level - 1]) - below
                for c in (k * PackedHilbertRTree.nodeSize)..<min(count, (k + 1) * PackedHilbertRTree.nodeSize) {
                    queue.append((boxDistance(below + c), level - 1, c))
                }
            }
        }
        return best >= 0 ? best : nil
    }
}

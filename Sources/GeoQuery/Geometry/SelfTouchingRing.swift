/// The repair of a ring that touches itself at its own vertices (GEOS: "Ring Self-intersection"),
/// as the loops it is made of: GEOS MakeValid's `linework` method gives the same area (what the
/// ring encloses an odd number of times) but nodes and polygonizes the whole ring first, ~1 ms
/// for a 40-vertex LSOA; cutting the ring where it passes a vertex again takes microseconds.
///
/// Used only when the result is valid by GEOS: a ring that also crosses itself, or loops that
/// touch along an edge, make loops that are not nested or apart, and GEOS then refuses them, so
/// MakeValid repairs the ring instead.
enum SelfTouchingRing {
    /// The ring's loops: cut at every vertex the ring passes again, each closed; loops of fewer
    /// than three vertices (a spike out and back) enclose nothing and are dropped.
    /// - Parameter ring: distinct consecutive vertices, without the closing one.
    static func loops(_ ring: [(x: Double, y: Double)]) -> [[(x: Double, y: Double)]] {
        guard !ring.isEmpty else { return [] }
        // Vertices numbered by place (equal coordinates, one number) through a sort, not a hash:
        // hashing coordinate pairs cost more than the rest of the repair.
        let order = ring.indices.sorted { (ring[$0].x, ring[$0].y) < (ring[$1].x, ring[$1].y) }
        var place = [Int](repeating: 0, count: ring.count), places = 0
        for (k, i) in order.enumerated() {
            if k > 0, ring[order[k - 1]] != ring[i] { places += 1 }
            place[i] = places
        }
        // The walk so far with no vertex twice; at[place]: its position there, or -1.
        var path: [Int] = [], at = [Int](repeating: -1, count: places + 1), out: [[(x: Double, y: Double)]] = []
        for i in Array(ring.indices) + [0] {
            let v = place[i]
            guard at[v] >= 0 else {
                at[v] = path.count
                path.append(i)
                continue
            }
            // path[at[v]] is this vertex's earlier visit: the walk since then is one loop.
            let start = at[v]
            for j in path[(start + 1)...] { at[place[j]] = -1 }
            if path.count - start >= 3 { out.append(path[start...].map { ring[$0] } + [ring[i]]) }
            path.removeSubrange((start + 1)...)
        }
        return out
    }

    /// The polygon parts (exterior, then holes) the loops make when they are nested or apart:
    /// a loop inside an even number of others is an exterior, inside an odd number a hole of the
    /// exterior directly around it. nil when a loop has no vertex off another's to test with.
    static func parts(_ loops: [[(x: Double, y: Double)]]) -> [[[(x: Double, y: Double)]]]? {
        // inside[i][j]: loop i lies inside loop j, tested at a vertex of i that is not one of j's.
        var inside = [[Bool]](repeating: [Bool](repeating: false, count: loops.count), count: loops.count)
        for i in loops.indices {
            for j in loops.indices where j != i {
                guard let probe = loops[i].first(where: { p in !loops[j].contains { $0 == p } }) else { return nil }
                inside[i][j] = encloses(loops[j], probe)
            }
        }
        let depth = loops.indices.map { i in inside[i].filter { $0 }.count }
        var parts: [[[(x: Double, y: Double)]]] = [], partOf: [Int: Int] = [:]
        for i in loops.indices where depth[i] % 2 == 0 {
            partOf[i] = parts.count
            parts.append([loops[i]])
        }
        for i in loops.indices where depth[i] % 2 == 1 {
            guard let around = loops.indices.first(where: { inside[i][$0] && depth[$0] == depth[i] - 1 }),
                  let part = partOf[around] else { return nil }
            parts[part].append(loops[i])
        }
        return parts
    }

    /// Even-odd point in ring (closed), for a point off the ring's vertices.
    private static func encloses(_ ring: [(x: Double, y: Double)], _ p: (x: Double, y: Double)) -> Bool {
        var odd = false
        for k in 1..<ring.count {
            let a = ring[k - 1], b = ring[k]
            if (a.y > p.y) != (b.y > p.y), p.x < a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x) { odd.toggle() }
        }
        return odd
    }
}

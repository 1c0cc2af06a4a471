import Foundation

/// A force boundary the catchments are clipped to, in British National Grid metres.
struct ForceBoundary: Sendable {
    var name: String
    /// Little-endian WKB (Polygon or MultiPolygon), BNG metres.
    var wkb: [UInt8]
    /// The same boundary in lon/lat as read (WKB), for coverage; nil in snapshots made before it was kept.
    var lonLatWKB: [UInt8]? = nil
}

/// The catchments of a set of map points, in tree order: what ``CatchmentBuilder`` computes at
/// ingest and the snapshot stores.
struct CatchmentTable: Sendable {
    /// WKB of point i is `wkb[start[i]..<start[i + 1]]` (empty when the cell vanished).
    var start: [UInt64] = [0]
    var wkb: [UInt8] = []
    /// Planar area in BNG square metres.
    var area: [Double] = []
    /// (minX, minY, maxX, maxY) per point, BNG metres.
    var box: [Double] = []
    /// The boundary the cell was clipped to (index into the boundaries), or -1 for the
    /// ``CatchmentBuilder/maximumReach`` disc.
    var clip: [Int16] = []
    /// Each point's site (x, y, BNG metres; NaN for a point that takes no catchment), so that a
    /// later build can find the cells it may keep (``CatchmentReuse``).
    var site: [Double] = []
    /// Per group (each boundary, then the unbounded group): what its cells follow from, its
    /// sites and its clip (``CatchmentBuilder/groupKey``); 0 for a group without points.
    var groupKey: [UInt64] = []
    /// Groups with points, and those computed (not kept from an earlier build), by index (the
    /// boundaries', then the unbounded group).
    var groups = 0, computedGroups: [Int] = []
    var groupsKept: Int { groups - computedGroups.count }

    /// The table of points `at` (ascending) as one of `count` points, the others with no area.
    func spread(to count: Int, at places: [Int]) -> CatchmentTable {
        var out = CatchmentTable()
        out.wkb = wkb
        out.groupKey = groupKey; out.groups = groups; out.computedGroups = computedGroups
        out.start.reserveCapacity(count + 1)
        out.area = [Double](repeating: 0, count: count)
        out.box = [Double](repeating: 0, count: 4 * count)
        out.clip = [Int16](repeating: -1, count: count)
        out.site = [Double](repeating: .nan, count: 2 * count)
        var k = 0
        for p in 0..<count {
            if k < places.count && places[k] == p {
                out.area[p] = area[k]; out.clip[p] = clip[k]
                out.site[2 * p] = site[2 * k]; out.site[2 * p + 1] = site[2 * k + 1]
                for j in 0..<4 { out.box[4 * p + j] = box[4 * k + j] }
                out.start.append(start[k + 1])
                k += 1
            } else {
                out.start.append(out.start.last!)
            }
        }
        return out
    }
}

/// Computes each map point's catchment: its Voronoi cell (GEOS `GEOSVoronoiDiagram_r`) in British
/// National Grid metres, clipped to sensible bounds.
///
/// - A point inside a loaded force boundary competes only with the other points inside that
///   boundary, and its cell is clipped to the boundary: the catchments of a force partition it.
/// - Any other point (no boundaries loaded, or a point offshore of the generalised coastline)
///   competes with the other such points, and its cell is clipped to a disc of
///   ``maximumReach`` (Police UK blanks crimes farther than 20 km from every map point) and
///   never overlaps a loaded boundary.
///
/// Groups are independent, so they are computed on all cores, one GEOS context each. For the
/// same reason a group whose sites and clip are those of an earlier build keeps that build's
/// cells (`CatchmentReuse`): adding map points to one force recomputes that force alone.
public enum CatchmentBuilder {
    /// Police UK leaves a crime unlocated when no map point lies within 20 km.
    public static let maximumReach = 20_000.0

    /// The catchments of map points given in WGS84, clipped to the force boundaries of the GeoJSON
    /// files given (none: 20 km discs): each catchment's planar British National Grid area, m².
    /// Ingest does this for every map point of the mirror; this entry point serves benchmarks and
    /// callers with their own point lists.
    public static func areas(latitudes: [Double], longitudes: [Double], boundaryFiles: [String] = []) throws -> [Double] {
        var x = longitudes, y = latitudes
        try BritishNationalGrid.shared().toBNG(longitudes: &x, latitudes: &y)
        return try build(x: x, y: y, boundaries: ForceBoundary.load(boundaryFiles).boundaries).area
    }

    /// - Parameters:
    ///   - x, y: map points in BNG metres, tree order.
    ///   - boundaries: force boundaries in BNG metres (may be empty).
    ///   - plain: GEOS alone decides every point and cell and writes every WKB (no edge-index
    ///     shortcuts, no WKB from coordinates): the build the fast one must equal byte for byte (tests).
    ///   - previous: an earlier build whose groups' cells are kept where a group's key and sites
    ///     are the same (nil: compute every group).
    ///   - unneeded: keys of groups whose cells the caller has already (a delta's, the
    ///     snapshot's): such a group is left without cells (no area) and counted as kept.
    static func build(x: [Double], y: [Double], boundaries: [ForceBoundary], plain: Bool = false, previous: CatchmentReuse? = nil,
                      unneeded: Set<UInt64> = []) throws -> CatchmentTable {
        let n = x.count
        guard n > 0 else { return CatchmentTable() }
        let (group, edges) = try assignGroups(x: x, y: y, boundaries: boundaries, plain: plain)
        var members = [[Int]](repeating: [], count: boundaries.count + 1)  // last = unbounded
        for i in 0..<n { members[group[i] < 0 ? boundaries.count : Int(group[i])].append(i) }
        // Each group's sites in one canonical order (x, then y), so that its cells follow from
        // the set of its sites alone, whatever order a mirror holds them in.
        for g in members.indices { members[g].sort { x[$0] != x[$1] ? x[$0] < x[$1] : y[$0] < y[$1] } }
        let groups = members
        let boundarySums = boundaries.map { b in b.wkb.withUnsafeBytes { SnapshotFormat.checksum($0) } }
        let keys = groups.indices.map { g in groups[g].isEmpty ? 0 : groupKey(sites: groups[g].flatMap { [x[$0], y[$0]] }, boundarySums: boundarySums, group: g) }

        struct Cell: Sendable { var wkb: [UInt8]; var area: Double; var box: (Double, Double, Double, Double) }
        let results = UnsafeMutableBufferPointer<Cell?>.allocate(capacity: n)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        nonisolated(unsafe) let out = results
        nonisolated(unsafe) var failure: Error? = nil
        let failureLock = NSLock()
        // Biggest groups first, so the two cores finish together.
        // Groups an earlier build has with the same key and sites keep its cells.
        var toCompute: [Int] = []
        for g in groups.indices.filter({ !groups[$0].isEmpty }).sorted(by: { groups[$0].count > groups[$1].count }) {
            if unneeded.contains(keys[g]) {
                for p in groups[g] { results[p] = Cell(wkb: [], area: 0, box: (0, 0, 0, 0)) }
                continue
            }
            guard let previous, let earlier = previous.cells(key: keys[g], sites: groups[g].map { (x[$0], y[$0]) }) else { toCompute.append(g); continue }
            let c = previous.cells
            for (j, p) in earlier.enumerated() {
                results[groups[g][j]] = Cell(wkb: Array(c.wkb(p)), area: c.area[p], box: (c.box[4 * p], c.box[4 * p + 1], c.box[4 * p + 2], c.box[4 * p + 3]))
            }
        }
        let order = toCompute
        DispatchQueue.concurrentPerform(iterations: order.count) { k in
            let g = order[k]
            do {
                let geos = GEOSContext()
                let bounds = try boundaries.map { b in try b.wkb.withUnsafeBytes { try geos.readWKB($0) } }
                let clip: Geometry? = g < boundaries.count ? bounds[g] : nil
                let cells = try GroupCells(geos: geos, sites: groups[g].map { (x[$0], y[$0]) }, clip: clip,
                                           clipEdges: g < boundaries.count ? edges[g] : nil,
                                           others: g < boundaries.count ? [] : bounds).cells()
                var scratch: [Double] = []
                for (j, cell) in cells.enumerated() {
                    let empty = cell.isEmpty
                    let wkb = empty ? [] : plain ? cell.wkb : cell.wkbFromCoordinates(scratch: &scratch)
                    out[groups[g][j]] = Cell(wkb: wkb, area: cell.area, box: empty ? (0, 0, 0, 0) : cell.extent)
                }
            } catch {
                failureLock.lock(); failure = failure ?? error; failureLock.unlock()
            }
        }
        if let failure { throw failure }

        var table = CatchmentTable()
        table.start.reserveCapacity(n + 1)
        table.area.reserveCapacity(n); table.box.reserveCapacity(4 * n); table.clip.reserveCapacity(n); table.site.reserveCapacity(2 * n)
        for i in 0..<n {
            let c = results[i]!
            table.wkb += c.wkb
            table.start.append(UInt64(table.wkb.count))
            table.area.append(c.area)
            table.box.append(c.box.0); table.box.append(c.box.1); table.box.append(c.box.2); table.box.append(c.box.3)
            table.clip.append(group[i])
            table.site.append(x[i]); table.site.append(y[i])
        }
        table.groupKey = keys
        table.groups = groups.filter { !$0.isEmpty }.count
        table.computedGroups = order.sorted()
        return table
    }

    /// What a group's cells follow from: its sites (x, y pairs in canonical order), its clip (the
    /// boundary, or for the unbounded group every boundary it must not overlap) and the rules
    /// here (``maximumReach``, and a version to change with the way cells are computed).
    static func groupKey(sites: [Double], boundarySums: [UInt64], group: Int) -> UInt64 {
        let bounded = group < boundarySums.count
        var parts: [UInt64] = [1, bounded ? 1 : 2, maximumReach.bitPattern,
                               sites.withUnsafeBytes { SnapshotFormat.checksum($0) }, UInt64(sites.count)]
        parts += bounded ? [boundarySums[group]] : boundarySums
        return parts.withUnsafeBytes { SnapshotFormat.checksum($0) }
    }

    /// The boundary each point lies in (the first, where generalised boundaries overlap), or -1,
    /// and each boundary's edges in an index (BNG metres), which settles most points here and
    /// most cells later without GEOS. A boundary GEOS finds invalid, or a collection (a repair can
    /// leave lines beside its polygons), gets none: even-odd containment and GEOS's could differ
    /// there, so GEOS alone decides (as it does for every boundary when `plain`).
    static func assignGroups(x: [Double], y: [Double], boundaries: [ForceBoundary], plain: Bool = false) throws -> (group: [Int16], edges: [PolygonEdgeIndex?]) {
        var group = [Int16](repeating: -1, count: x.count)
        guard !boundaries.isEmpty else { return (group, []) }
        let geos = GEOSContext()
        let shapes = try boundaries.map { b in try b.wkb.withUnsafeBytes { try geos.readWKB($0) } }
        let edges = shapes.map { shape -> PolygonEdgeIndex? in
            guard !plain, shape.typeID != 7, shape.invalidity == nil else { return nil }
            return PolygonEdgeIndex(rings: shape.polygonRings.flatMap { $0 }.map { $0.map { (x: $0.0, y: $0.1) } })
        }
        let prepared = shapes.map { $0.prepared() }
        let boxes = shapes.map(\.extent)
        for i in 0..<x.count {
            for (b, e) in boxes.enumerated() where x[i] >= e.0 && x[i] <= e.2 && y[i] >= e.1 && y[i] <= e.3 {
                // The edge index answers as GEOS's covers does, and asks GEOS when too near an edge to tell.
                let covered = edges[b].flatMap { $0.contains(x: x[i], y: y[i]) } ?? prepared[b].covers(geos.point(x: x[i], y: y[i]))
                if covered { group[i] = Int16(b); break }
            }
        }
        return (group, edges)
    }
}

/// The clipped Voronoi cells of one group of sites, in the sites' order.
private struct GroupCells {
    let geos: GEOSContext
    let sites: [(Double, Double)]
    /// The boundary the group lives in, or nil for the unbounded group.
    let clip: Geometry?
    /// The boundary's edges (nil: unbounded, or a boundary only GEOS may judge).
    let clipEdges: PolygonEdgeIndex?
    /// Loaded boundaries the unbounded group's cells must not overlap.
    let others: [Geometry]

    func cells() throws -> [Geometry] {
        let reach = CatchmentBuilder.maximumReach
        let region: Geometry
        if let clip {
            region = clip
        } else {
            let xs = sites.map(\.0), ys = sites.map(\.1)
            region = geos.rectangle(minX: xs.min()! - reach, minY: ys.min()! - reach, maxX: xs.max()! + reach, maxY: ys.max()! + reach)
        }
        var raw: [Geometry?]
        if sites.count == 1 {
            raw = [region.clone()]
        } else {
            raw = try match(try geos.voronoi(sites: sites, envelope: region))
        }
        let prepared = clip?.prepared()
        let othersPrepared = others.map { $0.prepared() }
        let otherBoxes = others.map(\.extent)
        return try raw.enumerated().map { i, cell in
            guard var c = cell else {
                throw GeoQueryError.catchment("no Voronoi cell for the map point at BNG \(sites[i].0), \(sites[i].1) (duplicate point?)")
            }
            let (minX, minY, maxX, maxY) = c.extent
            if let clip, let prepared {
                // A cell whose box, a metre wider, lies clear inside the boundary is covered by
                // it: GEOS's covers test is only needed near the boundary's edges.
                let clear = clipEdges?.classify(minX: minX - 1, minY: minY - 1, maxX: maxX + 1, maxY: maxY + 1) == .inside
                if !clear && !prepared.covers(c) {
                    // Clip the (large) boundary to the cell's box first: intersecting a few
                    // vertices is far cheaper than intersecting the whole boundary.
                    let local = try clip.clipped(minX: minX - 1, minY: minY - 1, maxX: maxX + 1, maxY: maxY + 1)
                    c = try Self.overlay(c, local.isValid ? local : clip, site: sites[i]) { try $0.intersection($1) }
                }
            } else {
                let far = [(minX, minY), (minX, maxY), (maxX, minY), (maxX, maxY)].contains { corner in
                    let dx = corner.0 - sites[i].0, dy = corner.1 - sites[i].1
                    return dx * dx + dy * dy > reach * reach
                }
                if far {
                    let disc = try geos.point(x: sites[i].0, y: sites[i].1).buffer(reach)
                    c = try Self.overlay(c, disc, site: sites[i]) { try $0.intersection($1) }
                }
                for (b, e) in otherBoxes.enumerated() where e.0 <= maxX && e.2 >= minX && e.1 <= maxY && e.3 >= minY {
                    if othersPrepared[b].intersects(c) {
                        let local = try others[b].clipped(minX: minX - 1, minY: minY - 1, maxX: maxX + 1, maxY: maxY + 1)
                        c = try Self.overlay(c, local.isValid ? local : others[b], site: sites[i]) { try $0.difference($1) }
                    }
                }
            }
            return c
        }
    }

    /// An overlay that survives GEOS robustness failures (a TopologyException on nearly
    /// coincident edges): retried once on MakeValid'ed inputs, then reported with the point's place.
    private static func overlay(_ a: Geometry, _ b: Geometry, site: (Double, Double),
                                _ op: (Geometry, Geometry) throws -> Geometry) throws -> Geometry {
        if let r = try? op(a, b) { return r }
        if let va = try? a.makeValid(), let vb = try? b.makeValid(), let r = try? op(va, vb) { return r }
        throw GeoQueryError.catchment("GEOS could not clip the catchment of the map point at BNG \(Int(site.0)), \(Int(site.1)); the force boundary may be damaged: re-ingest with a valid --boundaries file")
    }

    /// Pairs GEOS's unordered cells with their sites: each (convex) cell holds exactly one site.
    private func match(_ cells: [Geometry]) throws -> [Geometry?] {
        let xs = sites.map(\.0), ys = sites.map(\.1)
        let minX = xs.min()!, minY = ys.min()!
        let spanX = max(xs.max()! - minX, 1), spanY = max(ys.max()! - minY, 1)
        // About one site per bucket.
        let side = max(sqrt(spanX * spanY / Double(sites.count)), 1)
        let columns = Int(spanX / side) + 1, rows = Int(spanY / side) + 1
        var bucketStart = [Int](repeating: 0, count: columns * rows + 1)
        func bucket(_ x: Double, _ y: Double) -> Int {
            let c = min(max(Int((x - minX) / side), 0), columns - 1), r = min(max(Int((y - minY) / side), 0), rows - 1)
            return r * columns + c
        }
        for i in sites.indices { bucketStart[bucket(xs[i], ys[i]) + 1] += 1 }
        for b in 0..<(columns * rows) { bucketStart[b + 1] += bucketStart[b] }
        var fill = bucketStart, members = [Int](repeating: 0, count: sites.count)
        for i in sites.indices { let b = bucket(xs[i], ys[i]); members[fill[b]] = i; fill[b] += 1 }
        // Each bucket's sites by y: clustered sites (a city in a rural force) fill some buckets.
        for k in 0..<(columns * rows) where bucketStart[k + 1] - bucketStart[k] > 1 {
            members[bucketStart[k]..<bucketStart[k + 1]].sort { ys[$0] < ys[$1] }
        }

        var out = [Geometry?](repeating: nil, count: sites.count)
        var buffer: [Double] = []  // each cell's exterior ring, x, y pairs
        for cell in cells {
            let (a, b, c, d) = cell.extent
            let c0 = min(max(Int((a - minX) / side), 0), columns - 1), c1 = min(max(Int((c - minX) / side), 0), columns - 1)
            let r0 = min(max(Int((b - minY) / side), 0), rows - 1), r1 = min(max(Int((d - minY) / side), 0), rows - 1)
            _ = cell.withExteriorRing(buffer: &buffer) { ring in
                guard ring.count >= 8 else { return }  // four points or more
                // Only sites inside the cell's box can lie in it: in each bucket (sites by y) the
                // ones in its y-range, then its x-range, are tested (a city's bucket holds many).
                search: for r in r0...r1 {
                    for col in c0...c1 {
                        let k = r * columns + col
                        var j = bucketStart[k], high = bucketStart[k + 1]
                        while j < high {  // the first site with y ≥ b
                            let mid = (j + high) / 2
                            if ys[members[mid]] < b { j = mid + 1 } else { high = mid }
                        }
                        while j < bucketStart[k + 1] {
                            let i = members[j]
                            if ys[i] > d { break }
                            if xs[i] >= a && xs[i] <= c && out[i] == nil && Self.convex(ring, contains: sites[i]) { out[i] = cell; break search }
                            j += 1
                        }
                    }
                }
            }
        }
        return out
    }

    /// Point in a convex ring (x, y pairs, closed), either orientation: every edge turns the same
    /// way (edges through the point count as inside).
    static func convex(_ ring: UnsafeBufferPointer<Double>, contains p: (Double, Double)) -> Bool {
        var sign = 0.0
        for k in 0..<(ring.count / 2 - 1) {
            let (ax, ay) = (ring[2 * k], ring[2 * k + 1]), (bx, by) = (ring[2 * k + 2], ring[2 * k + 3])
            let cross = (bx - ax) * (p.1 - ay) - (by - ay) * (p.0 - ax)
            if cross == 0 { continue }
            if sign == 0 { sign = cross } else if (sign > 0) != (cross > 0) { return false }
        }
        return true
    }
}

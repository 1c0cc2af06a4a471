import Foundation

/// The recursive k-d split behind ``TilePlanner``: cells split at a count quantile along the
/// longer side, between two distinct map-point coordinates (so no point lies on a split line).
struct TileBuilder {
    struct Item {
        var point: Int
        var latE6: Int32
        var lngE6: Int32
        var count: Int
    }

    /// A cell in micro-degrees; split lines fall on half micro-degrees.
    struct Cell {
        var minLat: Double, minLng: Double, maxLat: Double, maxLng: Double
    }

    let mirror: CrimeMirror
    let context: GEOSContext
    let area: Geometry
    let cap: Int
    let limit: Int
    let month: Month
    let category: String
    var tiles: [TilePlan.Tile] = []
    var warnings: [String] = []

    init(mirror: CrimeMirror, context: GEOSContext, area: Geometry, cap: Int, limit: Int, month: Month, category: String) {
        self.mirror = mirror
        self.context = context
        self.area = area
        self.cap = cap
        self.limit = limit
        self.month = month
        self.category = category
    }

    /// Splits until every tile holds at most `cap` crimes and has a request ring that fits.
    mutating func split(_ items: [Item], cell: Cell, forced: Bool) throws {
        let total = items.reduce(0) { $0 + $1.count }
        if !forced && total <= cap, try emit(items, cell: cell) { return }
        guard let (left, leftCell, right, rightCell) = divide(items, cell: cell, total: total) else {
            try emitLocation(items, cell: cell, total: total)
            return
        }
        try split(left, cell: leftCell, forced: false)
        try split(right, cell: rightCell, forced: false)
    }

    /// Two halves whose counts split `total` in proportion to the tiles each will need.
    private func divide(_ items: [Item], cell: Cell, total: Int) -> ([Item], Cell, [Item], Cell)? {
        let lats = items.map(\.latE6), lngs = items.map(\.lngE6)
        let latSpan = Double(lats.max()! - lats.min()!), lngSpan = Double(lngs.max()! - lngs.min()!) * cos(MicroDegrees.degrees(lats[0]) * .pi / 180)
        let tilesNeeded = max(2, (total + cap - 1) / cap)
        let target = Double(total) * Double((tilesNeeded + 1) / 2) / Double(tilesNeeded)
        for byLat in latSpan >= lngSpan ? [true, false] : [false, true] {
            let key: (Item) -> Int32 = byLat ? { $0.latE6 } : { $0.lngE6 }
            let sorted = items.sorted { key($0) < key($1) }
            var best: (index: Int, error: Double)? = nil
            var running = 0
            for i in 0..<(sorted.count - 1) {
                running += sorted[i].count
                guard key(sorted[i]) != key(sorted[i + 1]) else { continue }
                let error = abs(Double(running) - target)
                if best == nil || error < best!.error { best = (i, error) }
            }
            guard let b = best else { continue }
            let line = Double(key(sorted[b.index])) + 0.5
            var leftCell = cell, rightCell = cell
            if byLat { leftCell.maxLat = line; rightCell.minLat = line } else { leftCell.maxLng = line; rightCell.minLng = line }
            return (Array(sorted[...b.index]), leftCell, Array(sorted[(b.index + 1)...]), rightCell)
        }
        return nil  // every point at one location
    }

    private func exactTile(_ cell: Cell) throws -> Geometry {
        let bounds = cellRectangle(cell)
        return try area.intersection(bounds)
    }

    private func cellRectangle(_ c: Cell) -> Geometry {
        context.rectangle(minX: max(-180, c.minLng / 1e6), minY: max(-90, c.minLat / 1e6), maxX: min(180, c.maxLng / 1e6), maxY: min(90, c.maxLat / 1e6))
    }

    /// Finds a request ring that holds exactly these items' map points and fits in a URL.
    private mutating func emit(_ items: [Item], cell: Cell) throws -> Bool {
        let exact = try exactTile(cell)
        let wanted = Set(items.map(\.point))
        // Candidates, most faithful first: the tile simplified ever more coarsely (until its
        // ring fits the URL limit), each made one ring (holes opened, parts joined; the corridors
        // shifted sideways if a map point happens to lie on one); last, the convex hull.
        let multipart = exact.polygonalParts().count > 1
        var attempts = 0
        // Built lazily, in this order, and only until one passes: most tiles take the first.
        let tolerances = [1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 5e-3, 7e-3, 1e-2, 1.5e-2, 2e-2, 3e-2]
        var candidates: [() throws -> [Geometry]] = []
        // The whole tile as one ring, then that ring simplified.
        final class Cache { var ring: Geometry?? = .none }
        for offset in multipart ? [0.0, 3e-6, -3e-6, 2e-5] : [0.0] {
            let cache = Cache()
            let ring = { [self] () throws -> Geometry? in
                if case .some(let r) = cache.ring { return r }
                let r = try singleRing(exact, offset: offset)
                cache.ring = .some(r)
                return r
            }
            candidates.append { try ring().map { [$0] } ?? [] }
            for tolerance in tolerances {
                candidates.append { try ring()?.simplified(tolerance: tolerance).map { [$0] } ?? [] }
            }
        }
        // The tile simplified first, then made one ring (keeps thin corridors intact).
        for tolerance in tolerances {
            candidates.append { [self] in
                guard let g = exact.simplified(tolerance: tolerance) else { return [] }
                return try (multipart ? [0.0, 3e-6, -3e-6] : [0.0]).compactMap { try singleRing(g, offset: $0) }
            }
        }
        candidates.append { [try exact.convexHull()] }
        // GEOS may refuse an overlay on one candidate (a repaired area's slivers): that candidate
        // is skipped, as one that misses a map point is, and the next is tried.
        for make in candidates {
        for candidate in (try? make()) ?? [] {
            guard let ring = candidate.polygonalParts().first?.rings().first, ring.count >= 4 else { continue }
            let coordinates = TileBuilder.rounded(ring)
            guard TilePlanner.url(category: category, ring: coordinates, month: month).utf8.count <= TilePlanner.urlLimit else { continue }
            attempts += 1
            if attempts > 24 { return false }  // coarser rings only drift further from the tile
            var request = Polygon(parts: [[coordinates]])
            guard let requestGeometry = try? request.geometry(in: context), requestGeometry.isValid else { continue }
            var held = Set(try mirror.points(in: .polygon(request)))
            if held != wanted {
                // Map points within rounding distance of the area's edge: patch them in or out
                // with squares 0.6 µ° wide around them (each holds that one grid point only).
                guard let patched = (try? patch(requestGeometry, add: wanted.subtracting(held), remove: held.subtracting(wanted))) ?? nil else { continue }
                request = patched
                held = Set(try mirror.points(in: .polygon(request)))
                guard held == wanted, TilePlanner.url(category: category, ring: request.parts[0][0], month: month).utf8.count <= TilePlanner.urlLimit else { continue }
            }
            let url = TilePlanner.url(category: category, ring: request.parts[0][0], month: month)
            tiles.append(TilePlan.Tile(kind: .poly, ring: request.parts[0][0], exact: Polygon(exact), expected: items.reduce(0) { $0 + $1.count },
                                       mapPoints: items.count, url: url))
            return true
        }
        }
        return false
    }

    /// One location that cannot be split further: a `crimes-at-location` request.
    private mutating func emitLocation(_ items: [Item], cell: Cell, total: Int) throws {
        let p = items[0]
        let lat = Format.microDegrees(p.latE6), lng = Format.microDegrees(p.lngE6)
        if total > cap {
            warnings.append("map point \(lat),\(lng) (\(mirror.pointName(p.point))) holds \(total) crimes in \(month), more than \(total > limit ? "the limit of \(limit)" : "limit × margin (\(cap))"), and cannot be split: planned as a crimes-at-location request")
        }
        let url = "\(TilePlanner.base)crimes-at-location?date=\(month)&lat=\(lat)&lng=\(lng)"
        tiles.append(TilePlan.Tile(kind: .location, ring: [.init(lat: MicroDegrees.degrees(p.latE6), lng: MicroDegrees.degrees(p.lngE6))],
                                   exact: Polygon(try exactTile(cell)), expected: total, mapPoints: items.count, url: url))
    }

    /// A single hole-free polygon holding exactly the map points of `g`: holes are opened by slits
    /// 0.4 µ° wide on half micro-degree lines (so they cut off no map point: map points lie on the
    /// micro-degree grid), and parts are joined along the shortest links between them (a minimum
    /// spanning tree) by corridors 2·10⁻⁷ ° wide. Nil when that still leaves more than one ring.
    private func singleRing(_ g: Geometry, offset: Double) throws -> Geometry? {
        var pieces = try openHoles(g.polygonalParts())
        guard !pieces.isEmpty else { return nil }
        if pieces.count > 1 {
            guard pieces.count <= 64 else { return nil }
            var corridors: [Geometry] = []
            var joined: Set<Int> = [0]
            // Pairwise distances once (GEOS distance is the costly part), then Prim.
            var distance = [[Double]](repeating: [Double](repeating: 0, count: pieces.count), count: pieces.count)
            for a in pieces.indices { for b in pieces.indices where b > a { distance[a][b] = pieces[a].distance(pieces[b]); distance[b][a] = distance[a][b] } }
            while joined.count < pieces.count {  // Prim: the nearest piece not yet joined
                var best: (Int, Int, Double)? = nil
                for a in joined {
                    for b in pieces.indices where !joined.contains(b) {
                        let d = distance[a][b]
                        if best == nil || d < best!.2 { best = (a, b, d) }
                    }
                }
                guard let (a, b, _) = best, let link = pieces[a].nearestPoints(pieces[b]) else { return nil }
                corridors.append(try corridor(link.a, link.b, offset: offset))
                joined.insert(b)
            }
            let union = try context.union(pieces + corridors)
            pieces = try openHoles(union.polygonalParts())
        }
        guard pieces.count == 1, pieces[0].rings().count == 1 else { return nil }
        return pieces[0]
    }

    /// Each part with its holes filled when they hold no map point, else slit open to the
    /// outside (southwards).
    private func openHoles(_ parts: [Geometry]) throws -> [Geometry] {
        func half(_ v: Double) -> Double { ((v * 1e6).rounded(.down) + 0.5) / 1e6 }
        var out: [Geometry] = []
        for part in parts {
            let rings = part.rings()
            guard rings.count > 1 else { out.append(part); continue }
            var keep = [rings[0]]
            for hole in rings.dropFirst() {
                let region = Polygon(parts: [[hole.map { Polygon.Coordinate(lat: $0.1, lng: $0.0) }]])
                if !(try mirror.points(in: .polygon(region))).isEmpty { keep.append(hole) }
            }
            var piece = try context.polygon([keep])
            let (_, minY, _, _) = part.extent
            for hole in keep.dropFirst() {
                guard let inside = try context.polygon([[hole]]).interiorPoint else { continue }
                let x = half(inside.x)
                piece = try piece.difference(context.rectangle(minX: x - 0.2e-6, minY: minY - 1e-5, maxX: x + 0.2e-6, maxY: half(inside.y)))
            }
            out += piece.polygonalParts()
        }
        return out
    }

    /// A thin quadrilateral along a → b, reaching 1 µ° into both ends.
    private func corridor(_ a: (Double, Double), _ b: (Double, Double), offset: Double) throws -> Geometry {
        let dx = b.0 - a.0, dy = b.1 - a.1, length = (dx * dx + dy * dy).squareRoot()
        if length < 1e-9 {  // touching parts: a tiny square over the contact joins them
            return context.rectangle(minX: a.0 - 1e-7, minY: a.1 - 1e-7, maxX: a.0 + 1e-7, maxY: a.1 + 1e-7)
        }
        let ux = dx / length, uy = dy / length, w = 1e-7
        // Shifted `offset` to the side, and reaching further in so that it still overlaps both ends.
        let reach = 1e-6 + abs(offset) * 2
        let s = (a.0 - ux * reach - uy * offset, a.1 - uy * reach + ux * offset), e = (b.0 + ux * reach - uy * offset, b.1 + uy * reach + ux * offset)
        let ring = [(s.0 - uy * w, s.1 + ux * w), (e.0 - uy * w, e.1 + ux * w), (e.0 + uy * w, e.1 - ux * w), (s.0 + uy * w, s.1 - ux * w)]
        return try context.polygon([[ring]])
    }

    /// Ring coordinates as sent: 7 decimals.
    static func rounded(_ ring: [(Double, Double)]) -> [Polygon.Coordinate] {
        ring.map { Polygon.Coordinate(lat: ($0.1 * 1e7).rounded() / 1e7, lng: ($0.0 * 1e7).rounded() / 1e7) }
    }

    /// `ring` with tiny squares around map points added or cut out; nil unless still one simple ring.
    private func patch(_ ring: Geometry, add: Set<Int>, remove: Set<Int>) throws -> Polygon? {
        guard add.count + remove.count <= 128 else { return nil }
        func square(_ p: Int) -> Geometry {
            let point = mirror.mapPoint(p)  // a delta's new point too
            let x = MicroDegrees.degrees(point.lngE6), y = MicroDegrees.degrees(point.latE6)
            return context.rectangle(minX: x - 0.3e-6, minY: y - 0.3e-6, maxX: x + 0.3e-6, maxY: y + 0.3e-6)
        }
        var g = add.isEmpty ? ring : try context.union([ring] + add.map(square))
        for p in remove { g = try g.difference(square(p)) }
        // A point far from the ring (a small island dropped by simplification) comes back as a
        // separate square: join it like any other part.
        guard let joined = try singleRing(g, offset: 0), let ring = joined.rings().first else { return nil }
        let request = Polygon(parts: [[TileBuilder.rounded(ring)]])
        guard (try? request.geometry(in: context))?.isValid == true else { return nil }
        return request
    }
}

import Foundation

/// Where each police force is responsible: its area in longitude/latitude, with an edge index
/// for box tests, so that every answer can name the forces whose data it needs.
///
/// By default the 43 force areas of England and Wales built into the library (ONS, December 2020,
/// simplified; see `scripts/make-force-areas`); boundaries loaded with `ingest --boundaries`
/// replace them. BTP has no area: it is never the force responsible for a place.
public final class ForceAreas: Sendable {
    struct Region: Sendable {
        /// Archive slug (a known force) or the boundary's name slugified.
        let slug: String
        let polygon: Polygon
        let edges: PolygonEdgeIndex
        let minX: Double, minY: Double, maxX: Double, maxY: Double
    }

    let regions: [Region]
    /// Each region's box, apart, for point tests.
    private let boxes: [(minX: Double, minY: Double, maxX: Double, maxY: Double)]
    /// Where the areas come from, for `info` and the README.
    let source: String

    /// The built-in areas, decoded once per process.
    public static let builtIn: ForceAreas = {
        let named = embedded.map { code, parts in
            (Force.info(code)?.slug ?? code.lowercased(), parts.map { $0.map(decodePolyline) })
        }
        return ForceAreas(named, source: "built-in ONS police force areas (December 2020, simplified)")
    }()

    /// Areas from boundaries loaded with `ingest --boundaries` (British National Grid WKB), matched
    /// to forces by their ONS name or code; a boundary no force table knows keeps its own name.
    static func loaded(_ boundaries: [ForceBoundary]) throws -> ForceAreas {
        let geos = GEOSContext()
        var named: [(String, [[[Polygon.Coordinate]]])] = []
        for b in boundaries {
            // The lon/lat copy kept at ingest when there is one: reprojecting costs a PROJ set-up
            // (~20 ms) on every process that answers a query.
            if let lonLat = b.lonLatWKB {
                let g = try lonLat.withUnsafeBytes { try geos.readWKB($0) }
                let parts = g.polygonRings.map { $0.map { $0.map { Polygon.Coordinate(lat: $0.1, lng: $0.0) } } }
                named.append((slug(ofBoundary: b.name), parts))
                continue
            }
            let grid = try BritishNationalGrid.shared()
            let g = try b.wkb.withUnsafeBytes { try geos.readWKB($0) }
            let parts = g.polygonRings.map { part in
                part.map { ring -> [Polygon.Coordinate] in
                    var xs = ring.map(\.0), ys = ring.map(\.1)
                    grid.toWGS84(eastings: &xs, northings: &ys)
                    return zip(xs, ys).map { Polygon.Coordinate(lat: $1, lng: $0) }
                }
            }
            named.append((slug(ofBoundary: b.name), parts))
        }
        return ForceAreas(named, source: "force boundaries loaded with ingest --boundaries")
    }

    /// The force a loaded boundary belongs to: by ONS name or code, else its name slugified.
    /// Repeated names are stored as "Name (2)"; the force is the same.
    private static func slug(ofBoundary name: String) -> String {
        let base = name.replacingOccurrences(of: #" \(\d+\)$"#, with: "", options: .regularExpression)
        return Force.info(base)?.slug ?? Category.slugify(base)
    }

    private init(_ named: [(slug: String, parts: [[[Polygon.Coordinate]]])], source: String) {
        self.source = source
        // A force split across features (islands stored apart) becomes one multi-part region.
        var order: [String] = [], partsBySlug: [String: [[[Polygon.Coordinate]]]] = [:]
        for (slug, parts) in named {
            if partsBySlug[slug] == nil { order.append(slug) }
            partsBySlug[slug, default: []] += parts
        }
        // Simplified or reprojected rings can self-touch: repair once here, so intersections never fail.
        let geos = GEOSContext()
        regions = order.map { slug in
            var polygon = Polygon(parts: partsBySlug[slug]!)
            if let g = try? ForceAreas.geometry(polygon.parts, in: geos), !g.isValid, let fixed = try? g.makeValid() {
                polygon = Polygon(fixed)
            }
            let all = polygon.parts.flatMap { $0[0] }
            // Wide strips: a force area is asked about tree nodes' boxes and circles, each
            // testing every edge of the strips it spans, more than about single points.
            return Region(slug: slug, polygon: polygon, edges: PolygonEdgeIndex(polygon, edgesPerStrip: 4),
                          minX: all.map(\.lng).min() ?? 0, minY: all.map(\.lat).min() ?? 0,
                          maxX: all.map(\.lng).max() ?? 0, maxY: all.map(\.lat).max() ?? 0)
        }
        boxes = regions.map { ($0.minX, $0.minY, $0.maxX, $0.maxY) }
    }

    /// The forces whose areas `area` meets, with the share of `area` inside each (0...1, planar in
    /// lon/lat: the ratio, not an absolute area, so the projection hardly matters), largest first.
    /// - Complexity: a box test per force; only a force whose boundary crosses the area's box (a
    ///   query on a force border) is measured: a circle by a Sutherland–Hodgman clip, a polygon by
    ///   a GEOS intersection.
    func shares(of area: Area, method: ShareMethod = .settled) -> [(slug: String, share: Double)] {
        guard let (x0, y0, x1, y1) = ForceAreas.box(area) else { return [] }
        var out: [(slug: String, share: Double)] = [], crossing: [Region] = []
        for r in regions where !(r.maxX < x0 || r.minX > x1 || r.maxY < y0 || r.minY > y1) {
            switch r.edges.classify(minX: x0, minY: y0, maxX: x1, maxY: y1) {
            case .inside: out.append((r.slug, 1))
            case .outside: break
            case .crosses: crossing.append(r)
            }
        }
        switch area {
        case _ where crossing.isEmpty: break
        case .circle(let c):
            for r in crossing {
                // A circle no edge of the force reaches lies wholly inside (the clip would give the
                // circle back: whole) or wholly outside every ring (nothing): no clip needed.
                if method == .settled, r.edges.isApart(fromCircle: c.lng, c.lat, xScale: ForceAreas.circleXScale(c), radius: c.radius.metres / ForceAreas.metresPerDegreeLatitude),
                   let n = r.edges.crossings(x: c.lng, y: c.lat), n >= 0, n == 0 || n & 1 == 1 {
                    if n > 0 { out.append((r.slug, 1)) }
                    continue
                }
                let share = ForceAreas.circleShare(c, of: r.polygon)
                if share > 0 { out.append((r.slug, share)) }
            }
        case .polygon(let p):
            var geos: GEOSContext?, query: Geometry?
            for r in crossing {
                // Most areas lie wholly inside one force: shown so by their boundaries being apart,
                // they need no intersection (GEOS would return the area itself, or nothing).
                if method == .settled {
                    switch r.edges.relation(of: p.edges, firstVertices: p.ringStarts) {
                    case .inside: out.append((r.slug, 1)); continue
                    case .outside: continue
                    case .crosses: break
                    }
                }
                if geos == nil {
                    let context = GEOSContext()
                    geos = context
                    query = try? ForceAreas.geometry(p.parts, in: context)
                }
                guard let geos, let query, query.area > 0 else { break }
                guard let g = try? ForceAreas.geometry(r.polygon.parts, in: geos),
                      let shared = try? query.intersection(g) else { continue }
                let share = min(1, shared.area / query.area)
                if share > 0 { out.append((r.slug, share)) }
            }
        }
        return out.sorted { $0.share != $1.share ? $0.share > $1.share : $0.slug < $1.slug }
    }

    /// The forces of `area` among its `shares`: those covering at least ``Coverage/minimumShare``
    /// of it, and those with at least ``Coverage/minimumForceShare`` of their own area inside it.
    /// A whole force inside a national box is a sliver of the box (Greater Manchester 0.4% of
    /// England and Wales, the City of London 0.4% of a 10-mile circle), yet its data is the
    /// answer's for a whole force.
    func forcesOf(_ area: Area, shares: [(slug: String, share: Double)]) -> [(slug: String, share: Double)] {
        // Most areas meet no force below the 1%: nothing to measure. Else in km² on the
        // ellipsoid, the area's and each force's (both computed once and kept).
        guard shares.contains(where: { $0.share < Coverage.minimumShare }) else { return shares }
        let size = area.areaKm2
        return shares.filter { s in
            s.share >= Coverage.minimumShare
                || regions.first(where: { $0.slug == s.slug }).map { s.share * size >= Coverage.minimumForceShare * $0.polygon.areaKm2 } == true
        }
    }

    /// How `shares(of:method:)` measures a force whose boundary crosses the area's box: `.settled`
    /// first asks whether the boundaries are apart (the area then wholly inside or outside),
    /// `.measured` always clips or intersects (the plain computation the settled one must equal; tests).
    enum ShareMethod { case settled, measured }

    static let metresPerDegreeLatitude = 111_132.0

    /// Metres per degree of longitude over metres per degree of latitude, near the circle.
    static func circleXScale(_ c: Circle) -> Double { cos(c.lat * .pi / 180) * 111_320 / metresPerDegreeLatitude }

    /// Share of a circle inside a polygon: the circle as a 72-gon in a local plane (x scaled by the
    /// cosine of its latitude), each ring of the polygon clipped to it by Sutherland–Hodgman (exact
    /// for a convex clip window, whatever the ring's shape: degenerate edges add no area).
    /// - Complexity: one pass over the rings, then O(vertices near the circle × 72).
    static func circleShare(_ c: Circle, of polygon: Polygon) -> Double {
        let k = circleXScale(c), rLat = c.radius.metres / metresPerDegreeLatitude, rx = rLat
        let circle = (0..<72).map { i -> (Double, Double) in
            let t = Double(i) * .pi / 36
            return (rx * cos(t), rLat * sin(t))
        }
        // Clipped first to the circle's box (4 edges, counter-clockwise like the circle), so the
        // 72 circle edges see only the few vertices near it, not the force's whole outline.
        let boxEdges = [((-rx, -rLat), (rx, -rLat)), ((rx, -rLat), (rx, rLat)), ((rx, rLat), (-rx, rLat)), ((-rx, rLat), (-rx, -rLat))]
        let edges = boxEdges + circle.indices.map { (circle[$0], circle[($0 + 1) % circle.count]) }
        func area(_ ring: [(Double, Double)]) -> Double {
            guard ring.count > 2 else { return 0 }
            var a = 0.0
            for i in ring.indices { let (x1, y1) = ring[i], (x2, y2) = ring[(i + 1) % ring.count]; a += x1 * y2 - x2 * y1 }
            return abs(a) / 2
        }
        func clip(_ ring: [(Double, Double)]) -> [(Double, Double)] {
            var out = ring
            for ((ax, ay), (bx, by)) in edges where !out.isEmpty {
                func inside(_ p: (Double, Double)) -> Bool { (bx - ax) * (p.1 - ay) - (by - ay) * (p.0 - ax) >= 0 }
                func cross(_ p: (Double, Double), _ q: (Double, Double)) -> (Double, Double) {
                    let d1 = (bx - ax) * (p.1 - ay) - (by - ay) * (p.0 - ax), d2 = (bx - ax) * (q.1 - ay) - (by - ay) * (q.0 - ax)
                    let t = d1 / (d1 - d2)
                    return (p.0 + t * (q.0 - p.0), p.1 + t * (q.1 - p.1))
                }
                let input = out
                out.removeAll(keepingCapacity: true)
                for j in input.indices {
                    let p = input[j], q = input[(j + 1) % input.count]
                    switch (inside(p), inside(q)) {
                    case (true, true): out.append(q)
                    case (true, false): out.append(cross(p, q))
                    case (false, true): out.append(cross(p, q)); out.append(q)
                    case (false, false): break
                    }
                }
            }
            return out
        }
        // Which sides of the circle's box a point lies beyond (left, right, below, above).
        func beyond(_ p: (Double, Double)) -> UInt8 {
            (p.0 < -rx ? 1 : 0) | (p.0 > rx ? 2 : 0) | (p.1 < -rLat ? 4 : 0) | (p.1 > rLat ? 8 : 0)
        }
        var covered = 0.0, local: [(Double, Double)] = []
        for part in polygon.parts {
            for (n, ring) in part.enumerated() {
                // The ring in the circle's plane, in one pass, with each run of vertices beyond one
                // side of the box cut to its two ends: the chord between them stays beyond that
                // side too, so what lies inside the box (all the clip keeps) is unchanged, and a
                // force's long outline shrinks to the few vertices near the circle.
                local.removeAll(keepingCapacity: true)
                var everywhere: UInt8 = 15, run: UInt8 = 0, runLength = 0, runEnd = (0.0, 0.0)
                for v in ring.dropLast() {
                    let p = ((v.lng - c.lng) * k, v.lat - c.lat), side = beyond(p)
                    everywhere &= side
                    if runLength > 0 && run & side != 0 {
                        run &= side; runEnd = p; runLength += 1
                        continue
                    }
                    if runLength > 1 { local.append(runEnd) }
                    (run, runLength, runEnd) = (side, side == 0 ? 0 : 1, p)
                    local.append(p)
                }
                if runLength > 1 { local.append(runEnd) }
                // Rings wholly beyond one side of the circle's box add nothing.
                if everywhere != 0 { continue }
                let clipped = clip(local)
                covered += n == 0 ? area(clipped) : -area(clipped)
            }
        }
        // A circle wholly inside comes back as itself plus rounding: call that whole. A ring that
        // passes near the circle without entering it can leave a sliver of rounding (~1e-31), which
        // listed the force at a share of 0.0000: call that nothing.
        let share = covered / area(circle)
        return share > 1 - 1e-9 ? 1 : share < 1e-12 ? 0 : share
    }

    /// The force whose area holds a point, if any.
    /// - Complexity: a box test per force (on flat boxes, so no region is copied), then the edge
    ///   index of the one or two whose box holds the point.
    public func force(at lat: Double, _ lng: Double) -> String? {
        for (i, b) in boxes.enumerated() where lat >= b.minY && lat <= b.maxY && lng >= b.minX && lng <= b.maxX {
            if regions[i].edges.contains(latitude: lat, longitude: lng) ?? true { return regions[i].slug }
        }
        return nil
    }

    /// The area of the force with this slug, if these areas have it.
    public func polygon(of slug: String) -> Polygon? {
        regions.first { $0.slug == slug }?.polygon
    }

    /// A box holding the area (lon/lat degrees), without allocating: a circle's from its radius
    /// with a margin (1% and 50 m) well beyond the ellipsoid's departure from the sphere.
    private static func box(_ area: Area) -> (Double, Double, Double, Double)? {
        switch area {
        case .circle(let c):
            let reach = c.radius.metres * 1.01 + 50
            let dLat = reach / 110_574, lat = min(89.9, abs(c.lat) + dLat)
            let dLng = min(180, reach / (111_320 * cos(lat * .pi / 180)))
            return (c.lng - dLng, c.lat - dLat, c.lng + dLng, c.lat + dLat)
        case .polygon(let p):
            var x0 = Double.infinity, y0 = Double.infinity, x1 = -Double.infinity, y1 = -Double.infinity
            for part in p.parts { for v in part[0] { x0 = min(x0, v.lng); x1 = max(x1, v.lng); y0 = min(y0, v.lat); y1 = max(y1, v.lat) } }
            return x0 <= x1 ? (x0, y0, x1, y1) : nil
        }
    }

    /// The GEOS geometry of lon/lat rings.
    private static func geometry(_ parts: [[[Polygon.Coordinate]]], in geos: GEOSContext) throws -> Geometry {
        try geos.polygon(parts.map { $0.map { $0.map { ($0.lng, $0.lat) } } })
    }

    /// Google's encoded polyline (1e5 degrees), as `scripts/make-force-areas` writes it.
    static func decodePolyline(_ s: String) -> [Polygon.Coordinate] {
        var out: [Polygon.Coordinate] = [], lat = 0, lng = 0
        var bytes = s.utf8.makeIterator()
        func next() -> Int? {
            var result = 0, shift = 0
            while let b = bytes.next() {
                let v = Int(b) - 63
                result |= (v & 0x1f) << shift
                shift += 5
                if v < 0x20 { return (result & 1) != 0 ? ~(result >> 1) : result >> 1 }
            }
            return nil
        }
        while let dLat = next(), let dLng = next() {
            lat += dLat; lng += dLng
            out.append(.init(lat: Double(lat) / 1e5, lng: Double(lng) / 1e5))
        }
        return out
    }
}

import Foundation
import Synchronization

extension CrimeMirror {
    /// The catchments, opened (or computed and stored, when the folder lacks them) on first use.
    func catchments() throws -> CatchmentStore {
        try catchmentCache.value { try CatchmentStore(snapshot: snapshot, delta: delta, location: location, tree: tree, progress: catchmentProgress) }
    }

    /// Opens the catchments now, computing them and storing them in the mirror folder first when
    /// it holds no catchment file made for this snapshot, so that no later question pays for the
    /// build (1.3 s and a 33 MB write for the whole country). ``Ingest`` calls it after writing a
    /// snapshot; a server calls it before it listens.
    /// - Returns: true when the catchments are in the mirror folder; false when they are held in
    ///   memory only (the embedded sample, a read-only folder) or the mirror has no map points.
    @discardableResult public func prepareCatchments() throws -> Bool {
        guard mapPointCount > 0 else { return false }
        return try catchments().stored
    }

    /// The catchment expansion report of a radius or polygon query: how far the map points inside
    /// it really reach, and `certain ≤ reported ≤ possible` bounds on its count.
    ///
    /// The query's outline is projected to British National Grid (a circle as a polygon inscribed
    /// in the geodesic circle, its edges within a centimetre of it) and compared with each stored
    /// catchment whose box meets it, with GEOS prepared predicates; only straddling catchments are
    /// intersected.
    /// - Complexity: O(catchments near the boundary × their vertices) GEOS work; no crime rows.
    public func catchmentReport(_ q: CrimeQuery) throws -> CatchmentReport {
        let plan = try QueryPlan(q, mirror: self)
        let result = try query(plan)
        let store = try catchments()
        let grid = try BritishNationalGrid.shared()
        let geos = GEOSContext()

        let outline: Polygon
        var radius: Double? = nil
        let centre: (lat: Double, lng: Double)
        switch q.area {
        case .circle(let c):
            // Enough sides that no edge falls more than a centimetre inside the geodesic circle
            // (the sagitta r(1 − cos π/n)), so a catchment grazing the circle is not left out of
            // `possible`: 512 sides fell 0.15 m short at 8 km, past a map point's resolution
            // (a micro-degree, ~0.1 m). At least 512.
            let n = max(512, Int((Double.pi / acos(1 - min(0.01 / c.radius.metres, 1))).rounded(.up)))
            outline = Polygon(parts: [[(0..<n).map { k in
                let p = Geodesic.wgs84.destination(lat: c.lat, lng: c.lng, azimuth: Double(k) * 360 / Double(n), metres: c.radius.metres)
                return Polygon.Coordinate(lat: p.lat, lng: p.lng)
            }]])
            radius = c.radius.metres
            centre = (c.lat, c.lng)
        case .polygon(let p):
            outline = p
            let b = p.boxE6
            centre = (Double(b.minLat + b.maxLat) / 2e6, Double(b.minLng + b.maxLng) / 2e6)
        }
        var shape = try grid.bngGeometry(outline, in: geos)
        if !shape.isValid {
            // Valid in degrees (the query checked it, or repaired it) but not once projected:
            // edges a hair apart can cross in metres (a repaired union of generalised LSOAs). The
            // projected outline is repaired the same way; only an outline GEOS cannot repair
            // there is refused.
            guard let repaired = try? geos.polygon(shape.makeValid().polygonRings), repaired.isValid, repaired.area > 0 else {
                throw GeoQueryError.invalidQuery("the query's outline is not a valid polygon once projected to British National Grid, and GEOS could not repair it there: simplify it")
            }
            shape = repaired
        }
        let prepared = shape.prepared()
        // Planar BNG m² → ellipsoidal km², by the query's own mean areal scale: its area on the
        // ellipsoid (the answer's `area_km2`) over its projected area. The scale at one point (the
        // centre) gave a query area 57 ppm off that figure in the same answer.
        let planarQuery = shape.area
        let toKm2 = planarQuery > 0 ? q.area.areaKm2 / planarQuery : 1 / (grid.arealScale(lat: centre.lat, lng: centre.lng) * 1e6)

        let inside = Set(try points(in: q.area))
        let e = shape.extent
        var candidates = Set(store.points(meeting: (e.0, e.1, e.2, e.3)))
        candidates.formUnion(inside)
        // Most catchments lie clearly inside or outside: a Swift box test against the outline's
        // edges settles them; only boxes near the boundary go to GEOS.
        let edges = PolygonEdgeIndex(rings: shape.polygonRings.flatMap { $0 }.map { $0.map { (x: $0.0, y: $0.1) } })
        var cells: [CatchmentReport.Cell] = []
        var union = 0.0, outsidePart = 0.0, fromOutside = 0.0, covered = 0.0
        var certain = 0, reported = 0, possible = 0
        let clipEdges = ClipEdges(store: store, snapshot: snapshot, geos: geos)
        for p in candidates.sorted() {
            let isInside = inside.contains(p)
            let crimes = count(point: p, monthLo: plan.monthLo, monthHi: plan.monthHi, categoryMask: plan.categoryMask, forceMask: plan.forceMask)
            let planar = store.area[p]
            guard planar > 0 else {
                // A vanished cell (clipped away entirely) takes no area; its point still counts.
                if isInside { reported += crimes; possible += crimes; certain += crimes }
                continue
            }
            var relation: CatchmentReport.Relation
            var inPart: Double
            let b = (store.box[4 * p], store.box[4 * p + 1], store.box[4 * p + 2], store.box[4 * p + 3])
            switch edges.classify(minX: b.0, minY: b.1, maxX: b.2, maxY: b.3) {
            case .inside:
                inPart = planar
                relation = isInside ? .inside : .straddlingOut
            case .outside where !isInside:
                continue
            default:
                let cell = try store.geometry(p, in: geos)!
                if prepared.covers(cell) {
                    inPart = planar
                    relation = isInside ? .inside : .straddlingOut
                } else if prepared.intersects(cell) {
                    // Intersect with the outline's part near the cell: a few edges, not hundreds.
                    let local = try shape.clipped(minX: b.0 - 1, minY: b.1 - 1, maxX: b.2 + 1, maxY: b.3 + 1)
                    let near = local.isValid ? local : shape
                    let part = try cell.intersection(near)
                    inPart = part.area
                    relation = isInside ? .straddlingIn : .straddlingOut
                    // Where the query's edge follows the boundary the catchment was clipped to (a
                    // force, or part of one), the two outlines differ by rounding noise (~1e-13 of
                    // a cell) or by the bend of a long edge cut short (an edge straight in degrees
                    // is not straight in metres: an independent check measured a strip of 66 m²
                    // along 250 m). A part on the far side no wider than a metre and lying along
                    // that boundary is no place (map points are given to ~0.1 m, the boundaries
                    // generalised to metres): none, either way. Elsewhere a graze of any width
                    // counts, as always.
                    if isInside && inPart >= planar * 0.99, try clipEdges.holds(cell.difference(near), of: p) {
                        inPart = planar
                        relation = .inside
                    } else if !isInside && inPart <= planar * 0.01, try clipEdges.holds(part, of: p) {
                        continue
                    }
                } else if isInside {
                    inPart = 0
                    relation = .straddlingIn
                } else {
                    continue
                }
            }
            inPart = min(inPart, planar)
            // A catchment that only touches the boundary (a shared edge or corner) holds no place
            // inside the query, so its crimes cannot be from there.
            if !isInside && inPart <= planar * 1e-12 { continue }
            covered += inPart
            if isInside {
                union += planar
                outsidePart += planar - inPart
                reported += crimes
                if relation == .inside { certain += crimes }
            } else {
                fromOutside += inPart
            }
            possible += crimes
            let catchment = Catchment(mapPoint: mapPoint(p), index: p, name: pointName(p), areaKm2: planar * toKm2,
                                      clippedTo: store.clippedTo(p), wkb: store.wkbBytes(p))
            cells.append(.init(catchment: catchment, relation: relation, crimes: crimes, shareInside: inPart / planar))
        }
        let queryArea = planarQuery
        return CatchmentReport(
            area: q.area, result: result, mapPointsInside: inside.count, queryAreaKm2: queryArea * toKm2, unionAreaKm2: union * toKm2,
            outsideAreaKm2: outsidePart * toKm2, servedFromOutsideKm2: fromOutside * toKm2,
            uncoveredKm2: max(0, queryArea - covered) * toKm2,
            bounds: CatchmentBounds(certain: certain, reported: reported, possible: possible,
                                    expansionRatio: queryArea > 0 ? union / queryArea : 0, missing: result.coverage.missing),
            effectiveRadiusMetres: radius.map { _ in (union * toKm2 * 1e6 / Double.pi).squareRoot() }, radiusMetres: radius,
            cells: cells, queryRings: outline.parts)
    }

    /// The catchment of one map point (index order), with its outline in WGS84.
    public func catchment(ofPoint p: Int) throws -> Catchment {
        guard (0..<mapPointCount).contains(p) else {
            throw GeoQueryError.notFound("no map point \(p): this mirror has map points 0–\(mapPointCount - 1)")
        }
        let store = try catchments()
        let grid = try BritishNationalGrid.shared()
        let point = mapPoint(p)
        let km2 = store.area[p] / (grid.arealScale(lat: point.latitude, lng: point.longitude) * 1e6)
        return Catchment(mapPoint: point, index: p, name: pointName(p), areaKm2: km2, clippedTo: store.clippedTo(p), wkb: store.wkbBytes(p))
    }

    /// The map point nearest a place (index order) and its geodesic distance in metres, or nil
    /// for an empty mirror.
    public func nearestMapPoint(lat: Double, lng: Double) -> (index: Int, metres: Double)? {
        guard let p = nearestPoint(latE6: MicroDegrees.rounded(lat), lngE6: MicroDegrees.rounded(lng)) else { return nil }
        return (p.index, Geodesic.wgs84.distance(lat1: lat, lng1: lng, lat2: MicroDegrees.degrees(p.latE6), lng2: MicroDegrees.degrees(p.lngE6)))
    }

    /// The map point with a `--map-points` id, or (for points without one) the mirror's index.
    /// - Complexity: O(log listed points) through the snapshot's sorted list of them (a scan for
    ///   snapshots made before it).
    public func mapPointIndex(id: Int) -> Int? {
        let listed = snapshot.array(.pointListedID, as: Int64.self)
        if snapshot.has(.pointsByListedID) {
            let byID = snapshot.array(.pointsByListedID, as: UInt32.self)
            var lo = 0, hi = byID.count
            while lo < hi { let mid = (lo + hi) / 2; if listed[Int(byID[mid])] < Int64(id) { lo = mid + 1 } else { hi = mid } }
            if lo < byID.count, listed[Int(byID[lo])] == Int64(id) { return Int(byID[lo]) }
        } else if let i = listed.firstIndex(of: Int64(id)) {
            return i
        }
        guard (0..<mapPointCount).contains(id) else { return nil }
        if id >= listed.count { return id }  // new in the delta
        return listed[id] < 0 && !(delta?.isEmptied(id) ?? false) ? id : nil
    }
}

/// A value computed once on first use, thread-safely; a failure is retried next time.
/// A `Mutex` held inline, not an `NSLock` (an object of its own).
final class LazyValue<T: Sendable>: Sendable {
    private let stored = Mutex<T?>(nil)

    func value(_ make: () throws -> T) throws -> T {
        try stored.valueMadeOnce(make)
    }
}

extension Mutex {
    /// The value held, or `make`'s, kept for next time; made under the lock, so only once (a
    /// failure is retried next time). For `Mutex<T?>` caches: ``LazyValue`` and a polygon's own.
    func valueMadeOnce<T>(_ make: () throws -> T) rethrows -> T where Value == T? {
        try withLock { stored in
            if let stored { return stored }
            let v = try make()
            stored = v
            return v
        }
    }
}

/// The strips along the force boundaries the catchments were clipped to, where a query's outline
/// following the same boundary differs from it by less than a place (see ``CrimeMirror/catchmentReport(_:)``).
/// Each boundary's band is made on first need, once a report.
final class ClipEdges {
    /// Metres: a part of a catchment narrower than this is no place.
    static let sliverWidth = 1.0

    private let store: CatchmentStore
    private let snapshot: Snapshot
    private let geos: GEOSContext
    private var boundaries: [ForceBoundary]?
    private var bands: [Int16: Geometry] = [:]

    init(store: CatchmentStore, snapshot: Snapshot, geos: GEOSContext) {
        self.store = store; self.snapshot = snapshot; self.geos = geos
    }

    /// Whether `part` of point `p`'s catchment is nowhere wider than ``sliverWidth`` (it vanishes
    /// when shrunk by half that on every side) and lies along the boundary the catchment was
    /// clipped to (within that width of its outline).
    func holds(_ part: Geometry, of p: Int) throws -> Bool {
        let group = store.clip[p]
        guard group >= 0 else { return false }
        if part.area > 0 {
            let eroded = try part.buffered(-Self.sliverWidth / 2)
            if eroded.area > 0 { return false }
        }
        return try part.difference(band(group)).area <= part.area * 1e-6
    }

    /// The outline of boundary `group`, widened by ``sliverWidth`` either side.
    private func band(_ group: Int16) throws -> Geometry {
        if let b = bands[group] { return b }
        if boundaries == nil { boundaries = try snapshot.boundaries() }
        let outline = try boundaries![Int(group)].wkb.withUnsafeBytes { try geos.readWKB($0) }
        let b = try outline.buffered(Self.sliverWidth).difference(outline.buffered(-Self.sliverWidth))
        bands[group] = b
        return b
    }
}

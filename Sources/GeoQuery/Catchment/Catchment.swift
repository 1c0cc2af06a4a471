/// A map point's catchment: the area whose crimes Police UK would move to it (its Voronoi cell
/// among the map points, clipped to the force boundary or to 20 km).
public struct Catchment: Sendable {
    public var mapPoint: MapPoint
    /// Index in the mirror (tree order).
    public var index: Int
    /// The point's first "On or near ..." name.
    public var name: String
    /// Area on the ellipsoid, km².
    public var areaKm2: Double
    /// The force boundary it was clipped to, or "20 km from the point".
    public var clippedTo: String
    /// The cell as stored: WKB in British National Grid metres (empty when the cell vanished).
    let wkb: [UInt8]

    /// Outline in WGS84: parts, each exterior ring then holes (empty when the cell vanished).
    /// Converted from the stored geometry on each call (PROJ and GEOS work: pictures and
    /// exports ask for it, counts do not).
    public var rings: [[[Polygon.Coordinate]]] { Catchment.outlines([self])[0] }

    /// The WGS84 outlines of many catchments at once: one GEOS context and one PROJ call for
    /// all their vertices (per-catchment contexts and calls cost more than the conversion).
    public static func outlines(_ catchments: [Catchment]) -> [[[[Polygon.Coordinate]]]] {
        guard let grid = try? BritishNationalGrid.shared() else { return catchments.map { _ in [] } }
        let geos = GEOSContext()
        let planar = catchments.map { c -> [[[(Double, Double)]]] in
            guard !c.wkb.isEmpty, let g = try? c.wkb.withUnsafeBytes({ try geos.readWKB($0) }) else { return [] }
            return g.polygonRings
        }
        var xs: [Double] = [], ys: [Double] = []
        for parts in planar { for ring in parts.joined() { for (x, y) in ring { xs.append(x); ys.append(y) } } }
        grid.toWGS84(eastings: &xs, northings: &ys)
        var k = 0
        return planar.map { parts in
            parts.map { rings in
                rings.map { ring in
                    defer { k += ring.count }
                    return (k..<(k + ring.count)).map { Polygon.Coordinate(lat: ys[$0], lng: xs[$0]) }
                }
            }
        }
    }
}

/// How far the map points of a query really reach, and the honest bounds on its count.
///
/// Areas are on the ellipsoid: planar British National Grid areas divided by the projection's
/// areal scale at the query's centre.
public struct CatchmentReport: Sendable {
    /// How a map point's catchment sits against the query.
    public enum Relation: String, Sendable {
        /// Point inside, catchment wholly inside: its crimes certainly happened inside.
        case inside
        /// Point inside, catchment crosses the boundary: counted, but some may be from outside.
        case straddlingIn = "straddling-in"
        /// Point outside, catchment reaches in: not counted, but some may be from inside.
        case straddlingOut = "straddling-out"
    }

    /// One map point whose catchment touches the query.
    public struct Cell: Sendable {
        public var catchment: Catchment
        public var relation: Relation
        /// Crimes at the point under the query's filters.
        public var crimes: Int
        /// Share of the catchment's area inside the query (0...1).
        public var shareInside: Double
    }

    /// The query's area.
    public var area: Area
    /// The query's own answer: counts, months, coverage notes.
    public var result: QueryResult
    public var from: Month { result.from }
    public var to: Month { result.to }
    /// Map points inside the query (as the query counts them).
    public var mapPointsInside: Int
    /// The query's area, km².
    public var queryAreaKm2: Double
    /// Area of the union of the inside points' catchments, km².
    public var unionAreaKm2: Double
    /// Area of those catchments outside the query, km².
    public var outsideAreaKm2: Double
    /// Area of the query whose catchments belong to points outside it, km².
    public var servedFromOutsideKm2: Double
    /// Area of the query in no catchment (beyond the clipped bounds: sea, other countries), km².
    public var uncoveredKm2: Double
    /// certain ≤ reported ≤ possible, and the expansion ratio (union ÷ query).
    public var bounds: CatchmentBounds
    /// Radius of a circle with the union's area, metres (radius queries only).
    public var effectiveRadiusMetres: Double?
    /// The query's radius in metres (radius queries only).
    public var radiusMetres: Double?
    /// Every map point whose catchment touches the query, by index.
    public var cells: [Cell]
    /// The query's outline in WGS84 (a circle as a 256-gon).
    public var queryRings: [[[Polygon.Coordinate]]]
    /// When no map point is inside: the nearest one and its distance in metres.
    public var nearest: QueryResult.NearestMapPoint? { mapPointsInside == 0 ? result.nearestMapPoint : nil }
    /// Coverage and filter notes of the underlying query.
    public var notes: [String] { result.notes }
    public var synthetic: Bool { result.synthetic }

    /// Points inside whose catchment crosses the boundary, and points outside whose catchment reaches in.
    public var straddlers: [Cell] { cells.filter { $0.relation != .inside } }
}

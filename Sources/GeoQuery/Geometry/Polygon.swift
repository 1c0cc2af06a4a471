import Foundation

/// A query polygon in longitude/latitude degrees: one or more parts, each an exterior ring
/// followed by its holes. Edges are straight lines in lon/lat, as the API and RFC 7946 treat
/// them; a map point on the boundary counts as inside.
public struct Polygon: Sendable, Equatable {
    public struct Coordinate: Sendable, Equatable {
        public var lat: Double
        public var lng: Double
        public init(lat: Double, lng: Double) { self.lat = lat; self.lng = lng }
    }

    /// parts[p][0] is part p's exterior ring, parts[p][1...] its holes; rings are closed.
    public var parts: [[[Coordinate]]]
    /// What the user should know about how it was read (repairs).
    public var warnings: [String] = []

    public init(parts: [[[Coordinate]]], warnings: [String] = []) {
        self.parts = parts.map { $0.map(Polygon.closed) }
        self.warnings = warnings
    }

    static func closed(_ ring: [Coordinate]) -> [Coordinate] {
        guard let f = ring.first, let l = ring.last, f != l else { return ring }
        return ring + [f]
    }

    /// Area in km² on the WGS84 ellipsoid (PROJ geodesic area; holes subtracted).
    public var areaKm2: Double {
        parts.reduce(0.0) { total, rings in
            let outer = Geodesic.wgs84.area(ring: rings[0].map { ($0.lat, $0.lng) })
            let holes = rings.dropFirst().reduce(0.0) { $0 + Geodesic.wgs84.area(ring: $1.map { ($0.lat, $0.lng) }) }
            return total + outer - holes
        } / 1e6
    }

    /// Vertices in all rings (closing vertices excluded).
    public var vertexCount: Int { parts.reduce(0) { $0 + $1.reduce(0) { $0 + max(0, $1.count - 1) } } }

    /// Bounding box in micro-degrees, rounded outwards.
    var boxE6: (minLat: Int32, minLng: Int32, maxLat: Int32, maxLng: Int32) {
        let all = parts.flatMap { $0.flatMap { $0 } }
        func e6(_ v: Double, _ rule: FloatingPointRoundingRule) -> Int32 { Int32((v * 1e6).rounded(rule)) }
        return (e6(all.map(\.lat).min() ?? 0, .down), e6(all.map(\.lng).min() ?? 0, .down),
                e6(all.map(\.lat).max() ?? 0, .up), e6(all.map(\.lng).max() ?? 0, .up))
    }

    /// The GEOS geometry of this polygon, in `context` (x = longitude, y = latitude).
    func geometry(in context: GEOSContext) throws -> Geometry {
        try context.polygon(parts.map { $0.map { $0.map { ($0.lng, $0.lat) } } })
    }

    /// Reads a GEOS polygonal geometry back into coordinates.
    init(_ g: Geometry, warnings: [String] = []) {
        self.init(parts: g.polygonalParts().map { $0.rings().map { $0.map { Coordinate(lat: $0.1, lng: $0.0) } } }, warnings: warnings)
    }
}

/// The polygon as the tree tests it: GEOS prepared geometry, a box prefilter in micro-degrees.
/// Holds its own GEOS context, so one query's area is never shared between threads.
struct PolygonArea: TreeArea {
    let context = GEOSContext()
    let prepared: PreparedGeometry
    let box: (minLat: Int32, minLng: Int32, maxLat: Int32, maxLng: Int32)

    init(_ polygon: Polygon) throws {
        prepared = try polygon.geometry(in: context).prepared()
        box = polygon.boxE6
    }

    func classify(minLat a: Int32, minLng b: Int32, maxLat c: Int32, maxLng d: Int32) -> BoxRelation {
        if c < box.minLat || a > box.maxLat || d < box.minLng || b > box.maxLng { return .outside }
        let rect = context.rectangle(minX: Double(b) / 1e6, minY: Double(a) / 1e6, maxX: Double(d) / 1e6, maxY: Double(c) / 1e6)
        if prepared.covers(rect) { return .inside }
        return prepared.intersects(rect) ? .crosses : .outside
    }

    func contains(latE6: Int32, lngE6: Int32) -> Bool {
        if latE6 < box.minLat || latE6 > box.maxLat || lngE6 < box.minLng || lngE6 > box.maxLng { return false }
        return prepared.intersects(context.point(x: Double(lngE6) / 1e6, y: Double(latE6) / 1e6))
    }
}

import Foundation
import Synchronization

/// A query polygon in longitude/latitude degrees: one or more parts, each an exterior ring
/// followed by its holes. Edges are straight lines in lon/lat, as the API and RFC 7946 treat
/// them; a map point on the boundary counts as inside.
public struct Polygon: Sendable, Equatable {
    public struct Coordinate: Sendable, Equatable, BitwiseCopyable {
        public var lat: Double
        public var lng: Double
        public init(lat: Double, lng: Double) { self.lat = lat; self.lng = lng }
    }

    /// parts[p][0] is part p's exterior ring, parts[p][1...] its holes; rings are closed.
    public let parts: [[[Coordinate]]]
    /// What the user should know about how it was read (repairs).
    public var warnings: [String] = []

    /// Area in km² on the WGS84 ellipsoid of this shape, edges straight in lon/lat as containment
    /// draws them (`LonLatArea`; holes subtracted), computed on first use and shared by every copy
    /// (an answer that does not show the area never pays for it).
    public var areaKm2: Double {
        cache.area.valueMadeOnce { Polygon.areaKm2(parts) }
    }

    /// The values made on first use and shared by every copy: the area, and the edge index
    /// (validation, the tree walk and coverage read the same one, so a query builds it once).
    /// One object of a concrete class, not a generic `LazyValue` per value: each query polygon
    /// makes one, and a generic class's deinit looks its value's type up at run time.
    private final class Cache: Sendable {
        let area = Mutex<Double?>(nil)
        let edges = Mutex<PolygonEdgeIndex?>(nil)
    }
    private let cache = Cache()

    public init(parts: [[[Coordinate]]], warnings: [String] = []) {
        self.parts = Polygon.closed(parts)
        self.warnings = warnings
        boxE6 = Polygon.box(self.parts)
    }

    public static func == (a: Polygon, b: Polygon) -> Bool { a.parts == b.parts && a.warnings == b.warnings }

    /// The polygon's edge index (all rings, even-odd).
    /// - Complexity: O(n log n) the first time, then a lock.
    var edges: PolygonEdgeIndex {
        cache.edges.valueMadeOnce { PolygonEdgeIndex(self) }
    }

    /// The first vertex of every ring (x = longitude, y = latitude).
    var ringStarts: [(x: Double, y: Double)] {
        parts.flatMap { $0.compactMap { $0.first.map { (x: $0.lng, y: $0.lat) } } }
    }

    /// Every ring closed. The readers close every ring already: the lists are copied only when
    /// one is open.
    static func closed(_ parts: [[[Coordinate]]]) -> [[[Coordinate]]] {
        parts.allSatisfy { $0.allSatisfy { $0.first == $0.last } } ? parts : parts.map { $0.map(Polygon.closed) }
    }

    static func closed(_ ring: [Coordinate]) -> [Coordinate] {
        guard let f = ring.first, let l = ring.last, f != l else { return ring }
        return ring + [f]
    }

    static func areaKm2(_ parts: [[[Coordinate]]]) -> Double {
        parts.reduce(0.0) { total, rings in
            total + LonLatArea.area(ring: rings[0]) - rings.dropFirst().reduce(0.0) { $0 + LonLatArea.area(ring: $1) }
        } / 1e6
    }

    /// Vertices in all rings (closing vertices excluded).
    public var vertexCount: Int { parts.reduce(0) { $0 + $1.reduce(0) { $0 + max(0, $1.count - 1) } } }

    /// Bounding box in micro-degrees, rounded outwards: found once, as the polygon is made
    /// (every polygon query asks for it).
    let boxE6: (minLat: Int32, minLng: Int32, maxLat: Int32, maxLng: Int32)

    /// One pass, no copies.
    private static func box(_ parts: [[[Coordinate]]]) -> (minLat: Int32, minLng: Int32, maxLat: Int32, maxLng: Int32) {
        var minLat = Double.infinity, minLng = Double.infinity, maxLat = -Double.infinity, maxLng = -Double.infinity
        for rings in parts {
            for ring in rings {
                for c in ring {
                    minLat = Swift.min(minLat, c.lat); maxLat = Swift.max(maxLat, c.lat)
                    minLng = Swift.min(minLng, c.lng); maxLng = Swift.max(maxLng, c.lng)
                }
            }
        }
        guard minLat <= maxLat else { return (0, 0, 0, 0) }
        func e6(_ v: Double, _ rule: FloatingPointRoundingRule) -> Int32 { Int32((v * 1e6).rounded(rule)) }
        return (e6(minLat, .down), e6(minLng, .down), e6(maxLat, .up), e6(maxLng, .up))
    }

    /// The GEOS geometry of this polygon, in `context` (x = longitude, y = latitude).
    func geometry(in context: GEOSContext) throws -> Geometry {
        try context.polygon(parts.map { $0.map { $0.map { ($0.lng, $0.lat) } } })
    }

    /// Reads a GEOS polygonal geometry back into coordinates.
    init(_ g: Geometry, warnings: [String] = []) {
        self.init(parts: g.polygonRings.map { $0.map { $0.map { Coordinate(lat: $0.1, lng: $0.0) } } }, warnings: warnings)
    }
}

/// A polygon ready for many point tests: a GEOS prepared geometry in its own context, behind a
/// bounding-box prefilter. Not for sharing between threads (one GEOS context per thread).
public final class PreparedPolygon {
    let context = GEOSContext()
    let prepared: PreparedGeometry
    let box: (minLat: Int32, minLng: Int32, maxLat: Int32, maxLng: Int32)

    public init(_ polygon: Polygon) throws {
        prepared = try polygon.geometry(in: context).prepared()
        box = polygon.boxE6
    }

    /// Inside or on the boundary (`GEOSPreparedIntersects_r` on a point).
    /// - Complexity: a GEOS point is created and destroyed per call (GEOS 3.11 has no
    ///   `GEOSPreparedContainsXY_r`), then an indexed test against the edges.
    public func contains(latitude: Double, longitude: Double) -> Bool {
        contains(latE6: MicroDegrees.rounded(latitude), lngE6: MicroDegrees.rounded(longitude), lat: latitude, lng: longitude)
    }

    @inline(__always)
    func contains(latE6: Int32, lngE6: Int32, lat: Double, lng: Double) -> Bool {
        if latE6 < box.minLat || latE6 > box.maxLat || lngE6 < box.minLng || lngE6 > box.maxLng { return false }
        return prepared.intersects(context.point(x: lng, y: lat))
    }
}

/// The polygon as the tree tests it: the Swift edge index decides almost everything; GEOS's
/// prepared geometry decides the few points the index cannot (within rounding of an edge).
final class PolygonArea: TreeArea {
    let polygon: Polygon
    let edges: PolygonEdgeIndex
    private let box: (minLat: Int32, minLng: Int32, maxLat: Int32, maxLng: Int32)
    var boxE6: (minLat: Int32, minLng: Int32, maxLat: Int32, maxLng: Int32) { box }
    private var geos: PreparedPolygon?
    /// Points the edge index left to GEOS (for tests and benchmarks).
    private(set) var deferredToGEOS = 0

    init(_ p: Polygon) throws {
        polygon = p
        edges = p.edges
        box = p.boxE6
    }

    func classify(minLat a: Int32, minLng b: Int32, maxLat c: Int32, maxLng d: Int32) -> BoxRelation {
        if c < box.minLat || a > box.maxLat || d < box.minLng || b > box.maxLng { return .outside }
        // A box reaching beyond the polygon's own box cannot be covered.
        if a < box.minLat || c > box.maxLat || b < box.minLng || d > box.maxLng { return .crosses }
        return edges.classify(minX: MicroDegrees.degrees(b), minY: MicroDegrees.degrees(a), maxX: MicroDegrees.degrees(d), maxY: MicroDegrees.degrees(c))
    }

    func contains(latE6: Int32, lngE6: Int32) -> Bool {
        // Outside the polygon's box (the test `classify` trusts): no conversion to degrees, which
        // divides twice. Most of a crossing leaf's points fall here.
        guard inBox(latE6: latE6, lngE6: lngE6) else { return false }
        let lat = MicroDegrees.degrees(latE6), lng = MicroDegrees.degrees(lngE6)
        if let answer = edges.contains(x: lng, y: lat) { return answer }
        return decidedByGEOS(latE6: latE6, lngE6: lngE6)
    }

    /// A leaf's points: those in the polygon's box through the edge index at once (see
    /// ``PolygonEdgeIndex/containsEach(latE6:lngE6:_:)``), the few it cannot decide by GEOS.
    func containsEach(latE6 lat: UnsafePointer<Int32>, lngE6 lng: UnsafePointer<Int32>, count: Int) -> UInt64 {
        var candidates: UInt64 = 0
        for i in 0..<count where inBox(latE6: lat[i], lngE6: lng[i]) { candidates |= 1 << UInt64(i) }
        guard candidates != 0 else { return 0 }
        var (inside, undecided) = edges.containsEach(latE6: lat, lngE6: lng, candidates)
        while undecided != 0 {
            let i = undecided.trailingZeroBitCount
            undecided &= undecided &- 1
            if decidedByGEOS(latE6: lat[i], lngE6: lng[i]) { inside |= 1 << UInt64(i) }
        }
        return inside
    }

    /// In the polygon's box (micro-degrees, rounded outwards): the test `classify` trusts.
    @inline(__always)
    private func inBox(latE6: Int32, lngE6: Int32) -> Bool {
        latE6 >= box.minLat && latE6 <= box.maxLat && lngE6 >= box.minLng && lngE6 <= box.maxLng
    }

    /// Within rounding of an edge: GEOS's prepared geometry decides.
    private func decidedByGEOS(latE6: Int32, lngE6: Int32) -> Bool {
        deferredToGEOS += 1
        if geos == nil { geos = try? PreparedPolygon(polygon) }
        return geos?.contains(latE6: latE6, lngE6: lngE6, lat: MicroDegrees.degrees(latE6), lng: MicroDegrees.degrees(lngE6)) ?? false
    }
}

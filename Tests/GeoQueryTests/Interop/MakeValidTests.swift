import Foundation
import Testing
@testable import GeoQuery

/// geoquery's repair (GEOS MakeValid, its default `linework` method): what it makes of each kind
/// of fault, and that a repaired query counts the crimes of the area the repair makes, against a
/// brute force. (GEOS's `structure` method is cheaper, ~20× in shapely's GEOS 3.14 on the faulty
/// real LSOAs, but it fills an enclave traced as a ring touching itself, counting crimes outside
/// the area.)
@Suite struct MakeValidTests {
    /// Polygonal area of a repair (planar, in the input's units) and its number of polygons.
    static func repaired(_ wkt: String) throws -> (area: Double, parts: Int) {
        let parts = try GEOSContext().readWKT(wkt).makeValid().polygonalParts()
        return (parts.reduce(0) { $0 + $1.area }, parts.count)
    }

    /// Each kind of fault, with the exact area the repair leaves.
    @Test func repairKeepsWhatTheRingsEncloseAnOddNumberOfTimes() throws {
        let cases: [(name: String, wkt: String, area: Double, parts: Int)] = [
            // A ring touching itself around an enclave (as the faulty real LSOAs do): the enclave
            // stays out (100 − 10).
            ("ring touching itself", "POLYGON((0 0,10 0,10 10,5 10,3 5,7 5,5 10,0 10,0 0))", 90, 1),
            // A bow-tie keeps both halves.
            ("bow-tie", "POLYGON((0 0,10 10,10 0,0 10,0 0))", 50, 2),
            // Two 10×10 squares overlapping by 5×5: the overlap cancels (200 − 2 × 25), leaving two
            // L-shapes that meet at two corners.
            ("overlapping parts", "MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0)),((5 5,15 5,15 15,5 15,5 5)))", 150, 2),
            // A part inside another: the ring between them (100 − 36).
            ("nested shells", "MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0)),((2 2,8 2,8 8,2 8,2 2)))", 64, 1),
            // A hole crossing its shell: the half outside the shell is added, the half inside cut out.
            ("hole across the shell", "POLYGON((0 0,10 0,10 10,0 10,0 0),(5 5,15 5,15 15,5 15,5 5))", 150, 2),
        ]
        for c in cases {
            let r = try Self.repaired(c.wkt)
            #expect(abs(r.area - c.area) < 1e-9 && r.parts == c.parts, "\(c.name): \(r)")
        }
    }

    /// `--repair` on two overlapping rectangles, and on a rectangle with a hole across its edge,
    /// counts what the brute force counts inside exactly one of the two rectangles. (Corners off
    /// the micro-degree grid: no map point lies on an edge.)
    @Test func repairedQueriesCountTheAreaTheRepairMakes() throws {
        let mirror = TestData.realMirror
        typealias Box = (s: Double, w: Double, n: Double, e: Double)
        func ring(_ b: Box) -> String { "[[\(b.w),\(b.s)],[\(b.e),\(b.s)],[\(b.e),\(b.n)],[\(b.w),\(b.n)],[\(b.w),\(b.s)]]" }
        func inBox(_ b: Box, _ lat: Double, _ lng: Double) -> Bool { lat > b.s && lat < b.n && lng > b.w && lng < b.e }
        let a: Box = (52.6200003, -1.1500003, 52.6400003, -1.1200003)
        let b: Box = (52.6300007, -1.1350007, 52.6500007, -1.1050007)
        for (name, geojson) in [("overlapping parts", #"{"type":"MultiPolygon","coordinates":[[\#(ring(a))],[\#(ring(b))]]}"#),
                                ("hole across the shell", #"{"type":"Polygon","coordinates":[\#(ring(a)),\#(ring(b))]}"#)] {
            let polygon = try PolygonReader.geojson(geojson, repair: true)
            #expect(polygon.warnings.count == 1, "\(name): \(polygon.warnings)")
            let result = try mirror.query(CrimeQuery.polygon(polygon, from: nil, to: nil))
            let expected = Expected.bruteForce(inside: { inBox(a, $0, $1) != inBox(b, $0, $1) }, near: { inBox((52.61, -1.16, 52.66, -1.10), $0, $1) },
                                               from: mirror.firstMonth!.description, to: mirror.lastMonth!.description,
                                               categories: [], forces: [], excludeBTP: false)
            #expect(Expected.observed(result) == expected, "\(name)")
            #expect(result.total > 1000, "\(name): \(result.total) crimes")
        }
    }
}

import Foundation
import Testing
@testable import GeoQuery

/// Polygon answers on the real archive against a brute-force point-in-polygon over the parsed rows.
@Suite struct PolygonQueryTests {
    typealias C = Polygon.Coordinate

    /// A star-shaped ring around a centre: random radii at jittered, evenly spread angles. Every
    /// angular gap stays below π (n ≥ 4), so the centre sees every edge and the ring is simple.
    static func star(_ lat: Double, _ lng: Double, vertices n: Int, minR: Double, maxR: Double, using rng: inout SeededRandom) -> [C] {
        let angles = (0..<n).map { k in (Double(k) + Double.random(in: 0..<0.8, using: &rng)) * 2 * .pi / Double(n) }
        let ring = angles.map { a -> C in
            let r = Double.random(in: minR...maxR, using: &rng)
            return C(lat: lat + r * sin(a), lng: lng + r * cos(a) * 1.6)
        }
        return Set(ring.map { "\($0.lat),\($0.lng)" }).count == ring.count ? ring : star(lat, lng, vertices: n, minR: minR, maxR: maxR, using: &rng)
    }

    static func wkt(_ parts: [[[C]]]) -> String {
        func ring(_ r: [C]) -> String { "(" + (r + [r[0]]).map { "\($0.lng) \($0.lat)" }.joined(separator: ", ") + ")" }
        return "MULTIPOLYGON(" + parts.map { "(" + $0.map(ring).joined(separator: ", ") + ")" }.joined(separator: ", ") + ")"
    }

    func check(_ parts: [[[C]]], from: Month?, to: Month?, categories: [String] = [], label: String) throws {
        let polygon = try PolygonReader.wkt(PolygonQueryTests.wkt(parts))
        let reference = Polygon(parts: parts)
        let mirror = TestData.realMirror
        let q = CrimeQuery.polygon(polygon, from: from, to: to, categories: categories)
        let result = try mirror.query(q)
        let all = parts.flatMap { $0.flatMap { $0 } }
        let (a, b, c, d) = (all.map(\.lat).min()!, all.map(\.lat).max()!, all.map(\.lng).min()!, all.map(\.lng).max()!)
        let expected = Expected.bruteForce(inside: { ReferencePolygon.contains(reference, lat: $0, lng: $1) },
                                           near: { $0 >= a && $0 <= b && $1 >= c && $1 <= d },
                                           from: (from ?? mirror.firstMonth!).description, to: (to ?? mirror.lastMonth!).description,
                                           categories: Set(categories), forces: [], excludeBTP: false)
        #expect(Expected.observed(result) == expected, "\(label)")
    }

    @Test func randomPolygonsAgainstBruteForce() throws {
        let seed = SeededRandom.seed(77)
        var rng = SeededRandom(seed: seed)
        let located = TestData.referenceRows.filter { $0.lat != nil }
        let months = (Month("2018-10")!...Month("2022-10")!).months
        for i in 0..<100 {
            let anchor = located[Int.random(in: 0..<located.count, using: &rng)]
            let (lat, lng) = (anchor.lat!, anchor.lng!)
            let size = Double.random(in: 0.002...0.05, using: &rng)
            var parts: [[[C]]]
            switch i % 4 {
            case 0:  // convex: a star with equal radii is a convex polygon inscribed in an ellipse
                parts = [[PolygonQueryTests.star(lat, lng, vertices: Int.random(in: 3...60, using: &rng), minR: size, maxR: size, using: &rng)]]
            case 1:  // concave star, 3–60 vertices
                parts = [[PolygonQueryTests.star(lat, lng, vertices: Int.random(in: 3...60, using: &rng), minR: size * 0.2, maxR: size, using: &rng)]]
            case 2:  // with a hole strictly inside the outer ring (evenly spread angles keep the
                     // outer edges at ≥ 0.55·size from the centre; the hole stays within 0.3·size)
                let n = Int.random(in: 16...40, using: &rng)
                let outer = (0..<n).map { k -> C in
                    let a = (Double(k) + Double.random(in: 0..<0.5, using: &rng)) * 2 * .pi / Double(n)
                    let r = Double.random(in: (size * 0.6)...size, using: &rng)
                    return C(lat: lat + r * sin(a), lng: lng + r * cos(a) * 1.6)
                }
                let hole = PolygonQueryTests.star(lat, lng, vertices: Int.random(in: 3...20, using: &rng), minR: size * 0.1, maxR: size * 0.3, using: &rng)
                parts = [[outer, hole]]
            default:  // two disjoint parts
                let first = PolygonQueryTests.star(lat, lng, vertices: Int.random(in: 3...30, using: &rng), minR: size * 0.3, maxR: size, using: &rng)
                let second = PolygonQueryTests.star(lat + size * 2.5, lng, vertices: Int.random(in: 3...30, using: &rng), minR: size * 0.3, maxR: size, using: &rng)
                parts = [[first], [second]]
            }
            var a = months[Int.random(in: 0..<months.count, using: &rng)], b = months[Int.random(in: 0..<months.count, using: &rng)]
            if a > b { swap(&a, &b) }
            let categories = i % 5 == 2 ? [Category.standard[i % 14]] : []
            try check(parts, from: i % 3 == 0 ? nil : a, to: i % 3 == 0 ? nil : b, categories: categories, label: "polygon \(i) (seed \(seed))")
        }
    }

    @Test func lsoasOfAnAreaSumToTheirUnion() throws {
        for lad in ["E09000001", "E06000016"] {
            let text = try String(contentsOfFile: TestData.shared.appendingPathComponent("boundaries/lsoa-2011-by-lad/\(lad).json").path, encoding: .utf8)
            // Generalised boundaries hold a few self-touching rings: repaired with MakeValid.
            let features = try PolygonReader.geojsonFeatures(text, key: "LSOA11CD", repair: true)
            let sum = try features.reduce(0) { $0 + (try TestData.realMirror.query(.polygon($1.polygon)).total) }
            let union = try TestData.realMirror.query(.polygon(try PolygonReader.geojson(text, repair: true)))
            #expect(sum == union.total, "\(lad): \(features.count) LSOAs")
            #expect(union.total > 0)
        }
    }

    @Test func aForceAreaMatchesBruteForce() throws {
        let leics = try #require(TestData.forceAreas.first { $0.key == "Leicestershire" })
        let result = try TestData.realMirror.query(.polygon(leics.polygon, from: Month("2020-01"), to: Month("2020-12")))
        let p = leics.polygon
        let box = p.boxE6
        let expected = Expected.bruteForce(inside: { ReferencePolygon.contains(p, lat: $0, lng: $1) },
                                           near: { $0 * 1e6 >= Double(box.minLat) && $0 * 1e6 <= Double(box.maxLat) && $1 * 1e6 >= Double(box.minLng) && $1 * 1e6 <= Double(box.maxLng) },
                                           from: "2020-01", to: "2020-12", categories: [], forces: [], excludeBTP: false)
        #expect(Expected.observed(result) == expected)
        #expect(abs(result.areaKm2 - 2553.6) < 30)  // ONS: Leicestershire PFA ≈ 2,550 km²
    }

    @Test func polygonInputFormsAgree() throws {
        let poly = try PolygonReader.poly("52.64,-1.15:52.64,-1.11:52.62,-1.11:52.62,-1.15")
        let wkt = try PolygonReader.wkt("POLYGON((-1.15 52.64, -1.11 52.64, -1.11 52.62, -1.15 52.62, -1.15 52.64))")
        let geojson = try PolygonReader.geojson(#"{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-1.15,52.64],[-1.11,52.64],[-1.11,52.62],[-1.15,52.62],[-1.15,52.64]]]}}"#)
        let kml = try PolygonReader.kml("""
        <?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><Polygon><outerBoundaryIs><LinearRing>
        <coordinates>-1.15,52.64,0 -1.11,52.64,0 -1.11,52.62,0 -1.15,52.62,0 -1.15,52.64,0</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>
        """)
        // RFC 7946 positions may carry an altitude (GEOS 3.11's GeoJSON reader refuses it), as
        // WKT's POLYGON Z may: both are read as the plane.
        let geojsonZ = try PolygonReader.geojson(#"{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-1.15,52.64,10],[-1.11,52.64,12.5],[-1.11,52.62,0],[-1.15,52.62,3],[-1.15,52.64,10]]]}}"#)
        let wktZ = try PolygonReader.wkt("POLYGON Z((-1.15 52.64 10, -1.11 52.64 12.5, -1.11 52.62 0, -1.15 52.62 3, -1.15 52.64 10))")
        #expect(geojsonZ.parts == geojson.parts && wktZ.parts == wkt.parts)
        let answers = try [poly, wkt, geojson, kml, geojsonZ, wktZ].map { try TestData.realMirror.query(.polygon($0)).total }
        #expect(Set(answers).count == 1 && answers[0] > 0)
        // Four numbers to a position is no altitude: still refused.
        #expect(throws: GeoQueryError.self) { try PolygonReader.geojson(#"{"type":"Polygon","coordinates":[[[-1.15,52.64,1,2],[-1.11,52.64,1,2],[-1.11,52.62,1,2],[-1.15,52.64,1,2]]]}"#) }
    }

    /// A ring whose points lie on one line is refused as enclosing no area, with or without
    /// repair, in every format: GEOS calls it a self-intersection, and its repair was no polygon
    /// at all, answered as zero crimes with a note placing the nearest map point 5,560 km away.
    @Test func aRingOnOneLineEnclosesNoArea() throws {
        func message(_ read: () throws -> Polygon) -> String? {
            do { _ = try read(); return nil } catch let e as GeoQueryError { return e.description } catch { return "\(error)" }
        }
        for repair in [false, true] {
            let cases = [
                message { try PolygonReader.poly("52.64,-1.15:52.64,-1.11:52.64,-1.13", repair: repair) },
                message { try PolygonReader.poly("52.60,-1.10:52.62,-1.12:52.61,-1.11:52.63,-1.13", repair: repair) },  // a diagonal, in decimals
                // Three on a diagonal: in binary a valid sliver of no area (a new user's check).
                message { try PolygonReader.poly("52.64,-1.15:52.63,-1.13:52.62,-1.11", repair: repair) },
                message { try PolygonReader.wkt("POLYGON((-1.15 52.64, -1.13 52.63, -1.11 52.62, -1.15 52.64))", repair: repair) },
                message { try PolygonReader.wkt("POLYGON((-1.15 52.64, -1.11 52.64, -1.13 52.64, -1.15 52.64))", repair: repair) },
                message { try PolygonReader.geojson(#"{"type":"Polygon","coordinates":[[[-1.15,52.64],[-1.11,52.64],[-1.13,52.64],[-1.15,52.64]]]}"#, repair: repair) },
            ]
            for m in cases { #expect(m?.contains("it encloses no area (its points lie on one line)") == true, "repair \(repair): \(m ?? "accepted")") }
        }
        // A thin triangle is not a line: still a polygon.
        let thin = try PolygonReader.poly("52.64,-1.15:52.64,-1.11:52.6400009,-1.13")
        #expect(thin.parts.count == 1)
    }
}

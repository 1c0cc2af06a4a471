import Foundation
import Testing
@testable import GeoQuery

/// `area_km2` is the ellipsoidal area of the shape containment uses (edges straight in lon/lat),
/// checked against pyproj's geodesic polygon area of the same rings densified along their
/// lon/lat-straight edges (short enough that geodesic and straight sub-edges coincide).
@Suite struct LonLatAreaTests {
    typealias C = Polygon.Coordinate

    /// pyproj.Geod(ellps="WGS84").polygon_area_perimeter of each ring, each edge split into
    /// `steps` equal lon/lat steps. Needs python3 with pyproj (scripts/setup installs it).
    static func pyprojAreas(_ rings: [[C]], steps: Int) throws -> [Double] {
        let script = """
        import json, sys
        from pyproj import Geod
        g = Geod(ellps="WGS84")
        out = []
        for ring, steps in json.load(sys.stdin):
            lats, lngs = [], []
            for (a, b), (c, d) in zip(ring, ring[1:] + ring[:1]):
                for k in range(steps):
                    t = k / steps
                    lats.append(a + (c - a) * t); lngs.append(b + (d - b) * t)
            out.append(abs(g.polygon_area_perimeter(lngs, lats)[0]))
        print(json.dumps(out))
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        let payload = rings.map { ring in [ring.map { [$0.lat, $0.lng] } as Any, steps] as [Any] }
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: payload))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let areas = try JSONSerialization.jsonObject(with: data) as? [Double] else {
            throw GeoQueryError.invalidQuery("python3 with pyproj is needed: run ./scripts/setup (pip install pyproj==3.7.2)")
        }
        return areas
    }

    @Test func continentSizedPolygonsMatchPyprojOnTheStraightShape() throws {
        let shapes: [[C]] = [
            // Slanted edges over Europe, one across 40° of longitude.
            [C(lat: 36, lng: -9), C(lat: 58, lng: 31), C(lat: 71, lng: 25), C(lat: 62, lng: -20)],
            // A lon/lat rectangle: its top and bottom follow parallels, which geodesics do not.
            [C(lat: 49, lng: -8), C(lat: 49, lng: 2), C(lat: 61, lng: 2), C(lat: 61, lng: -8)],
            // Southern hemisphere, clockwise.
            [C(lat: -10, lng: 113), C(lat: -44, lng: 146), C(lat: -39, lng: 115)],
        ]
        let reference = try Self.pyprojAreas(shapes, steps: 100_000)
        for (ring, expected) in zip(shapes, reference) {
            let area = LonLatArea.area(ring: ring)
            #expect(abs(area - expected) / expected < 1e-9, "\(ring): \(area) vs pyproj \(expected)")
            // The old geodesic-edge area is a different shape: the test tells them apart.
            let geodesic = Geodesic.wgs84.area(ring: ring.map { ($0.lat, $0.lng) })
            #expect(abs(geodesic - expected) / expected > 1e-4)
        }
    }

    @Test func lsoaAreasMatchPyprojAndMoveByMillionths() throws {
        let text = try String(contentsOfFile: TestData.shared.appendingPathComponent("boundaries/lsoa-2011-by-lad/E06000016.json").path, encoding: .utf8)
        let features = try PolygonReader.geojsonFeatures(text, key: "LSOA11CD", repair: true)
        let rings = features.prefix(40).flatMap { $0.polygon.parts.flatMap { $0 } }.map { Array($0.dropLast()) }
        // LSOA edges run to hundreds of metres: split 256 ways, the geodesic sub-edges follow
        // the straight edge to ~1e-4 m² (the error falls with the square of the step); pyproj's
        // sum of that many short geodesics itself scatters by ~1e-3 m² (measured).
        let reference = try Self.pyprojAreas(rings, steps: 256)
        var worstMove = 0.0
        for (ring, expected) in zip(rings, reference) {
            let area = LonLatArea.area(ring: ring)
            #expect(abs(area - expected) < 1e-9 * expected + 0.01, "\(area) vs pyproj \(expected)")
            let geodesic = Geodesic.wgs84.area(ring: ring.map { ($0.lat, $0.lng) })
            worstMove = max(worstMove, abs(area - geodesic) / geodesic)
        }
        // Geodesic and straight edges of ~100 m part by millimetres: measured up to ~6e-6 of an
        // LSOA's area (about 2 m² of 0.5 km²), invisible at area_km2's printed 0.001 km².
        #expect(worstMove < 1e-5, "worst relative change from the geodesic-edge area: \(worstMove)")
        print("LSOA areas vs geodesic-edge areas: worst relative change \(worstMove)")
    }

    @Test func polygonAreaSubtractsHolesAndAddsParts() throws {
        let outer = [C(lat: 52.6, lng: -1.2), C(lat: 52.6, lng: -1.0), C(lat: 52.7, lng: -1.0), C(lat: 52.7, lng: -1.2)]
        let hole = [C(lat: 52.62, lng: -1.15), C(lat: 52.68, lng: -1.15), C(lat: 52.68, lng: -1.05), C(lat: 52.62, lng: -1.05)]
        let other = [C(lat: 53.0, lng: -1.0), C(lat: 53.0, lng: -0.9), C(lat: 53.1, lng: -0.95)]
        let p = Polygon(parts: [[outer, hole], [other]])
        let (a, b, c) = (LonLatArea.area(ring: outer), LonLatArea.area(ring: hole), LonLatArea.area(ring: other))
        #expect(abs(p.areaKm2 - (a - b + c) / 1e6) < 1e-12 * p.areaKm2)
        let reference = try Self.pyprojAreas([outer, hole, other], steps: 10_000)
        #expect(abs(p.areaKm2 - (reference[0] - reference[1] + reference[2]) / 1e6) / p.areaKm2 < 1e-9)
    }
}

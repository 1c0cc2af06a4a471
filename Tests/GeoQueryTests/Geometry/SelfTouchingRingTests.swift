import Foundation
import Testing
@testable import GeoQuery

/// The repair of a ring touching itself (cut into its loops) against GEOS MakeValid, which it
/// stands in for: the same area point for point (both differences empty), the same parts, on
/// every such real LSOA and on made-up shapes; refused where MakeValid must do the work.
@Suite struct SelfTouchingRingTests {
    /// Both repairs of a polygon, with GEOS's verdict on the original.
    static func both(_ g: Geometry) throws -> (split: Geometry?, makeValid: Geometry, reason: String?) {
        let rings = g.rings()
        return (rings.count == 1 ? PolygonReader.splitAtTouches(rings[0], in: g.context) : nil, try g.makeValid(), g.invalidity?.reason)
    }

    /// The same polygonal area (MakeValid keeps a spike as a line beside the polygon; a query
    /// and the reader use the polygons only) in the same number of parts.
    static func same(_ a: Geometry, _ b: Geometry) throws -> Bool {
        let pa = try a.context.union(a.polygonalParts()), pb = try b.context.union(b.polygonalParts())
        return try pa.difference(pb).isEmpty && pb.difference(pa).isEmpty && a.polygonalParts().count == b.polygonalParts().count
    }

    /// Every LSOA in the shared boundaries that GEOS finds touching itself: the split repair is
    /// MakeValid's polygon, the reader uses it (its warning says so), and a query over it counts
    /// what a query over MakeValid's counts.
    @Test func realLSOAsRepairAsMakeValidDoes() throws {
        let folder = TestData.shared.appendingPathComponent("boundaries/lsoa-2011-by-lad").path
        var repaired = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() where file.hasSuffix(".json") {
            let text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
            let collection = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            for feature in try #require(collection["features"] as? [[String: Any]]) {
                let geometry = try #require(feature["geometry"])
                let json = String(decoding: try JSONSerialization.data(withJSONObject: geometry), as: UTF8.self)
                let context = GEOSContext()
                let g = try context.readGeoJSON(json)
                guard g.typeID == 3, g.invalidity?.reason == "Ring Self-intersection" else { continue }
                let name = (feature["properties"] as? [String: Any])?["LSOA11CD"] as? String ?? "?"
                let r = try Self.both(g)
                let split = try #require(r.split, "\(name): the split repair refused it")
                #expect(try Self.same(split, r.makeValid), "\(name)")
                #expect(abs(split.area - r.makeValid.area) <= 1e-12 * r.makeValid.area, "\(name)")
                // Through the reader, as batch and the CLI read it.
                let polygon = try PolygonReader.geojson(#"{"type":"Feature","properties":{},"geometry":\#(json)}"#, repair: true)
                #expect(polygon.warnings.count == 1 && polygon.warnings[0].contains("by splitting its ring where it touches itself (Ring Self-intersection"), "\(name): \(polygon.warnings)")
                let viaMakeValid = Polygon(r.makeValid)
                let a = try TestData.realMirror.query(.polygon(polygon)), b = try TestData.realMirror.query(.polygon(viaMakeValid))
                #expect(a.total == b.total && a.byCategory == b.byCategory && a.mapPoints == b.mapPoints, "\(name): \(a.total) vs \(b.total)")
                repaired += 1
            }
        }
        #expect(repaired >= 4, "\(repaired) self-touching LSOAs")
    }

    /// Random rings of two or three star-shaped loops through one shared vertex, each loop's
    /// other vertices at random angles and distances around its own centre: the loops may lie
    /// apart, nested, or cross. Wherever the split repair answers, it is MakeValid's polygon.
    @Test func randomLoopsThroughOneVertex() throws {
        var rng = SplitMix64(seed: 20261206)
        func uniform(_ r: ClosedRange<Double>) -> Double { r.lowerBound + Double(rng.next() >> 11) / Double(1 << 53) * (r.upperBound - r.lowerBound) }
        var answered = 0, nested = 0
        for trial in 0..<400 {
            var ring: [(Double, Double)] = []
            // Every other trial tucks the later loops into the first, near the shared vertex.
            let tuck = trial % 2 == 0
            var first = (d: 0.0, heading: 0.0)
            for k in 0..<(trial % 3 == 0 ? 3 : 2) {
                // The loop's centre at distance d from the shared vertex (0, 0); the vertex itself
                // is one of the loop's, at its own angle.
                let inner = tuck && k > 0
                let d = inner ? first.d * 0.4 : uniform(0.2...2)
                let heading = inner ? first.heading + uniform(-0.3...0.3) : uniform(0...(2 * .pi))
                if k == 0 { first = (d, heading) }
                let centre = (d * cos(heading), d * sin(heading)), toShared = heading + .pi
                let angles = (0..<Int(uniform(3...10))).map { _ in toShared + uniform(0.15...(2 * .pi - 0.15)) }.sorted()
                let reach = inner ? (0.3 * d)...(0.8 * d) : tuck ? (0.9 * d)...(1.6 * d) : (0.3 * d)...(1.6 * d)
                ring.append((0, 0))
                for a in angles {
                    let r = uniform(reach)
                    ring.append((centre.0 + r * cos(a), centre.1 + r * sin(a)))
                }
            }
            ring.append((0, 0))
            let context = GEOSContext()
            let g = try context.polygon([[ring]])
            guard g.invalidity != nil, let split = PolygonReader.splitAtTouches(ring, in: context) else { continue }
            answered += 1
            if split.polygonalParts().contains(where: { $0.rings().count > 1 }) { nested += 1 }
            #expect(try Self.same(split, try g.makeValid()), "trial \(trial): \(g.wkt)")
        }
        // Enough of both kinds answered for the comparison to mean something.
        #expect(answered >= 100 && nested >= 20, "\(answered) answered, \(nested) with a hole")
    }

    /// Made-up rings: an enclave, two squares meeting at a corner, an island in an enclave, a
    /// spike; each split repair equals MakeValid's with the area worked out by hand. A ring that
    /// crosses itself as well as touching, and a bow-tie, are left to MakeValid.
    @Test func madeUpShapes() throws {
        let cases: [(name: String, wkt: String, area: Double, parts: Int)] = [
            ("enclave", "POLYGON((0 0,10 0,10 10,5 10,3 5,7 5,5 10,0 10,0 0))", 90, 1),
            ("corners meeting", "POLYGON((0 0,10 0,10 10,20 10,20 20,10 20,10 10,0 10,0 0))", 200, 2),
            // 900 − the enclave's 200 + the island's 12.
            ("island in an enclave", "POLYGON((0 0,30 0,30 30,15 30,25 10,15 10,18 14,12 14,15 10,5 10,15 30,0 30,0 0))", 712, 2),
            ("enclave and a spike", "POLYGON((0 0,4 0,4 -3,4 0,10 0,10 10,5 10,3 5,7 5,5 10,0 10,0 0))", 90, 1),
        ]
        for c in cases {
            let r = try Self.both(try GEOSContext().readWKT(c.wkt))
            let split = try #require(r.split, "\(c.name)")
            #expect(try Self.same(split, r.makeValid), "\(c.name): \(split.wkt) against \(r.makeValid.wkt)")
            #expect(abs(split.area - c.area) < 1e-9 && split.polygonalParts().count == c.parts, "\(c.name): \(split.area), \(split.polygonalParts().count) parts")
        }
        for (name, wkt) in [("enclave poking out", "POLYGON((0 0,30 0,30 30,15 30,25 35,5 10,15 30,0 30,0 0))"),
                            ("bow-tie", "POLYGON((0 0,10 10,10 0,0 10,0 0))")] {
            let r = try Self.both(try GEOSContext().readWKT(wkt))
            #expect(r.split == nil, "\(name)")
            let polygon = try PolygonReader.wkt(wkt, repair: true)
            #expect(polygon.warnings.count == 1 && polygon.warnings[0].contains("with GEOS MakeValid"), "\(name): \(polygon.warnings)")
        }
    }
}

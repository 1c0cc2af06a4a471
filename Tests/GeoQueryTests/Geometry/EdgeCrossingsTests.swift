import Foundation
import Testing
@testable import GeoQuery

/// The crossing count that caps a repair: equal to every pair of edges tested, below the cap; a
/// tangle is refused at once with the reason; a bow-tie, and adjacent parts that touch thousands
/// of times, are still repaired.
@Suite struct EdgeCrossingsTests {
    /// Every pair of edges tested with the same predicate: the crossings and the edges that cross.
    static func bruteForce(_ rings: [[(Double, Double)]]) -> EdgeCrossings.Tally {
        var edges: [(a: (Double, Double), b: (Double, Double))] = []
        for ring in rings {
            // A closing vertex (the first again) is not an edge of its own, as in the count.
            let r = ring.count > 1 && ring.first! == ring.last! ? Array(ring.dropLast()) : ring
            for i in r.indices { edges.append((r[i], r[(i + 1) % r.count])) }
        }
        var count = 0, crossing = Set<Int>()
        for x in edges.indices {
            for y in edges.indices where y > x {
                let (e, f) = (edges[x], edges[y])
                if EdgeCrossings.cross(e.a.0, e.a.1, e.b.0, e.b.1, f.a.0, f.a.1, f.b.0, f.b.1) { count += 1; crossing.formUnion([x, y]) }
            }
        }
        return EdgeCrossings.Tally(crossings: count, crossingEdges: crossing.count)
    }

    @Test func countsEveryCrossingOnceBelowTheCap() {
        var rng = SplitMix64(seed: 20261207)
        for trial in 0..<200 {
            // Random rings (tangled), some on a coarse lattice so that edges touch and overlap.
            let parts = 1 + Int(rng.next() % 3)
            let coarse = trial % 3 == 0
            let rings: [[(Double, Double)]] = (0..<parts).map { _ in
                (0..<(3 + Int(rng.next() % 30))).map { _ in
                    let (x, y) = (Double(rng.next() % 1000) / 1000, Double(rng.next() % 1000) / 1000)
                    return coarse ? ((x * 8).rounded() / 8, (y * 8).rounded() / 8) : (x, y)
                }
            }
            let brute = Self.bruteForce(rings)
            let counted = EdgeCrossings.count(rings, atMost: 100_000)
            #expect(counted == brute, "trial \(trial): \(counted) against \(brute)")
            // Capped: the cap plus one once past it, else the count.
            #expect(EdgeCrossings.count(rings, atMost: 10).crossings == min(brute.crossings, 11), "trial \(trial)")
        }
        // A simple ring (a real LSOA's shape: none), and a closed ring given with its closing vertex.
        let square = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]
        #expect(EdgeCrossings.count([square], atMost: 10) == EdgeCrossings.Tally(crossings: 0, crossingEdges: 0))
    }

    @Test func aTangleIsRefusedAndABowTieRepaired() throws {
        var rng = SplitMix64(seed: 400)
        let tangle = (0..<400).map { _ in
            String(format: "%.6f,%.6f", 52.6 + Double(rng.next() % 50_000) / 1e6, -1.15 + Double(rng.next() % 50_000) / 1e6)
        }.joined(separator: ":")
        #expect {
            try PolygonReader.poly(tangle, repair: true)
        } throws: {
            ($0 as? GeoQueryError)?.description.contains("times on average each edge that crosses: too tangled to repair") == true
        }
        // (Refused before GEOS MakeValid, which took minutes on this ring: the old code repaired it.)
        // Edges that cross nothing, added beside the tangle (a second ring far off, 30,000 points
        // of zigzag), do not lift the refusal: they held MakeValid 45 s when they did.
        let tangleRing = tangle.split(separator: ":").map { p in
            let c = p.split(separator: ",").map { Double($0)! }
            return (c[1], c[0])
        }
        var zigzag: [(Double, Double)] = []
        for i in 0..<15_000 { zigzag.append((-1.0 + Double(i) * 1e-5, 53.0 + Double(i % 2) * 1e-3)) }
        for i in (0..<15_000).reversed() { zigzag.append((-1.0 + Double(i) * 1e-5, 52.99 - Double(i % 2) * 1e-3)) }
        #expect(EdgeCrossings.count([zigzag], atMost: 10).crossings == 0)
        #expect(EdgeCrossings.tangle([tangleRing, zigzag]) != nil)
        let bowTie = try PolygonReader.poly("52.62,-1.15:52.64,-1.11:52.62,-1.11:52.64,-1.15", repair: true)
        #expect(bowTie.parts.count == 2 && bowTie.warnings.first?.contains("repaired") == true)
        // Leicester's 194 LSOAs as one MultiPolygon: parts that touch along shared edges (thousands
        // of touches, no crossing to speak of) are repaired by MakeValid as before.
        let lsoas = try JSONSerialization.jsonObject(with: Data(contentsOf: TestData.shared.appendingPathComponent("boundaries/lsoa-2011-by-lad/E06000016.json"))) as! [String: Any]
        let parts = (lsoas["features"] as! [[String: Any]]).flatMap { f -> [Any] in
            let g = f["geometry"] as! [String: Any]
            return g["type"] as? String == "Polygon" ? [g["coordinates"]!] : g["coordinates"] as! [Any]
        }
        let multi = String(decoding: try JSONSerialization.data(withJSONObject: ["type": "MultiPolygon", "coordinates": parts]), as: UTF8.self)
        let repaired = try PolygonReader.geojson(multi, repair: true)
        #expect(repaired.warnings.contains { $0.contains("with GEOS MakeValid") }, "\(repaired.warnings)")
    }
}

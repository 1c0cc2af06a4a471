import Foundation
import Testing
@testable import GeoQuery

/// The strip sweep that lets a simple ring skip GEOS's validity check, against GEOS itself; and
/// its exact orientation against 128-bit integer arithmetic.
@Suite struct RingSimplicityTests {
    /// A star around Leicester: vertex k at a jittered, evenly spread angle and radius(k) × size.
    /// Every angular gap stays below π, so the ring is simple.
    static func star(_ n: Int, size: (x: Double, y: Double), using rng: inout SeededRandom,
                     radius: (Int, inout SeededRandom) -> Double) -> [(x: Double, y: Double)] {
        (0..<n).map { k in
            let a = (Double(k) + Double.random(in: 0..<0.9, using: &rng)) * 2 * .pi / Double(n)
            let r = radius(k, &rng)
            return (x: -1.13 + size.x * r * cos(a), y: 52.63 + size.y * r * sin(a))
        }
    }

    /// Random rings on a small integer grid (many crossings, touches, collinear runs and folds)
    /// and random stars (always simple): shown simple exactly when GEOS finds the polygon valid.
    @Test func agreesWithGEOSValidity() throws {
        var rng = SeededRandom(seed: SeededRandom.seed(31))
        let context = GEOSContext()
        var simple = 0, notSimple = 0
        for i in 0..<3_000 {
            let n = Int.random(in: 3...12, using: &rng)
            var ring: [(x: Double, y: Double)]
            if i % 3 == 0 {
                ring = Self.star(n, size: (0.01, 0.01), using: &rng) { _, rng in Double.random(in: 0.2...1, using: &rng) }
            } else {
                // A 5×5 grid scaled to 0.001°: exact in decimals, not in binary.
                ring = (0..<n).map { _ in (x: -1.13 + 0.001 * Double(Int.random(in: 0...4, using: &rng)),
                                           y: 52.63 + 0.001 * Double(Int.random(in: 0...4, using: &rng))) }
            }
            let distinct = PolygonReader.distinctConsecutive(ring.map { ($0.x, $0.y) })
            guard Set(distinct.map { "\($0.x),\($0.y)" }).count >= 3 else { continue }
            let geometry = try context.polygon([[ring.map { ($0.x, $0.y) }]])
            let valid = geometry.isValid
            let shown = PolygonEdgeIndex.ringIsSimple(distinct) == true
            #expect(shown == valid, "ring \(ring): sweep says \(shown), GEOS valid \(valid)")
            if shown { simple += 1 } else { notSimple += 1 }
        }
        #expect(simple > 1_000 && notSimple > 1_000)
    }

    /// Stars of 50–3,000 long spikes (many strips, each crossed by many spikes), half of them with
    /// two vertices swapped (which usually makes edges cross). The sweep never calls an invalid
    /// ring simple; on big stars it may give up (its budget runs out) and leave them to GEOS.
    @Test func bigStarsAgreeWithGEOSValidity() throws {
        var rng = SeededRandom(seed: SeededRandom.seed(33))
        let context = GEOSContext()
        var simple = 0, notSimple = 0
        for i in 0..<200 {
            let n = Int.random(in: 50...3_000, using: &rng)
            var ring = Self.star(n, size: (0.05, 0.03), using: &rng) { k, rng in
                k % 2 == 0 ? Double.random(in: 0.2...0.4, using: &rng) : Double.random(in: 0.7...1, using: &rng)
            }
            if i % 2 == 1 { ring.swapAt(Int.random(in: 0..<n, using: &rng), Int.random(in: 0..<n, using: &rng)) }
            let valid = try context.polygon([[ring.map { ($0.x, $0.y) }]]).isValid
            let shown = PolygonEdgeIndex.ringIsSimple(PolygonReader.distinctConsecutive(ring.map { ($0.x, $0.y) })) == true
            #expect(valid || !shown, "star \(i) of \(n): the sweep calls an invalid ring simple")
            if valid && n <= 500 { #expect(shown, "star \(i) of \(n): valid, small, but not shown simple") }
            if shown { simple += 1 } else if !valid { notSimple += 1 }
        }
        #expect(simple > 20 && notSimple > 50, "simple \(simple), invalid \(notSimple)")
    }

    /// Near-collinear triples in [1, 2), where every double is a multiple of 2⁻⁵²: the sign
    /// computed exactly in Int128 after scaling by 2⁵².
    @Test func exactOrientationMatchesIntegerArithmetic() {
        var rng = SeededRandom(seed: SeededRandom.seed(32))
        var zero = 0, undecidedByTheFilter = 0
        for i in 0..<20_000 {
            let p = (Double.random(in: 1..<1.5, using: &rng), Double.random(in: 1..<1.5, using: &rng))
            var q = (Double.random(in: 1..<2, using: &rng), Double.random(in: 1..<2, using: &rng))
            var r: (Double, Double)
            if i % 4 == 0 {
                // Exactly collinear: whole steps of (a, b)·2⁻⁴⁰ from p, all representable.
                let step = 9.094947017729282e-13  // 2⁻⁴⁰
                let (a, b) = (Double(Int.random(in: -999...999, using: &rng)), Double(Int.random(in: -999...999, using: &rng)))
                q = (p.0 + a * step * 1000, p.1 + b * step * 1000)
                let j = Double(Int.random(in: -500...1500, using: &rng))
                r = (p.0 + a * step * j, p.1 + b * step * j)
            } else {
                // On the line to rounding, then nudged by a few ulps.
                let t = Double.random(in: 0...1, using: &rng)
                r = (p.0 + t * (q.0 - p.0), p.1 + t * (q.1 - p.1))
                let nudge = Int.random(in: -3...3, using: &rng)
                r.0 = nudge > 0 ? (0..<nudge).reduce(r.0) { x, _ in x.nextUp } : (0..<(-nudge)).reduce(r.0) { x, _ in x.nextDown }
            }
            guard (1..<2).contains(q.0), (1..<2).contains(q.1) else { continue }
            guard (1..<2).contains(r.0), (1..<2).contains(r.1) else { continue }
            func int(_ v: Double) -> Int128 { Int128(v * 4_503_599_627_370_496) }  // × 2⁵², exact
            let det = (int(p.0) - int(r.0)) * (int(q.1) - int(r.1)) - (int(p.1) - int(r.1)) * (int(q.0) - int(r.0))
            let expected = det > 0 ? 1 : det < 0 ? -1 : 0
            #expect(PolygonEdgeIndex.exactOrientation(p.0, p.1, q.0, q.1, r.0, r.1) == expected)
            if expected == 0 { zero += 1 }
            if PolygonEdgeIndex.orientation(p.0, p.1, q.0, q.1, r.0, r.1) == nil { undecidedByTheFilter += 1 }
        }
        #expect(zero > 1_000 && undecidedByTheFilter > 500, "zero \(zero), undecided \(undecidedByTheFilter)")
    }

    /// A review of the sweep found a self-crossing ring shown simple: at coordinates like 5e-324
    /// the products of differences fall below the normal doubles, whose rounding is absolute, so
    /// the orientation was no longer exact. An index with such a coordinate now decides nothing,
    /// and a point with one is not decided either: GEOS decides, and finds the crossing.
    @Test func tinyCoordinatesAreLeftToGEOS() throws {
        let ring: [(x: Double, y: Double)] = [(0, 5e-324), (0, 0), (-1e-7, -1e-160), (-1, -1)]
        #expect(try !GEOSContext().polygon([[(ring + [ring[0]]).map { ($0.x, $0.y) }]]).isValid)
        #expect(PolygonEdgeIndex.ringIsSimple(ring) == nil)
        #expect(throws: GeoQueryError.self) { try PolygonReader.wkt("POLYGON((0 5e-324, 0 0, -1e-7 -1e-160, -1 -1, 0 5e-324))") }
        let index = PolygonEdgeIndex(rings: [ring])
        #expect(index.hasTinyCoordinates && index.contains(latitude: -0.5, longitude: -0.4) == nil)
        // An ordinary index, and points: zero and whole micro-degrees are decided, a tiny one is not.
        let square = PolygonEdgeIndex(rings: [[(-1, -1), (1, -1), (1, 1), (-1, 1)]])
        #expect(!square.hasTinyCoordinates && square.contains(latitude: 0, longitude: 0) == true)
        #expect(square.contains(latitude: 0.000001, longitude: -0.000001) == true)
        #expect(square.contains(latitude: 1e-310, longitude: 0) == nil && square.crossings(x: 0, y: 1e-310) == nil)
        #expect(PolygonEdgeIndex.ringIsSimple([(-1, -1), (1, -1), (1, 1), (-1, 1)]) == true)
    }
}

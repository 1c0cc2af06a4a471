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

    /// `trials` rings, each of `sizes` vertices from `ring(i, n, &rng)`: the sweep shows one
    /// simple exactly when GEOS finds its polygon valid (rings of fewer than 3 distinct points are
    /// passed over). The count of each verdict.
    static func verdicts(seed: UInt64, trials: Int, sizes: ClosedRange<Int>,
                         _ ring: (Int, Int, inout SeededRandom) -> [(x: Double, y: Double)]) throws -> (simple: Int, notSimple: Int) {
        var rng = SeededRandom(seed: SeededRandom.seed(seed))
        let context = GEOSContext()
        var simple = 0, notSimple = 0
        for i in 0..<trials {
            let n = Int.random(in: sizes, using: &rng)
            let ring = ring(i, n, &rng)
            let distinct = PolygonReader.distinctConsecutive(ring.map { ($0.x, $0.y) })
            guard Set(distinct.map { "\($0.x),\($0.y)" }).count >= 3 else { continue }
            let valid = try context.polygon([[ring.map { ($0.x, $0.y) }]]).isValid
            let shown = PolygonEdgeIndex.ringIsSimple(distinct) == true
            #expect(shown == valid, "ring \(i) \(n <= 12 ? "\(ring)" : "of \(n)"): sweep says \(shown), GEOS valid \(valid)")
            if shown { simple += 1 } else { notSimple += 1 }
        }
        return (simple, notSimple)
    }

    /// Every ring of three to five vertices on a 3 × 3 grid (scaled to 0.001° near Leicester):
    /// each fold back along a line (vertical, horizontal or slanting), each collinear run, touch
    /// and crossing small rings can have. Shown simple exactly when GEOS finds the polygon valid.
    @Test func everySmallGridRingAgreesWithGEOSValidity() throws {
        let context = GEOSContext()
        var simple = 0, notSimple = 0
        for n in 3...5 {
            var code = Array(repeating: 0, count: n)
            repeat {
                let ring = code.map { (x: -1.13 + 0.001 * Double($0 % 3), y: 52.63 + 0.001 * Double($0 / 3)) }
                let distinct = PolygonReader.distinctConsecutive(ring.map { ($0.x, $0.y) })
                if Set(distinct.map { "\($0.x),\($0.y)" }).count >= 3 {
                    let valid = try context.polygon([[ring.map { ($0.x, $0.y) }]]).isValid
                    let shown = PolygonEdgeIndex.ringIsSimple(distinct) == true
                    #expect(shown == valid, "ring \(code): shown simple \(shown), GEOS valid \(valid)")
                    if shown { simple += 1 } else { notSimple += 1 }
                }
                // The next code, as a number in base 9.
                var k = 0
                while k < n { code[k] += 1; if code[k] < 9 { break }; code[k] = 0; k += 1 }
                if k == n { break }
            } while true
        }
        #expect(simple > 1_000 && notSimple > 10_000, "simple \(simple), not \(notSimple)")
    }

    /// Random rings on a small integer grid (many crossings, touches, collinear runs and folds)
    /// and random stars (always simple): shown simple exactly when GEOS finds the polygon valid.
    @Test func agreesWithGEOSValidity() throws {
        let (simple, notSimple) = try Self.verdicts(seed: 31, trials: 3_000, sizes: 3...12) { i, n, rng in
            if i % 3 == 0 {
                return Self.star(n, size: (0.01, 0.01), using: &rng) { _, rng in Double.random(in: 0.2...1, using: &rng) }
            }
            // A 5×5 grid scaled to 0.001°: exact in decimals, not in binary.
            return (0..<n).map { _ in (x: -1.13 + 0.001 * Double(Int.random(in: 0...4, using: &rng)),
                                       y: 52.63 + 0.001 * Double(Int.random(in: 0...4, using: &rng))) }
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

    /// Rings of 25–256 vertices, which are swept whole as one band with their parts dealt into
    /// buckets by x before the insertion sort: stars (simple), stars snapped to a coarse grid
    /// (equal x in crowds, collinear runs, touches), either with two vertices swapped, and
    /// random grid rings. Shown simple exactly when GEOS finds the polygon valid.
    @Test func midSizedRingsAgreeWithGEOSValidity() throws {
        let (simple, notSimple) = try Self.verdicts(seed: 37, trials: 900, sizes: 25...256) { i, n, rng in
            var ring = Self.star(n, size: (0.01, 0.01), using: &rng) { _, rng in Double.random(in: 0.2...1, using: &rng) }
            switch i % 3 {
            case 0: break
            case 1: ring = ring.map { (x: ($0.x * 2_000).rounded() / 2_000, y: ($0.y * 2_000).rounded() / 2_000) }
            default: ring = (0..<n).map { _ in (x: -1.13 + 0.001 * Double(Int.random(in: 0...9, using: &rng)),
                                                y: 52.63 + 0.001 * Double(Int.random(in: 0...9, using: &rng))) }
            }
            if i % 2 == 1 { ring.swapAt(Int.random(in: 0..<n, using: &rng), Int.random(in: 0..<n, using: &rng)) }
            return ring
        }
        #expect(simple > 150 && notSimple > 400, "simple \(simple), not \(notSimple)")
    }

    /// Rings of 257–1,500 vertices, which are swept in bands of strips (each edge once a band,
    /// clipped to it, though the point tests' strips are thinner): stars, stars snapped to a
    /// coarse grid, random grid rings and long flat rings (whose short edges crowd a few
    /// strips), a third as drawn, a third with two vertices near each other swapped (a small
    /// crossing of short edges, as real boundaries have) and a third with any two swapped.
    /// Shown simple exactly when GEOS finds the polygon valid.
    @Test func largeRingsAgreeWithGEOSValidity() throws {
        let (simple, notSimple) = try Self.verdicts(seed: 43, trials: 300, sizes: 257...1_500) { i, n, rng in
            var ring: [(x: Double, y: Double)]
            switch i % 4 {
            case 0: ring = Self.star(n, size: (0.01, 0.01), using: &rng) { _, rng in Double.random(in: 0.6...1, using: &rng) }
            case 1:
                ring = Self.star(n, size: (0.01, 0.01), using: &rng) { _, rng in Double.random(in: 0.6...1, using: &rng) }
                    .map { (x: ($0.x * 20_000).rounded() / 20_000, y: ($0.y * 20_000).rounded() / 20_000) }
            case 2: ring = (0..<n).map { _ in (x: -1.13 + 0.001 * Double(Int.random(in: 0...29, using: &rng)),
                                               y: 52.63 + 0.001 * Double(Int.random(in: 0...29, using: &rng))) }
            default:
                // East along a wavering top side, back west along the bottom one.
                let top = n / 2
                ring = (0..<n).map { k in
                    let east = k < top, t = east ? Double(k) / Double(top) : Double(k - top) / Double(n - top)
                    let wobble: Double = 2e-5 * Double.random(in: -1...1, using: &rng)
                    return east ? (x: -1.2 + 0.2 * t, y: 52.63 + wobble) : (x: -1.0 - 0.2 * t, y: 52.62 + wobble)
                }
            }
            switch (i / 4) % 3 {
            case 1:
                let k = Int.random(in: 0..<(n - 2), using: &rng)
                ring.swapAt(k, k + 2)
            case 2: ring.swapAt(Int.random(in: 0..<n, using: &rng), Int.random(in: 0..<n, using: &rng))
            default: break
            }
            return ring
        }
        #expect(simple > 60 && notSimple > 100, "simple \(simple), not \(notSimple)")
    }

    /// The sweep's sort, on every path (insertion; buckets then insertion; crowded buckets, the
    /// standard sort): parts in x0 order, the same parts, for random, equal, clustered and
    /// far-out x0 (outside the extent given, as rounding can put a part's x0).
    @Test func sweepSortOrdersPartsByX() {
        var rng = SeededRandom(seed: SeededRandom.seed(41))
        typealias Part = PolygonEdgeIndex.StripPart
        for trial in 0..<2_000 {
            let count = Int.random(in: 0...300, using: &rng)
            let x: () -> Double
            switch trial % 4 {
            case 0: x = { Double.random(in: -1...1, using: &rng) }
            case 1: x = { Double(Int.random(in: 0...3, using: &rng)) }  // crowds of equal x0
            case 2: x = { Double.random(in: 0...1, using: &rng) < 0.5 ? Double.random(in: 0...0.001, using: &rng) : Double.random(in: -1...1, using: &rng) }
            default: x = { [-1e300, 1e300, -Double.infinity, Double.infinity, 0, 2, -2][Int.random(in: 0...6, using: &rng)] }
            }
            let input = (0..<count).map { e in Part(e: e, x0: x(), x1: 0, y0: 0, y1: 0) }
            var parts = input
            withUnsafeTemporaryAllocation(of: Part.self, capacity: max(count, 1)) { scratch in
                parts.withUnsafeMutableBufferPointer { Part.sortByX($0, count, from: -1, to: 1, scratch: scratch) }
            }
            #expect(zip(parts, parts.dropFirst()).allSatisfy { $0.x0 <= $1.x0 }, "trial \(trial) of \(count)")
            #expect(parts.map(\.e).sorted() == Array(0..<count) && parts.allSatisfy { input[$0.e].x0 == $0.x0 })
        }
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

import Foundation
import Testing
@testable import GeoQuery

/// The Swift edge index agrees with GEOS's prepared geometry, on the boundary too; its strips
/// agree with a plain reading of their definition.
@Suite struct PolygonEdgeIndexTests {
    @Test func boundaryPointsCountAsInside() throws {
        let square = try PolygonReader.poly("52.6,-1.2:52.7,-1.2:52.7,-1.1:52.6,-1.1")
        let index = PolygonEdgeIndex(square)
        for (lat, lng) in [(52.6, -1.15), (52.65, -1.2), (52.7, -1.1), (52.65, -1.1), (52.6, -1.2), (52.65, -1.15)] {
            #expect(index.contains(latitude: lat, longitude: lng) == true, "\(lat),\(lng)")
        }
        for (lat, lng) in [(52.599999, -1.15), (52.65, -1.200001), (52.700001, -1.1), (52.65, -1.099999)] {
            #expect(index.contains(latitude: lat, longitude: lng) == false, "\(lat),\(lng)")
        }
    }

    @Test func agreesWithGEOSOnRealBoundaries() throws {
        let text = try String(contentsOfFile: TestData.shared.appendingPathComponent("boundaries/lsoa-2011-by-lad/E06000016.json").path, encoding: .utf8)
        var rng = SeededRandom(seed: 5)
        var undecided = 0, tested = 0
        for feature in try PolygonReader.geojsonFeatures(text, key: "LSOA11CD", repair: true).prefix(40) {
            let index = PolygonEdgeIndex(feature.polygon), geos = try PreparedPolygon(feature.polygon)
            let ring = feature.polygon.parts[0][0]
            for _ in 0..<200 {
                // Points near a random vertex or edge, snapped to the 6-decimal grid of map points.
                let v = ring[Int.random(in: 0..<(ring.count - 1), using: &rng)], w = ring[Int.random(in: 0..<(ring.count - 1), using: &rng)]
                let t = Double.random(in: 0...1, using: &rng)
                let lat = ((v.lat + (w.lat - v.lat) * t) * 1e6 + Double(Int.random(in: -3...3, using: &rng))).rounded() / 1e6
                let lng = ((v.lng + (w.lng - v.lng) * t) * 1e6 + Double(Int.random(in: -3...3, using: &rng))).rounded() / 1e6
                tested += 1
                guard let mine = index.contains(latitude: lat, longitude: lng) else { undecided += 1; continue }
                #expect(mine == geos.contains(latitude: lat, longitude: lng), "\(feature.key) \(lat),\(lng)")
            }
        }
        #expect(undecided * 100 < tested)  // GEOS is asked about few points
    }

    /// For random rings (open and closed, several per index, some tall and thin so the strips
    /// turn): each edge is the ring's consecutive pair (the closing one for an open ring), the
    /// extent is the vertices' own, and strip s lists, in edge order, exactly the edges whose
    /// y-range reaches it.
    @Test func stripsListExactlyTheEdgesThatReachThem() {
        var rng = SeededRandom(seed: SeededRandom.seed(41))
        for round in 0..<400 {
            let rings: [[(x: Double, y: Double)]] = (0..<Int.random(in: 1...3, using: &rng)).map { _ in
                let stretch = round % 2 == 0 ? (1.0, 0.05) : (0.05, 1.0)
                var ring = (0..<Int.random(in: 2...60, using: &rng)).map { _ in
                    (x: Double.random(in: 0...stretch.0, using: &rng), y: Double.random(in: 0...stretch.1, using: &rng))
                }
                if Bool.random(using: &rng) { ring.append(ring[0]) }
                return ring
            }
            let index = PolygonEdgeIndex(rings: rings)
            var expected: [((Double, Double), (Double, Double))] = []
            for ring in rings {
                for i in 1..<ring.count { expected.append(((ring[i - 1].x, ring[i - 1].y), (ring[i].x, ring[i].y))) }
                if ring.last! != ring[0] { expected.append(((ring.last!.x, ring.last!.y), (ring[0].x, ring[0].y))) }
            }
            #expect(index.ax.count == expected.count)
            let frame: (Double, Double) -> (Double, Double) = { index.transposed ? ($1, $0) : ($0, $1) }
            for (e, (a, b)) in expected.enumerated() {
                #expect(frame(a.0, a.1) == (index.ax[e], index.ay[e]) && frame(b.0, b.1) == (index.bx[e], index.by[e]))
            }
            let all = rings.flatMap { $0 }.map { frame($0.x, $0.y) }
            #expect(index.minX == all.map(\.0).min()! && index.maxX == all.map(\.0).max()!)
            #expect(index.minY == all.map(\.1).min()! && index.maxY == all.map(\.1).max()!)
            let count = index.stripCount
            for s in 0..<count {
                let listed = index.stripEdges[Int(index.stripStart[s])..<Int(index.stripStart[s + 1])].map(Int.init)
                let reaching = (0..<expected.count).filter { e in
                    let low = index.strip(min(index.ay[e], index.by[e]), count), high = index.strip(max(index.ay[e], index.by[e]), count)
                    return low <= s && s <= high
                }
                #expect(listed == reaching, "round \(round), strip \(s) of \(count)")
            }
        }
    }

    /// Inside, outside or on the boundary against a plain ray count: every edge crossing the point's
    /// latitude, its side by the exact orientation (no strips, no shortcut for edges wholly left
    /// or right of the point).
    /// Points on a coarse grid, so many lie on edges and vertices and share their latitudes.
    @Test func crossingsEqualAPlainRayCount() {
        var rng = SeededRandom(seed: SeededRandom.seed(43))
        var decided = 0, boundary = 0
        for _ in 0..<300 {
            let ring = (0..<Int.random(in: 3...40, using: &rng)).map { _ in
                (x: Double(Int.random(in: 0...12, using: &rng)) * 0.25, y: Double(Int.random(in: 0...12, using: &rng)) * 0.25)
            }
            let index = PolygonEdgeIndex(rings: [ring])
            for _ in 0..<60 {
                let px = Double(Int.random(in: -1...25, using: &rng)) * 0.125, py = Double(Int.random(in: -1...25, using: &rng)) * 0.125
                var crossed = 0, onBoundary = false
                for i in 0..<ring.count {
                    let (a, b) = (ring[i], ring[(i + 1) % ring.count])
                    let o = PolygonEdgeIndex.exactOrientation(a.x, a.y, b.x, b.y, px, py)
                    let within = px >= min(a.x, b.x) && px <= max(a.x, b.x) && py >= min(a.y, b.y) && py <= max(a.y, b.y)
                    if o == 0 && within { onBoundary = true }
                    if (a.y > py) != (b.y > py) && (b.y > a.y) == (o > 0) { crossed += 1 }
                }
                guard let n = index.crossings(x: px, y: py) else { continue }
                decided += 1
                // The index's ray runs along its strips (+y when turned) and it answers 0 outside its
                // box, so counts may differ; inside (odd) and on the boundary (-1) may not.
                if onBoundary { boundary += 1; #expect(n == -1, "\(ring) \(px),\(py)") } else { #expect(n >= 0 && n & 1 == crossed & 1, "\(ring) \(px),\(py)") }
            }
        }
        #expect(decided > 15_000 && boundary > 500, "decided \(decided), on the boundary \(boundary)")
    }
}

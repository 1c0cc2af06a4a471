import Testing
@testable import GeoQuery

@Suite struct PackedHilbertRTreeTests {
    /// The search visits exactly what a plain recursion over the tree visits, in the same order
    /// (inside nodes whole, a crossing leaf's points one test each), and a circle's test of a
    /// whole leaf at once agrees with its test of each point, on points in the undecided band
    /// around the radius too (radii set to a map point's own geodesic distance).
    @Test func searchVisitsWhatARecursionVisitsInOrder() throws {
        let m = TestData.realMirror, t = m.tree
        var rng = SeededRandom(seed: SeededRandom.seed(2026_12_04))
        func recursion<A: TreeArea>(_ area: A) -> [Int] {
            var out: [Int] = []
            func visit(_ level: Int, _ k: Int) {
                let g = Int(t.levelStart[level - 1]) + k
                switch area.classify(minLat: t.minLat[g], minLng: t.minLng[g], maxLat: t.maxLat[g], maxLng: t.maxLng[g]) {
                case .outside: return
                case .inside: out.append(-1 - g)
                case .crosses:
                    if level == 1 {
                        for p in t.points(level: 1, node: k) where area.contains(latE6: t.lat[p], lngE6: t.lng[p]) { out.append(p) }
                    } else {
                        let count = Int(t.levelStart[level - 1]) - Int(t.levelStart[level - 2])
                        for c in (k * 16)..<min(count, (k + 1) * 16) { visit(level - 1, c) }
                    }
                }
            }
            visit(t.levels, 0)
            return out
        }
        var banded = 0, visits = 0
        for i in 0..<300 {
            let anchor = Int.random(in: 0..<t.pointCount, using: &rng), other = Int.random(in: 0..<t.pointCount, using: &rng)
            let lat = MicroDegrees.degrees(t.lat[anchor]) + Double.random(in: -0.01...0.01, using: &rng)
            let lng = MicroDegrees.degrees(t.lng[anchor]) + Double.random(in: -0.01...0.01, using: &rng)
            var radius = Double.random(in: 20...16_000, using: &rng)
            // Every third circle passes exactly through a map point near it.
            if i % 3 == 0 {
                let near = t.nearest(latE6: MicroDegrees.rounded(lat), lngE6: MicroDegrees.rounded(lng)) ?? other
                radius = max(1, Geodesic.wgs84.distance(lat1: lat, lng1: lng, lat2: MicroDegrees.degrees(t.lat[near]), lng2: MicroDegrees.degrees(t.lng[near])))
            }
            let area = CircleArea(Circle(lat: lat, lng: lng, radius: Distance(metres: radius)))
            var searched: [Int] = []
            t.search(area, node: { _, g in searched.append(-1 - g) }, point: { searched.append($0) })
            #expect(searched == recursion(area), "circle \(i): \(lat), \(lng), \(radius) m")
            visits += searched.count
            // Each leaf near the circle, tested whole and point by point.
            let leaves = Int(t.levelStart[1]) - Int(t.levelStart[0])
            let leaf = min(leaves - 1, anchor / 16)
            for k in max(0, leaf - 40)..<min(leaves, leaf + 40) {
                let points = t.points(level: 1, node: k)
                let each = area.containsEach(latE6: t.lat.baseAddress! + points.lowerBound, lngE6: t.lng.baseAddress! + points.lowerBound, count: points.count)
                var one: UInt64 = 0
                for p in points where area.contains(latE6: t.lat[p], lngE6: t.lng[p]) { one |= 1 << UInt64(p - points.lowerBound) }
                #expect(each == one, "circle \(i), leaf \(k)")
                let d2 = points.map { area.metric.squaredDistance(latE6: t.lat[$0], lngE6: t.lng[$0]) }
                let m = LocalMetric.margin(for: radius)
                banded += d2.filter { $0 > (radius - m) * (radius - m) && $0 <= (radius + m) * (radius + m) }.count
            }
        }
        // The undecided band was met (those points go to the geodesic), and the searches found plenty.
        #expect(banded >= 50 && visits > 10_000, "\(banded) points in the band, \(visits) visits")
        // Polygons too (the search leaves out the children apart from the area's box before
        // classifying any): every real LSOA of three districts, and each one's box as a polygon.
        var polygonVisits = 0
        for (i, lsoa) in RandomQueries.lsoas.enumerated() {
            let b = lsoa.boxE6
            let square = Polygon(parts: [[[(b.minLat, b.minLng), (b.minLat, b.maxLng), (b.maxLat, b.maxLng), (b.maxLat, b.minLng), (b.minLat, b.minLng)]
                .map { Polygon.Coordinate(lat: MicroDegrees.degrees($0.0), lng: MicroDegrees.degrees($0.1)) }]])
            for p in [lsoa, square] {
                let area = try PolygonArea(p)
                var searched: [Int] = []
                t.search(area, node: { _, g in searched.append(-1 - g) }, point: { searched.append($0) })
                #expect(searched == recursion(area), "LSOA \(i)")
                polygonVisits += searched.count
            }
        }
        #expect(RandomQueries.lsoas.count > 400 && polygonVisits > 10_000, "\(RandomQueries.lsoas.count) LSOAs, \(polygonVisits) visits")
    }

    /// Every node's box holds its children, and its cells are exactly its children's cells merged.
    @Test func nodesContainTheirChildrenAndSumTheirCells() throws {
        let m = TestData.realMirror
        let t = m.tree
        for level in 1...t.levels {
            let base = Int(t.levelStart[level - 1]), count = Int(t.levelStart[level]) - base
            for k in 0..<count {
                let g = base + k
                var children: [UInt64] = []
                if level == 1 {
                    for p in t.points(level: 1, node: k) {
                        #expect(t.lat[p] >= t.minLat[g] && t.lat[p] <= t.maxLat[g] && t.lng[p] >= t.minLng[g] && t.lng[p] <= t.maxLng[g])
                        for range in m.pointLists.ranges(p) { children += m.pointCells[range] }
                    }
                } else {
                    let below = Int(t.levelStart[level - 2])
                    for c in (k * 16)..<min(base - below, (k + 1) * 16) {
                        let h = below + c
                        #expect(t.minLat[h] >= t.minLat[g] && t.maxLat[h] <= t.maxLat[g] && t.minLng[h] >= t.minLng[g] && t.maxLng[h] <= t.maxLng[g])
                        children += m.nodeCells[Int(m.nodeCellStart[h])..<Int(m.nodeCellStart[h + 1])]
                    }
                }
                CrimeCell.coalesce(&children)
                #expect(Array(m.nodeCells[Int(m.nodeCellStart[g])..<Int(m.nodeCellStart[g + 1])]) == children)
            }
        }
        #expect(Int(t.levelStart[t.levels]) - Int(t.levelStart[t.levels - 1]) == 1)  // one root
        #expect(m.pointCells.reduce(0) { $0 + CrimeCell.count($1) } == m.info.crimes - m.info.noLocation)
    }

    @Test func hilbertOrderIsAPermutationAndLocal() {
        var rng = SeededRandom(seed: 3)
        let lat = (0..<5000).map { _ in Int32.random(in: 50_000_000...55_000_000, using: &rng) }
        let lng = (0..<5000).map { _ in Int32.random(in: -3_000_000...1_000_000, using: &rng) }
        let layout = PackedHilbertRTree.build(latE6: lat, lngE6: lng)
        #expect(Set(layout.order).count == 5000)
        #expect(layout.levelStart == [0, 313, 333, 335, 336])
    }

    /// The same points in any order of arrival are put in the same order: the real archive's
    /// map points, some of which share a curve cell (two in Chancery Lane, 51.518200,-0.111568 and
    /// 51.518226,-0.111497, swapped numbers, so street ids, between two ingests of the same files).
    @Test func theSamePointsInAnyArrivalOrderGetTheSameOrder() {
        let t = TestData.realMirror.tree
        let lat = Array(t.lat), lng = Array(t.lng)
        var rng = SeededRandom(seed: 20261207)
        var placed: [[Int64]] = []
        for round in 0..<3 {
            let arrival = round == 0 ? Array(0..<lat.count) : Array(0..<lat.count).shuffled(using: &rng)
            let layout = PackedHilbertRTree.build(latE6: arrival.map { lat[$0] }, lngE6: arrival.map { lng[$0] })
            placed.append(layout.order.map { Int64(lat[arrival[Int($0)]]) << 32 | Int64(UInt32(bitPattern: lng[arrival[Int($0)]])) })
        }
        #expect(placed[0] == placed[1] && placed[1] == placed[2])
        // Points do share curve cells here (so arrival order had a say): keys as the build makes them.
        let (loLat, hiLat, loLng, hiLng) = (Int64(lat.min()!), Int64(lat.max()!), Int64(lng.min()!), Int64(lng.max()!))
        let keys = lat.indices.map { i in
            PackedHilbertRTree.hilbert(UInt32((Int64(lng[i]) - loLng) * 65535 / max(1, hiLng - loLng)), UInt32((Int64(lat[i]) - loLat) * 65535 / max(1, hiLat - loLat)))
        }
        #expect(lat.count - Set(keys).count > 10, "\(lat.count - Set(keys).count) points share a cell")
    }

    @Test func nearestFindsTheClosestMapPoint() throws {
        let m = TestData.realMirror
        var rng = SeededRandom(seed: 11)
        for _ in 0..<20 {
            let lat = Int32.random(in: 50_500_000...55_000_000, using: &rng), lng = Int32.random(in: -4_000_000...1_500_000, using: &rng)
            let found = m.tree.nearest(latE6: lat, lngE6: lng)!
            let metric = LocalMetric(latE6: lat, lngE6: lng)
            let best = (0..<m.tree.pointCount).min { metric.squaredDistance(latE6: m.tree.lat[$0], lngE6: m.tree.lng[$0]) < metric.squaredDistance(latE6: m.tree.lat[$1], lngE6: m.tree.lng[$1]) }!
            #expect(metric.squaredDistance(latE6: m.tree.lat[found], lngE6: m.tree.lng[found]) == metric.squaredDistance(latE6: m.tree.lat[best], lngE6: m.tree.lng[best]))
        }
    }
}

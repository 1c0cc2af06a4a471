import Testing
@testable import GeoQuery

@Suite struct PackedHilbertRTreeTests {
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
                        children += m.pointCells[Int(m.pointCellStart[p])..<Int(m.pointCellStart[p + 1])]
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

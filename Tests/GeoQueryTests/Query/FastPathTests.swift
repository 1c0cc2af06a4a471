import Foundation
import Testing
@testable import GeoQuery

/// The per-query floor's fast path (per-node running totals, the material-share check through
/// them, running no-location sums) against the plain cell walk, and against the same snapshot
/// without the running-total sections (as geoquery wrote it before them), on the real mirror.
@Suite struct FastPathTests {
    /// The real mirror's snapshot rewritten without the optional running-total sections: every
    /// other section byte for byte, as a snapshot written before them holds.
    static let mirrorWithoutTotals: CrimeMirror = {
        let dir = TestData.temporaryDirectory("without-totals")
        let path = TestData.realMirrorPath + "/" + SnapshotFormat.fileName
        let bytes = FileManager.default.contents(atPath: path)!
        var out: [UInt8] = []
        bytes.withUnsafeBytes { raw in
            let entries = try! SnapshotFormat.file.sections(raw, path: path)
            let dropped: Set<UInt32> = [SnapshotFormat.Section.nodeRunningTotalStart.rawValue, SnapshotFormat.Section.nodeRunningTotals.rawValue]
            let kept = entries.keys.sorted().filter { !dropped.contains($0) }.map { id -> (id: UInt32, bytes: SectionedFile.Bytes) in
                let section = Array(SectionedFile.bytes(raw, entries[id]!))
                return (id, { body in section.withUnsafeBytes { body($0) } })
            }
            out = SnapshotFormat.file.bytes(kept)
        }
        _ = FileManager.default.createFile(atPath: dir + "/" + SnapshotFormat.fileName, contents: Data(out))
        return try! CrimeMirror.open(.directory(dir))
    }()

    /// Every node's running totals give, for a random month range, the outcome and force sums its cells give.
    @Test func runningTotalsEqualCellSumsOnEveryNode() throws {
        let mirror = TestData.realMirror
        let totals = try #require(mirror.projections.runningTotals)
        var rng = SeededRandom(seed: SeededRandom.seed(1010))
        let span = mirror.monthsHeldCount
        var nonEmpty = 0
        for g in 0..<(mirror.nodeCellStart.count - 1) {
            var lo = Int.random(in: 0..<span, using: &rng), hi = Int.random(in: 0..<span, using: &rng)
            if lo > hi { swap(&lo, &hi) }
            if g % 5 == 0 { (lo, hi) = (0, span - 1) }
            var outcomes = [Int](repeating: 0, count: mirror.outcomes.count), forces = [Int](repeating: 0, count: mirror.forces.count)
            for i in Int(mirror.nodeCellStart[g])..<Int(mirror.nodeCellStart[g + 1]) {
                let c = mirror.nodeCells[i]
                guard (lo...hi).contains(CrimeCell.month(c)) else { continue }
                outcomes[CrimeCell.outcome(c)] += CrimeCell.count(c)
                forces[CrimeCell.force(c)] += CrimeCell.count(c)
            }
            var gotOutcomes = [Int](repeating: 0, count: outcomes.count), gotForces = [Int](repeating: 0, count: forces.count)
            if let r = totals.rows(node: g, monthLo: lo, monthHi: hi) {
                for j in 0..<r.width {
                    let id = r.id(j)
                    if id < NodeRunningTotals.forceColumn { gotOutcomes[id] += r.count(j) } else { gotForces[id - NodeRunningTotals.forceColumn] += r.count(j) }
                }
            }
            #expect(gotOutcomes == outcomes && gotForces == forces, "node \(g), months \(lo)...\(hi)")
            if outcomes.contains(where: { $0 > 0 }) { nonEmpty += 1 }
        }
        #expect(nonEmpty > 1000)
    }

    /// Every node's (month, category) projection, dense rows or sparse cells, adds up for a random
    /// month range to what its cells give; many nodes of the real mirror are dense, many sparse.
    @Test func denseRowsAndSparseProjectionsEqualCellSumsOnEveryNode() throws {
        let mirror = TestData.realMirror
        let dense = try #require(mirror.projections.dense)
        var rng = SeededRandom(seed: SeededRandom.seed(1011))
        let span = mirror.monthsHeldCount, cats = mirror.categories.count
        var denseNodes = 0, sparseNodes = 0
        for g in 0..<(mirror.nodeCellStart.count - 1) {
            var lo = Int.random(in: 0..<span, using: &rng), hi = Int.random(in: 0..<span, using: &rng)
            if lo > hi { swap(&lo, &hi) }
            if g % 5 == 0 { (lo, hi) = (0, span - 1) }
            var expected = [Int](repeating: 0, count: (hi - lo + 1) * cats)
            for i in Int(mirror.nodeCellStart[g])..<Int(mirror.nodeCellStart[g + 1]) {
                let c = mirror.nodeCells[i]
                guard (lo...hi).contains(CrimeCell.month(c)) else { continue }
                expected[(CrimeCell.month(c) - lo) * cats + CrimeCell.category(c)] += CrimeCell.count(c)
            }
            let tally = Tally(monthLo: lo, monthHi: hi, categoryMask: ~0, forceMask: ~0, btpForce: -1, categories: cats, outcomes: mirror.outcomes.count)
            tally.addProjected(mirror.projections, node: g)
            #expect(tally.matrix.map(Int.init) == expected, "node \(g), months \(lo)...\(hi)")
            if dense.start[g] < dense.start[g + 1] { denseNodes += 1 } else if mirror.nodeCellStart[g] < mirror.nodeCellStart[g + 1] { sparseNodes += 1 }
        }
        #expect(denseNodes > 1000 && sparseNodes > 1000, "\(denseNodes) dense and \(sparseNodes) sparse nodes")
    }

    /// Random radius and LSOA queries (random month ranges reaching past both ends of the mirror,
    /// categories, forces, BTP left out or not) give identical results, coverage and notes
    /// included, on the fast path, the plain cell walk, and the snapshot without running totals.
    @Test func randomQueriesSameOnEveryPath() throws {
        let mirror = TestData.realMirror, old = Self.mirrorWithoutTotals
        #expect(old.projections.runningTotals == nil && mirror.projections.runningTotals != nil)
        let seed = SeededRandom.seed(20_261_202)
        var rng = SeededRandom(seed: seed)
        let months = (Month("2018-07")!...Month("2023-01")!).months
        var unfilteredWithCrimes = 0, strayForces = 0
        for i in 0..<400 {
            var q = RandomQueries.query(i, using: &rng, months: months, forces: mirror.forces)
            let categories = q.categories, forces = q.forces
            if i == 0 { q = CrimeQuery(area: .circle(Circle(lat: 52.6344, lng: -1.1313, radius: Distance(metres: 0.5 * Distance.metresPerMile)))) }
            let fast = try mirror.query(QueryPlan(q, mirror: mirror))
            let cellWalk = try mirror.query(QueryPlan(q, mirror: mirror), path: .cellWalk)
            let withoutTotals = try old.query(QueryPlan(q, mirror: old))
            #expect(fast == cellWalk, "query \(i) (seed \(seed)): \(q)")
            #expect(fast == withoutTotals, "query \(i) (seed \(seed)), snapshot without running totals: \(q)")
            if categories.isEmpty && forces.isEmpty && !q.excludeBTP && fast.total > 0 { unfilteredWithCrimes += 1 }
            if fast.coverage.missing.contains(where: { !$0.responsible }) { strayForces += 1 }
        }
        // The fast path was exercised, and so was the material-share check finding a force.
        #expect(unfilteredWithCrimes > 100 && strayForces > 5, "\(unfilteredWithCrimes) unfiltered with crimes, \(strayForces) with a material non-responsible force")
    }

    /// The material-share check with every force present as a candidate: the running totals, the
    /// (month, force) projections and the full cells pick the same forces.
    @Test func materialForcesSameOnEveryPath() throws {
        let mirror = TestData.realMirror, old = Self.mirrorWithoutTotals
        var rng = SeededRandom(seed: SeededRandom.seed(77))
        let located = TestData.referenceRows.filter { $0.lat != nil }
        var material = 0
        for _ in 0..<200 {
            let anchor = located[Int.random(in: 0..<located.count, using: &rng)]
            let area = Area.circle(Circle(lat: anchor.lat!, lng: anchor.lng!, radius: Distance(metres: Double.random(in: 0.05...4, using: &rng) * Distance.metresPerMile)))
            let all = Array(mirror.forces.indices)
            func visited(_ m: CrimeMirror) throws -> Tally {
                let tally = try QueryPlan(CrimeQuery(area: area), mirror: m).tally(m)
                try m.add(area, to: tally)
                return tally
            }
            let fast = mirror.materialForces(all, visited: try visited(mirror))
            #expect(fast == mirror.materialForces(all, visited: try visited(mirror), path: .cellWalk), "\(area)")
            #expect(fast == old.materialForces(all, visited: try visited(old)), "\(area)")
            material += fast.count
        }
        #expect(material > 200)
    }

    /// A boundary point's fast add (unfiltered, no BTP crime: the months found from the ends of its
    /// cells or by binary search, forces from its mask or its cells) gives the general add's
    /// matrix, outcomes, forces and BTP count, for every map point and random month ranges, those
    /// reaching past either end of the mirror (a delta's tally) and empty ones among them.
    @Test func pointAddEqualsTheGeneralAdd() {
        let m = TestData.realMirror
        var rng = SeededRandom(seed: SeededRandom.seed(2026_12_04))
        let span = m.monthsHeldCount, cats = m.categories.count, outcomes = m.outcomes.count
        var partial = 0, whole = 0
        for p in 0..<m.tree.pointCount {
            var lo = Int.random(in: -3...(span + 2), using: &rng), hi = Int.random(in: -3...(span + 2), using: &rng)
            if p % 5 == 0 { (lo, hi) = (min(lo, hi), max(lo, hi)) } else if p % 5 == 1 { (lo, hi) = (0, span - 1) } else if lo > hi { swap(&lo, &hi) }
            let range = m.pointLists.range(p, period: 0)  // one list a point in the real mirror
            // Some points as if BTP recorded there, and as if this mirror held no BTP.
            let btpForce = p % 7 == 0 ? CrimeCell.force(m.pointCells[range.lowerBound]) : (p % 7 == 1 ? -1 : m.btpForce)
            func tally() -> Tally {
                Tally(monthLo: lo, monthHi: hi, categoryMask: ~0, forceMask: ~0, btpForce: btpForce, categories: cats, outcomes: outcomes)
            }
            let fast = tally(), general = tally()
            // Earlier sums in both, so the fast path adds to them rather than setting them.
            for t in [fast, general] { t.answered = 1 << 40; t.btp = 3 }
            fast.add(point: m.pointCells, range, forces: m.pointForceMask[p])
            if lo <= hi { general.add(m.pointCells, range) }
            #expect(Array(fast.matrix) == Array(general.matrix) && Array(fast.outcomes) == Array(general.outcomes)
                    && fast.answered == general.answered && fast.btp == general.btp, "point \(p), months \(lo)...\(hi), BTP \(btpForce)")
            let months = m.pointCells[range].map(CrimeCell.month)
            if months.contains(where: { $0 >= lo && $0 <= hi }) { if months.allSatisfy({ $0 >= lo && $0 <= hi }) { whole += 1 } else { partial += 1 } }
        }
        #expect(partial > 5_000 && whole > 50_000, "\(partial) points partly asked, \(whole) wholly")
    }

    /// No-location counts from the running sums equal a sum over the no-location cells.
    @Test func noLocationRunningSumsEqualCells() {
        let mirror = TestData.realMirror
        var rng = SeededRandom(seed: SeededRandom.seed(5))
        let span = mirror.monthsHeldCount
        for _ in 0..<300 {
            var lo = Int.random(in: 0..<span, using: &rng), hi = Int.random(in: 0..<span, using: &rng)
            if lo > hi { swap(&lo, &hi) }
            let categories = Bool.random(using: &rng) ? ~UInt64(0) : UInt64.random(in: 0...UInt64.max, using: &rng)
            let forces = Bool.random(using: &rng) ? ~UInt64(0) : UInt64.random(in: 0...UInt64.max, using: &rng)
            var expected = 0
            for c in mirror.noLocationCells where (lo...hi).contains(CrimeCell.month(c))
                && (categories >> UInt64(CrimeCell.category(c))) & 1 == 1 && (forces >> UInt64(CrimeCell.force(c))) & 1 == 1 {
                expected += CrimeCell.count(c)
            }
            #expect(mirror.noLocationCount(monthLo: lo, monthHi: hi, categoryMask: categories, forces: forces) == expected)
        }
    }
}

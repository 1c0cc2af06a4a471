import Foundation
import Testing
@testable import GeoQuery

/// Per-point cells by period (a long mirror's layout) answer exactly as one list a point: the
/// real archive (49 months, one list a point by the rule) written again with its points' cells
/// in periods of a few months, queried with and without a delta.
@Suite(.serialized) struct PointCellListsTests {
    /// The real mirror's crimes written again with periods of `months` months.
    static func byPeriod(_ months: Int, into name: String) throws -> String {
        let dir = TestData.temporaryDirectory(name)
        let snapshot = try MirrorLocation.directory(TestData.realMirrorPath).openSnapshot()
        var builder = SnapshotBuilder(table: try snapshot.crimeTable(), synthetic: false, boundaries: try snapshot.boundaries())
        builder.pointCellPeriodMonths = months
        _ = try MirrorLocation.directory(dir).write(builder.build())
        return dir
    }

    static let threeMonths: String = { try! byPeriod(3, into: "periods-3") }()

    @Test func theRuleKeepsShortMirrorsInOneListAPoint() {
        let real = TestData.realMirror.pointLists
        #expect(real.periods == 1 && real.months == 0)
        #expect(PointCellLists.periodMonths(cells: real.cells.count, points: real.points, span: 49) == 0)
        // A national mirror's 180 months at ~83 cells a point: periods of ~16 cells, in whole years.
        #expect(PointCellLists.periodMonths(cells: 83 * 750_000, points: 750_000, span: 180) == 36)
        #expect(PointCellLists.periodMonths(cells: 83 * 750_000, points: 750_000, span: 24) == 12)
        #expect(PointCellLists.periodMonths(cells: 83 * 750_000, points: 750_000, span: 12) == 0)  // one period: not cut
        // Lists under 48 cells (the national 36 months: ~24) are not cut.
        #expect(PointCellLists.periodMonths(cells: 24 * 738_000, points: 738_000, span: 36) == 0)
        #expect(PointCellLists.periodMonths(cells: 0, points: 0, span: 180) == 0)
    }

    /// Each point's ranges, period by period, are its one list; each period's cells lie in its months.
    @Test func periodsHoldEachPointsCellsInOrder() throws {
        let one = TestData.realMirror.pointLists
        // (The mirror kept: its lists point into its mapped file.)
        let mirror = try CrimeMirror.open(.directory(Self.threeMonths))
        defer { withExtendedLifetime(mirror) {} }
        let cut = mirror.pointLists
        #expect(cut.months == 3 && cut.periods == 17 && cut.points == one.points && cut.isConsistent)
        // `info` says so, in words and in its JSON; the real archive has one list a point.
        #expect(mirror.info.text.contains("per-point cells (by 3-month period)") && mirror.info.json.contains("\"point_cell_period_months\":3"))
        #expect(TestData.realMirror.info.json.contains("\"point_cell_period_months\":0") && !TestData.realMirror.info.text.contains("by 3-month"))
        #expect(cut.cells.count == one.cells.count)
        for p in 0..<one.points {
            var joined: [UInt64] = []
            for k in 0..<cut.periods {
                let cells = cut.cells[cut.range(p, period: k)]
                #expect(cells.allSatisfy { CrimeCell.month($0) / 3 == k }, "point \(p), period \(k)")
                joined += cells
            }
            #expect(joined == Array(one.cells[one.range(p, period: 0)]), "point \(p)")
        }
        // A leaf's block of a period is its points' ranges, one after another.
        for first in stride(from: 0, to: cut.points, by: 16 * 97) {
            for k in [0, 5, 16] {
                let block = cut.block(leaf: first, period: k)
                #expect(block.lowerBound == cut.range(first, period: k).lowerBound
                        && block.upperBound == cut.range(min(first + 16, cut.points) - 1, period: k).upperBound)
            }
        }
        #expect(cut.periods(monthLo: 4, monthHi: 9) == 1..<4 && cut.periods(monthLo: -5, monthHi: 60) == 0..<17)
        #expect(cut.periods(monthLo: 51, monthHi: 60).isEmpty && cut.periods(monthLo: 48, monthHi: 60) == 16..<17 && cut.periods(monthLo: 9, monthHi: 4).isEmpty && cut.periods(monthLo: -9, monthHi: -1).isEmpty)
        #expect(one.periods(monthLo: 9, monthHi: 4) == 0..<1)
    }

    /// Random radius and LSOA queries (all fields, coverage notes among them; filters; month
    /// ranges past either end), on the fast path and the cell walk, answer as the real mirror.
    @Test(arguments: [3, 12]) func aMirrorByPeriodAnswersAsOneListAPoint(months: Int) throws {
        let dir = months == 3 ? Self.threeMonths : try Self.byPeriod(months, into: "periods-\(months)")
        let cut = try CrimeMirror.open(.directory(dir))
        #expect(cut.pointLists.periods > 1)
        try MirrorDeltaTests.expectSame(cut, TestData.realMirror, seed: SeededRandom.seed(2026_12_08 + UInt64(months)), count: 400)
        // A map point's count in a month range, as catchment reports ask it.
        var rng = SeededRandom(seed: SeededRandom.seed(31))
        for _ in 0..<2_000 {
            let p = Int.random(in: 0..<cut.tree.pointCount, using: &rng)
            var lo = Int.random(in: -2...50, using: &rng), hi = Int.random(in: -2...50, using: &rng)
            if lo > hi && Bool.random(using: &rng) { swap(&lo, &hi) }
            let mask = Bool.random(using: &rng) ? ~UInt64(0) : UInt64.random(in: 0...UInt64.max, using: &rng)
            #expect(cut.count(point: p, monthLo: lo, monthHi: hi, categoryMask: mask, forceMask: ~0)
                    == TestData.realMirror.count(point: p, monthLo: lo, monthHi: hi, categoryMask: mask, forceMask: ~0))
        }
    }

    /// A restated force-month and a new month go into a delta beside a base by period: the
    /// answers equal those of the same ingest beside the real mirror's one list a point.
    @Test func aDeltaBesideABaseByPeriodAnswersAsBesideOneListAPoint() throws {
        let cut = try Self.byPeriod(6, into: "periods-delta")
        let plain = TestData.temporaryDirectory("periods-delta-plain")
        try FileManager.default.removeItem(atPath: plain)
        try FileManager.default.copyItem(atPath: TestData.realMirrorPath, toPath: plain)
        let derived = TestData.temporaryDirectory("periods-delta-files")
        let files = [MirrorDeltaTests.halved("2020-01", "leicestershire", into: derived), MirrorDeltaTests.halved("2019-01", "durham", into: derived)]
        for dir in [cut, plain] {
            let summary = try Ingest.run(paths: files, mirror: .directory(dir))
            #expect(summary.deltaBytes != nil, "\(dir): a delta, not a new snapshot")
        }
        let amended = try CrimeMirror.open(.directory(cut))
        #expect(amended.pointLists.periods > 1 && amended.delta != nil)
        try MirrorDeltaTests.expectSame(amended, try CrimeMirror.open(.directory(plain)), seed: SeededRandom.seed(2026_12_09), count: 300)
    }
}

/// Each map point's cells (see ``CrimeCell``), as stored: one sorted list per point, or, in a
/// long mirror, one per point and period of ``months`` months, period-major (every point's cells
/// of the first period in tree order, then the second period's, ...).
///
/// Why periods: a national mirror holds ~80 cells a point over 15 years, and a query asks a few
/// months. With one list per point, a boundary point's months are found by a binary search through
/// cache lines of years it does not ask, point after point. By period, a leaf's points' cells of
/// the months asked lie together in a few lines, which are fetched at once when the leaf is
/// reached. The price is a range per period for a query of many periods (a whole-history
/// query), so periods are long: about 16 cells (two cache lines) a point. A short mirror (the real
/// archive: ~3 cells a point) keeps one list per point, whose leaves' cells already lie together.
///
/// `start[k × points + p] ..< start[k × points + p + 1]` is point p's range in period k, so with
/// one period this is the plain per-point layout.
struct PointCellLists {
    let cells: UnsafeBufferPointer<UInt64>
    let start: UnsafeBufferPointer<UInt32>
    let points: Int
    /// Months a period spans (offsets `k × months ..< (k + 1) × months`); 0: one period.
    let months: Int
    let periods: Int

    /// The lists as stored; `shape` is the snapshot's ``SnapshotFormat/Section/pointCellPeriods``
    /// (months a period, periods), empty for one list per point.
    init(cells: UnsafeBufferPointer<UInt64>, start: UnsafeBufferPointer<UInt32>, points: Int, shape: UnsafeBufferPointer<UInt32>) {
        (self.cells, self.start, self.points) = (cells, start, points)
        if shape.count == 2 && shape[0] > 0 && shape[1] > 0 {
            (months, periods) = (Int(shape[0]), Int(shape[1]))
        } else {
            (months, periods) = (0, 1)
        }
    }

    /// Whether the ranges fit the cells (checked at open).
    var isConsistent: Bool { start.count == periods * points + 1 && Int(start.last ?? 0) == cells.count }

    /// Point `p`'s cells of period `k`, sorted by key.
    @inline(__always) func range(_ p: Int, period k: Int) -> Range<Int> {
        let i = k &* points &+ p
        return Int(start[i])..<Int(start[i &+ 1])
    }

    /// The periods holding any of the month offsets `lo...hi` (all of them for one period; none
    /// for an empty range).
    @inline(__always) func periods(monthLo lo: Int, monthHi hi: Int) -> Range<Int> {
        guard months > 0 else { return 0..<1 }
        guard lo <= hi, hi >= 0 else { return 0..<0 }
        return min(max(lo, 0) / months, periods)..<min(hi / months + 1, periods)
    }

    /// Point `p`'s cells, all periods: one range a period, in month order.
    func ranges(_ p: Int) -> PointRanges { PointRanges(lists: self, points: 1, first: p, periods: 0..<periods) }

    /// The ranges of some of a leaf's points (bit i of `points`: point `first + i`) in `periods`.
    func ranges(leaf first: Int, points: UInt64, periods: Range<Int>) -> PointRanges {
        PointRanges(lists: self, points: points, first: first, periods: periods)
    }

    /// The cells of the leaf whose first point is `first` (at most 16 points) in period `k`: one
    /// block, the leaf's points being consecutive.
    @inline(__always) func block(leaf first: Int, period k: Int) -> Range<Int> {
        Int(start[k &* points &+ first])..<Int(start[k &* points &+ min(first &+ PackedHilbertRTree.nodeSize, points)])
    }

    /// Cell ranges of a set of points (bits over `first + i`), each in every period of `periods`.
    struct PointRanges: Sequence, IteratorProtocol {
        let lists: PointCellLists
        var points: UInt64
        let first: Int
        let periods: Range<Int>
        var p = 0, k = Int.max

        init(lists: PointCellLists, points: UInt64, first: Int, periods: Range<Int>) {
            (self.lists, self.points, self.first, self.periods) = (lists, points, first, periods)
        }

        mutating func next() -> Range<Int>? {
            while true {
                if k < periods.upperBound {
                    defer { k += 1 }
                    return lists.range(p, period: k)
                }
                guard points != 0, !periods.isEmpty else { return nil }
                p = first + points.trailingZeroBitCount
                points &= points &- 1
                k = periods.lowerBound
            }
        }
    }

    /// Months a period spans for a mirror with `cells` point cells at `points` map points over
    /// `span` months, or 0 for one list per point. Lists are cut once the average point holds 48
    /// cells or more (six cache lines: a binary search through them waits on line after line),
    /// into whole years holding about 16 of its cells each (36 months for the national 180).
    static func periodMonths(cells: Int, points: Int, span: Int) -> Int {
        guard points > 0, cells >= 48 * points else { return 0 }
        let perCell = Double(span) * Double(points) / Double(cells)  // months per cell of the average point
        let months = 12 * max(1, Int((16 * perCell / 12).rounded()))
        return months < span ? months : 0
    }

    /// Per-point cell lists (`start`: points + 1 offsets) laid out by periods of `months`
    /// (`months` > 0): the cells and `periods × points + 1` offsets.
    static func byPeriod(cells: [UInt64], start: [UInt32], months: Int) -> (cells: [UInt64], start: [UInt32], periods: Int) {
        let n = start.count - 1
        var span = 0
        for p in 0..<n where start[p] < start[p + 1] { span = max(span, CrimeCell.month(cells[Int(start[p + 1]) - 1]) + 1) }
        let periods = max(1, (span + months - 1) / months)
        var out = [UInt64](), outStart = [UInt32]()
        out.reserveCapacity(cells.count)
        outStart.reserveCapacity(periods * n + 1)
        // Each point's next cell not yet laid out: its lists are sorted by month, so each
        // period takes the run up to the period's end.
        var next = start.dropLast().map { Int($0) }
        for k in 0..<periods {
            let end = (k + 1) * months
            for p in 0..<n {
                outStart.append(UInt32(out.count))
                var i = next[p]
                let last = Int(start[p + 1])
                while i < last && CrimeCell.month(cells[i]) < end { out.append(cells[i]); i += 1 }
                next[p] = i
            }
        }
        outStart.append(UInt32(out.count))
        return (out, outStart, periods)
    }
}

extension SnapshotSections {
    /// The snapshot's per-point cells, one list a point or by period.
    var pointCellLists: PointCellLists {
        PointCellLists(cells: array(.pointCells), start: array(.pointCellStart), points: array(.pointLat, as: Int32.self).count,
                       shape: array(.pointCellPeriods))
    }
}

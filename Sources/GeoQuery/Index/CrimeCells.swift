/// Pre-aggregated crime counts: the rows of a point or node grouped by (month, force, category,
/// outcome), so a query adds up a few cells instead of touching crimes.
///
/// A cell is one `UInt64`: the key in the high 32 bits (month offset from the mirror's first
/// month: 12 bits, force: 6, category: 6, outcome: 8) and the count in the low 32. Cells of a list
/// are sorted by key, hence by month first, so a month range is a contiguous slice.
enum CrimeCell {
    static let maxMonths = 4096

    @inline(__always)
    static func key(month: Int, force: Int, category: Int, outcome: Int) -> UInt32 {
        UInt32(month) << 20 | UInt32(force) << 14 | UInt32(category) << 8 | UInt32(outcome)
    }

    @inline(__always) static func make(key: UInt32, count: UInt32) -> UInt64 { UInt64(key) << 32 | UInt64(count) }
    @inline(__always) static func month(_ c: UInt64) -> Int { Int(c >> 52) }
    @inline(__always) static func force(_ c: UInt64) -> Int { Int((c >> 46) & 0x3F) }
    @inline(__always) static func category(_ c: UInt64) -> Int { Int((c >> 40) & 0x3F) }
    @inline(__always) static func outcome(_ c: UInt64) -> Int { Int((c >> 32) & 0xFF) }
    @inline(__always) static func count(_ c: UInt64) -> Int { Int(c & 0xFFFF_FFFF) }

    /// Sorts and merges cells with equal keys (adding counts).
    static func coalesce(_ cells: inout [UInt64]) {
        cells.sort()
        var out = 0
        for c in cells {
            if out > 0 && cells[out - 1] >> 32 == c >> 32 {
                cells[out - 1] += c & 0xFFFF_FFFF
            } else {
                cells[out] = c
                out += 1
            }
        }
        cells.removeLast(cells.count - out)
    }

    /// The slice of a sorted cell list whose months lie in `lo...hi` (offsets; a delta's may fall
    /// below 0 or past its last month, when the query starts before the delta's first month).
    @inline(__always)
    static func monthSlice(_ cells: UnsafeBufferPointer<UInt64>, _ range: Range<Int>, lo: Int, hi: Int) -> Range<Int> {
        if range.count <= 8 { return range }  // short lists: the per-cell month check is cheaper
        guard hi >= 0, lo < maxMonths, lo <= hi else { return range.lowerBound..<range.lowerBound }
        let lo = max(lo, 0)
        // A range holding all the list's months (every all-months query) needs no search.
        if month(cells[range.lowerBound]) >= lo && month(cells[range.upperBound - 1]) <= hi { return range }
        let first = cells.lowerBound(UInt64(lo) << 52, in: range)
        let last = hi + 1 >= maxMonths ? range.upperBound : cells.lowerBound(UInt64(hi + 1) << 52, in: first..<range.upperBound)
        return first..<last
    }

    /// Total count of the cells passing the filters (no breakdown).
    static func sum(_ cells: UnsafeBufferPointer<UInt64>, monthLo: Int, monthHi: Int, categoryMask: UInt64, forceMask: UInt64) -> Int {
        guard monthLo <= monthHi else { return 0 }
        var total = 0
        for i in monthSlice(cells, 0..<cells.count, lo: monthLo, hi: monthHi) {
            let c = cells[i]
            let m = month(c)
            if m >= monthLo && m <= monthHi && (forceMask >> UInt64(force(c))) & 1 == 1 && (categoryMask >> UInt64(category(c))) & 1 == 1 {
                total += count(c)
            }
        }
        return total
    }

    /// A list of cell lists, one per node: `cells[starts[k]..<starts[k+1]]`.
    struct Lists {
        var starts: [UInt32] = [0]
        var cells: [UInt64] = []
    }

    /// Each node's cells projected onto (month, category), (month, outcome) and (month, force):
    /// the three sums an unfiltered query needs, several times fewer cells than the full keys.
    static func projections(_ cells: [UInt64], starts: [UInt32]) -> (monthCategory: Lists, monthOutcome: Lists, monthForce: Lists) {
        let monthCategoryMask: UInt64 = 0xFFF0_3F00_FFFF_FFFF, monthOutcomeMask: UInt64 = 0xFFF0_00FF_FFFF_FFFF
        let monthForceMask: UInt64 = 0xFFFF_C000_FFFF_FFFF
        var out = (Lists(), Lists(), Lists())
        var scratch: [UInt64] = []
        for k in 0..<(starts.count - 1) {
            let node = cells[Int(starts[k])..<Int(starts[k + 1])]
            for (mask, path) in [(monthCategoryMask, 0), (monthOutcomeMask, 1), (monthForceMask, 2)] {
                scratch.removeAll(keepingCapacity: true)
                for c in node { scratch.append(c & mask) }
                coalesce(&scratch)
                switch path {
                case 0: out.0.cells += scratch; out.0.starts.append(UInt32(out.0.cells.count))
                case 1: out.1.cells += scratch; out.1.starts.append(UInt32(out.1.cells.count))
                default: out.2.cells += scratch; out.2.starts.append(UInt32(out.2.cells.count))
                }
            }
        }
        return out
    }
}

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

    /// The slice of a sorted cell list whose months lie in `lo...hi` (offsets).
    @inline(__always)
    static func monthSlice(_ cells: UnsafeBufferPointer<UInt64>, _ range: Range<Int>, lo: Int, hi: Int) -> Range<Int> {
        if range.count <= 8 { return range }  // short lists: the per-cell month check is cheaper
        let first = lowerBound(cells, range, UInt64(lo) << 52)
        let last = hi + 1 >= maxMonths ? range.upperBound : lowerBound(cells, first..<range.upperBound, UInt64(hi + 1) << 52)
        return first..<last
    }

    @inline(__always)
    private static func lowerBound(_ cells: UnsafeBufferPointer<UInt64>, _ range: Range<Int>, _ value: UInt64) -> Int {
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi {
            let mid = (lo + hi) >> 1
            if cells[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

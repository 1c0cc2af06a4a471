/// The (month, category) projections of busy nodes as dense rows: a node whose months hold most
/// categories keeps `months × categories` 16-bit counts (from its first month, a row per month,
/// a column per category of its snapshot) instead of 64-bit cells, and drops its sparse list.
///
/// Why: a query of all months over a dense area adds hundreds of (month, category) cells per
/// inside node, ~10 instructions each through the key decoding; a dense row is the result
/// matrix's own layout, so the add is a straight widening vector add. A node goes dense when
/// its rows take no more bytes than its cells (a quarter of its slots filled or more) and every
/// count fits 16 bits. The projections then take fewer bytes than all-sparse ones (the real
/// archive's 11.1 → 10.4 MB, the 24× national sample's 178 → 162 MB).
struct DenseMonthCategory {
    /// Per node, its values' range in `values` (empty: the node keeps its sparse cells).
    let start: UnsafeBufferPointer<UInt32>
    /// Per node, the month offset of its first row.
    let firstMonth: UnsafeBufferPointer<UInt16>
    let values: UnsafeBufferPointer<UInt16>
    /// Columns per row: the snapshot's category count.
    let width: Int

    /// Sizes that agree with a tree of `nodes` nodes.
    func isConsistent(nodes: Int) -> Bool {
        width > 0 && start.count == nodes + 1 && firstMonth.count == nodes && Int(start.last ?? 0) == values.count
            && (0..<nodes).allSatisfy { (Int(start[$0 + 1]) - Int(start[$0])) % width == 0 }
    }

    /// The rows to store and the sparse lists left for the other nodes.
    struct Built {
        var sparse = CrimeCell.Lists()
        var start: [UInt32] = [0], firstMonth: [UInt16] = [], values: [UInt16] = []
    }

    /// Splits each node's (month, category) list (sorted by key: month, then category) into
    /// dense rows or the sparse cells it had.
    static func build(_ lists: CrimeCell.Lists, categories width: Int) -> Built {
        var out = Built()
        for g in 0..<(lists.starts.count - 1) {
            let cells = lists.cells[Int(lists.starts[g])..<Int(lists.starts[g + 1])]
            var dense = false
            if let first = cells.first, let last = cells.last, width > 0 {
                let m0 = CrimeCell.month(first), slots = (CrimeCell.month(last) - m0 + 1) * width
                // 2 bytes a slot against 8 a cell; counts above 16 bits stay sparse.
                dense = 2 * slots <= 8 * cells.count && cells.allSatisfy { CrimeCell.count($0) <= Int(UInt16.max) }
                if dense {
                    let base = out.values.count
                    out.values += repeatElement(0, count: slots)
                    for c in cells { out.values[base + (CrimeCell.month(c) - m0) * width + CrimeCell.category(c)] = UInt16(CrimeCell.count(c)) }
                    out.firstMonth.append(UInt16(m0))
                }
            }
            if !dense {
                out.sparse.cells += cells
                out.firstMonth.append(0)
            }
            out.sparse.starts.append(UInt32(out.sparse.cells.count))
            out.start.append(UInt32(out.values.count))
        }
        return out
    }

    /// Node `g`'s rows for months `lo...hi` added into `matrix` (a row of `stride` columns per
    /// month from `lo`, at least `width`); false when the node has no dense rows.
    @inline(__always)
    func add(node g: Int, monthLo lo: Int, monthHi hi: Int, into matrix: UnsafeMutableBufferPointer<UInt32>, stride: Int) -> Bool {
        let begin = Int(start[g]), end = Int(start[g &+ 1])
        guard begin < end else { return false }
        let first = Int(firstMonth[g]), months = (end &- begin) / width
        let a = Swift.max(lo, first), b = Swift.min(hi, first &+ months &- 1)
        guard a <= b else { return true }
        let src = values.baseAddress.unsafelyUnwrapped + begin + (a &- first) &* width
        let dst = matrix.baseAddress.unsafelyUnwrapped + (a &- lo) &* stride
        if stride == width {
            DenseMonthCategory.widen(dst, src, (b &- a &+ 1) &* width)
        } else {
            for r in 0..<(b &- a &+ 1) { DenseMonthCategory.widen(dst + r &* stride, src + r &* width, width) }
        }
        return true
    }

    /// `dst[i] += src[i]` for `i < n`: one loop the compiler vectorizes.
    @inline(__always)
    static func widen(_ dst: UnsafeMutablePointer<UInt32>, _ src: UnsafePointer<UInt16>, _ n: Int) {
        for i in 0..<n { dst[i] &+= UInt32(src[i]) }
    }
}

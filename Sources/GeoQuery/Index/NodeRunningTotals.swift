/// Per-node running totals over months of the two sums an unfiltered query needs without a month
/// breakdown: crimes per outcome and per force. A month range then costs two rows per node
/// (through the range's last month, minus through the month before its first), not a cell per
/// month (issue 10's month-bucketed cumulative sums).
///
/// One flat `UInt32` list per node, CSR like the cells: the node's first month offset, its month
/// count, its column count; the column ids (outcome `o` as `o`, force `f` as
/// ``forceColumn`` + `f`); then `months × columns` cumulative counts, row `r` holding the totals
/// through month `first + r`. Only the outcomes and forces the node holds get a column.
///
/// Stored in two optional snapshot sections; a snapshot written before them answers through the
/// (month, outcome) and (month, force) projections instead, with the same sums.
struct NodeRunningTotals {
    /// Column ids at or above this are forces (`id - forceColumn`); below it, outcomes.
    static let forceColumn = 256
    /// `values[start[g]..<start[g + 1]]` is node g's list.
    let start: UnsafeBufferPointer<UInt32>
    let values: UnsafeBufferPointer<UInt32>

    /// Builds every node's list from its (month, force, category, outcome) cells.
    /// - Complexity: O(cells + months × columns) per node.
    static func build(cells: [UInt64], starts: [UInt32]) -> (start: [UInt32], values: [UInt32]) {
        var start: [UInt32] = [0], values: [UInt32] = []
        values.reserveCapacity(cells.count * 2)
        var column = [Int](repeating: -1, count: forceColumn + 64)
        var ids: [Int] = [], table: [UInt32] = []
        for g in 0..<(starts.count - 1) {
            let node = cells[Int(starts[g])..<Int(starts[g + 1])]
            guard let firstCell = node.first, let lastCell = node.last else {
                values += [0, 0, 0]
                start.append(UInt32(values.count))
                continue
            }
            let first = CrimeCell.month(firstCell), months = CrimeCell.month(lastCell) - first + 1
            // Columns in id order: outcomes, then forces.
            ids.removeAll(keepingCapacity: true)
            for c in node { column[CrimeCell.outcome(c)] = 0; column[forceColumn + CrimeCell.force(c)] = 0 }
            for id in column.indices where column[id] == 0 { column[id] = ids.count; ids.append(id) }
            let width = ids.count
            table.removeAll(keepingCapacity: true)
            table.append(contentsOf: repeatElement(0, count: months * width))
            for c in node {
                let row = (CrimeCell.month(c) - first) * width, n = UInt32(CrimeCell.count(c))
                table[row + column[CrimeCell.outcome(c)]] += n
                table[row + column[forceColumn + CrimeCell.force(c)]] += n
            }
            for i in stride(from: width, to: table.count, by: 1) { table[i] += table[i - width] }
            values += [UInt32(first), UInt32(months), UInt32(width)]
            for id in ids { values.append(UInt32(id)); column[id] = -1 }
            values += table
            start.append(UInt32(values.count))
        }
        return (start, values)
    }

    /// Node g's columns over a month range: `count(j)` is column j's crimes in the range.
    struct Rows {
        let values: UnsafeBufferPointer<UInt32>
        /// Where the column ids, the row through the range's last month and the row before its
        /// first start in `values` (`before` is -1 when the range starts at the node's first month).
        let ids: Int, through: Int, before: Int
        let width: Int
        /// Column j's id: an outcome below ``NodeRunningTotals/forceColumn``, else a force.
        @inline(__always) func id(_ j: Int) -> Int { Int(values[ids &+ j]) }
        @inline(__always) func count(_ j: Int) -> Int {
            Int(values[through &+ j]) &- (before < 0 ? 0 : Int(values[before &+ j]))
        }
    }

    /// Node g's running totals over months `monthLo...monthHi` (offsets), or nil when the node
    /// holds none of them.
    /// - Complexity: O(1).
    @inline(__always)
    func rows(node g: Int, monthLo: Int, monthHi: Int) -> Rows? {
        let base = Int(start[g])
        let first = Int(values[base]), months = Int(values[base + 1]), width = Int(values[base + 2])
        let last = min(monthHi, first + months - 1) - first, before = max(monthLo, first) - first - 1
        guard before < last else { return nil }
        let ids = base + 3, rows = ids + width
        return Rows(values: values, ids: ids, through: rows + last * width, before: before >= 0 ? rows + before * width : -1, width: width)
    }

    /// True when the lists cover `nodes` nodes and end where the values end (a damaged or
    /// foreign section fails this).
    func isConsistent(nodes: Int) -> Bool {
        start.count == nodes + 1 && Int(start.last ?? 0) == values.count
    }
}

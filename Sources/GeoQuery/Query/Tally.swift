/// The running sums of one query: a dense month × category matrix, outcome counts, BTP's share
/// and the forces seen. Filters are bit masks so each cell costs a few instructions.
struct Tally {
    let monthLo: Int, monthHi: Int
    let categoryMask: UInt64
    let forceMask: UInt64
    let btpForce: Int
    let categoryCount: Int

    var matrix: [Int]
    var outcomes: [Int]
    var btp = 0
    var answered: UInt64 = 0
    /// Forces with any crime at the visited points, in any month (for coverage notes).
    var present: UInt64 = 0
    var mapPoints = 0

    init(monthLo: Int, monthHi: Int, categoryMask: UInt64, forceMask: UInt64, btpForce: Int, categories: Int, outcomes: Int) {
        self.monthLo = monthLo
        self.monthHi = monthHi
        self.categoryMask = categoryMask
        self.forceMask = forceMask
        self.btpForce = btpForce
        categoryCount = categories
        matrix = [Int](repeating: 0, count: max(0, monthHi - monthLo + 1) * categories)
        self.outcomes = [Int](repeating: 0, count: outcomes)
    }

    /// Adds the cells of one point or node.
    /// - Complexity: O(cells in the month range), with a binary search to find that range.
    @inline(__always)
    mutating func add(_ cells: UnsafeBufferPointer<UInt64>, _ range: Range<Int>) {
        guard monthLo <= monthHi else { return }
        let slice = CrimeCell.monthSlice(cells, range, lo: monthLo, hi: monthHi)
        let cats = categoryCount, lo = monthLo, hi = monthHi
        matrix.withUnsafeMutableBufferPointer { m in
            outcomes.withUnsafeMutableBufferPointer { o in
                for i in slice {
                    let c = cells[i]
                    let month = CrimeCell.month(c)
                    if month < lo || month > hi { continue }
                    let force = CrimeCell.force(c), category = CrimeCell.category(c)
                    if (forceMask >> UInt64(force)) & 1 == 0 || (categoryMask >> UInt64(category)) & 1 == 0 { continue }
                    let n = CrimeCell.count(c)
                    m[(month - lo) * cats + category] += n
                    o[CrimeCell.outcome(c)] += n
                    answered |= 1 << UInt64(force)
                    if force == btpForce { btp += n }
                }
            }
        }
    }
}

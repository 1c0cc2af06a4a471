import Testing
@testable import GeoQuery

@Suite struct CrimeCellsTests {
    /// A sorted cell list whose months follow `shape`, and counts and other fields at random.
    private static func cells(_ n: Int, months: Int, shape: Int, _ rng: inout SeededRandom) -> [UInt64] {
        var out: [UInt64] = []
        for _ in 0..<n {
            let month: Int
            switch shape {
            case 0: month = Int.random(in: 0..<months, using: &rng)  // even
            case 1: month = months - 1 - Int.random(in: 0..<months, using: &rng) * Int.random(in: 0..<months, using: &rng) / months  // crowded at the end
            case 2: month = Bool.random(using: &rng) ? 3 : months - 1  // two months far apart
            default: month = 7  // one month
            }
            let key = CrimeCell.key(month: month, force: Int.random(in: 0..<44, using: &rng), category: Int.random(in: 0..<14, using: &rng),
                                    outcome: Int.random(in: 0..<30, using: &rng))
            out.append(CrimeCell.make(key: key, count: UInt32.random(in: 1...50, using: &rng)))
        }
        CrimeCell.coalesce(&out)
        return out
    }

    /// A month slice holds exactly the cells whose months lie in the range.
    @Test func monthSliceHoldsExactlyTheMonths() {
        var rng = SeededRandom(seed: SeededRandom.seed(2026_12_04))
        for n in [5, 12, 700] {
            for shape in 0..<4 {
                let list = Self.cells(n, months: 180, shape: shape, &rng)
                list.withUnsafeBufferPointer { cells in
                    for _ in 0..<200 {
                        var lo = Int.random(in: 0..<182, using: &rng), hi = Int.random(in: 0..<182, using: &rng)
                        if lo > hi { swap(&lo, &hi) }
                        let slice = CrimeCell.monthSlice(cells, 0..<cells.count, lo: lo, hi: hi)
                        let inside = cells.filter { (lo...hi).contains(CrimeCell.month($0)) }
                        // Short lists come back whole (callers check each cell's month).
                        let kept = cells[slice].filter { (lo...hi).contains(CrimeCell.month($0)) }
                        #expect(kept == inside)
                        if cells.count > 8 { #expect(cells[slice].count == inside.count) }
                    }
                }
            }
        }
    }
}

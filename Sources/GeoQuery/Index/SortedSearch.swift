/// Binary search over sorted flat buffers: the one lower bound the index, the delta's look-ups,
/// the postcode table and the clash resolution of crime ids all use.
extension UnsafeBufferPointer where Element: Comparable {
    /// The first index of `range` (all: nil) whose element is not below `v` (sorted ascending).
    @inline(__always)
    func lowerBound(_ v: Element, in range: Range<Int>? = nil) -> Int {
        var lo = range?.lowerBound ?? 0, hi = range?.upperBound ?? count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if self[mid] < v { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Whether the sorted buffer holds `v`.
    func holds(_ v: Element) -> Bool {
        let i = lowerBound(v)
        return i < count && self[i] == v
    }
}

extension Array where Element: Comparable {
    /// Whether a sorted array holds an element equal to `x` (a binary search).
    func sortedContains(_ x: Element) -> Bool { withUnsafeBufferPointer { $0.holds(x) } }
}

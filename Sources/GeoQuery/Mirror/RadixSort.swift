import Foundation

/// An element ``Swift/Array/radixSort()`` can sort: its `radixKey` orders it as `<` does, or
/// more coarsely (`a < b` implies `a.radixKey <= b.radixKey`), and spreads its values over the
/// key's bits, as hashes and hex Crime IDs do.
protocol RadixSortable: Comparable, Sendable {
    var radixKey: UInt64 { get }
}

extension UInt64: RadixSortable {
    var radixKey: UInt64 { self }
}

extension Array where Element: RadixSortable {
    /// Sorts in place, on every core: one pass puts each element into one of 256 buckets by the
    /// first byte in which the keys differ (an American flag sort: swaps, no second array), then
    /// the buckets are sorted the same way, byte by byte, each on whichever core is free, until
    /// they are small enough for an insertion sort (or their keys are spent: then the standard
    /// sort, by `<`). A national ingest sorts tens of millions of
    /// natural ids and Crime IDs: the standard sort on two halves took about twice as long.
    ///
    /// Not stable: elements that compare equal must be interchangeable (equal integers, or keys
    /// that carry a unique tie-breaker), which is what makes the result the same on every run.
    mutating func radixSort() {
        guard count > 1 else { return }
        withUnsafeMutableBufferPointer { all in
            var lo = UInt64.max, hi = UInt64.min
            for x in all { let k = x.radixKey; lo = Swift.min(lo, k); hi = Swift.max(hi, k) }
            // The first byte in which the keys differ; all equal: the standard sort (shift < 0).
            let shift = lo == hi ? -1 : Swift.max(0, 56 - (lo ^ hi).leadingZeroBitCount)
            RadixSort.sort(all, shift: shift, onAllCores: true)
        }
    }
}

/// The passes of ``Swift/Array/radixSort()``.
enum RadixSort {
    /// Sorts elements whose keys agree above bit `shift + 8`: by the byte at `shift`, then each
    /// bucket by the next byte down, the buckets spread over the cores when `onAllCores`.
    static func sort<T: RadixSortable>(_ a: UnsafeMutableBufferPointer<T>, shift: Int, onAllCores: Bool = false) {
        // A few elements: insertion sort. (The standard sort on every bucket of a few hundred,
        // where the byte passes used to stop, was most of a national ingest's sorting.)
        if a.count <= 24 { insertionSort(a); return }
        guard shift >= 0 else { var a = a; a.sort(); return }
        let bounds = distribute(a, shift: shift)
        func bucket(_ b: Int) { sort(UnsafeMutableBufferPointer(rebasing: a[bounds[b]..<bounds[b + 1]]), shift: shift - 8) }
        if onAllCores {
            nonisolated(unsafe) let bucket = bucket
            DispatchQueue.concurrentPerform(iterations: 256) { bucket($0) }
        } else {
            for b in 0..<256 where bounds[b + 1] - bounds[b] > 1 { bucket(b) }
        }
    }

    /// Sorts a bucket of a few elements by `<`.
    @inline(__always)
    static func insertionSort<T: Comparable>(_ a: UnsafeMutableBufferPointer<T>) {
        guard a.count > 1 else { return }
        for i in 1..<a.count {
            let x = a[i]
            var j = i
            while j > 0 && x < a[j - 1] { a[j] = a[j - 1]; j -= 1 }
            a[j] = x
        }
    }

    /// Puts the elements in order of their key's byte at `shift`, in place; returns where each
    /// of the 256 buckets starts, and the end.
    static func distribute<T: RadixSortable>(_ a: UnsafeMutableBufferPointer<T>, shift: Int) -> [Int] {
        @inline(__always) func digit(_ x: T) -> Int { Int(truncatingIfNeeded: x.radixKey >> UInt64(shift)) & 255 }
        var bounds = [Int](repeating: 0, count: 257)
        for x in a { bounds[digit(x) + 1] += 1 }
        for b in 0..<256 { bounds[b + 1] += bounds[b] }
        var head = Array(bounds[..<256])
        for b in 0..<256 {
            // Each element picked up is swapped into the next free place of its bucket, and the
            // one there carried on, until one belonging here comes back.
            while head[b] < bounds[b + 1] {
                var x = a[head[b]], d = digit(x)
                while d != b { swap(&x, &a[head[d]]); head[d] += 1; d = digit(x) }
                a[head[b]] = x
                head[b] += 1
            }
        }
        return bounds
    }
}

extension Array where Element: BitwiseCopyable {
    /// `count` elements that `body` writes in place (each once; any order), for arrays made on
    /// every query's path. The standard library's `init(unsafeUninitializedCapacity:)` and
    /// `init(repeating:count:)` allocate through one unspecialized function that looks the
    /// storage's type up at run time, ~500 instructions a call (several calls a batch line);
    /// `reserveCapacity` and `append(contentsOf:)` are specialized here, at the price of a copy,
    /// so a long array (where the copy would cost more than the look-up) is written in place.
    @inline(__always)
    init(count: Int, writing body: (UnsafeMutableBufferPointer<Element>) -> Void) {
        guard count * MemoryLayout<Element>.stride <= 1024 else {
            self.init(unsafeUninitializedCapacity: count) { out, made in
                body(out)
                made = count
            }
            return
        }
        self = []
        guard count > 0 else { return }
        reserveCapacity(count)
        withUnsafeTemporaryAllocation(of: Element.self, capacity: count) { scratch in
            body(scratch)
            append(contentsOf: UnsafeBufferPointer(scratch))
        }
    }
}

/// SplitMix64: a tiny, fully specified seeded generator, so the sample (and every seeded test and
/// benchmark) is the same everywhere; the system generator is neither seedable nor stable.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<bound` by multiply-high: integer only, bias far below anything visible.
    public mutating func below(_ bound: Int) -> Int {
        Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// True with probability `perTenThousand / 10_000`.
    public mutating func chance(_ perTenThousand: Int) -> Bool { below(10_000) < perTenThousand }
}

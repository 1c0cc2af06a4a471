import Foundation

/// Whether two recorded counts differ by more than chance: the exact conditional test for two
/// Poisson counts, and an exact 95% interval for the ratio of their rates.
///
/// Recorded crime in an area over some months behaves like a Poisson count: many independent
/// chances of a crime, each rare, so a count of 12 could as easily have been 17. Given counts `a`
/// and `b` over exposures `ea` and `eb` (months, or km²), conditioning on their sum `n = a + b`
/// leaves `a ~ Binomial(n, ea / (ea + eb))` when the two rates are equal, whatever that rate is.
/// So the test is exact and needs no large-sample approximation (Przyborowski & Wilenski 1940;
/// R's `poisson.test` for two samples).
///
/// - The p-value is two-sided and computed as `scipy.stats.binomtest(a, n, p0).pvalue` computes
///   it: the probability of every outcome no more likely than the observed one, with scipy's
///   relative tolerance of 1e-7 on "no more likely".
/// - The interval is the Clopper–Pearson interval for the binomial proportion
///   (`binomtest(...).proportion_ci(0.95, method="exact")`) turned into the rate ratio
///   `(a/ea) / (b/eb) = π / (1 − π) · eb / ea`.
/// - Zero counts: `a = 0` gives a lower end of 0, `b = 0` an upper end of +infinity (JSON writes
///   it `null`); `a = b = 0` says nothing about the rates: the p-value is 1 and the interval
///   [0, +infinity).
///
/// Tail probabilities come from the regularized incomplete beta function (a continued fraction
/// whose prefactor is a binomial probability computed with Loader's saddle-point expansion), so
/// counts in the millions stay accurate and take well under a millisecond.
public struct PoissonChange: Sendable, Equatable {
    /// The counts compared: the ratio is `a` over `b`.
    public let a: Int, b: Int
    /// What each count was recorded over (months, km²): only their ratio matters.
    public let exposureA: Double, exposureB: Double
    /// Two-sided p-value of "the two rates are equal".
    public let pValue: Double
    /// 95% exact interval for the rate ratio `(a / exposureA) / (b / exposureB)`; `upperBound` is
    /// `.infinity` when `b` is 0.
    public let ratioInterval: ClosedRange<Double>

    /// Below this p-value a change is called a rise or fall; at or above it, normal variation.
    public static let threshold = 0.05

    /// Tests counts `a` and `b` recorded over `exposureA` and `exposureB` (each > 0).
    /// - Complexity: O(√n) per tail probability, about 150 of them: well under a millisecond for
    ///   counts of a million.
    public init(_ a: Int, _ b: Int, exposureA: Double = 1, exposureB: Double = 1) {
        precondition(a >= 0 && b >= 0, "counts are never negative")
        precondition(exposureA > 0 && exposureB > 0 && exposureA.isFinite && exposureB.isFinite, "exposures must be positive")
        self.a = a
        self.b = b
        self.exposureA = exposureA
        self.exposureB = exposureB
        let n = a + b
        // p0 and 1 − p0 each from their own division, so neither loses digits to a subtraction.
        let p0 = exposureA / (exposureA + exposureB), q0 = exposureB / (exposureA + exposureB)
        pValue = n == 0 ? 1 : Binomial.twoSidedP(a, n, p: p0, q: q0)
        let odds = Binomial.exactOddsInterval(a, n)
        let scale = exposureB / exposureA
        ratioInterval = (odds.lowerBound * scale)...(odds.upperBound * scale)
    }

    /// The estimated rate ratio; nil when `b` is 0 (infinite or, with `a` also 0, undefined).
    public var ratio: Double? { b > 0 ? (Double(a) / exposureA) / (Double(b) / exposureB) : nil }

    /// The p-value is at or above ``threshold``: the difference is within normal variation.
    public var withinNormalVariation: Bool { pValue >= PoissonChange.threshold }

    /// The p-value for people: two significant digits ("0.47", "0.032"), or "<0.001".
    var pText: String {
        guard pValue >= 0.001 else { return "<0.001" }
        let places = max(2, 1 - Int((log10(pValue)).rounded(.down)))
        return Format.decimal(pValue, places: places)
    }

    /// "p = 0.47" or "p < 0.001", for sentences.
    var pPhrase: String { pValue >= 0.001 ? "p = \(pText)" : "p < 0.001" }
}

/// The binomial distribution's probabilities, accurate to about 1e-14 relative for any n that
/// fits in memory, with `p` and `q = 1 − p` passed separately so that neither is rounded away.
enum Binomial {
    /// log P(X = k) for X ~ Binomial(n, p): Loader's saddle-point form (R's `dbinom_raw`), which
    /// avoids the cancellation of log-gamma differences for large n.
    static func logPMF(_ k: Int, _ n: Int, p: Double, q: Double) -> Double {
        guard k >= 0 && k <= n else { return -.infinity }
        if p == 0 { return k == 0 ? 0 : -.infinity }
        if q == 0 { return k == n ? 0 : -.infinity }
        let nd = Double(n), kd = Double(k)
        if k == 0 { return n == 0 ? 0 : (p < 0.1 ? -deviance(nd, nd * q) - nd * p : nd * log(q)) }
        if k == n { return q < 0.1 ? -deviance(nd, nd * p) - nd * q : nd * log(p) }
        let lc = stirlingError(n) - stirlingError(k) - stirlingError(n - k) - deviance(kd, nd * p) - deviance(nd - kd, nd * q)
        let lf = log(2 * Double.pi) + log(kd) + log1p(-kd / nd)
        return lc - 0.5 * lf
    }

    static func pmf(_ k: Int, _ n: Int, p: Double, q: Double) -> Double { exp(logPMF(k, n, p: p, q: q)) }

    /// P(X ≤ k).
    static func cdf(_ k: Int, _ n: Int, p: Double, q: Double) -> Double {
        if k < 0 { return 0 }
        if k >= n { return 1 }
        return incompleteBeta(x: q, y: p, a: n - k, b: k + 1).lower
    }

    /// P(X > k).
    static func sf(_ k: Int, _ n: Int, p: Double, q: Double) -> Double {
        if k < 0 { return 1 }
        if k >= n { return 0 }
        return incompleteBeta(x: p, y: q, a: k + 1, b: n - k).lower
    }

    /// Two-sided p-value of `k` successes in `n` trials against success probability `p`, exactly
    /// as `scipy.stats.binomtest` (1.17) computes it: the observed tail plus the tail on the other
    /// side of the mode whose probabilities are at most the observed one's times (1 + 1e-7).
    static func twoSidedP(_ k: Int, _ n: Int, p: Double, q: Double) -> Double {
        let d = pmf(k, n, p: p, q: q), rerr = 1 + 1e-7
        let mean = p * Double(n)
        if Double(k) == mean { return 1 }
        let pval: Double
        if Double(k) < mean {
            let ix = search({ -pmf($0, n, p: p, q: q) }, -d * rerr, lo: Int(mean.rounded(.up)), hi: n)
            let y = n - ix + (d * rerr == pmf(ix, n, p: p, q: q) ? 1 : 0)
            pval = cdf(k, n, p: p, q: q) + sf(n - y, n, p: p, q: q)
        } else {
            let ix = search({ pmf($0, n, p: p, q: q) }, d * rerr, lo: 0, hi: Int(mean.rounded(.down)))
            pval = cdf(ix, n, p: p, q: q) + sf(k - 1, n, p: p, q: q)
        }
        return min(1, pval)
    }

    /// scipy's `_binary_search_for_binom_tst`: the i in lo...hi with f(i) ≤ target < f(i + 1),
    /// for f ascending over that range (lo − 1 when even f(lo) exceeds it).
    private static func search(_ f: (Int) -> Double, _ target: Double, lo: Int, hi: Int) -> Int {
        var lo = lo, hi = hi
        while lo < hi {
            let mid = lo + (hi - lo) / 2, v = f(mid)
            if v < target { lo = mid + 1 } else if v > target { hi = mid - 1 } else { return mid }
        }
        return f(lo) <= target ? lo : lo - 1
    }

    /// The Clopper–Pearson 95% interval for the proportion behind `k` of `n`, as odds π / (1 − π):
    /// 0 for the lower end when k = 0, +infinity for the upper when k = n (and [0, +infinity) for n = 0).
    ///
    /// Each end is found by bisection on the log-odds, so that an end near 0 or near 1 keeps its
    /// relative precision in both π and 1 − π.
    static func exactOddsInterval(_ k: Int, _ n: Int, level: Double = 0.95) -> ClosedRange<Double> {
        let alpha = (1 - level) / 2
        // Lower end: P(X ≥ k) = alpha, increasing in π. Upper end: P(X ≤ k) = alpha, decreasing.
        let low = k == 0 ? 0 : exp(logOddsRoot { p, q in sf(k - 1, n, p: p, q: q) - alpha })
        let high = k == n ? Double.infinity : exp(logOddsRoot { p, q in alpha - cdf(k, n, p: p, q: q) })
        return low...high
    }

    /// The same interval as proportions (π_low, π_high), for comparison with scipy's `proportion_ci`.
    static func exactProportionInterval(_ k: Int, _ n: Int) -> (low: Double, high: Double) {
        let odds = exactOddsInterval(k, n)
        func proportion(_ o: Double) -> Double { o.isInfinite ? 1 : o / (1 + o) }
        return (proportion(odds.lowerBound), proportion(odds.upperBound))
    }

    /// The log-odds t where `f(π, 1 − π)` (increasing in π) crosses 0, to the last bit of t.
    private static func logOddsRoot(_ f: (Double, Double) -> Double) -> Double {
        // e^±700 stays finite; π = 1 / (1 + e^700) ≈ 1e-304 is below any bound a count can give.
        var lo = -700.0, hi = 700.0
        while true {
            let mid = (lo + hi) / 2
            // A relative width of 1e-16 in t is far below what the counts can tell apart; without
            // it, a root near t = 0 would be bisected down to subnormal widths.
            guard mid > lo && mid < hi && hi - lo > 1e-16 * max(1, abs(mid)) else { return mid }
            let v = f(1 / (1 + exp(-mid)), 1 / (1 + exp(mid)))
            if v < 0 { lo = mid } else if v > 0 { hi = mid } else { return mid }
        }
    }

    /// The regularized incomplete beta I_x(a, b) and its complement, for whole a, b ≥ 1 and
    /// x + y = 1: the continued fraction of Numerical Recipes (modified Lentz) on whichever side
    /// converges, so the smaller of the two is computed directly, never as 1 − (almost 1).
    static func incompleteBeta(x: Double, y: Double, a: Int, b: Int) -> (lower: Double, upper: Double) {
        if x <= 0 { return (0, 1) }
        if y <= 0 { return (1, 0) }
        if x * Double(a + b + 2) < Double(a + 1) {
            let v = betaPrefactor(x: x, y: y, a: a, b: b) * continuedFraction(x: x, a: Double(a), b: Double(b))
            return (v, 1 - v)
        }
        let v = betaPrefactor(x: y, y: x, a: b, b: a) * continuedFraction(x: y, a: Double(b), b: Double(a))
        return (1 - v, v)
    }

    /// x^a y^b / (a B(a, b)) for whole a, b: equals y · P(Binomial(a + b − 1, x) = a).
    private static func betaPrefactor(x: Double, y: Double, a: Int, b: Int) -> Double {
        y * pmf(a, a + b - 1, p: x, q: y)
    }

    /// The continued fraction of I_x(a, b); converges in O(√max(a, b)) terms for x < (a+1)/(a+b+2).
    private static func continuedFraction(x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300, eps = 1e-16
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0, d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000_000 {
            let md = Double(m), m2 = 2 * md
            var aa = md * (b - md) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + md) * (qab + md) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            h *= step
            if abs(step - 1) <= eps { break }
        }
        return h
    }

    /// log(n!) − log(√(2π n) (n/e)^n): Stirling's error, by series above 15 (R's `stirlerr`).
    static func stirlingError(_ n: Int) -> Double {
        let nd = Double(n)
        if n <= 15 { return lgamma(nd + 1) - (nd + 0.5) * log(nd) + nd - 0.5 * log(2 * Double.pi) }
        let s0 = 1.0 / 12, s1 = 1.0 / 360, s2 = 1.0 / 1260, s3 = 1.0 / 1680, s4 = 1.0 / 1188
        let nn = nd * nd
        if n > 500 { return (s0 - s1 / nn) / nd }
        if n > 80 { return (s0 - (s1 - s2 / nn) / nn) / nd }
        if n > 35 { return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / nd }
        return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / nd
    }

    /// x log(x / m) + m − x without cancellation when x is near m (Loader's `bd0`).
    static func deviance(_ x: Double, _ m: Double) -> Double {
        if abs(x - m) < 0.1 * (x + m) {
            var v = (x - m) / (x + m)
            var s = (x - m) * v
            var ej = 2 * x * v
            v *= v
            for j in 1..<1000 {
                ej *= v
                let next = s + ej / Double(2 * j + 1)
                if next == s { return next }
                s = next
            }
            return s
        }
        return x * log(x / m) + m - x
    }
}

import Foundation
import Testing
@testable import GeoQuery

/// The exact test for two Poisson counts against independent computations: scipy's binomial test
/// (run by python3) and a published worked example.
@Suite struct PoissonChangeTests {
    /// (a, b, exposure of a, exposure of b): small, zero, large and unequal-exposure cases.
    static let cases: [(Int, Int, Double, Double)] = [
        (12, 17, 1, 1), (17, 12, 1, 1), (0, 5, 1, 1), (5, 0, 1, 1), (0, 1, 1, 1), (1, 1, 1, 1), (7, 7, 1, 1),
        (3, 9, 1, 1), (40, 28, 1, 1), (60, 40, 1, 1), (100, 135, 1, 1), (2, 30, 1, 1), (1000, 1100, 1, 1),
        (5000, 5200, 1, 1), (250_000, 251_500, 1, 1), (1_000_000, 1_002_500, 1, 1), (4_000_000, 3_990_000, 1, 1),
        (11, 21, 800, 3011), (30, 10, 2.0, 0.5), (5, 40, 0.785398, 3.141593), (120, 80, 1.256637, 0.502655),
        (0, 12, 1.5, 2.5), (9, 0, 0.3, 2.0), (2000, 30, 100, 1), (6826, 4432, 2.0268, 2.0268), (17, 3, 0.25, 1.75),
    ]

    /// scipy 1.17's answers for `cases`: `binomtest(a, a + b, ea / (ea + eb))`'s p-value, its
    /// `proportion_ci(0.95, method="exact")`, and the same interval's equations solved by brentq to
    /// full precision (scipy's own solve stops at an absolute 2e-12).
    static func scipy(_ cases: [(Int, Int, Double, Double)]) throws -> [[Double]] {
        let script = """
        import json, sys
        from scipy.stats import binomtest, binom
        from scipy.optimize import brentq
        out = []
        for a, b, ea, eb in json.load(sys.stdin):
            n, p = a + b, ea / (ea + eb)
            r = binomtest(a, n, p)
            ci = r.proportion_ci(0.95, method='exact')
            lo = 0.0 if a == 0 else brentq(lambda x: binom.sf(a - 1, n, x) - 0.025, 0, 1, xtol=1e-300, rtol=8.9e-16, maxiter=500)
            hi = 1.0 if a == n else brentq(lambda x: binom.cdf(a, n, x) - 0.025, 0, 1, xtol=1e-300, rtol=8.9e-16, maxiter=500)
            out.append([float(r.pvalue), float(ci.low), float(ci.high), lo, hi])
        json.dump(out, sys.stdout)
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        p.standardInput = input; p.standardOutput = output; p.standardError = errors
        try p.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: cases.map { [$0.0, $0.1, $0.2, $0.3] as [Any] }))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw CLIError("python3 with scipy failed (run scripts/setup, which installs scipy): \(stderr)")
        }
        return try JSONSerialization.jsonObject(with: data) as! [[Double]]
    }

    struct CLIError: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

    static func close(_ x: Double, _ y: Double, relative: Double = 1e-9, absolute: Double = 0) -> Bool {
        x == y || abs(x - y) <= max(relative * max(abs(x), abs(y)), absolute)
    }

    @Test func agreesWithScipyBinomtest() throws {
        let reference = try Self.scipy(Self.cases)
        for ((a, b, ea, eb), s) in zip(Self.cases, reference) {
            let t = PoissonChange(a, b, exposureA: ea, exposureB: eb)
            let label = "(\(a), \(b)) exposures \(ea), \(eb)"
            #expect(Self.close(t.pValue, s[0]), "\(label): p \(t.pValue) against scipy's \(s[0])")
            let pi = Binomial.exactProportionInterval(a, a + b)
            // scipy's proportion_ci, within its own solver's tolerance; the full-precision roots to 1e-9.
            #expect(Self.close(pi.low, s[1], absolute: 2e-12) && Self.close(pi.high, s[2], absolute: 2e-12), "\(label): \(pi) against proportion_ci \(s[1]), \(s[2])")
            #expect(Self.close(pi.low, s[3]) && Self.close(pi.high, s[4]), "\(label): \(pi) against \(s[3]), \(s[4])")
            // The rate ratio from scipy's proportions: π / (1 − π) · eb / ea.
            let scale = eb / ea
            let low = s[3] * scale / (1 - s[3]), high = s[4] == 1 ? Double.infinity : s[4] * scale / (1 - s[4])
            #expect(Self.close(t.ratioInterval.lowerBound, low) && Self.close(t.ratioInterval.upperBound, high), "\(label): ratio \(t.ratioInterval) against \(low)...\(high)")
        }
    }

    /// The zero cases scipy cannot take (n = 0) or where an end is exactly 0 or infinite.
    @Test func zeroCounts() throws {
        let none = PoissonChange(0, 0)
        #expect(none.pValue == 1 && none.ratioInterval == 0...Double.infinity && none.ratio == nil && none.withinNormalVariation)
        #expect(PoissonChange(0, 5).ratioInterval.lowerBound == 0 && PoissonChange(0, 5).ratio == 0)
        #expect(PoissonChange(5, 0).ratioInterval.upperBound == .infinity && PoissonChange(5, 0).ratio == nil)
        // 0 against 5 over equal exposures: both tails, 2 · 2^-5.
        #expect(Self.close(PoissonChange(0, 5).pValue, 2.0 / 32, relative: 1e-14))
    }

    /// R's documentation example for `poisson.test` (stats package; data eba1977 from the ISwR
    /// package: lung cancer cases, Fredericia against three other Danish cities, ages 55–59):
    /// `poisson.test(c(11, 6+8+7), c(800, 1083+1050+878))` prints p-value = 0.07967, rate ratio
    /// 1.971488 and the 95 percent confidence interval 0.8584264 4.2772659.
    @Test func publishedWorkedExample() {
        let t = PoissonChange(11, 6 + 8 + 7, exposureA: 800, exposureB: 1083 + 1050 + 878)
        #expect((t.pValue * 1e5).rounded() == 7967)
        #expect((t.ratio! * 1e6).rounded() == 1_971_488)
        #expect((t.ratioInterval.lowerBound * 1e7).rounded() == 8_584_264)
        #expect((t.ratioInterval.upperBound * 1e7).rounded() == 42_772_659)
        #expect(t.withinNormalVariation && t.pPhrase == "p = 0.080")
    }

    /// Swapping the counts (and exposures) gives the same p-value and the reciprocal interval.
    @Test func symmetric() {
        for (a, b, ea, eb) in Self.cases {
            let x = PoissonChange(a, b, exposureA: ea, exposureB: eb), y = PoissonChange(b, a, exposureA: eb, exposureB: ea)
            #expect(Self.close(x.pValue, y.pValue, relative: 1e-12), "(\(a), \(b))")
            #expect(Self.close(x.ratioInterval.lowerBound, 1 / y.ratioInterval.upperBound, relative: 1e-12), "(\(a), \(b))")
        }
    }

    /// Counts in the millions stay fast: a report holds about 15 tests.
    @Test func largeCountsAreFast() {
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for i in 0..<15 { _ = PoissonChange(1_000_000 + i * 1000, 1_002_000) }
        }
        #expect(elapsed < .seconds(Sanitizer.slowdown), "15 tests of counts near a million took \(elapsed)")
    }
}

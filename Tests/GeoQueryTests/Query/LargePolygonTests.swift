import Foundation
import Testing
@testable import GeoQuery

/// A 200,000-vertex polygon over Leicester, read, validated, indexed and queried, against an
/// independent count over the parsed rows (the CLI reads it from a file with `--poly @FILE`).
@Suite struct LargePolygonTests {
    /// A comb: a straight base at `baseE6` and a top of seeded teeth, one vertex every 2 µdeg of
    /// longitude. The top is x-monotone and above the base, so the ring is simple. Tooth heights
    /// alternate in parity, so no lattice point (every map point is one: 6 decimals) lies on a
    /// slanted edge, and the answer does not hang on rounding.
    struct Comb {
        static let step: Int64 = 2
        let westE6: Int64, baseE6: Int64
        let topE6: [Int64]

        init(vertices n: Int, seed: UInt64) {
            var rng = SeededRandom(seed: seed)
            westE6 = -1_330_000
            baseE6 = 52_580_000
            topE6 = (0..<(n - 2)).map { k in 2 * Int64.random(in: 26_300_000...26_350_000, using: &rng) + Int64(k % 2) }
        }

        var eastE6: Int64 { westE6 + Int64(topE6.count - 1) * Comb.step }

        /// The data.police.uk form, `lat,lng:...`: base west → base east → teeth east to west.
        var poly: String {
            func d(_ e6: Int64) -> String { Format.decimal(Double(e6) / 1e6, places: 6) }
            var points = ["\(d(baseE6)),\(d(westE6))", "\(d(baseE6)),\(d(eastE6))"]
            for k in stride(from: topE6.count - 1, through: 0, by: -1) {
                points.append("\(d(topE6[k])),\(d(westE6 + Int64(k) * Comb.step))")
            }
            return points.joined(separator: ":")
        }

        /// Inside or on the boundary, exactly, in integer micro-degrees: above the base, within
        /// the comb's longitudes, and not above the tooth edge over the point's longitude.
        func contains(lat: Double, lng: Double) -> Bool {
            let y = Int64((lat * 1e6).rounded()), x = Int64((lng * 1e6).rounded())
            guard y >= baseE6, x >= westE6, x <= eastE6 else { return false }
            let k = Int(min((x - westE6) / Comb.step, Int64(topE6.count - 2)))
            let x0 = westE6 + Int64(k) * Comb.step, y0 = topE6[k], y1 = topE6[k + 1]
            // y ≤ y0 + (x − x0)(y1 − y0)/step, multiplied out.
            return (y - y0) * Comb.step <= (x - x0) * (y1 - y0)
        }

        var expected: Expected {
            let (south, north) = (Double(baseE6) / 1e6, Double(topE6.max()!) / 1e6)
            let (west, east) = (Double(westE6) / 1e6, Double(eastE6) / 1e6)
            return Expected.bruteForce(inside: contains, near: { $0 >= south && $0 <= north && $1 >= west && $1 <= east },
                                       from: "2018-10", to: "2022-10", categories: [], forces: [], excludeBTP: false)
        }
    }

    static let comb = Comb(vertices: 200_000, seed: SeededRandom.seed(14))

    @Test func twoHundredThousandVerticesAgainstBruteForce() throws {
        let polygon = try PolygonReader.poly(Self.comb.poly)
        #expect(polygon.vertexCount == 200_000)
        let result = try TestData.realMirror.query(.polygon(polygon))
        let expected = Self.comb.expected
        #expect(expected.mapPoints > 1_000, "the comb should cover a good part of Leicester")
        #expect(Expected.observed(result) == expected)
    }

    @Test func cliReadsPolyFromAFile() throws {
        let path = TestData.temporaryDirectory("poly") + "/comb.poly"
        try Self.comb.poly.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try CLIRun.run(["--mirror", TestData.realMirrorPath, "--poly", "@" + path, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let expected = Self.comb.expected
        #expect(obj["total"] as? Int == expected.total)
        #expect(obj["map_points"] as? Int == expected.mapPoints)
    }

    @Test func unreadablePolyFileIsOneClearError() throws {
        let r = try CLIRun.run(["--mirror", TestData.realMirrorPath, "--poly", "@/no/such/area.poly"])
        #expect(r.status == 1)
        #expect(r.stderr == "geoquery: error: cannot read the poly file /no/such/area.poly: no such file\n")
    }
}

import Foundation
import Testing
@testable import GeoQuery

/// The fast distance must stay far inside the margin within which PROJ's geodesic decides.
@Suite struct LocalMetricTests {
    @Test func staysWithinAFifthOfTheMarginOfTheGeodesic() {
        var rng = SeededRandom(seed: 7)
        var worst = 0.0
        for _ in 0..<20_000 {
            let lat = Double.random(in: 49.8...60.9, using: &rng), lng = Double.random(in: -8.5...1.8, using: &rng)
            let metric = LocalMetric(lat: lat, lng: lng)
            let bearing = Double.random(in: 0..<360, using: &rng)
            let d = Double.random(in: 1...Circle.maxRadius.metres * 1.05, using: &rng)
            let p = Geodesic.wgs84.destination(lat: lat, lng: lng, azimuth: bearing, metres: d)
            let latE6 = Int32((p.lat * 1e6).rounded()), lngE6 = Int32((p.lng * 1e6).rounded())
            let exact = Geodesic.wgs84.distance(lat1: lat, lng1: lng, lat2: Double(latE6) / 1e6, lng2: Double(lngE6) / 1e6)
            let approx = metric.squaredDistance(latE6: latE6, lngE6: lngE6).squareRoot()
            worst = max(worst, abs(approx - exact) / LocalMetric.margin(for: exact))
        }
        #expect(worst < 0.2, "worst error is \(worst) of the margin")
    }

    @Test func distancesParseInEveryUnit() throws {
        #expect(try Distance(parsing: "800m").metres == 800)
        #expect(try Distance(parsing: "1.2km").metres == 1200)
        #expect(try Distance(parsing: "0.5mi").metres == 804.672)
        #expect(try Distance(parsing: "0.5").metres == 804.672)
        #expect(throws: GeoQueryError.self) { try Distance(parsing: "far") }
        // Swift's Double(String) takes hexadecimal: "0x10m" would be 16 m, silently.
        for text in ["0x10m", "0x1p3m", "0X10", "infm", "nan", "1e400m", "--1m", "1..5km"] {
            #expect(throws: GeoQueryError.self, "\(text)") { try Distance(parsing: text) }
        }
        #expect(try Distance(parsing: "1e1m").metres == 10 && (try Distance(parsing: "+.5km").metres) == 500)
        // Units spelled out, as one argument: the same table the CLI's "--radius 0.5 mile" hint reads.
        let spelled: [(String, Double)] = [("0.5 mile", 804.672), ("2 miles", 3218.688), ("800 metres", 800), ("800 meters", 800),
                                           ("1.5 kilometres", 1500), ("1.5 kilometers", 1500), ("3 feet", 0.9144000000000001),
                                           ("1 foot", 0.3048), ("10 yards", 9.144), ("1 yard", 0.9144), ("5 KM", 5000)]
        for (text, metres) in spelled { #expect(try Distance(parsing: text).metres == metres, "\(text)") }
        #expect(Distance.unitSymbol("Miles") == "mi" && Distance.unitSymbol("metres") == "m" && Distance.unitSymbol("furlong") == nil)
        for text in ["800 metre s", "5 kms", "1 mil"] { #expect(throws: GeoQueryError.self, "\(text)") { try Distance(parsing: text) } }
    }

    /// Decimal spellings read as Double(String) reads them; everything else it takes is refused.
    @Test func decimalNumbersOnly() {
        for text in ["52.6297", "-1.1316", "+3", ".5", "5.", "1e5", "1E-5", "0", "-0", "007", "1234567890.12345678901234567890"] {
            #expect(Double(decimal: text)?.bitPattern == Double(text)?.bitPattern, "\(text)")
        }
        for text in ["0x34", "0x1p3", "nan", "inf", "-infinity", "", " 5", "5 ", "1e", "e5", ".", "-", "1_000", "٥"] {
            #expect(Double(decimal: text) == nil, "\(text)")
        }
    }
}

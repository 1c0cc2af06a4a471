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
    }
}

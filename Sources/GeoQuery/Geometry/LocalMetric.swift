import Foundation

/// A fast ellipsoidal distance near one centre, with a safe margin around PROJ's geodesic.
///
/// Distances use the WGS84 radii of curvature at the mid-latitude of each pair (a quadratic fit
/// in latitude around the centre). For the distances geoquery accepts this differs from
/// `geod_inverse` by far less than ``margin(for:)`` (checked against PROJ in the tests), so a
/// caller treats anything within the margin of a boundary as undecided and asks ``Geodesic``:
/// answers are exactly the geodesic's while almost every point costs a few multiplications.
struct LocalMetric: Sendable {
    /// Half-width of the undecided band around a radius `r` metres.
    static func margin(for r: Double) -> Double { r * 5e-5 + 0.001 }

    /// Centre in micro-degrees (not rounded: a query centre may have more than 6 decimals).
    let centreLat: Double
    let centreLng: Double
    // Metres per micro-degree at a latitude offset δ (micro-degrees) from the centre: k0 + k1·δ + k2·δ²/2.
    private let kx0: Double, kx1: Double, kx2: Double
    private let ky0: Double, ky1: Double, ky2: Double

    init(lat: Double, lng: Double) {
        centreLat = lat * 1e6
        centreLng = lng * 1e6
        let rad = Double.pi / 180 / 1e6
        let a = 6_378_137.0, f = 1 / 298.257223563, e2 = f * (2 - f)
        // Both scales at one latitude from one sine (a query makes this metric, so it counts).
        func scales(_ latE6: Double) -> (x: Double, y: Double) {
            let phi = latE6 * rad
            let s = sin(phi)
            let w = 1 - e2 * s * s
            return (a / w.squareRoot() * cos(phi) * rad, a * (1 - e2) / (w * w.squareRoot()) * rad)
        }
        let c = centreLat, h = 100_000.0
        let below = scales(c - h), mid = scales(c), above = scales(c + h)
        (kx0, kx1, kx2) = LocalMetric.quadratic(below.x, mid.x, above.x, h)
        (ky0, ky1, ky2) = LocalMetric.quadratic(below.y, mid.y, above.y, h)
    }

    init(latE6: Int32, lngE6: Int32) { self.init(lat: MicroDegrees.degrees(latE6), lng: MicroDegrees.degrees(lngE6)) }

    private static func quadratic(_ lo: Double, _ mid: Double, _ hi: Double, _ h: Double) -> (Double, Double, Double) {
        (mid, (hi - lo) / (2 * h), (hi - 2 * mid + lo) / (h * h))
    }

    /// Squared approximate distance in m² from the centre to a point in micro-degrees.
    @inline(__always)
    func squaredDistance(latE6: Int32, lngE6: Int32) -> Double {
        let dLat = Double(latE6) - centreLat
        let dLng = Double(lngE6) - centreLng
        let mid = dLat * 0.5
        let kx = kx0 + mid * (kx1 + mid * 0.5 * kx2)
        let ky = ky0 + mid * (ky1 + mid * 0.5 * ky2)
        let x = kx * dLng, y = ky * dLat
        return x * x + y * y
    }

    /// ``squaredDistance(latE6:lngE6:)`` for eight points at once, lane by lane the same arithmetic.
    @inline(__always)
    func squaredDistance(latE6: SIMD8<Int32>, lngE6: SIMD8<Int32>) -> SIMD8<Double> {
        let dLat = SIMD8<Double>(latE6) - centreLat
        let dLng = SIMD8<Double>(lngE6) - centreLng
        let mid = dLat * 0.5
        let kx = kx0 + mid * (kx1 + mid * 0.5 * kx2)
        let ky = ky0 + mid * (ky1 + mid * 0.5 * ky2)
        let x = kx * dLng, y = ky * dLat
        return x * x + y * y
    }

    /// Metres per micro-degree of (latitude, longitude) at a latitude offset from the centre.
    func scales(atLatOffsetE6 d: Double) -> (lat: Double, lng: Double) {
        (ky0 + d * (ky1 + d * 0.5 * ky2), kx0 + d * (kx1 + d * 0.5 * kx2))
    }
}

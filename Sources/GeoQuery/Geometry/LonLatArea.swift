import Foundation

/// The area on the WGS84 ellipsoid of a ring whose edges are straight lines in longitude/latitude
/// (the shape containment tests, as the API and RFC 7946 draw it), not geodesics between the
/// same vertices. The two agree to ~6e-6 for an LSOA and part by 0.25% for a lon/lat box over
/// Britain and 11% for a quadrilateral over Europe: a geodesic between two points on one
/// parallel bows poleward.
///
/// By Green's theorem the area is −∮ F(φ) dλ, where F(φ) is the area between the equator and
/// latitude φ per radian of longitude (the authalic zone function, closed form below). Along a
/// lon/lat-straight edge λ and φ are linear in one parameter, so each edge contributes
/// Δλ · mean F over the edge, computed with Gauss–Legendre quadrature on pieces short enough
/// that the rule is exact to rounding (F is analytic and slowly varying).
enum LonLatArea {
    static let a = 6_378_137.0, f = 1 / 298.257223563
    static let e2 = f * (2 - f), e = e2.squareRoot(), b2 = a * a * (1 - e2)

    /// Zone area per radian of longitude from the equator to latitude φ (radians), in m²:
    /// F(φ) = b²/2 · [sin φ / (1 − e² sin² φ) + atanh(e sin φ) / e].
    @inline(__always)
    static func zone(_ phi: Double) -> Double {
        let s = sin(phi)
        return b2 / 2 * (s / (1 - e2 * s * s) + atanh(e * s) / e)
    }

    // Three-point Gauss–Legendre on [0, 1]: nodes 1/2 ∓ √(3/5)/2, weights 5/18, 8/18, 5/18.
    private static let node = 0.5 * (0.6).squareRoot()

    /// Longest latitude step (radians) one three-point rule covers: the rule's error is
    /// ~Δφ⁶ F⁽⁶⁾/2·10⁶, far below rounding at 0.01 rad (~0.6°).
    private static let piece = 0.01

    /// Area in m² of a ring of (lat, lng) degrees, closed or not; always positive.
    /// - Complexity: O(n) with one to three `sin`/`atanh` per vertex for query-sized rings; an
    ///   edge spanning k × 0.6° of latitude costs 3k evaluations.
    static func area(ring: [Polygon.Coordinate]) -> Double {
        guard ring.count > 2 else { return 0 }
        let rad = Double.pi / 180
        // F relative to the first vertex's latitude: ∮ c dλ = 0, and smaller terms cancel better.
        let base = zone(ring[0].lat * rad)
        var sum = 0.0
        for i in 0..<ring.count {
            let p = ring[i], q = ring[(i + 1) % ring.count]
            let dLambda = (q.lng - p.lng) * rad
            if dLambda == 0 { continue }  // a meridian edge encloses no zone area
            let phi1 = p.lat * rad, dPhi = (q.lat - p.lat) * rad
            if dPhi == 0 { sum += dLambda * (zone(phi1) - base); continue }
            let pieces = max(1, Int((abs(dPhi) / piece).rounded(.up)))
            let h = dPhi / Double(pieces)
            var mean = 0.0
            for k in 0..<pieces {
                let start = phi1 + Double(k) * h
                mean += 5 / 18 * (zone(start + (0.5 - node) * h) - base)
                    + 8 / 18 * (zone(start + 0.5 * h) - base)
                    + 5 / 18 * (zone(start + (0.5 + node) * h) - base)
            }
            sum += dLambda * mean / Double(pieces)
        }
        return abs(sum)
    }
}

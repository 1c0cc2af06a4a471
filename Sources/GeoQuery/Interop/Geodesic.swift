import CPROJ

/// WGS84 geodesics from PROJ's copy of GeographicLib (`geod_init`, `geod_inverse`, `geod_direct`).
///
/// Thread-safe once built: the C struct is written only by `geod_init` and read afterwards.
public final class Geodesic: @unchecked Sendable {
    /// The shared WGS84 ellipsoid (a = 6378137 m, f = 1/298.257223563).
    public static let wgs84 = Geodesic(equatorialRadius: 6_378_137, flattening: 1 / 298.257223563)

    /// Owned here and freed in `deinit`; GeographicLib only reads it after `geod_init`.
    private let g: UnsafeMutablePointer<geod_geodesic>

    init(equatorialRadius a: Double, flattening f: Double) {
        g = .allocate(capacity: 1)
        geod_init(g, a, f)
    }

    deinit { g.deallocate() }

    /// Geodesic distance in metres between two points given in degrees.
    /// - Complexity: one `geod_inverse` call (~1 µs); hot loops should pre-filter with
    ///   `LocalMetric` and call this only near a boundary.
    public func distance(lat1: Double, lng1: Double, lat2: Double, lng2: Double) -> Double {
        var s12 = 0.0, azi1 = 0.0, azi2 = 0.0
        geod_inverse(g, lat1, lng1, lat2, lng2, &s12, &azi1, &azi2)
        return s12
    }

    /// The point reached from (lat, lng) after `metres` along the initial bearing `azimuth` (degrees).
    public func destination(lat: Double, lng: Double, azimuth: Double, metres: Double) -> (lat: Double, lng: Double) {
        var lat2 = 0.0, lng2 = 0.0, azi2 = 0.0
        geod_direct(g, lat, lng, azimuth, metres, &lat2, &lng2, &azi2)
        return (lat2, lng2)
    }
}

extension Geodesic {
    /// Area in m² enclosed by a ring of (lat, lng) degrees on the WGS84 ellipsoid
    /// (`geod_polygonarea`: edges are geodesics, so not the shape a query polygon draws; that
    /// one's area is `LonLatArea`, and the tests compare the two). Always positive.
    func area(ring: [(lat: Double, lng: Double)]) -> Double {
        var lats = ring.map(\.lat), lngs = ring.map(\.lng)
        if ring.count > 1, ring.first! == ring.last! { lats.removeLast(); lngs.removeLast() }
        var a = 0.0, p = 0.0
        geod_polygonarea(g, &lats, &lngs, Int32(lats.count), &a, &p)
        return abs(a)
    }
}

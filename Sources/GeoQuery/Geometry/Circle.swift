/// A radius query area: every map point whose WGS84 geodesic distance from the centre is ≤ the radius.
public struct Circle: Sendable, Equatable {
    public var lat: Double
    public var lng: Double
    public var radius: Distance

    /// Radii above this are refused: wider questions belong to polygon queries.
    public static let maxRadius = Distance(metres: 10 * Distance.metresPerMile)
    /// The smallest radius a user may give (``QueryInput``): about the spacing of the
    /// micro-degree grid map points lie on. (`point` uses a 3 cm circle on a map point.)
    public static let minRadius = Distance(metres: 0.1)

    public init(lat: Double, lng: Double, radius: Distance) {
        self.lat = lat
        self.lng = lng
        self.radius = radius
    }

    /// Checks coordinates (with a UK-aware hint when they look swapped) and the radius.
    /// - Parameter naming: how the hint names the coordinates (`--lat` for the CLI, `lat` over HTTP).
    public func validate(naming: QueryInput.ParameterStyle = .flags) throws {
        guard !lat.isNaN, !lng.isNaN else { throw GeoQueryError.invalidCoordinate("latitude and longitude must be numbers") }
        // A JSON number past a Double's range (1e400) is read as infinite: out of range, said so.
        // (No list of the two: it would be made on every query.)
        if lat.isInfinite || lng.isInfinite {
            let (name, limit) = lat.isInfinite ? ("latitude", 90) : ("longitude", 180)
            throw GeoQueryError.invalidCoordinate("\(name) is out of range (-\(limit) to \(limit)): the number given is beyond a Double's range")
        }
        if UKBox.looksSwapped(lat: lat, lng: lng) {
            throw GeoQueryError.invalidCoordinate("latitude \(lat), longitude \(lng) looks swapped: for the UK latitude is 49–61 and longitude -9–2 (try \(naming.setting(["lat": "\(lng)", "lng": "\(lat)"])))")
        }
        guard (-90...90).contains(lat) else { throw GeoQueryError.invalidCoordinate("latitude \(lat) is out of range (-90 to 90)") }
        guard (-180...180).contains(lng) else { throw GeoQueryError.invalidCoordinate("longitude \(lng) is out of range (-180 to 180)") }
        guard radius.metres > 0 else { throw GeoQueryError.invalidRadius("radius must be greater than zero (got \(radius.metres) m)") }
        guard radius.metres <= Circle.maxRadius.metres else {
            throw GeoQueryError.invalidRadius("radius \(Circle.beyondCap(radius.miles)) mi is above the cap of 10 mi (16.1 km): use a polygon for larger areas")
        }
    }
}

/// The circle as the tree tests it: conservative box tests, exact point tests.
extension Circle {
    /// Miles over the cap, with the decimals that show it is over (10.0001, not 10.00).
    static func beyondCap(_ miles: Double) -> String {
        var places = 2
        while places < 9, Double(Format.decimal(miles, places: places)) ?? 0 <= 10 { places += 1 }
        return Format.decimal(miles, places: places)
    }
}

struct CircleArea: TreeArea {
    let metric: LocalMetric
    let radius: Double
    let geodesic: Geodesic
    let centre: (lat: Double, lng: Double)
    private let surelyInside: Double, surelyOutside: Double, boxOutside: Double
    private let minLat: Int32, maxLat: Int32, minLng: Int32, maxLng: Int32
    var boxE6: (minLat: Int32, minLng: Int32, maxLat: Int32, maxLng: Int32) { (minLat, minLng, maxLat, maxLng) }
    /// The centre rounded to micro-degrees, from which a box's nearest corner or side is found.
    private let centreLatE6: Int32, centreLngE6: Int32

    init(_ c: Circle, geodesic: Geodesic = .wgs84) {
        metric = LocalMetric(lat: c.lat, lng: c.lng)
        radius = c.radius.metres
        self.geodesic = geodesic
        centre = (c.lat, c.lng)
        let m = LocalMetric.margin(for: radius)
        surelyInside = (radius - m) * (radius - m)
        surelyOutside = (radius + m) * (radius + m)
        boxOutside = surelyOutside * 1.0201  // 1% on the distance: the box test is looser than the point test
        // A bounding box 1% wider than the circle: the scales vary far less than that over 16 km.
        let reach = (radius + m) * 1.01
        let dLat = reach / metric.scales(atLatOffsetE6: 0).lat
        let kx = min(metric.scales(atLatOffsetE6: dLat).lng, metric.scales(atLatOffsetE6: -dLat).lng)
        let dLng = reach / kx
        func clamp(_ v: Double) -> Int32 { Int32(max(-2e9, min(2e9, v.rounded(.down)))) }
        minLat = clamp(metric.centreLat - dLat - 1); maxLat = clamp(metric.centreLat + dLat + 1)
        minLng = clamp(metric.centreLng - dLng - 1); maxLng = clamp(metric.centreLng + dLng + 1)
        centreLatE6 = clamp(metric.centreLat.rounded()); centreLngE6 = clamp(metric.centreLng.rounded())
    }

    func classify(minLat a: Int32, minLng b: Int32, maxLat c: Int32, maxLng d: Int32) -> BoxRelation {
        if c < minLat || a > maxLat || d < minLng || b > maxLng { return .outside }
        let nearestLat = min(max(centreLatE6, a), c)
        let nearestLng = min(max(centreLngE6, b), d)
        if metric.squaredDistance(latE6: nearestLat, lngE6: nearestLng) > boxOutside { return .outside }
        if metric.squaredDistance(latE6: a, lngE6: b) <= surelyInside && metric.squaredDistance(latE6: a, lngE6: d) <= surelyInside
            && metric.squaredDistance(latE6: c, lngE6: b) <= surelyInside && metric.squaredDistance(latE6: c, lngE6: d) <= surelyInside {
            return .inside
        }
        return .crosses
    }

    @inline(__always)
    func contains(latE6: Int32, lngE6: Int32) -> Bool {
        let d2 = metric.squaredDistance(latE6: latE6, lngE6: lngE6)
        if d2 <= surelyInside { return true }
        if d2 > surelyOutside { return false }
        return geodesicContains(latE6: latE6, lngE6: lngE6)
    }

    /// Within millimetres of the edge: PROJ's geodesic decides.
    private func geodesicContains(latE6: Int32, lngE6: Int32) -> Bool {
        geodesic.distance(lat1: centre.lat, lng1: centre.lng, lat2: MicroDegrees.degrees(latE6), lng2: MicroDegrees.degrees(lngE6)) <= radius
    }

    /// A full leaf's 16 points eight at a time (vector arithmetic, the same metric), the few in
    /// the undecided band one by one through the geodesic; other counts point by point.
    @inline(never)  // out of the walk: inlined there, it slowed the boundary points' loop (callgrind)
    func containsEach(latE6 lat: UnsafePointer<Int32>, lngE6 lng: UnsafePointer<Int32>, count: Int) -> UInt64 {
        guard count == 16 else { return containsOneByOne(latE6: lat, lngE6: lng, count: count) }
        let bit = SIMD8<Int64>(1, 2, 4, 8, 16, 32, 64, 128), none = SIMD8<Int64>(repeating: 0)
        var inside: UInt64 = 0
        for half in 0..<2 {
            let at = half * 8
            let d2 = metric.squaredDistance(latE6: UnsafeRawPointer(lat + at).loadUnaligned(as: SIMD8<Int32>.self),
                                            lngE6: UnsafeRawPointer(lng + at).loadUnaligned(as: SIMD8<Int32>.self))
            let surely = d2 .<= surelyInside
            inside |= UInt64(truncatingIfNeeded: none.replacing(with: bit, where: surely).wrappedSum()) << UInt64(at)
            let undecided = .!surely .& (d2 .<= surelyOutside)
            if any(undecided) {
                for i in 0..<8 where undecided[i] && geodesicContains(latE6: lat[at + i], lngE6: lng[at + i]) { inside |= 1 << UInt64(at + i) }
            }
        }
        return inside
    }
}

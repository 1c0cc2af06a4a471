/// One map point: its catchment and its crimes, so a count is read against the area it serves.
public struct PointReport: Sendable {
    public var catchment: Catchment
    /// The point's crimes by category, month and outcome (a query of just this point).
    public var result: QueryResult
    /// Crimes per km² of catchment (0 when the catchment has no area).
    public var densityPerKm2: Double { catchment.areaKm2 > 0 ? Double(result.total) / catchment.areaKm2 : 0 }
}

extension CrimeMirror {
    /// The catchment and crimes of map point `p` (index order); `naming` is how errors name the
    /// filters (`--force` for the CLI, `force` over HTTP).
    public func pointReport(_ p: Int, from: Month? = nil, to: Month? = nil, categories: [String] = [],
                            forces: [String] = [], excludeBTP: Bool = false,
                            naming: QueryInput.ParameterStyle = .flags) throws -> PointReport {
        let catchment = try catchment(ofPoint: p)
        // Map points are distinct micro-degree coordinates (≥ 7 cm apart), so a 3 cm circle
        // holds exactly this one; the query engine then does the filtering and the notes.
        var q = CrimeQuery.radius(lat: catchment.mapPoint.latitude, lng: catchment.mapPoint.longitude,
                                  Distance(metres: 0.03), from: from, to: to, categories: categories, forces: forces, excludeBTP: excludeBTP)
        q.parameterStyle = naming
        var result = try query(q)
        precondition(result.mapPoints == 1, "a 3 cm circle on a map point must hold exactly that point")
        result.areaKm2 = catchment.areaKm2
        return PointReport(catchment: catchment, result: result)
    }
}

extension CrimeMirror {
    /// The map point a `point` question names, found the same way by the CLI and the server: the
    /// one with id `id`, else the one nearest the place `place` gives (its `lat`/`lng`, or its
    /// postcode's centroid).
    /// - Returns: the point's index, its geodesic distance in metres from the place (nil when
    ///   asked by id), and the postcode centre the place was read from (nil unless a postcode).
    public func mapPoint(id: Int?, nearest place: QueryInput) throws -> (index: Int, metresFromPlace: Double?, centre: PostcodeCentre?) {
        if let id {
            guard let i = mapPointIndex(id: id) else {
                throw GeoQueryError.notFound("no map point has id \(id) (this mirror has \(mapPointCount) map points)")
            }
            return (i, nil, nil)
        }
        var lat = place.lat ?? 0, lng = place.lng ?? 0
        let centre = place.postcode == nil ? nil : try place.query(in: self).centre
        if let centre { (lat, lng) = (centre.lat, centre.lng) }
        try Circle(lat: lat, lng: lng, radius: Distance(metres: 1)).validate(naming: place.parameterStyle)
        guard let near = nearestMapPoint(lat: lat, lng: lng) else { throw GeoQueryError.mirrorMissing("the mirror has no map points") }
        return (near.index, near.metres, centre)
    }
}

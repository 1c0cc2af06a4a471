/// One map point: its catchment and its crimes, so a count is read against the area it serves.
public struct PointReport: Sendable {
    public var catchment: Catchment
    /// The point's crimes by category, month and outcome (a query of just this point).
    public var result: QueryResult
    /// Crimes per km² of catchment (0 when the catchment has no area).
    public var densityPerKm2: Double { catchment.areaKm2 > 0 ? Double(result.total) / catchment.areaKm2 : 0 }
}

extension CrimeMirror {
    /// The catchment and crimes of map point `p` (index order).
    public func pointReport(_ p: Int, from: Month? = nil, to: Month? = nil, categories: [String] = [],
                            forces: [String] = [], excludeBTP: Bool = false) throws -> PointReport {
        let catchment = try catchment(ofPoint: p)
        // Map points are distinct micro-degree coordinates (≥ 7 cm apart), so a 3 cm circle
        // holds exactly this one; the query engine then does the filtering and the notes.
        let q = CrimeQuery.radius(lat: catchment.mapPoint.latitude, lng: catchment.mapPoint.longitude,
                                  Distance(metres: 0.03), from: from, to: to, categories: categories, forces: forces, excludeBTP: excludeBTP)
        var result = try query(q)
        precondition(result.mapPoints == 1, "a 3 cm circle on a map point must hold exactly that point")
        result.areaKm2 = catchment.areaKm2
        return PointReport(catchment: catchment, result: result)
    }
}

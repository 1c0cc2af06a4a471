/// The headline of a catchment expansion report, as reports and summaries quote it: how far the
/// snapped map points inside a query really reach, and the honest bounds on its count.
public struct CatchmentBounds: Sendable, Equatable {
    /// Crimes of map points whose catchment lies wholly inside the query.
    public var certain: Int
    /// The usual count: crimes of map points inside the query.
    public var reported: Int
    /// Crimes of every map point whose catchment touches the query.
    public var possible: Int
    /// Area of the union of the inside points' catchments ÷ the query's area.
    public var expansionRatio: Double
    /// Forces of the area (or recording crime in it) whose data the mirror lacks for some asked
    /// month: the bounds count only the crimes the mirror holds, so they bound nothing of those
    /// forces' crimes (a catchment of another force's point can even stretch over their area).
    public var missingForces: [String]

    public init(certain: Int, reported: Int, possible: Int, expansionRatio: Double, missingForces: [String] = []) {
        self.certain = certain
        self.reported = reported
        self.possible = possible
        self.expansionRatio = expansionRatio
        self.missingForces = missingForces
    }

    /// What the bounds leave out, for a line beside them; nil when the mirror holds every force.
    public var missingNote: String? {
        missingForces.isEmpty ? nil : "these bounds count only the crimes the mirror holds: \(missingForces.joined(separator: ", "))'s data is missing for asked months, and none of its crimes are bounded"
    }
}

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

    public init(certain: Int, reported: Int, possible: Int, expansionRatio: Double) {
        self.certain = certain
        self.reported = reported
        self.possible = possible
        self.expansionRatio = expansionRatio
    }
}

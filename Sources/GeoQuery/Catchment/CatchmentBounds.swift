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
    /// month, with those months: the bounds count only the crimes the mirror holds, so they
    /// bound nothing of those forces' crimes then (a catchment of another force's point can even
    /// stretch over their area).
    public var missing: [Coverage.Missing]
    public var missingForces: [String] { missing.map(\.force) }

    public init(certain: Int, reported: Int, possible: Int, expansionRatio: Double, missing: [Coverage.Missing] = []) {
        self.certain = certain
        self.reported = reported
        self.possible = possible
        self.expansionRatio = expansionRatio
        self.missing = missing
    }

    /// What the bounds leave out, for a line beside them; nil when the mirror holds every force.
    /// - Parameter monthsAsked: how many months were asked (a force lacking all of them is said so).
    public func missingNote(monthsAsked: Int) -> String? {
        guard !missing.isEmpty else { return nil }
        let parts = missing.map { m in "\(m.force)'s " + (m.months.count >= monthsAsked ? "(every month asked)" : "in \(Month.runs(m.months))") }
        return "these bounds count only the crimes the mirror holds; not in them: " + parts.joined(separator: ", ")
    }
}

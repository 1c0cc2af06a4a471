/// An area to aggregate crime over.
public enum Area: Sendable, Equatable {
    case circle(Circle)
}

/// What to count: an area, an optional month range, and category / force filters.
public struct CrimeQuery: Sendable, Equatable {
    public var area: Area
    /// Inclusive; nil means from the mirror's first month / to its last.
    public var from: Month?
    public var to: Month?
    /// Category slugs; empty means all.
    public var categories: [String]
    /// Force slugs as in the archive file names (`leicestershire`, `btp`); empty means all.
    public var forces: [String]
    /// Leave British Transport Police's crimes out (Police UK advises reading BTP on its own).
    public var excludeBTP: Bool

    public init(area: Area, from: Month? = nil, to: Month? = nil, categories: [String] = [], forces: [String] = [], excludeBTP: Bool = false) {
        self.area = area
        self.from = from
        self.to = to
        self.categories = categories
        self.forces = forces
        self.excludeBTP = excludeBTP
    }

    /// A radius query around (lat, lng).
    public static func radius(lat: Double, lng: Double, _ radius: Distance, from: Month? = nil, to: Month? = nil,
                              categories: [String] = [], forces: [String] = [], excludeBTP: Bool = false) -> CrimeQuery {
        CrimeQuery(area: .circle(Circle(lat: lat, lng: lng, radius: radius)), from: from, to: to,
                   categories: categories, forces: forces, excludeBTP: excludeBTP)
    }
}

/// The answer to a ``CrimeQuery``: counts by category, month, outcome, and what they rest on.
public struct QueryResult: Sendable, Equatable {
    public var total = 0
    /// Of `total`, crimes British Transport Police recorded.
    public var btp = 0
    /// Every standard slug (zeros included), then any other category in the mirror, in that order.
    public var categories: [String] = []
    public var byCategory: [String: Int] = [:]
    /// Every month of the range, zeros included.
    public var months: [Month] = []
    public var byMonth: [Month: Int] = [:]
    public var byMonthCategory: [Month: [String: Int]] = [:]
    /// Outcome text as Police UK writes it; "none" for crimes with no outcome (anti-social behaviour).
    public var byOutcome: [String: Int] = [:]
    /// Map points inside the area (whether or not they hold a matching crime).
    public var mapPoints = 0
    public var from: Month
    public var to: Month
    /// Forces whose crimes are counted (at least one matching crime), sorted.
    public var forces: [String] = []
    /// Crimes with no coordinates in the same months, categories and forces: they cannot be placed.
    public var noLocation = 0
    /// Caveats and coverage notes a reader must see (empty results, gaps, the synthetic sample).
    public var notes: [String] = []
    /// True when the answer comes from the embedded synthetic sample.
    public var synthetic = false
    /// The nearest map point when none lies inside: its distance in metres and name.
    public var nearestMapPoint: (metres: Double, name: String)? = nil

    public static func == (a: QueryResult, b: QueryResult) -> Bool {
        a.total == b.total && a.btp == b.btp && a.byCategory == b.byCategory && a.byMonth == b.byMonth
            && a.byMonthCategory == b.byMonthCategory && a.byOutcome == b.byOutcome && a.mapPoints == b.mapPoints
            && a.from == b.from && a.to == b.to && a.forces == b.forces && a.noLocation == b.noLocation && a.notes == b.notes
    }
}

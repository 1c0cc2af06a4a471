/// An area to aggregate crime over.
public enum Area: Sendable, Equatable {
    case circle(Circle)
    case polygon(Polygon)

    /// Area in km²: π r² for a circle (r along the geodesic), the WGS84 area for a polygon.
    public var areaKm2: Double {
        switch self {
        case .circle(let c): return Double.pi * c.radius.metres * c.radius.metres / 1e6
        case .polygon(let p): return p.areaKm2
        }
    }
}

/// What to count: an area, an optional month range, and category / force filters.
public struct CrimeQuery: Sendable, Equatable {
    public var area: Area
    /// Inclusive; nil means from the mirror's first month / to its last. An end beyond the mirror with
    /// the other end open asks for that month alone (answered as zero, with a note), not a reversed range.
    public var from: Month?
    public var to: Month?
    /// Category slugs; empty means all.
    public var categories: [String]
    /// Force slugs as in the archive file names (`leicestershire`, `btp`); empty means all.
    public var forces: [String]
    /// Leave British Transport Police's crimes out (Police UK advises reading BTP on its own).
    public var excludeBTP: Bool
    /// The postcode a radius query is centred on, when it was given as one (named in the result).
    public var centre: PostcodeCentre?
    /// How errors about this query name its inputs (`--force` for the CLI, `force` over HTTP):
    /// ``QueryInput`` passes its own style on, since some checks can only be made against a mirror.
    public var parameterStyle = QueryInput.ParameterStyle.flags

    /// The months asked of a mirror holding `first`...`last`: an open end is the mirror's, unless
    /// the given end lies beyond it (`to` before `first` asks for that month alone, as `from`
    /// after `last` does: months it does not hold, answered as zero with a note).
    /// - Throws: ``GeoQueryError/invalidMonth(_:)`` when `from` is after `to`.
    func months(first: Month, last: Month) throws -> (from: Month, to: Month) {
        let range = (from: from ?? min(first, to ?? first), to: to ?? max(last, from ?? last))
        guard range.from <= range.to else {
            throw GeoQueryError.invalidMonth("the month range is reversed: \(parameterStyle.name("from")) \(range.from) is after \(parameterStyle.name("to")) \(range.to)")
        }
        return range
    }

    public init(area: Area, from: Month? = nil, to: Month? = nil, categories: [String] = [], forces: [String] = [], excludeBTP: Bool = false) {
        self.area = area
        self.from = from
        self.to = to
        self.categories = categories
        self.forces = forces
        self.excludeBTP = excludeBTP
    }

    /// A polygon query.
    public static func polygon(_ polygon: Polygon, from: Month? = nil, to: Month? = nil,
                               categories: [String] = [], forces: [String] = [], excludeBTP: Bool = false) -> CrimeQuery {
        CrimeQuery(area: .polygon(polygon), from: from, to: to, categories: categories, forces: forces, excludeBTP: excludeBTP)
    }

    /// A radius query around (lat, lng).
    public static func radius(lat: Double, lng: Double, _ radius: Distance, from: Month? = nil, to: Month? = nil,
                              categories: [String] = [], forces: [String] = [], excludeBTP: Bool = false) -> CrimeQuery {
        CrimeQuery(area: .circle(Circle(lat: lat, lng: lng, radius: radius)), from: from, to: to,
                   categories: categories, forces: forces, excludeBTP: excludeBTP)
    }
}

/// The answer to a ``CrimeQuery``: counts by category, month, outcome, and what they rest on.
///
/// Counts are stored densely (a month × category matrix, an outcome vector) so that building a
/// result costs no hashing; the dictionary views are computed on demand.
public struct QueryResult: Sendable, Equatable {
    /// Every standard slug in the API's order, then any other category the mirror holds.
    public internal(set) var categories: [String] = []
    /// Every month of the range, in order (months the mirror lacks count zero).
    public internal(set) var months: [Month] = []
    /// `monthCategory[m * categories.count + c]`: crimes of month `months[m]`, category `categories[c]`.
    public internal(set) var monthCategory: [Int] = []
    /// Outcome texts as Police UK writes them ("none" for no outcome) and their counts, same order.
    public internal(set) var outcomes: [String] = []
    public internal(set) var outcomeCounts: [Int] = []
    public internal(set) var total = 0
    /// Of `total`, crimes British Transport Police recorded.
    public internal(set) var btp = 0
    /// Map points inside the area (whether or not they hold a matching crime).
    public internal(set) var mapPoints = 0
    public internal(set) var from: Month
    public internal(set) var to: Month
    /// Forces whose crimes are counted (at least one matching crime), sorted.
    public internal(set) var forces: [String] = []
    /// Crimes with no coordinates in the same months, categories and forces that answered: they cannot be placed.
    public internal(set) var noLocation = 0
    /// Caveats and coverage notes a reader must see (empty results, gaps, the synthetic sample).
    public internal(set) var notes: [String] = []
    /// True when the answer comes from the embedded synthetic sample.
    public internal(set) var synthetic = false
    /// The nearest map point when none lies inside: its distance in metres and name.
    public internal(set) var nearestMapPoint: NearestMapPoint? = nil
    /// No map point lies inside and the nearest is beyond the reach of any crime Police UK places
    /// (``CatchmentBuilder/maximumReach``): the area is outside the mirror's coverage, and its
    /// zeros say nothing about crime there.
    public var isOutsideCoverage: Bool { nearestMapPoint.map { $0.metres > CatchmentBuilder.maximumReach } ?? false }
    /// The postcode centroid the query was centred on, if any.
    public internal(set) var centre: PostcodeCentre?
    /// The forces responsible for the area and the months the mirror lacks for them.
    public internal(set) var coverage = Coverage()
    /// The query area in km², and crimes per km² of it.
    public internal(set) var areaKm2 = 0.0
    public var densityPerKm2: Double { areaKm2 > 0 ? Double(total) / areaKm2 : 0 }

    public struct NearestMapPoint: Sendable, Equatable {
        public var metres: Double
        public var name: String
        public var latitude: Double
        public var longitude: Double
    }

    /// An empty answer for `from...to`, which ``QueryPlan/fill(_:_:mirror:path:)`` fills.
    init(from: Month, to: Month) {
        self.from = from
        self.to = to
    }

    /// Crimes per category over the whole range (every category present, zeros included).
    public var byCategory: [String: Int] {
        var out: [String: Int] = [:]
        for (slug, total) in zip(categories, categoryTotals()) { out[slug] = total }
        return out
    }

    /// Crimes per month of the range (zeros included).
    public var byMonth: [Month: Int] {
        Dictionary(uniqueKeysWithValues: months.indices.map { (months[$0], monthTotal($0)) })
    }

    public var byMonthCategory: [Month: [String: Int]] {
        var out: [Month: [String: Int]] = [:]
        let n = categories.count
        for (m, month) in months.enumerated() {
            out[month] = Dictionary(uniqueKeysWithValues: categories.indices.map { (categories[$0], monthCategory[m * n + $0]) })
        }
        return out
    }

    /// Crimes per last outcome, non-zero outcomes only.
    public var byOutcome: [String: Int] {
        var out: [String: Int] = [:]
        for (o, n) in zip(outcomes, outcomeCounts) where n > 0 { out[o, default: 0] += n }
        return out
    }

    /// Equal answers: the same counts under the same names, whatever order the mirror's
    /// dictionaries happened to give the categories and outcomes.
    public static func == (a: QueryResult, b: QueryResult) -> Bool {
        a.total == b.total && a.btp == b.btp && a.mapPoints == b.mapPoints && a.from == b.from && a.to == b.to
            && a.forces == b.forces && a.noLocation == b.noLocation && a.notes == b.notes && a.synthetic == b.synthetic
            && a.nearestMapPoint == b.nearestMapPoint && a.months == b.months && a.coverage == b.coverage
            && a.byMonthCategory == b.byMonthCategory && a.byOutcome == b.byOutcome
    }

    /// Each category's crimes over the months asked, in `categories` order.
    func categoryTotals() -> [Int] { (0..<categories.count).map(categoryTotal) }

    /// Category `c`'s count over every month: a column of the month × category grid, summed
    /// unchecked and with no list made (a batch line writes `by_category` this way).
    func categoryTotal(_ c: Int) -> Int {
        let n = categories.count
        return monthCategory.withUnsafeBufferPointer { grid in
            var total = 0, i = c
            while i < grid.count { total &+= grid[i]; i &+= n }
            return total
        }
    }

    func monthTotal(_ m: Int) -> Int {
        let n = categories.count
        return monthCategory[(m * n)..<(m * n + n)].reduce(0, +)
    }
}

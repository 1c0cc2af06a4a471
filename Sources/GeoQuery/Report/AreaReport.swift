/// What a report is about: a query (a centre and radius, or a polygon, with months and filters),
/// where its centre came from, and the catchment headline when one was computed.
public struct ReportRequest: Sendable, Equatable {
    public var query: CrimeQuery
    /// Where the area came from, for people ("LE1 5WW postcode centroid"); nil prints the coordinates.
    public var label: String?
    /// The catchment report's bounds on the count, quoted in the JSON and the caveats when given.
    public var catchment: CatchmentBounds?
    /// The catchment picture (SVG) the HTML page shows, when a catchment report was made.
    public var catchmentPicture: String?

    public init(query: CrimeQuery, label: String? = nil, catchment: CatchmentBounds? = nil) {
        self.query = query
        self.label = label
        self.catchment = catchment
    }

    /// A request quoting a catchment report: its bounds in the figures and caveats, its picture
    /// on the HTML page.
    public init(query: CrimeQuery, label: String? = nil, catchmentReport: CatchmentReport) {
        self.init(query: query, label: label, catchment: catchmentReport.bounds)
        catchmentPicture = catchmentReport.svg()
    }
}

/// A report on one area: counts by category and month, a smoothed trend, 12-month rolling totals,
/// change against a year earlier (with its exact test, ``PoissonChange``), rates per km², flags
/// where a chart step is not a real change, and a plain-English summary built from those figures
/// alone.
///
/// Figures over months the mirror lacks are not guessed: a moving average, rolling total or
/// year-on-year change whose months include one that is missing (for any force that recorded crime
/// here in those months, or for the whole mirror) is nil and printed "n/a".
public struct AreaReport: Sendable {
    public let request: ReportRequest
    /// The query over the report's months (counts, notes, forces, map points).
    public let result: QueryResult
    /// The 14 standard slugs, then any other category with crimes here; `categoryCounts` in the same order.
    public let categories: [String]
    public let categoryCounts: [Int]
    /// `categoryCounts` over the months held only (every month's when all are held, and when none
    /// is): what the rates are made of.
    public let heldCategoryCounts: [Int]
    public let trend: [TrendMonth]
    public let yearOnYear: YearOnYear
    public let flags: [ReportFlag]
    /// Forces that recorded crime here in the report's months or the year before them.
    public let areaForces: [String]

    /// One month of the trend.
    public struct TrendMonth: Sendable, Equatable {
        public let month: Month
        public let total: Int
        /// Mean of this month and its two neighbours (centred), to one decimal. Nil for the first
        /// and last month of the range (a centred window would need a month outside it) and for
        /// windows with missing data.
        public let movingAverage: Double?
        /// Crimes in the 12 months ending with this one (reaching back before the range); nil when
        /// any of them is missing.
        public let rolling12: Int?
        /// The mirror holds this month for every force of the area (``Coverage/held``): false marks
        /// a month whose count is missing data, not a real change (charts leave a gap there).
        public let complete: Bool
    }

    /// The latest months of the range (at most 12) against the same months a year earlier.
    public struct YearOnYear: Sendable, Equatable {
        public let current: ClosedRange<Month>
        public let baseline: ClosedRange<Month>
        /// Why the comparison is not available (nil when it is).
        public let unavailable: String?
        /// Whether every month of each window is held (a missing month's crimes are not in its
        /// counts, so a window's `now` or `before` falls short where this is false).
        public let currentComplete: Bool, baselineComplete: Bool
        public let total: Change
        /// Slug → change, for every listed category.
        public let byCategory: [String: Change]
        public var months: Int { current.upperBound.ordinal - current.lowerBound.ordinal + 1 }

        public struct Change: Sendable, Equatable {
            public let now: Int
            /// Nil when the comparison is unavailable.
            public let before: Int?
            public var change: Int? { before.map { now - $0 } }
            /// Percent change to one decimal; nil when unavailable or when `before` is 0.
            public var percent: Double? {
                guard let b = before, b > 0 else { return nil }
                return AreaReport.round1(Double(now - b) * 100 / Double(b))
            }
            /// Whether `now` differs from `before` by more than chance: the exact test of the two
            /// counts over equal exposures (the same number of months), ratio now / before; nil
            /// when unavailable. Computed once: the summary, tables and JSON all read it.
            public let test: PoissonChange?

            init(now: Int, before: Int?) {
                self.now = now
                self.before = before
                test = before.map { PoissonChange(now, $0) }
            }
        }
    }

    /// A reason a step or gap in the figures may not be a real-world change.
    public struct ReportFlag: Sendable, Equatable {
        public enum Kind: String, Sendable { case categoryChange = "category-change", missingData = "missing-data" }
        public let kind: Kind
        /// "2013-05", or runs such as "2019-03..2019-11, 2020-02".
        public let months: String
        /// The force(s) whose data is missing ("btp, warwickshire"); nil for category changes and months no force holds.
        public let force: String?
        public let text: String
    }

    /// Crimes in the months held (see ``heldCategoryCounts``).
    public var heldTotal: Int { heldCategoryCounts.reduce(0, +) }

    /// Total crimes per km² of the area, to one decimal: the crimes of the months held (a month
    /// the mirror lacks adds nothing, and is not counted as a zero either in ``perMonth``); of every
    /// month when none is held, which the summary says.
    public var perKm2: Double { AreaReport.rate(heldTotal, result.areaKm2) }

    /// A category's crimes per km² over the months held, as ``perKm2``.
    public func perKm2(_ slug: String) -> Double {
        AreaReport.rate(categories.firstIndex(of: slug).map { heldCategoryCounts[$0] } ?? 0, result.areaKm2)
    }

    /// Crimes per held month (the crimes of those months over their number), to one decimal; nil
    /// when no month is held.
    public var perMonth: Double? {
        result.coverage.monthsHeld > 0 ? AreaReport.round1(Double(heldTotal) / Double(result.coverage.monthsHeld)) : nil
    }

    /// Crimes of `slug` as a percentage of the total, to one decimal.
    public func share(_ count: Int) -> Double { result.total > 0 ? AreaReport.round1(Double(count) * 100 / Double(result.total)) : 0 }

    static func round1(_ v: Double) -> Double { (v * 10).rounded() / 10 }
    /// Crimes per km² to one decimal, or to one significant digit under 1 (a rural area's 0.04).
    static func rate(_ count: Int, _ km2: Double) -> Double { km2 > 0 ? Format.roundedDensity(Double(count) / km2, places: 1) : 0 }
}

extension CrimeMirror {
    /// Builds the report for `request`: the query over its months, the year before them (for
    /// rolling totals and year-on-year change); their coverage tells which months are held for
    /// every force of the area.
    /// - Throws: ``GeoQueryError/invalidMonth(_:)`` when the mirror holds none of the months.
    /// - Complexity: 2 queries; well under a millisecond for a 0.5 mi radius.
    public func report(_ request: ReportRequest) throws -> AreaReport {
        let q = request.query
        let result = try query(q)
        let from = result.from, to = result.to
        guard (from.ordinal...to.ordinal).contains(where: { holds(month: $0) }) else {
            // Its months as runs: a gap inside first..last is not "outside the range".
            let held = firstMonth.map { first in QueryPlan.describe((first.ordinal...lastMonth!.ordinal).filter { holds(month: $0) }) } ?? "nothing"
            throw GeoQueryError.invalidMonth("the mirror holds no data for \(from == to ? "\(from)" : "\(from)..\(to)") (it holds \(held)): choose months it holds")
        }
        var before = q
        before.from = from.adding(-12)
        before.to = from.adding(-1)
        let earlier = try query(before)

        // The span: the year before the range, then the range; counts by month and listed category.
        let n = result.months.count, span = 12 + n
        let categoryTotals = result.categoryTotals()
        let listed = result.categories.indices.filter { Category.standard.contains(result.categories[$0]) || categoryTotals[$0] > 0 }
        func counts(_ r: QueryResult, _ m: Int) -> [Int] { listed.map { r.monthCategory[m * r.categories.count + $0] } }
        let series = (0..<12).map { counts(earlier, $0) } + (0..<n).map { counts(result, $0) }
        let totals = series.map { $0.reduce(0, +) }

        let forceNames = Array(Set(result.forces + earlier.forces)).sorted()
        // Held: the mirror has data for every force of the area (by its force boundaries, plus any
        // force recording a material share here) in that month; the year before comes first.
        let held = earlier.coverage.held + result.coverage.held
        let first = from.ordinal - 12
        /// Whether the figures over span months `w` rest on whole data.
        func complete(_ w: [Int]) -> Bool { w.allSatisfy { held[$0] } }

        let trend = (0..<n).map { i -> AreaReport.TrendMonth in
            let s = 12 + i
            let ma: Double? = (i == 0 || i == n - 1 || !complete(Array((s - 1)...(s + 1))))
                ? nil : AreaReport.round1(Double(totals[s - 1] + totals[s] + totals[s + 1]) / 3)
            let rolling: Int? = complete(Array((s - 11)...s)) ? totals[(s - 11)...s].reduce(0, +) : nil
            return .init(month: result.months[i], total: totals[s], movingAverage: ma, rolling12: rolling, complete: held[s])
        }

        // Year on year: the last (up to) 12 months of the range against the same months a year earlier.
        let length = min(12, n)
        let current = (span - length)..<span, baseline = (span - length - 12)..<(span - 12)
        var reason: String? = nil
        let compared = Array(baseline) + Array(current)
        if result.isOutsideCoverage {
            // No map point near: zeros on both sides are no data, and a test of them reads as "unchanged".
            reason = "the area is outside the mirror's coverage (no map point near it)"
        } else if !complete(compared) {
            let missing = compared.filter { !held[$0] }
            reason = "the mirror lacks \(QueryPlan.describe(missing.map { first + $0 })) for a force of this area (or for every force)"
        }
        func change(_ column: (Int) -> Int) -> AreaReport.YearOnYear.Change {
            .init(now: current.reduce(0) { $0 + column($1) }, before: reason == nil ? baseline.reduce(0) { $0 + column($1) } : nil)
        }
        var byCategory: [String: AreaReport.YearOnYear.Change] = [:]
        for (k, c) in listed.enumerated() { byCategory[result.categories[c]] = change { series[$0][k] } }
        let yoy = AreaReport.YearOnYear(current: Month(ordinal: first + current.lowerBound)...to,
                                        baseline: Month(ordinal: first + baseline.lowerBound)...Month(ordinal: first + baseline.upperBound - 1),
                                        unavailable: reason, currentComplete: complete(Array(current)), baselineComplete: complete(Array(baseline)),
                                        total: change { totals[$0] }, byCategory: byCategory)

        var flags = CategoryChange.crossed(from: Month(ordinal: first), to: to).map {
            AreaReport.ReportFlag(kind: .categoryChange, months: $0.month.description, force: nil, text: $0.text)
        }
        // Missing data: the coverage notes of the report's months, as flags (the same sentences).
        for note in result.coverage.notes where !note.months.isEmpty {
            flags.append(.init(kind: .missingData, months: note.months, force: note.forces.isEmpty ? nil : note.forces.joined(separator: ", "), text: note.text))
        }
        // Rates count the months held only (all of them when none is: the summary says so).
        let heldMonths = (0..<n).filter { held[12 + $0] }
        let rated = heldMonths.isEmpty ? Array(0..<n) : heldMonths
        let heldCounts = listed.indices.map { k in rated.reduce(0) { $0 + series[12 + $1][k] } }
        return AreaReport(request: request, result: result, categories: listed.map { result.categories[$0] },
                          categoryCounts: listed.map { categoryTotals[$0] }, heldCategoryCounts: heldCounts,
                          trend: trend, yearOnYear: yoy, flags: flags, areaForces: forceNames)
    }
}

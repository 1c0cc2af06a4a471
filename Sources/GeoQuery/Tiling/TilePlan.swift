import Foundation

/// A split of an area into data.police.uk requests that each stay under the API's limits.
public struct TilePlan: Sendable {
    public struct Tile: Sendable {
        public enum Kind: String, Sendable {
            /// `crimes-street/<category>?poly=...`
            case poly
            /// One map point holding more than a poly request may return: `crimes-at-location`.
            case location
        }
        public var kind: Kind
        /// The request ring (closed, as sent: 7 decimals); for a location tile, the point.
        public var ring: [Polygon.Coordinate]
        /// The exact tile: the area clipped to this tile's cell.
        public var exact: Polygon?
        /// Crimes the mirror holds at this tile's map points in the planned month.
        public var expected: Int
        public var mapPoints: Int
        public var url: String
    }

    public var tiles: [Tile]
    /// The month requested, and the month whose counts planned it (they differ when the mirror
    /// lacks the month asked for).
    public var month: Month
    public var plannedFrom: Month
    public var category: String
    public var limit: Int
    public var margin: Double
    /// Crimes of the area in the planned month.
    public var total: Int
    /// No plan can use fewer requests: one for each map point holding more than limit × margin
    /// crimes (a crimes-at-location request), and ⌈the other points' crimes ÷ (limit × margin)⌉.
    public var lowerBound: Int
    public var mapPoints: Int
    public var warnings: [String]

    /// The API allows 15 requests a second.
    public var minimumSeconds: Double { Double(tiles.count) / 15 }
    public var largestTile: Int { tiles.map(\.expected).max() ?? 0 }
}

/// Plans tiles: a k-d split of the area's map points by crime count, then for each tile a request
/// ring checked against the mirror's map points (exactly the tile's points: none cut off, none
/// taken in).
public enum TilePlanner {
    public static let urlLimit = 4094
    /// The most crimes the live API returns for a custom area before it answers 503 (the default `limit`).
    public static let apiLimit = 10_000
    static let base = "https://data.police.uk/api/"
    /// The most requests one month's plan may need (22 minutes of requests at the live API's 15
    /// a second): a plan's cost grows faster than its tiles (England and Wales in 2019-01,
    /// `tile` end to end: 2,022 tiles 0.39 s, 4,200 0.72 s, 11,668 3.4 s, 16,886 6.7 s; see
    /// BENCHMARKS.md), and a tiny `limit` over a large area (1 over England and Wales: ~190,000
    /// tiles) would run for hours. A server passes less (`/v1/tile`: a request cannot be stopped).
    public static let maxRequests = 20_000

    /// - Parameters:
    ///   - area: the circle or polygon to cover.
    ///   - month: the month to plan (the mirror's counts for it, or the nearest month it holds).
    ///   - category: a category slug, or nil for all crime.
    ///   - limit: the API's per-request cap (503 above it).
    ///   - margin: the share of `limit` a tile may expect, leaving headroom for restated data.
    ///   - maxRequests: the most requests the plan may need; more is refused (``GeoQueryError/tooLarge(_:)``)
    ///     before any tile is built.
    ///   - naming: how that refusal names `limit` (`--limit` or `limit`).
    ///   - mirror: the mirror whose map points and counts size the tiles.
    public static func plan(_ area: Area, month: Month, category: String? = nil, limit: Int = apiLimit, margin: Double = 0.8,
                            maxRequests: Int = maxRequests, naming: QueryInput.ParameterStyle = .flags, mirror: CrimeMirror) throws -> TilePlan {
        try plans(area, months: [month], category: category, limit: limit, margin: margin, maxRequests: maxRequests, naming: naming, mirror: mirror)[0]
    }

    /// What is wrong with a request cap and headroom, named as the user gave them; nil when both
    /// are usable. The one check behind the library, `tile`, `harvest` and `/v1/tile`.
    public static func problem(limit: Int, margin: Double, naming: QueryInput.ParameterStyle = .flags) -> String? {
        if limit <= 0 { return "\(naming.name("limit")) must be a positive number of crimes (got \(limit))" }
        if !(margin > 0 && margin <= 1) { return "\(naming.name("margin")) must be in (0, 1] (got \(margin))" }
        if Double(limit) * margin < 1 {
            return "\(naming.name("limit")) × \(naming.name("margin")) must allow at least one crime a request (got \(limit) × \(margin) = \(Double(limit) * margin))"
        }
        return nil
    }

    /// The warning a plan carries when its query filters by force: the live API has no such
    /// filter, so the requests are the same with it or without it. (In words that fit the CLI
    /// and `/v1/tile` alike: the server answers what the CLI prints.)
    public static let forceFilterWarning = "the live API cannot filter by force, so choosing forces (or leaving out BTP) does not change the plan: drop or keep crimes by their location type and force after fetching"

    /// The plan for a query's area and (at most one) category in `month`, with
    /// ``forceFilterWarning`` first among its warnings when the query filters by force.
    /// - Throws: ``GeoQueryError`` for more than one category, and as ``plan(_:month:category:limit:margin:maxRequests:naming:mirror:)``.
    public static func plan(_ query: CrimeQuery, month: Month, limit: Int = apiLimit, margin: Double = 0.8, maxRequests: Int = maxRequests,
                            mirror: CrimeMirror) throws -> TilePlan {
        let naming = query.parameterStyle
        guard query.categories.count <= 1 else {
            throw GeoQueryError.invalidQuery("tile plans one category (the API takes one per request): give \(naming.name("category")) at most once")
        }
        if let problem = problem(limit: limit, margin: margin, naming: naming) { throw GeoQueryError.invalidQuery(problem) }
        var plan = try plan(query.area, month: month, category: query.categories.first, limit: limit, margin: margin,
                            maxRequests: maxRequests, naming: naming, mirror: mirror)
        if !query.forces.isEmpty || query.excludeBTP { plan.warnings.insert(forceFilterWarning, at: 0) }
        return plan
    }

    /// One plan per month; the area's polygon and map points are found once for all of them.
    /// - Throws: ``GeoQueryError/tooLarge(_:)`` when a month's plan would need more than
    ///   `maxRequests` requests (named in `naming`'s words), before any tile is built.
    public static func plans(_ area: Area, months: [Month], category: String? = nil, limit: Int = apiLimit, margin: Double = 0.8,
                             maxRequests: Int = maxRequests, naming: QueryInput.ParameterStyle = .flags, mirror: CrimeMirror) throws -> [TilePlan] {
        if let problem = problem(limit: limit, margin: margin) { throw GeoQueryError.invalidQuery(problem) }
        guard let first = mirror.firstMonth, let last = mirror.lastMonth else {
            throw GeoQueryError.mirrorMissing("the mirror is empty: ingest Police UK CSVs first")
        }
        var categoryMask: UInt64 = ~0
        if let c = category {
            guard let i = mirror.categories.firstIndex(of: c) else {
                throw Category.unknown(c, in: mirror)
            }
            categoryMask = 1 << UInt64(i)
        }
        let polygon = try areaPolygon(area)
        let points = try mirror.points(in: area)
        // The forces whose areas the area meets (BTP has none), the largest share first. A month
        // the mirror holds only for other forces would plan the area from no crimes at all: the
        // month asked is kept when it is held for all of them or for the one holding most of the
        // area, else the nearest month held for all of them, for that one, for any of them, or
        // for any force is used.
        let shares = mirror.responsibleAreas.forcesOf(area, shares: mirror.responsibleAreas.shares(of: area))
        let slugs = shares.map(\.slug).filter { mirror.forces.contains($0) }
        // A force of the area the mirror holds in no month at all: its map points are not in the
        // mirror, so its part of the area is planned as if it had no crimes, and a request there
        // may get far more than the plan expects (a 503 above the limit).
        let neverHeld = shares.filter { !mirror.forces.contains($0.slug) }.map { "\($0.slug) (\(Coverage.percent($0.share)) of the area)" }
        let neverHeldWarning = neverHeld.isEmpty ? [] : ["the mirror holds no data for \(neverHeld.joined(separator: ", ")) in any month: \(neverHeld.count == 1 ? "its" : "their") part of the area is planned without counts, so requests there may return more crimes than planned (\(limit == TilePlanner.apiLimit ? "the API refuses more than \(Format.grouped(limit)) with 503" : "more than the --limit of \(Format.grouped(limit)); the live API refuses more than \(Format.grouped(TilePlanner.apiLimit)) with 503")); ingest \(neverHeld.count == 1 ? "its" : "their") CSVs to plan it"]
        let areaForces = slugs.compactMap { mirror.forces.firstIndex(of: $0) }
        let span = first.ordinal...last.ordinal
        let tiers: [(months: [Int], holder: String)] = [
            (span.filter { m in !areaForces.isEmpty && areaForces.allSatisfy { mirror.holds(month: m, force: $0) } }, " for \(slugs.joined(separator: ", "))"),
            (span.filter { m in !areaForces.isEmpty && mirror.holds(month: m, force: areaForces[0]) }, slugs.first.map { " for \($0)" } ?? ""),
            (span.filter { m in areaForces.contains { mirror.holds(month: m, force: $0) } }, " for any of \(slugs.joined(separator: ", "))"),
            (span.filter { mirror.holds(month: $0) }, ""),
        ]
        return try months.map { month in
            var warnings = neverHeldWarning
            var planned = month
            let missing = zip(slugs, areaForces).filter { !mirror.holds(month: month.ordinal, force: $0.1) }.map(\.0)
            let lacking = missing.isEmpty ? "" : " for \(missing.joined(separator: ", "))"
            if tiers[0].months.contains(month.ordinal) {
                // Held for every force of the area: planned from itself.
            } else if tiers[1].months.contains(month.ordinal) {
                warnings.append("the mirror holds no data for \(month)\(lacking): \(missing.count == 1 ? "its" : "their") part of the area is planned without counts")
            } else if let tier = tiers.first(where: { !$0.months.isEmpty }), !tier.months.contains(month.ordinal) {
                let nearest = tier.months.min { (abs($0 - month.ordinal), $0) < (abs($1 - month.ordinal), $1) }!
                planned = Month(ordinal: nearest)
                warnings.append("the mirror holds no data for \(month)\(lacking): planned from \(planned), the nearest month it holds\(tier.holder)")
            }
            // A force recording crime here without an area of its own here (BTP at a station, a
            // neighbour across a border) that the mirror lacks for the planned month: the query's
            // coverage knows it, the forces of the area above do not.
            if mirror.holds(month: planned.ordinal) {
                let asked = CrimeQuery(area: area, from: planned, to: planned, categories: category.map { [$0] } ?? [])
                let recorders = try mirror.query(asked, fields: ["coverage"]).coverage.missing.filter { !$0.responsible }.map(\.force)
                    .filter { recordedHere($0, category: category, area: area, mirror: mirror) }
                if !recorders.isEmpty {
                    let one = recorders.count == 1
                    warnings.append("the mirror holds no data for \(planned)\(planned == month ? "" : " (the month planned from)") for \(recorders.joined(separator: ", ")), which \(one ? "records" : "record") crime here: \(one ? "its" : "their") crimes are not in the planned counts, so requests may return more crimes than planned")
                }
            }
            let offset = planned.ordinal - first.ordinal
            let counts = points.map { mirror.count(point: $0, monthOffset: offset, categoryMask: categoryMask) }
            let total = counts.reduce(0, +)
            let cap = max(1, Int((Double(limit) * margin).rounded(.down)))
            // A point over the cap takes a request of its own, whatever the rest hold.
            let heavy = counts.filter { $0 > cap }
            let light = total - heavy.reduce(0, +)
            var plan = TilePlan(tiles: [], month: month, plannedFrom: planned, category: category ?? "all-crime", limit: limit, margin: margin,
                                total: total, lowerBound: heavy.count + (light + cap - 1) / cap, mapPoints: points.count, warnings: warnings)
            // Every tile holds a map point, and all but a crimes-at-location tile at most `cap`
            // crimes: the plan needs about this many requests at least.
            let least = min(plan.lowerBound, points.count)
            if least > maxRequests {
                throw GeoQueryError.tooLarge("a plan for \(month) would need about \(Format.grouped(least)) requests or more (\(Format.grouped(total)) crimes at \(Format.grouped(points.count)) map points, at most \(Format.grouped(cap)) a request), over the \(Format.grouped(maxRequests)) one plan may hold: give a larger \(naming.name("limit")) (the live API's is \(Format.grouped(apiLimit))) or a smaller area")
            }
            guard !points.isEmpty else {
                // Inside a force the mirror holds, the area simply has no crime located in it;
                // else it lies where the mirror holds nothing.
                plan.warnings.append(slugs.isEmpty
                    ? "no map point lies in the area: it is outside the mirror's coverage (\(mirror.forces.count) force(s) held), so there is nothing to plan"
                    : "no map point lies in the area: the mirror holds no crime located in it in any month (it lies in the area of \(slugs.joined(separator: ", ")), which the mirror holds), so there is nothing to plan")
                return plan
            }
            let context = GEOSContext()
            let areaGeometry = try polygon.geometry(in: context)
            var builder = TileBuilder(mirror: mirror, context: context, area: areaGeometry, cap: cap, limit: limit,
                                      month: month, category: plan.category)
            // Through mapPoint: with a delta, points past the snapshot's are the delta's new ones.
            let items = points.indices.map { k in
                let p = mirror.mapPoint(points[k])
                return TileBuilder.Item(point: points[k], latE6: p.latE6, lngE6: p.lngE6, count: counts[k])
            }
            try builder.split(items, cell: TileBuilder.Cell(minLat: -90e6, minLng: -180e6, maxLat: 90e6, maxLng: 180e6), forced: false)
            plan.tiles = builder.tiles
            plan.warnings += builder.warnings
            return plan
        }
    }

    /// Whether `force` recorded crime of `category` in the area in the months the mirror holds it
    /// (true without a category). Coverage judges "records crime here" on all crime; for one
    /// category, a force that recorded none of it here (BTP and vehicle crime) leaves nothing out
    /// of the plan.
    static func recordedHere(_ force: String, category: String?, area: Area, mirror: CrimeMirror) -> Bool {
        guard let category, let f = mirror.forces.firstIndex(of: force), let first = mirror.firstMonth, let last = mirror.lastMonth else { return true }
        let held = (first.ordinal...last.ordinal).filter { mirror.holds(month: $0, force: f) }
        guard let lo = held.first, let hi = held.last else { return true }
        let theirs = CrimeQuery(area: area, from: Month(ordinal: lo), to: Month(ordinal: hi), categories: [category], forces: [force])
        return (try? mirror.query(theirs, fields: ["total"]).total).map { $0 > 0 } ?? true
    }

    /// The area as a polygon: polygons as given; a circle as a circumscribed 256-gon (tile
    /// membership itself always follows the query's exact rule).
    static func areaPolygon(_ area: Area) throws -> Polygon {
        switch area {
        case .polygon(let p): return p
        case .circle(let c):
            try c.validate()
            let n = 256
            let reach = c.radius.metres / cos(Double.pi / Double(n)) * 1.0001
            let ring = (0..<n).map { k -> Polygon.Coordinate in
                let p = Geodesic.wgs84.destination(lat: c.lat, lng: c.lng, azimuth: Double(k) * 360 / Double(n), metres: reach)
                return .init(lat: p.lat, lng: p.lng)
            }
            return Polygon(parts: [[ring]])
        }
    }

    /// The `poly` parameter of a request: `lat,lng:lat,lng:...` with 7 decimals (map points lie on the 6-decimal grid, split lines between it), closing vertex left out.
    public static func polyParameter(_ ring: [Polygon.Coordinate]) -> String {
        ring.dropLast().map { "\(Format.decimal($0.lat, places: 7)),\(Format.decimal($0.lng, places: 7))" }.joined(separator: ":")
    }

    static func url(category: String, ring: [Polygon.Coordinate], month: Month) -> String {
        "\(base)crimes-street/\(category)?poly=\(polyParameter(ring))&date=\(month)"
    }
}

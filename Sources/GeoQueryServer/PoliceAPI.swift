import Foundation
import GeoQuery
import Hummingbird

/// What an endpoint answers: JSON text, or a listing written as the client reads it.
enum Reply: Sendable {
    case json(String)
    case listing(PoliceJSONListing)
}

/// data.police.uk's API over the mirror: the same paths, parameters and JSON shapes, so a client
/// needs only a new base URL. Every month the mirror holds is served (the live API keeps 36).
struct PoliceAPI: Sendable {
    let mirror: CrimeMirror
    let options: ServerOptions

    /// The live service's cap on a custom-area answer (`--api-limits`).
    static let crimeLimit = 10_000
    /// The radius of a `lat`/`lng` crimes-street request.
    static let streetRadius = "1mi"

    /// Adds the endpoints; each request is answered by the mirror current when it arrives.
    static func register(on router: Router<ServerContext>, source: MirrorSource, options: ServerOptions) {
        // Each endpoint names the parameters it takes: others are ignored, as data.police.uk
        // ignores them, and named in a header so that `category=burglary` is not silently all crime.
        func serve(takes: [String] = [], _ body: @escaping @Sendable (PoliceAPI, FormParameters, ServerContext) throws -> String) -> @Sendable (Request, ServerContext) async -> Response {
            covered(takes: takes) { api, p, context in (.json(try body(api, p, context)), nil) }
        }
        // crimes-street, and the answers for one place or force, also say in a header whether the
        // mirror holds every (force, month) they touch: an empty list is otherwise "no crime".
        func covered(takes: [String], _ body: @escaping @Sendable (PoliceAPI, FormParameters, ServerContext) throws -> (reply: Reply, coverage: String?)) -> @Sendable (Request, ServerContext) async -> Response {
            { request, context in
                await Answer.catching {
                    let p = try await request.parameters(maxBodyBytes: options.maxBodyBytes)
                    let api = PoliceAPI(mirror: source.current(), options: options)
                    let (reply, coverage) = try await Blocking.run { try body(api, p, context) }
                    var headers = HTTPFields()
                    if let coverage { headers[PoliceAPI.coverageHeader] = coverage }
                    let ignored = PoliceAPI.ignored(p, takes: takes)
                    if !ignored.isEmpty { headers[PoliceAPI.ignoredHeader] = ignored.joined(separator: ", ") }
                    switch reply {
                    case .json(let text): return Answer.json(text, headers: headers)
                    case .listing(let listing):
                        return try await Answer.listing(listing, headers: headers, whole: request.method == .head || request.headers[HTTP10Marker.name] != nil)
                    }
                }
            }
        }
        let api = router.group("api")
        let place = ["date", "lat", "lng"], area = ["date", "lat", "lng", "poly", "repair"]
        let street = covered(takes: area) { api, p, context in try api.crimesStreet(p, category: segment("category", context)) }
        api.get("crimes-street/:category", use: street)
        api.post("crimes-street/:category", use: street)
        api.get("crimes-at-location", use: covered(takes: place + ["location_id"]) { api, p, _ in try api.crimesAtLocation(p) })
        api.get("crimes-no-location", use: covered(takes: ["date", "force", "category"]) { api, p, _ in try api.crimesNoLocation(p) })
        api.get("outcomes-for-crime/:id", use: serve { api, _, context in try api.outcomesForCrime(segment("id", context)) })
        // POST too: a harvest sends a long poly (a circle's 512-gon) as a form body, as for crimes-street.
        let outcomes = covered(takes: area + ["location_id"]) { api, p, _ in try api.outcomesAtLocation(p) }
        api.get("outcomes-at-location", use: outcomes)
        api.post("outcomes-at-location", use: outcomes)
        api.get("crime-categories", use: serve(takes: ["date"]) { api, p, _ in try api.crimeCategories(p) })
        api.get("crime-last-updated", use: serve { api, _, _ in try api.lastUpdated() })
        api.get("crimes-street-dates", use: serve { api, _, _ in api.streetDates() })
        api.get("forces", use: serve { api, _, _ in api.forces() })
        api.get("forces/:id", use: serve { api, _, context in try api.force(segment("id", context)) })
        router.get("crime-incidents") { request, _ in await PoliceAPI(mirror: source.current(), options: options).crimeIncidents(request) }
    }

    /// The path parameter `name` as it spells: `all%2Dcrime` is `all-crime`, as a client may
    /// escape any byte of a path (kept as sent when its escapes do not decode).
    static func segment(_ name: String, _ context: ServerContext) -> String {
        let sent = context.parameters.get(name) ?? ""
        return sent.removingPercentEncoding ?? sent
    }

    /// `X-GeoQuery-Coverage` (``Coverage/headerValue``), so a client can tell an empty answer from
    /// a month not ingested.
    static let coverageHeader = HTTPFields.Element.Name(Coverage.headerName)!

    /// `X-GeoQuery-Ignored`: the parameters an answer did not use (see ``ignored(_:takes:)``).
    static let ignoredHeader = HTTPFields.Element.Name("X-GeoQuery-Ignored")!

    /// The parameters of a request that an endpoint taking `takes` leaves unused, in the order
    /// given: those it does not take, those another overrides (`lat`/`lng` beside `poly`, and
    /// beside `location_id` those and `poly`), `repair` without a `poly` to mend, and a second
    /// value of one it reads once. (A parameter without a name, `&=x`, is no parameter to name.)
    static func ignored(_ p: FormParameters, takes: [String]) -> [String] {
        let overridden: Set<String> = takes.contains("location_id") && p["location_id"] != nil ? ["lat", "lng", "poly", "repair"]
            : takes.contains("poly") && p["poly"] != nil ? ["lat", "lng"] : takes.contains("poly") ? ["repair"] : []
        var seen = Set<String>(), out: [String] = []
        for name in p.names where !name.isEmpty {
            let repeated = !seen.insert(name).inserted
            if (repeated || !takes.contains(name) || overridden.contains(name)) && !out.contains(name) { out.append(name) }
        }
        return out
    }


    /// `crimes-street/{category}`: within 1 mile of `lat`/`lng`, or inside `poly`, in `date`
    /// (default: the mirror's latest month); with the value of its coverage header.
    func crimesStreet(_ p: FormParameters, category: String) throws -> (reply: Reply, coverage: String) {
        var input = QueryInput()
        input.parameterStyle = .queryParameters
        input.date = p["date"] ?? mirror.lastMonth?.description
        input.categories = try categories(category)
        if let poly = p["poly"] {
            input.poly = poly
            input.repair = try p.flag("repair")  // geoquery's addition, as the error for a crossing ring offers
        } else {
            guard p["lat"] != nil || p["lng"] != nil else {
                throw GeoQueryError.invalidQuery("give lat and lng (1 mile around them), or poly=lat,lng:lat,lng:...")
            }
            input.lat = try p.number("lat")
            input.lng = try p.number("lng")
            input.radius = PoliceAPI.streetRadius
        }
        let q = try input.query(in: mirror)
        // The count (for the limit) and the coverage come from the counting query; the list
        // itself is written as the client reads it.
        let counted = try mirror.query(q)
        try limit(counted.total)
        return (.listing(try mirror.policeJSONListing(q)), counted.coverage.headerValue)
    }

    /// `/crime-incidents/?postcode=`: PostcodeArea's endpoint, `{"data": [crimes]}` for the latest
    /// month within 1 mile of the postcode's centroid, with its own error table.
    func crimeIncidents(_ request: Request) async -> Response {
        await Answer.catching {
            let p = try await request.parameters(maxBodyBytes: options.maxBodyBytes)
            var input = QueryInput()
            input.parameterStyle = .queryParameters
            input.postcode = p["postcode"] ?? ""
            input.radius = PoliceAPI.streetRadius
            input.date = mirror.lastMonth?.description
            let crimes: [Crime]
            do {
                let (mirror, asked) = (mirror, input)
                crimes = try await Blocking.run { try mirror.crimes(asked.query(in: mirror)) }
            } catch GeoQueryError.invalidPostcode {
                return Answer.error("Invalid postcode format", status: .badRequest)
            } catch GeoQueryError.postcodeNotFound {
                return Answer.error("Postcode not found", status: .notFound)
            }
            guard !crimes.isEmpty else { return Answer.error("No Results Found", status: .notFound) }
            try limit(crimes.count)
            return Answer.json("{\"data\":\(crimes.policeJSON())}")
        }
    }

    /// `crimes-at-location`: the crimes of one map point (`location_id`, or the one nearest
    /// `lat`/`lng`) in `date`.
    func crimesAtLocation(_ p: FormParameters) throws -> (reply: Reply, coverage: String) {
        let month = try self.month(p)
        guard let index = try mapPoint(p) else { return (.json("[]"), "complete") }
        return (.json(try mirror.crimes(atMapPoint: index, from: month, to: month).policeJSON()), try coverage(ofPoint: index, month: month))
    }

    /// The coverage header's value for one map point's answer: crimes-street's for a metre around
    /// it (the force whose area holds it, and any force that records crime there, as BTP at a
    /// station); `outcomes`: the forces of those without the month's outcomes file.
    func coverage(ofPoint index: Int, month: Month?, outcomes: Bool = false) throws -> String {
        guard let month else { return "complete" }
        let p = mirror.mapPoint(index)
        return try coverage(of: .radius(lat: p.latitude, lng: p.longitude, Distance(metres: 1), from: month, to: month), outcomes: outcomes)
    }

    /// The coverage header's value for a query of one month: crimes-street's, or for outcomes the
    /// forces of the area, recording crime in it, or lacking its month, whose outcomes file for
    /// the month the mirror lacks.
    func coverage(of q: CrimeQuery, outcomes: Bool) throws -> String {
        let r = try mirror.query(q)
        guard outcomes, let month = q.from else { return r.coverage.headerValue }
        let forces = Set(r.coverage.forces.map(\.force) + r.forces + r.coverage.missing.map(\.force))
        let missing = forces.filter { !mirror.holdsOutcomes(force: $0, month: month) }.sorted()
        return Coverage.headerValue(missing: missing.map { ($0, month) })
    }

    func coverage(force: String, month: Month?) -> String {
        guard let month, !mirror.holds(force: force, month: month) else { return "complete" }
        return Coverage.headerValue(missing: [(force, month)])
    }

    /// `outcomes-for-crime/{persistent_id}`: the crime and every outcome its force recorded,
    /// oldest first; 404 when the mirror has neither, 400 for text that is not a Crime ID.
    func outcomesForCrime(_ persistentID: String) throws -> String {
        let crimes = try mirror.crimes(persistentID: persistentID)
        let history = try mirror.outcomeHistory(persistentID: persistentID)
        guard !crimes.isEmpty || !history.isEmpty else { throw GeoQueryError.notFound("no crime has persistent id '\(persistentID)'") }
        var w = JSONWriter()
        w.beginObject()
        // Keys in the live API's order (outcomes first), as in a response cut from it.
        w.beginArray("outcomes")
        for o in history { PoliceAPI.outcome(o, crime: nil, to: &w) }
        w.endArray()
        // A crime both located and not (two rows, one Crime ID) is answered by its located row.
        if let c = crimes.first(where: \.located) ?? crimes.first { w.crime("crime", c, outcomeStatus: false) } else { w.null("crime") }
        w.endObject()
        return w.text
    }

    /// `outcomes-at-location`: the outcomes recorded in `date` for the crimes of one map point
    /// (`location_id`), of the points within 1 mile of `lat`/`lng`, or of the points inside `poly`.
    func outcomesAtLocation(_ p: FormParameters) throws -> (reply: Reply, coverage: String) {
        guard let month = try self.month(p) else { return (.json("[]"), "complete") }
        // As the live API: a location id is one map point; lat/lng is a 1-mile circle, like crimes-street's.
        let points: [Int], coverage: String
        if p["location_id"] == nil {
            guard p["poly"] != nil || p["lat"] != nil || p["lng"] != nil else {
                throw GeoQueryError.invalidQuery("give location_id, lat and lng (the map points within 1 mile), or poly=lat,lng:lat,lng:...")
            }
            var input = QueryInput()
            input.parameterStyle = .queryParameters
            if let poly = p["poly"] { input.poly = poly; input.repair = try p.flag("repair") } else {
                input.lat = try p.number("lat")
                input.lng = try p.number("lng")
                input.radius = PoliceAPI.streetRadius
            }
            let q = try input.query(in: mirror)
            points = try mirror.mapPointIndices(in: q.area)
            coverage = try self.coverage(of: CrimeQuery(area: q.area, from: month, to: month), outcomes: true)
        } else {
            guard let index = try mapPoint(p) else { return (.json("[]"), "complete") }
            points = [index]
            coverage = try self.coverage(ofPoint: index, month: month, outcomes: true)
        }
        let outcomes = try mirror.outcomes(atMapPoints: points, month: month)
        try limit(outcomes.count, of: "outcomes")
        var w = JSONWriter()
        w.beginArray()
        for (o, c) in outcomes { PoliceAPI.outcome(o, crime: c, to: &w) }
        w.endArray()
        return (.json(w.text), coverage)
    }

    /// One outcome as the outcome endpoints write it (with its crime in `outcomes-at-location`).
    static func outcome(_ o: CrimeOutcome, crime: Crime?, to w: inout JSONWriter) {
        w.beginObject()
        w.beginObject("category")
        w.value("code", o.code)
        w.value("name", o.name)
        w.endObject()
        w.value("date", o.month.description)
        w.null("person_id")
        if let crime { w.crime("crime", crime, outcomeStatus: false) }
        w.endObject()
    }

    /// The map point a request names: `location_id`, or the one nearest `lat`/`lng` (nil when
    /// the mirror has none).
    func mapPoint(_ p: FormParameters) throws -> Int? {
        if let text = p["location_id"] {
            guard let id = Int(text) else { throw GeoQueryError.invalidQuery("location_id '\(text)' is not a number: use a street id from crimes-street") }
            guard let i = mirror.mapPointIndex(id: id) else { throw GeoQueryError.notFound("no location has id \(id)") }
            return i
        }
        guard let lat = try p.number("lat"), let lng = try p.number("lng") else {
            throw GeoQueryError.invalidQuery("give location_id, or lat and lng (the nearest location is used)")
        }
        try Circle(lat: lat, lng: lng, radius: Distance(metres: 1)).validate(naming: .queryParameters)
        return mirror.nearestMapPoint(lat: lat, lng: lng)?.index
    }

    /// `crimes-no-location`: a force's crimes that could not be mapped, in `date`.
    func crimesNoLocation(_ p: FormParameters) throws -> (reply: Reply, coverage: String) {
        let month = try self.month(p)
        let force = try p.required("force", example: "leicestershire")
        let categories = try categories(p["category"] ?? "all-crime")
        return (.listing(try mirror.policeJSONListingWithoutLocation(force: force, from: month, to: month, categories: categories)), coverage(force: force, month: month))
    }

    /// `crime-categories`: `all-crime` first, then the mirror's categories with their names.
    func crimeCategories(_ p: FormParameters) throws -> String {
        _ = try month(p)
        var w = JSONWriter()
        w.beginArray()
        for slug in ["all-crime"] + mirror.categories {
            w.beginObject()
            w.value("url", slug)
            w.value("name", slug == "all-crime" ? "All crime" : Category.name(forSlug: slug))
            w.endObject()
        }
        w.endArray()
        return w.text
    }

    /// `crime-last-updated`: the latest month held, as the first day of that month.
    func lastUpdated() throws -> String {
        guard let last = mirror.lastMonth else { throw GeoQueryError.mirrorMissing("the mirror is empty") }
        return "{\"date\":\"\(last)-01\"}"
    }

    /// `crimes-street-dates`: each month held, newest first, with the forces that hold it. The
    /// mirror has no stop-and-search data, so that list is empty; `forces` is geoquery's addition.
    func streetDates() -> String {
        var byMonth: [Month: [String]] = [:]
        for f in mirror.info.forces {
            let gaps = Set(f.gaps)
            for m in (f.first...f.last).months where !gaps.contains(m) { byMonth[m, default: []].append(f.force) }
        }
        var w = JSONWriter()
        w.beginArray()
        for m in byMonth.keys.sorted(by: >) {
            w.beginObject()
            w.value("date", m.description)
            w.beginArray("stop-and-search")
            w.endArray()
            w.beginArray("forces")
            for f in byMonth[m]!.sorted() { w.value(nil, f) }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        return w.text
    }

    /// `forces`: every force Police UK publishes for, whether or not the mirror holds it.
    func forces() -> String {
        var w = JSONWriter()
        w.beginArray()
        for f in Force.all.sorted(by: { $0.slug < $1.slug }) {
            w.beginObject()
            w.value("id", f.slug)
            w.value("name", f.name)
            w.endObject()
        }
        w.endArray()
        return w.text
    }

    /// `forces/{id}`: one force's id and name (the mirror has no contact details: null).
    func force(_ id: String) throws -> String {
        guard let f = Force.all.first(where: { $0.slug == id }) else { throw GeoQueryError.notFound("no force has id '\(id)'") }
        var w = JSONWriter()
        w.beginObject()
        // Keys in the live API's order, as in a response cut from it (police-data-kit's fixture).
        w.null("description")
        w.null("url")
        w.beginArray("engagement_methods")
        w.endArray()
        w.null("telephone")
        w.value("id", f.slug)
        w.value("name", f.name)
        w.endObject()
        return w.text
    }

    /// `date`, checked (default: the latest month held).
    func month(_ p: FormParameters) throws -> Month? {
        var input = QueryInput()
        input.parameterStyle = .queryParameters
        input.date = p["date"] ?? mirror.lastMonth?.description
        return try input.monthRange().0
    }

    /// The path's category: `all-crime` is every category; a slug the mirror lacks is a bad request
    /// (the library's error names the closest one).
    func categories(_ slug: String) throws -> [String] {
        slug == "all-crime" ? [] : [slug]
    }

    /// With `--api-limits`, the live service's 503 for answers over 10,000 crimes or outcomes (or
    /// the server's own `crimeLimit`, to test clients against a busy map point).
    func limit(_ count: Int, of what: String = "crimes") throws {
        guard options.apiLimits, count > options.crimeLimit else { return }
        throw LimitExceeded(status: .serviceUnavailable, message: "the answer holds \(count) \(what), over the live API's limit of \(options.crimeLimit): ask for a smaller area")
    }
}

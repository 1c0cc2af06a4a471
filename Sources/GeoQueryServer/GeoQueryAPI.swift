import Foundation
import GeoQuery
import Hummingbird

/// geoquery's own API under `/v1/`: the CLI's query parameters, by the same names and with the same
/// checks, answered with exactly the CLI's `--format json` (or the other format asked) output.
struct GeoQueryAPI: Sendable {
    let mirror: CrimeMirror
    let options: ServerOptions

    /// The query parameters every area endpoint takes (`category` and `force` repeat).
    static let areaParameters: Set<String> = ["lat", "lng", "postcode", "radius", "poly", "wkt", "geojson", "from", "to", "date",
                                              "category", "force", "exclude_btp", "repair"]

    /// Each endpoint: its path under /v1/ and what it answers.
    static let endpoints: [(path: String, answer: @Sendable (GeoQueryAPI, FormParameters) throws -> Response)] = [
        ("query", { try $0.query($1) }), ("catchment", { try $0.catchment($1) }), ("point", { try $0.point($1) }), ("report", { try $0.report($1) }),
        ("compare", { try $0.compare($1) }), ("tile", { try $0.tile($1) }), ("info", { try $0.info($1) }),
    ]

    /// Adds the endpoints (GET, and POST with a form or GeoJSON body) and the OpenAPI document.
    static func register(on router: Router<ServerContext>, source: MirrorSource, options: ServerOptions) {
        let v1 = router.group("v1")
        for endpoint in endpoints {
            let handler: @Sendable (Request, ServerContext) async -> Response = { request, _ in
                await Answer.catching {
                    let p = try await request.parameters(maxBodyBytes: options.maxBodyBytes)
                    let api = GeoQueryAPI(mirror: source.current(), options: options)
                    return try await Blocking.run { try endpoint.answer(api, p) }
                }
            }
            v1.get(RouterPath(endpoint.path), use: handler)
            v1.post(RouterPath(endpoint.path), use: handler)
        }
        // It takes no parameters, and like every /v1/ endpoint refuses one it does not take.
        v1.get("openapi.json") { request, _ in
            await Answer.catching {
                try await request.parameters(maxBodyBytes: options.maxBodyBytes).check(allowed: [])
                return Answer.json(OpenAPIDocument.json)
            }
        }
    }

    /// `/v1/query`: `geoquery query --format json`, or with `format=api-urls` its `--api-urls` requests.
    func query(_ p: FormParameters) throws -> Response {
        try p.check(allowed: GeoQueryAPI.areaParameters.union(["format"]))
        let format = try p.choice("format", ["json", "api-urls"])
        let q = try p.queryInput().query(in: mirror)
        // `api-urls`: what `geoquery query --api-urls` prints on stdout (its caveats go to stderr there).
        if format == "api-urls" { return Answer.text(try TilePlanner.apiRequests(q, mirror: mirror).urls, contentType: "text/plain; charset=utf-8") }
        return Answer.json(try mirror.query(q).json(area: q.area) + "\n")
    }

    /// `/v1/catchment`: `geoquery catchment --format json|geojson`, or its SVG picture.
    func catchment(_ p: FormParameters) throws -> Response {
        try p.check(allowed: GeoQueryAPI.areaParameters.union(["format"]))
        let format = try p.choice("format", ["json", "geojson", "svg"])
        let q = try p.queryInput().query(in: mirror)
        let report = try mirror.catchmentReport(q)
        switch format {
        case "geojson": return Answer.text(report.geojson, contentType: "application/geo+json")
        case "svg": return Answer.text(report.svg(), contentType: "image/svg+xml")
        default: return Answer.json(report.result.json(area: q.area, catchment: report) + "\n")
        }
    }

    /// What `/v1/point` takes: a place or a map point's `id`, and the filters (no radius or polygon).
    static let pointParameters: Set<String> = ["lat", "lng", "postcode", "id", "from", "to", "date", "category", "force", "exclude_btp", "format"]

    /// `/v1/point`: `geoquery point --format json|geojson`, the map point nearest a place (or by
    /// `id`): its catchment and its crimes.
    func point(_ p: FormParameters) throws -> Response {
        // `geoquery point`'s own checks, by the names used here.
        let areaOnly = GeoQueryAPI.areaParameters.subtracting(GeoQueryAPI.pointParameters)
        if p.names.contains(where: areaOnly.contains) || p.body != nil {
            // Named by what was given: repair alone asks to mend a polygon there is none of.
            let given = p.names.filter(areaOnly.contains)
            throw GeoQueryError.invalidQuery("point takes a place (lat/lng) or id, not a radius or polygon\(given.isEmpty ? "" : " (\(given.joined(separator: ", ")) given)"): use /v1/catchment for areas")
        }
        try p.check(allowed: GeoQueryAPI.pointParameters)
        let format = try p.choice("format", ["json", "geojson"])
        let input = try p.queryInput()
        let id = try p["id"].map { text -> Int in
            guard let n = Int(text) else { throw GeoQueryError.invalidQuery("id '\(text)' is not a whole number: give a map point's id, e.g. id=1234") }
            return n
        }
        let place = input.lat != nil || input.lng != nil || input.postcode != nil
        if id != nil && place { throw GeoQueryError.invalidQuery("give id or a place (lat/lng or postcode), not both") }
        if id == nil && input.postcode == nil && (input.lat == nil || input.lng == nil) {
            throw GeoQueryError.invalidQuery("give lat and lng of a place, or postcode (or id of a map point)")
        }
        let (first, last) = try input.monthRange()
        let point = try mirror.mapPoint(id: id, nearest: input)
        let report = try mirror.pointReport(point.index, from: first, to: last, categories: input.categories, forces: input.forces,
                                            excludeBTP: input.excludeBTP, naming: .queryParameters)
        return format == "geojson" ? Answer.text(report.catchment.geojson(crimes: report.result.total) + "\n", contentType: "application/geo+json")
            : Answer.json(report.json(distanceFromPlace: point.metresFromPlace) + "\n")
    }

    /// `/v1/report`: `geoquery report --format json|html`.
    func report(_ p: FormParameters) throws -> Response {
        try p.check(allowed: GeoQueryAPI.areaParameters.union(["format"]))
        let format = try p.choice("format", ["json", "html"])
        let q = try p.queryInput().query(in: mirror)
        let report = try mirror.report(ReportRequest(query: q, label: q.centre?.label, catchmentReport: mirror.catchmentReport(q)))
        return format == "html" ? Answer.text(report.rendered(.html), contentType: "text/html; charset=utf-8")
            : Answer.json(report.rendered(.json))
    }

    /// `/v1/compare`: `geoquery compare --format json|html`; the second area is `lat2`/`lng2`,
    /// `postcode2`, `poly2` or `wkt2`.
    func compare(_ p: FormParameters) throws -> Response {
        let second: [String] = ["lat2", "lng2", "postcode2", "poly2", "wkt2"]
        try p.check(allowed: GeoQueryAPI.areaParameters.union(["format"]).union(second))
        let format = try p.choice("format", ["json", "html"])
        var first = try p.queryInput()
        var other = first
        other.lat = try p.number("lat2"); other.lng = try p.number("lng2")
        other.postcode = p["postcode2"]; other.poly = p["poly2"]; other.wkt = p["wkt2"]; other.geojson = nil
        guard second.contains(where: { p[$0] != nil }) else {
            throw GeoQueryError.invalidQuery("give the second area with lat2/lng2 or postcode2 (or poly2, wkt2)")
        }
        (first, other) = QueryInput.comparing(first, other)  // as the CLI does
        let requests = try [first, other].map { input -> ReportRequest in
            let q = try input.query(in: mirror)
            return ReportRequest(query: q, label: q.centre?.label, catchment: try mirror.catchmentReport(q).bounds)
        }
        let comparison = try mirror.compare(requests[0], requests[1])
        return format == "html" ? Answer.text(comparison.rendered(.html), contentType: "text/html; charset=utf-8")
            : Answer.json(comparison.rendered(.json))
    }

    /// The most requests a `/v1/tile` plan may need: a plan's cost grows faster than its tiles
    /// (``TilePlanner/maxRequests``; 2,022 tiles took 0.39 s end to end in `tile`), and a request
    /// cannot be stopped once begun.
    static let maxTileRequests = 2_000

    /// `/v1/tile`: `geoquery tile --format json|geojson|urls` for one month (`date`) and at most one category.
    func tile(_ p: FormParameters) throws -> Response {
        try p.check(allowed: GeoQueryAPI.areaParameters.union(["format", "limit", "margin"]))
        let format = try p.choice("format", ["json", "geojson", "urls"])
        let input = try p.queryInput()
        guard input.from == nil && input.to == nil, input.date != nil else {
            throw GeoQueryError.invalidMonth("tile plans one month: give date=YYYY-MM, not from/to")
        }
        let limit = try p["limit"].map { text -> Int in
            guard let n = Int(text) else { throw GeoQueryError.invalidQuery("limit '\(text)' must be a whole number above 0") }
            return n
        } ?? PoliceAPI.crimeLimit
        let margin = try p["margin"].map { text -> Double in
            guard let d = Double(decimal: text) else { throw GeoQueryError.invalidQuery("margin '\(text)' must be a number with 0 < margin ≤ 1") }
            return d
        } ?? 0.8
        let q = try input.query(in: mirror)
        // The query read `date` (checked as every endpoint checks it): its month is the plan's.
        guard let month = q.from else { throw GeoQueryError.invalidMonth("tile plans one month: give date=YYYY-MM") }
        let plan = try TilePlanner.plan(q, month: month, limit: limit, margin: margin, maxRequests: GeoQueryAPI.maxTileRequests, mirror: mirror)
        switch format {
        case "geojson": return Answer.text(plan.geojson, contentType: "application/geo+json")
        case "urls": return Answer.text(plan.urls, contentType: "text/plain; charset=utf-8")
        default: return Answer.json(plan.json)
        }
    }

    /// `/v1/info`: `geoquery info --format json` (or, with `format=text`, the CLI's text).
    func info(_ p: FormParameters) throws -> Response {
        try p.check(allowed: ["format"])
        let info = mirror.info
        return try p.choice("format", ["json", "text"]) == "text" ? Answer.text(info.text, contentType: "text/plain; charset=utf-8") : Answer.json(info.json + "\n")
    }
}

extension FormParameters {
    /// Refuses a parameter the endpoint does not take (a typo would otherwise be silently ignored),
    /// and one that takes a single value given twice (`lat=52.6&lat=10`): one of the two would be
    /// dropped without a word, and not the one the CLI drops (it keeps the last).
    func check(allowed: Set<String>) throws {
        if let unknown = names.first(where: { !allowed.contains($0) }) {
            // GeoJSON POSTed as a form (curl --data's default type) reads as one odd parameter name.
            if unknown.hasPrefix("{") {
                throw GeoQueryError.invalidQuery("the body was sent as a form (Content-Type: application/x-www-form-urlencoded) but reads as JSON: send GeoJSON with Content-Type: application/geo+json (curl -H 'Content-Type: application/geo+json' --data @area.geojson), or as a form's geojson= parameter")
            }
            throw GeoQueryError.invalidQuery("unknown parameter '\(unknown)' (\(allowed.isEmpty ? "it takes none" : "known: " + allowed.sorted().joined(separator: ", ")))")
        }
        var seen = Set<String>()
        if let twice = names.first(where: { !["category", "force"].contains($0) && !seen.insert($0).inserted }) {
            throw GeoQueryError.invalidQuery("\(twice) is given more than once: give it once (only category and force repeat)")
        }
    }

    /// `name`'s value among `choices` (the first is the default).
    func choice(_ name: String, _ choices: [String]) throws -> String {
        guard let v = self[name] else { return choices[0] }
        guard choices.contains(v) else { throw GeoQueryError.invalidQuery("\(name) '\(v)' is not one of \(choices.joined(separator: ", "))") }
        return v
    }

    /// The CLI's query inputs, by the CLI's names without dashes; a GeoJSON area may be the POST body.
    func queryInput() throws -> QueryInput {
        var i = QueryInput()
        i.parameterStyle = .queryParameters
        i.lat = try number("lat")
        i.lng = try number("lng")
        i.postcode = self["postcode"]
        i.radius = self["radius"]
        i.poly = self["poly"]
        i.wkt = self["wkt"]
        i.geojson = self["geojson"] ?? body
        i.from = self["from"]
        i.to = self["to"]
        i.date = self["date"]
        i.categories = all("category")
        i.forces = all("force")
        i.excludeBTP = try flag("exclude_btp")
        i.repair = try flag("repair")
        return i
    }

    /// A true/false parameter (absent is false; `exclude_btp` alone is true).
    func flag(_ name: String) throws -> Bool {
        guard let v = self[name] else { return false }
        switch v.lowercased() {
        case "", "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw GeoQueryError.invalidQuery("\(name) '\(v)' must be true or false")
        }
    }
}

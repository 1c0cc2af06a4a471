import Foundation

extension TilePlan {
    /// Shared-edge caveat: said by every format of a plan of several requests.
    public static let dedupeNote = "A map point on an edge shared by two tiles may come back from both requests: deduplicate merged results by crime id."

    /// The plan's closing note (the JSON's `note`): the shared-edge caveat, or for a plan of one
    /// request that there is nothing to merge (the caveat there read as if there were).
    public var note: String {
        tiles.count > 1 ? TilePlan.dedupeNote : tiles.isEmpty ? "No request is needed: no map point lies in the area." : "One request covers the area: its answer needs no deduplication."
    }

    /// One GET URL per line.
    public var urls: String { tiles.map(\.url).joined(separator: "\n") + (tiles.isEmpty ? "" : "\n") }

    public var json: String {
        var w = JSONWriter()
        w.beginObject()
        w.version()
        w.value("month", month.description)
        w.value("planned_from", plannedFrom.description)
        w.value("category", category)
        w.value("limit", limit)
        w.value("margin", margin, places: 3)
        w.value("total", total)
        w.value("map_points", mapPoints)
        w.value("tiles_count", tiles.count)
        w.value("lower_bound", lowerBound)
        w.value("largest_tile", largestTile)
        w.value("minimum_seconds_at_15_per_second", minimumSeconds, places: 2)
        w.beginArray("tiles")
        for t in tiles {
            w.beginObject()
            w.value("kind", t.kind.rawValue)
            w.value("expected", t.expected)
            w.value("map_points", t.mapPoints)
            w.value("url_length", t.url.utf8.count)
            w.value("url", t.url)
            w.beginArray("ring")
            for c in t.ring {
                w.beginArray()
                w.value(nil, c.lat, places: 7)
                w.value(nil, c.lng, places: 7)
                w.endArray()
            }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        w.beginArray("warnings")
        for x in warnings { w.value(nil, x) }
        w.endArray()
        w.value("note", note)
        w.endObject()
        return w.text + "\n"
    }

    /// The exact tiles as GeoJSON features (RFC 7946: [longitude, latitude]), for geojson.io or QGIS.
    public var geojson: String {
        var w = JSONWriter()
        w.beginObject()
        w.value("type", "FeatureCollection")
        w.version()
        w.beginArray("features")
        for (i, t) in tiles.enumerated() {
            guard let exact = t.exact else { continue }
            w.beginObject()
            w.value("type", "Feature")
            w.beginObject("properties")
            w.value("tile", i + 1)
            w.value("kind", t.kind.rawValue)
            w.value("expected", t.expected)
            w.value("map_points", t.mapPoints)
            w.value("url_length", t.url.utf8.count)
            w.endObject()
            GeoJSON.writePolygon(exact.parts, into: &w, multi: true)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.text + "\n"
    }

    public var table: String {
        var lines = ["Tile plan for \(category) in \(month)\(plannedFrom != month ? " (planned from \(plannedFrom))" : ""): limit \(limit), margin \(Format.decimal(margin, places: 2)) → at most \(Int((Double(limit) * margin).rounded(.down))) expected crimes per request"]
        for w in warnings { lines.append("! " + w) }
        lines.append("Requests:      \(tiles.count) (lower bound \(lowerBound)); \(tiles.filter { $0.kind == .location }.count) crimes-at-location")
        lines.append("Crimes:        \(Format.grouped(total)) at \(Format.grouped(mapPoints)) map points; largest tile \(Format.grouped(largestTile))")
        lines.append("Longest URL:   \(tiles.map(\.url.utf8.count).max() ?? 0) characters (limit \(TilePlanner.urlLimit))")
        lines.append("Minimum time:  \(Format.decimal(minimumSeconds, places: 1)) s at 15 requests/s")
        lines.append(note)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The exact tiles over the map points (equirectangular, scaled by cos(latitude)).
    public func svg(points: [MapPoint]) -> String {
        let all = tiles.compactMap(\.exact).flatMap { $0.parts.flatMap { $0.flatMap { $0 } } }
        guard let minLat = all.map(\.lat).min(), let maxLat = all.map(\.lat).max(),
              let minLng = all.map(\.lng).min(), let maxLng = all.map(\.lng).max() else { return "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n" }
        let k = cos((minLat + maxLat) / 2 * .pi / 180)
        let width = 900.0, scale = width / max((maxLng - minLng) * k, 1e-9), height = max(1, (maxLat - minLat) * scale)
        func x(_ lng: Double) -> String { Format.decimal((lng - minLng) * k * scale + 10, places: 2) }
        func y(_ lat: Double) -> String { Format.decimal((maxLat - lat) * scale + 10, places: 2) }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width + 20))\" height=\"\(Int(height + 60))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        let peak = Double(max(1, largestTile))
        for (i, t) in tiles.enumerated() {
            guard let exact = t.exact else { continue }
            let shade = Int(235 - 135 * Double(t.expected) / peak)
            for part in exact.parts {
                let d = part.map { ring in "M" + ring.map { "\(x($0.lng)),\(y($0.lat))" }.joined(separator: "L") + "Z" }.joined(separator: " ")
                out += "<path d=\"\(d)\" fill=\"rgb(\(shade),\(shade),255)\" fill-rule=\"evenodd\" stroke=\"#223\" stroke-width=\"1\"><title>tile \(i + 1): \(t.expected) crimes</title></path>\n"
            }
        }
        for p in points { out += "<circle cx=\"\(x(p.longitude))\" cy=\"\(y(p.latitude))\" r=\"0.8\" fill=\"#c00\"/>\n" }
        out += "<text x=\"10\" y=\"\(Int(height + 40))\">\(tiles.count) requests (lower bound \(lowerBound)) for \(Format.grouped(total)) crimes, \(category), \(month); red dots: map points</text>\n</svg>\n"
        return out
    }
}

extension TilePlanner {
    /// The live-API requests behind a query's figures (`geoquery query --api-urls`): a tile plan
    /// per month and category, one URL a line, and the caveats a caller must heed (deduplicate by
    /// crime id; the API's 36 months; no force filter).
    /// - Throws: ``GeoQueryError`` for an empty mirror (no months to plan).
    public static func apiRequests(_ q: CrimeQuery, mirror m: CrimeMirror) throws -> (urls: String, warnings: [String]) {
        guard let first = m.firstMonth, let last = m.lastMonth else { throw GeoQueryError.mirrorMissing("the mirror is empty") }
        let asked = try q.months(first: first, last: last)
        let months = (asked.from...asked.to).months
        var warnings: [String] = []
        if months.count > 36 { warnings.append("the live API keeps only about 36 months: requests for older months will fail") }
        if !q.forces.isEmpty || q.excludeBTP { warnings.append(forceFilterWarning) }
        var out = ""
        let byCategory = try (q.categories.isEmpty ? [nil] : q.categories.map(Optional.some)).map {
            try plans(q.area, months: months, category: $0, mirror: m)
        }
        var shared = false
        for month in months.indices {
            for plans in byCategory {
                for w in plans[month].warnings where !warnings.contains(w) { warnings.append(w) }
                out += plans[month].urls
                shared = shared || plans[month].tiles.count > 1
            }
        }
        // Only tiles of one month and category share edges (other months and categories hold
        // other crimes): one request each needs no deduplication (a new user's check).
        if shared { warnings.insert(TilePlan.dedupeNote, at: 0) }
        return (out, warnings)
    }
}

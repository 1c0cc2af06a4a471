import Foundation

extension CatchmentReport {
    /// The `catchment` object of a query's JSON.
    func write(into w: inout JSONWriter) {
        w.beginObject("catchment")
        w.value("map_points_inside", mapPointsInside)
        w.value("query_area_km2", queryAreaKm2, places: 6)
        w.value("union_area_km2", unionAreaKm2, places: 6)
        w.value("expansion_ratio", bounds.expansionRatio, places: 4)
        w.value("outside_area_km2", outsideAreaKm2, places: 6)
        w.value("served_from_outside_km2", servedFromOutsideKm2, places: 6)
        w.value("uncovered_km2", uncoveredKm2, places: 6)
        w.value("certain", bounds.certain)
        w.value("reported", bounds.reported)
        w.value("possible", bounds.possible)
        w.beginArray("bounds_missing_forces")
        for f in bounds.missingForces { w.value(nil, f) }
        w.endArray()
        // The months each of them lacks, as the text names them ("2019-03..2019-11").
        w.beginObject("bounds_missing_months")
        for m in bounds.missing { w.value(m.force, Month.runs(m.months)) }
        w.endObject()
        if let r = effectiveRadiusMetres { w.value("effective_radius_m", r, places: 1) }
        w.value("straddling_in", cells.filter { $0.relation == .straddlingIn }.count)
        w.value("straddling_out", cells.filter { $0.relation == .straddlingOut }.count)
        w.beginArray("straddlers")
        for c in straddlers {
            w.beginObject()
            w.value("id", c.catchment.mapPoint.id)
            w.value("lat", c.catchment.mapPoint.latitude, places: 6)
            w.value("lng", c.catchment.mapPoint.longitude, places: 6)
            w.value("name", c.catchment.name)
            w.value("relation", c.relation.rawValue)
            w.value("crimes", c.crimes)
            w.value("catchment_km2", c.catchment.areaKm2, places: 6)
            w.value("share_inside", c.shareInside, places: 4)
            w.endObject()
        }
        w.endArray()
        if let n = nearest {
            w.beginObject("nearest_map_point")
            w.value("name", n.name)
            w.value("metres", n.metres, places: 1)
            w.value("lat", n.latitude, places: 6)
            w.value("lng", n.longitude, places: 6)
            w.endObject()
        }
        w.endObject()
    }

    /// Lines for the table format, after the query's own table.
    public var table: String {
        var lines = ["", "Catchments (where these map points' crimes could have happened):"]
        if mapPointsInside == 0 {
            var line = "  no map point is inside the query, so nothing is counted"
            if let n = nearest { line += "; the nearest is \(n.name), \(Format.decimal(n.metres, places: 0)) m away" }
            lines.append(line)
        }
        func km2(_ v: Double) -> String { Format.decimal(v, places: v < 10 ? 3 : 1) + " km²" }
        lines.append("  query area               \(km2(queryAreaKm2))")
        lines.append("  union of catchments      \(km2(unionAreaKm2))  (expansion ×\(Format.decimal(bounds.expansionRatio, places: 2)))")
        if let r = effectiveRadiusMetres, let q = radiusMetres {
            lines.append("  effective radius         \(Format.decimal(r, places: 0)) m  (asked \(Format.decimal(q, places: 0)) m)")
        }
        lines.append("  catchment area outside   \(km2(outsideAreaKm2))")
        lines.append("  served from outside      \(km2(servedFromOutsideKm2))" + (uncoveredKm2 > 1e-6 ? "; in no catchment \(km2(uncoveredKm2))" : ""))
        lines.append("  count bounds             certain \(Format.grouped(bounds.certain)) ≤ reported \(Format.grouped(bounds.reported)) ≤ possible \(Format.grouped(bounds.possible))")
        if let note = bounds.missingNote(monthsAsked: result.coverage.monthsAsked) { lines.append("  ! " + note) }
        let ins = cells.filter { $0.relation == .straddlingIn }, outs = cells.filter { $0.relation == .straddlingOut }
        lines.append("  straddling map points    \(ins.count) inside (\(Format.grouped(ins.reduce(0) { $0 + $1.crimes })) crimes), \(outs.count) outside (\(Format.grouped(outs.reduce(0) { $0 + $1.crimes })) crimes)")
        // Ties by place, not point number: a rebuilt snapshot numbers its points otherwise.
        let top = straddlers.sorted { a, b in
            let (p, q) = (a.catchment.mapPoint, b.catchment.mapPoint)
            return (a.crimes, q.latE6, q.lngE6) > (b.crimes, p.latE6, p.lngE6)
        }.prefix(5)
        for c in top where c.crimes > 0 {
            lines.append("    \(c.relation == .straddlingIn ? "in " : "out") \(String(c.crimes).leftPadded(6)) crimes, \(CatchmentReport.percent(c.shareInside)) of its catchment inside: \(c.catchment.name)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A share as a percentage that never rounds a straddler to 0% or 100%.
    static func percent(_ share: Double) -> String {
        let p = share * 100
        if p > 0 && p < 1 { return "under 1%" }
        if p > 99 && p < 100 { return "over 99%" }
        return Format.decimal(p, places: 0) + "%"
    }

    /// Points, catchments and the query as one GeoJSON FeatureCollection (RFC 7946), for
    /// geojson.io or QGIS. Every feature has a `role`: query, catchment or map_point.
    public var geojson: String {
        var w = JSONWriter()
        w.beginObject()
        w.value("type", "FeatureCollection")
        w.version()
        w.beginArray("features")
        w.beginObject()
        w.value("type", "Feature")
        w.beginObject("properties")
        w.value("role", "query")
        w.value("area_km2", queryAreaKm2, places: 6)
        w.value("certain", bounds.certain)
        w.value("reported", bounds.reported)
        w.value("possible", bounds.possible)
        w.value("expansion_ratio", bounds.expansionRatio, places: 4)
        w.endObject()
        GeoJSON.writePolygon(queryRings, into: &w)
        w.endObject()
        for (c, rings) in zip(cells, Catchment.outlines(cells.map(\.catchment))) where !rings.isEmpty {
            w.beginObject()
            w.value("type", "Feature")
            w.beginObject("properties")
            w.value("role", "catchment")
            w.value("id", c.catchment.mapPoint.id)
            w.value("relation", c.relation.rawValue)
            w.value("crimes", c.crimes)
            w.value("area_km2", c.catchment.areaKm2, places: 6)
            w.density("density_per_km2", c.catchment.areaKm2 > 0 ? Double(c.crimes) / c.catchment.areaKm2 : 0, places: 1)
            w.value("share_inside", c.shareInside, places: 4)
            w.value("clipped_to", c.catchment.clippedTo)
            w.endObject()
            GeoJSON.writePolygon(rings, into: &w)
            w.endObject()
        }
        for c in cells {
            w.beginObject()
            w.value("type", "Feature")
            w.beginObject("properties")
            w.value("role", "map_point")
            w.value("id", c.catchment.mapPoint.id)
            w.value("name", c.catchment.name)
            w.value("relation", c.relation.rawValue)
            w.value("crimes", c.crimes)
            w.endObject()
            w.beginObject("geometry")
            w.value("type", "Point")
            w.beginArray("coordinates")
            w.value(nil, c.catchment.mapPoint.longitude, places: 6)
            w.value(nil, c.catchment.mapPoint.latitude, places: 6)
            w.endArray()
            w.endObject()
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.text + "\n"
    }
}

extension Catchment {
    /// One map point's catchment as a GeoJSON Feature with its figures as properties.
    public func geojson(crimes: Int) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.value("type", "Feature")
        w.beginObject("properties")
        w.value("id", mapPoint.id)
        w.value("name", name)
        w.value("lat", mapPoint.latitude, places: 6)
        w.value("lng", mapPoint.longitude, places: 6)
        w.value("crimes", crimes)
        w.value("area_km2", areaKm2, places: 6)
        w.density("density_per_km2", areaKm2 > 0 ? Double(crimes) / areaKm2 : 0, places: 1)
        w.value("clipped_to", clippedTo)
        w.endObject()
        GeoJSON.writePolygon(rings, into: &w)
        w.endObject()
        return w.text
    }
}

/// GeoJSON geometry writing (RFC 7946: [longitude, latitude], 7 decimals ≈ 1 cm).
enum GeoJSON {
    /// A Polygon (one part, unless `multi`) or MultiPolygon `geometry` member; rings are closed.
    static func writePolygon(_ parts: [[[Polygon.Coordinate]]], into w: inout JSONWriter, multi: Bool = false) {
        let multi = multi || parts.count != 1
        w.beginObject("geometry")
        w.value("type", multi ? "MultiPolygon" : "Polygon")
        w.beginArray("coordinates")
        for part in parts {
            if multi { w.beginArray() }
            for ring in part {
                w.beginArray()
                for c in Polygon.closed(ring) {
                    w.beginArray()
                    w.value(nil, c.lng, places: 7)
                    w.value(nil, c.lat, places: 7)
                    w.endArray()
                }
                w.endArray()
            }
            if multi { w.endArray() }
        }
        w.endArray()
        w.endObject()
    }
}

extension PointReport {
    /// The point's JSON: `map_point`, `catchment` (area, clip, GeoJSON geometry) and the usual
    /// query figures, with `density_per_km2` over the catchment.
    public func json(distanceFromPlace: Double? = nil) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.version()
        w.beginObject("map_point")
        w.value("id", catchment.mapPoint.id)
        w.value("lat", catchment.mapPoint.latitude, places: 6)
        w.value("lng", catchment.mapPoint.longitude, places: 6)
        w.value("name", catchment.name)
        if let d = distanceFromPlace { w.value("metres_from_place", d, places: 1) }
        w.endObject()
        w.beginObject("catchment")
        w.value("area_km2", catchment.areaKm2, places: 6)
        w.value("clipped_to", catchment.clippedTo)
        GeoJSON.writePolygon(catchment.rings, into: &w)
        w.endObject()
        w.value("total", result.total)
        w.density("density_per_km2", densityPerKm2, places: 2)
        w.beginObject("by_category")
        for (c, n) in result.byCategory.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) where n > 0 { w.value(c, n) }
        w.endObject()
        w.beginObject("by_month")
        for (i, m) in result.months.enumerated() { w.value(m.description, result.monthTotal(i)) }
        w.endObject()
        w.beginObject("months")
        w.value("from", result.from.description)
        w.value("to", result.to.description)
        w.endObject()
        w.value("synthetic", result.synthetic)
        w.beginArray("notes")
        for n in result.notes { w.value(nil, n) }
        w.endArray()
        w.endObject()
        return w.text
    }

    public func table(distanceFromPlace: Double? = nil) -> String {
        var lines: [String] = []
        let p = catchment.mapPoint
        lines.append("Map point \(p.id): \(catchment.name) at \(Format.decimal(p.latitude, places: 6)), \(Format.decimal(p.longitude, places: 6))"
                     + (distanceFromPlace.map { " (\(Format.grouped($0, places: 0)) m from the place given)" } ?? ""))
        lines.append("Catchment: \(Format.decimal(catchment.areaKm2, places: 4)) km² (clipped to \(catchment.clippedTo)); the crimes of this whole area are shown at this one point")
        let crimes = result.total == 1 ? "1 crime" : "\(Format.grouped(result.total)) crimes"
        lines.append("Months \(result.from) to \(result.to): \(crimes), \(Format.density(densityPerKm2, places: 1)) per km² of catchment")
        for n in result.notes { lines.append("! " + n) }
        lines.append("")
        let categories = result.byCategory.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).filter { $0.value > 0 }
        lines.append(TextTable(header: ["Category", "Crimes"], rows: categories.map { [Category.name(forSlug: $0.key), Format.grouped($0.value)] }).plain())
        lines.append(String(TextTable(header: ["Month", "Crimes"], rows: result.months.indices.map { [result.months[$0].description, Format.grouped(result.monthTotal($0))] }).plain().dropLast()))
        return lines.joined(separator: "\n") + "\n"
    }
}

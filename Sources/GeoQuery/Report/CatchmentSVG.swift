import Foundation

extension CatchmentReport {
    /// A picture of the report: the query boundary, the catchments touching it shaded by crime
    /// density, the map points sized by count, straddlers outlined, a scale bar and a legend.
    ///
    /// Drawn in a local plane around the query (metres east and north from its centre, measured
    /// with geodesics), north up; catchments reaching far away are cut at the frame.
    public func svg() -> String {
        let title: String
        switch area {
        case .circle(let c):
            title = "Catchments within \(c.radius) of \(Format.decimal(c.lat, places: 4)), \(Format.decimal(c.lng, places: 4)) · \(from) to \(to)"
        case .polygon(let p):
            title = "Catchments of a \(Format.decimal(p.areaKm2, places: 2)) km² polygon · \(from) to \(to)"
        }
        let all = queryRings.flatMap { $0.flatMap { $0 } }
        guard let minLat = all.map(\.lat).min(), let maxLat = all.map(\.lat).max(),
              let minLng = all.map(\.lng).min(), let maxLng = all.map(\.lng).max() else { return "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n" }
        let lat0 = (minLat + maxLat) / 2, lng0 = (minLng + maxLng) / 2
        let g = Geodesic.wgs84
        let mPerLat = g.distance(lat1: lat0 - 0.005, lng1: lng0, lat2: lat0 + 0.005, lng2: lng0) / 0.01
        let mPerLng = g.distance(lat1: lat0, lng1: lng0 - 0.005, lat2: lat0, lng2: lng0 + 0.005) / 0.01
        // Frame: the query plus a quarter of its size on every side.
        let halfW = (maxLng - minLng) * mPerLng * 0.75, halfH = (maxLat - minLat) * mPerLat * 0.75
        let mapW = 760.0, scale = mapW / (2 * halfW), mapH = 2 * halfH * scale
        let pad = 20.0, legendW = 250.0, top = 56.0
        let width = pad + mapW + pad + legendW + pad, height = max(top + mapH + 50, top + 470)
        func px(_ c: Polygon.Coordinate) -> (Double, Double) {
            (pad + ((c.lng - lng0) * mPerLng + halfW) * scale, top + (halfH - (c.lat - lat0) * mPerLat) * scale)
        }
        // Path data is most of the picture's text: tenths of a pixel written from integers.
        func tenths(_ v: Double, into out: inout String) {
            let t = Int((v * 10).rounded())
            if t < 0 { out += "-" }
            out += String(abs(t) / 10)
            out += "."
            out += String(abs(t) % 10)
        }
        func path(_ parts: [[[Polygon.Coordinate]]]) -> String {
            var d = ""
            d.reserveCapacity(parts.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } } * 14)
            for ring in parts.joined() {
                for (i, c) in ring.enumerated() {
                    let (x, y) = px(c)
                    d += i == 0 ? "M" : "L"
                    tenths(x, into: &d)
                    d += " "
                    tenths(y, into: &d)
                }
                d += "Z"
            }
            return d
        }
        let esc = HTMLPage.escape

        // Density classes: quantile breaks of the catchments drawn, rounded to 2 significant figures.
        let densities = cells.map { $0.catchment.areaKm2 > 0 ? Double($0.crimes) / $0.catchment.areaKm2 : 0 }
        let breaks = CatchmentReport.classBreaks(densities.filter { $0 > 0 }, classes: 5)
        let palette = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
        func colour(_ d: Double) -> String {
            guard d > 0 else { return "#f2f2f2" }
            return palette[min(breaks.lastIndex { d >= $0 } ?? 0, palette.count - 1)]
        }
        let maxCrimes = max(cells.map(\.crimes).max() ?? 1, 1)
        func radius(_ crimes: Int) -> Double { 1.5 + 9 * (Double(crimes) / Double(maxCrimes)).squareRoot() }

        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" style=\"max-width:100%;height:auto\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"13\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        s += "<text x=\"\(Int(pad))\" y=\"24\" font-size=\"17\" font-weight=\"bold\">\(esc(title))</text>\n"
        s += "<text x=\"\(Int(pad))\" y=\"44\" fill=\"#444\">Each shaded cell is a map point's catchment: the area whose crimes Police UK moves to that point.</text>\n"
        s += "<defs><clipPath id=\"frame\"><rect x=\"\(Int(pad))\" y=\"\(Int(top))\" width=\"\(Int(mapW))\" height=\"\(Int(mapH))\"/></clipPath></defs>\n"
        s += "<rect x=\"\(Int(pad))\" y=\"\(Int(top))\" width=\"\(Int(mapW))\" height=\"\(Int(mapH))\" fill=\"#e8eef4\" stroke=\"#999\"/>\n"
        s += "<g clip-path=\"url(#frame)\">\n"
        // Catchments, then straddler outlines on top so they are never hidden by neighbours.
        let outlines = Catchment.outlines(cells.map(\.catchment))
        for (k, d) in densities.enumerated() where !outlines[k].isEmpty {
            s += "<path d=\"\(path(outlines[k]))\" fill=\"\(colour(d))\" fill-rule=\"evenodd\" stroke=\"#7a7a7a\" stroke-width=\"0.6\"/>\n"
        }
        for (k, c) in cells.enumerated() where c.relation != .inside && !outlines[k].isEmpty {
            let colour = c.relation == .straddlingIn ? "#1f5fbf" : "#7b3fa0"
            s += "<path d=\"\(path(outlines[k]))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" stroke-dasharray=\"\(c.relation == .straddlingIn ? "none" : "5 3")\"/>\n"
        }
        s += "<path d=\"\(path(queryRings))\" fill=\"none\" stroke=\"#000\" stroke-width=\"3\"/>\n"
        for c in cells.sorted(by: { $0.crimes > $1.crimes }) {
            let (x, y) = px(Polygon.Coordinate(lat: c.catchment.mapPoint.latitude, lng: c.catchment.mapPoint.longitude))
            let fill = c.relation == .straddlingOut ? "#ffffff" : "#222222"
            s += "<circle cx=\"\(Format.decimal(x, places: 1))\" cy=\"\(Format.decimal(y, places: 1))\" r=\"\(Format.decimal(radius(c.crimes), places: 1))\" fill=\"\(fill)\" fill-opacity=\"0.85\" stroke=\"#222\" stroke-width=\"0.8\"><title>\(esc(c.catchment.name)): \(c.crimes) crimes</title></circle>\n"
        }
        s += "</g>\n"

        // Scale bar: a round length near a fifth of the frame.
        let target = 2 * halfW / 5
        let bar = [25.0, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000].last { $0 <= target } ?? 25
        let bx = pad + 14, by = top + mapH - 18
        s += "<rect x=\"\(Int(bx - 6))\" y=\"\(Int(by - 22))\" width=\"\(Int(bar * scale + 12))\" height=\"32\" fill=\"#fff\" fill-opacity=\"0.8\"/>\n"
        s += "<rect x=\"\(Int(bx))\" y=\"\(Int(by))\" width=\"\(Format.decimal(bar * scale, places: 1))\" height=\"6\" fill=\"#000\"/>\n"
        s += "<text x=\"\(Int(bx))\" y=\"\(Int(by - 6))\">\(bar >= 1000 ? Format.decimal(bar / 1000, places: bar.truncatingRemainder(dividingBy: 1000) == 0 ? 0 : 1) + " km" : Format.decimal(bar, places: 0) + " m")</text>\n"
        s += "<text x=\"\(Int(pad + mapW - 22))\" y=\"\(Int(top + 24))\" font-size=\"16\" font-weight=\"bold\">N↑</text>\n"

        // Legend.
        let lx = pad + mapW + pad
        var ly = top + 6
        func line(_ text: String, bold: Bool = false, size: Int = 13) {
            ly += Double(size) + 6
            s += "<text x=\"\(Int(lx))\" y=\"\(Int(ly))\" font-size=\"\(size)\"\(bold ? " font-weight=\"bold\"" : "")>\(esc(text))</text>\n"
        }
        line("Crimes per km² of catchment", bold: true)
        let labels = CatchmentReport.classLabels(breaks)
        for (i, label) in labels.enumerated() {
            ly += 20
            s += "<rect x=\"\(Int(lx))\" y=\"\(Int(ly - 13))\" width=\"22\" height=\"15\" fill=\"\(palette[i])\" stroke=\"#7a7a7a\"/>"
            s += "<text x=\"\(Int(lx + 30))\" y=\"\(Int(ly))\">\(esc(label))</text>\n"
        }
        ly += 20
        s += "<rect x=\"\(Int(lx))\" y=\"\(Int(ly - 13))\" width=\"22\" height=\"15\" fill=\"#f2f2f2\" stroke=\"#7a7a7a\"/><text x=\"\(Int(lx + 30))\" y=\"\(Int(ly))\">no crimes</text>\n"
        ly += 14
        line("Symbols", bold: true)
        ly += 22
        s += "<line x1=\"\(Int(lx))\" y1=\"\(Int(ly - 5))\" x2=\"\(Int(lx + 22))\" y2=\"\(Int(ly - 5))\" stroke=\"#000\" stroke-width=\"3\"/><text x=\"\(Int(lx + 30))\" y=\"\(Int(ly))\">query boundary</text>\n"
        ly += 22
        s += "<rect x=\"\(Int(lx))\" y=\"\(Int(ly - 13))\" width=\"22\" height=\"15\" fill=\"none\" stroke=\"#1f5fbf\" stroke-width=\"2\"/><text x=\"\(Int(lx + 30))\" y=\"\(Int(ly))\">point inside, catchment crosses out</text>\n"
        ly += 22
        s += "<rect x=\"\(Int(lx))\" y=\"\(Int(ly - 13))\" width=\"22\" height=\"15\" fill=\"none\" stroke=\"#7b3fa0\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/><text x=\"\(Int(lx + 30))\" y=\"\(Int(ly))\">point outside, catchment reaches in</text>\n"
        for (i, n) in [maxCrimes, max(maxCrimes / 4, 1)].enumerated() {
            ly += 26
            s += "<circle cx=\"\(Int(lx + 11))\" cy=\"\(Int(ly - 5))\" r=\"\(Format.decimal(radius(n), places: 1))\" fill=\"#222\" fill-opacity=\"0.85\"/><text x=\"\(Int(lx + 30))\" y=\"\(Int(ly))\">\(Format.grouped(n)) crimes at a map point\(i == 0 ? " (most)" : "")</text>\n"
        }
        ly += 22
        s += "<circle cx=\"\(Int(lx + 11))\" cy=\"\(Int(ly - 5))\" r=\"4\" fill=\"#fff\" stroke=\"#222\"/><text x=\"\(Int(lx + 30))\" y=\"\(Int(ly))\">map point outside (not counted)</text>\n"
        ly += 12
        line("The count, honestly", bold: true)
        line("certain  \(Format.grouped(bounds.certain))")
        line("reported \(Format.grouped(bounds.reported))")
        line("possible \(Format.grouped(bounds.possible))")
        line("catchments cover ×\(Format.decimal(bounds.expansionRatio, places: 2)) the query area")
        if let r = effectiveRadiusMetres, let q = radiusMetres {
            line("effective radius \(Format.decimal(r, places: 0)) m (asked \(Format.decimal(q, places: 0)) m)")
        }
        line("\(mapPointsInside) map points inside, \(straddlers.count) straddling")
        if synthetic { line("SYNTHETIC SAMPLE data", bold: true) }
        s += "</svg>\n"
        return s
    }

    /// Up to `classes` lower bounds (the first is 0): quantiles rounded to 2 significant figures,
    /// duplicates dropped.
    static func classBreaks(_ values: [Double], classes: Int) -> [Double] {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return [0] }
        var breaks: [Double] = [0]
        for k in 1..<classes {
            let v = sorted[min(sorted.count - 1, sorted.count * k / classes)]
            let magnitude = pow(10, floor(log10(max(v, 1e-9))) - 1)
            let rounded = (v / magnitude).rounded() * magnitude
            if rounded > breaks.last! { breaks.append(rounded) }
        }
        return breaks
    }

    static func classLabels(_ breaks: [Double]) -> [String] {
        func n(_ v: Double) -> String { v >= 100 ? Format.grouped(Int(v.rounded())) : Format.decimal(v, places: v < 10 ? 1 : 0) }
        return breaks.indices.map { i in
            i + 1 < breaks.count ? "\(i == 0 ? "under" : n(breaks[i]) + " to") \(n(breaks[i + 1]))" : "\(n(breaks[i])) and more"
        }
    }
}

/// The output formats of an aggregation result.
public enum OutputFormat: String, CaseIterable, Sendable {
    case table, json, csv
    case policeJSON = "police-json"
    /// The catchment report's query, catchments and map points as one FeatureCollection.
    case geojson
}

extension QueryResult {
    /// One JSON object. Keys are a contract: `total`, `btp`, `by_category` (every standard slug),
    /// `by_month`, `by_month_category`, `by_outcome`, `map_points`, `months` {`from`, `to`},
    /// `forces`, `no_location`, `coverage` (see ``Coverage``), plus `area`, `notes` and `synthetic`; `centre` {`postcode`, `kind`,
    /// `postcodes`, `lat`, `lng`} when the query was centred on a postcode.
    /// - Parameter area: the query's area, written as `area`.
    /// `geoquery_version` follows the leading members.
    /// - Parameter leading: members written first, each value as JSON text (a batch line's `id`
    ///   as the line gave it, a feature's name quoted with ``JSONWriter/quote(_:)``).
    /// - Parameter catchment: adds the `catchment` object (``CrimeMirror/catchmentReport(_:)``).
    /// - Parameter fields: the top-level keys to write (nil: all); see ``QueryResult/jsonKeys``.
    public func json(area: Area, leading: [(key: String, json: String)] = [], catchment: CatchmentReport? = nil,
                     fields: Set<String>? = nil) -> String {
        var w = JSONWriter()
        write(into: &w, area: area, leading: leading, catchment: catchment, fields: fields.map(Fields.init) ?? .all)
        return w.text
    }

    /// Appends the object ``json(area:leading:catchment:fields:)`` writes, as UTF-8 bytes, to
    /// `line`: for a writer that reuses one buffer per line (batch), so no String is made.
    public func appendJSON(to line: inout [UInt8], area: Area, leading: [(key: String, json: String)] = [], fields: Set<String>? = nil) {
        appendJSON(to: &line, area: area, leading: leading, fields: fields.map(Fields.init) ?? .all)
    }

    /// ``appendJSON(to:area:leading:fields:)-(_,_,_,Set<String>?)`` with the keys checked once (a
    /// batch's, for every line; ``Fields/all`` for every key).
    public func appendJSON(to line: inout [UInt8], area: Area, leading: [(key: String, json: String)] = [], fields: Fields) {
        var w = JSONWriter(appendingTo: line)
        line = []  // moved into the writer and back, so the buffer is not copied
        write(into: &w, area: area, leading: leading, catchment: nil, fields: fields)
        line = w.takeBytes()
    }

    private func write(into w: inout JSONWriter, area: Area, leading: [(key: String, json: String)], catchment: CatchmentReport?, fields: Fields) {
        func want(_ key: JSONKey) -> Bool { fields.contains(key) }
        w.beginObject()
        for (k, v) in leading { w.raw(k, json: v) }
        if want(.geoqueryVersion) { w.version() }
        if want(.area) { writeArea(area, into: &w) }
        if want(.centre) { writeCentre(into: &w) }
        if want(.total) { w.value("total", total) }
        if want(.btp) { w.value("btp", btp) }
        let n = categories.count
        let categoryKeys = want(.byCategory) || want(.byMonthCategory) ? JSONWriter.keys(categories) : JSONWriter.KeyList([])
        if want(.byCategory) {
            w.beginObject("by_category")
            for c in 0..<n { w.value(key: c, of: categoryKeys, categoryTotal(c)) }
            w.endObject()
        }
        if want(.byMonth) {
            w.beginObject("by_month")
            for m in months.indices { w.value(month: months[m], monthTotal(m)) }
            w.endObject()
        }
        if want(.byMonthCategory) {
            w.beginObject("by_month_category")
            for m in months.indices {
                w.beginObject(month: months[m])
                for c in 0..<n { w.value(key: c, of: categoryKeys, monthCategory[m * n + c]) }
                w.endObject()
            }
            w.endObject()
        }
        if want(.byOutcome) {
            w.beginObject("by_outcome")
            // Locals: a closure reading the properties captured the whole result, copied (a
            // dozen references retained) at every comparison of the sort.
            let counts = outcomeCounts, labels = outcomes
            for o in counts.indices.filter({ counts[$0] > 0 }).sorted(by: { (counts[$0], labels[$1]) > (counts[$1], labels[$0]) }) {
                w.value(labels[o], counts[o])
            }
            w.endObject()
        }
        if want(.mapPoints) { w.value("map_points", mapPoints) }
        if want(.months) {
            w.beginObject("months")
            w.value("from", from.description)
            w.value("to", to.description)
            w.value("count", months.count)
            w.endObject()
        }
        if want(.forces) {
            w.beginArray("forces")
            for f in forces { w.value(nil, f) }
            w.endArray()
        }
        if want(.noLocation) { w.value("no_location", noLocation) }
        if want(.areaKm2) { w.value("area_km2", areaKm2, places: 4) }
        if want(.densityPerKm2) { w.density("density_per_km2", densityPerKm2, places: 2) }
        if let n = nearestMapPoint, want(.nearestMapPoint) {
            w.beginObject("nearest_map_point")
            w.value("metres", n.metres, places: 1)
            w.value("name", n.name)
            w.endObject()
        }
        if want(.coverage) { coverage.write(into: &w) }
        if want(.catchment) { catchment?.write(into: &w) }
        if want(.synthetic) { w.value("synthetic", synthetic) }
        if want(.notes) {
            w.beginArray("notes")
            for n in notes { w.value(nil, n) }
            w.endArray()
        }
        w.endObject()
    }

    /// A choice of the result's top-level JSON keys (see ``jsonKeys``), read once from their names
    /// and then tested as bits: a batch gives every line the same choice, so it pays for the names
    /// once, not on each query and each line it writes. Names that are not keys are left out.
    public struct Fields: Sendable, Equatable {
        /// Bit `i`: `jsonKeys[i]`.
        let bits: UInt32

        /// The keys named in `keys` (any order; a name that is no key is left out).
        public init(_ keys: some Sequence<String>) {
            var bits: UInt32 = 0
            for k in keys { if let i = QueryResult.jsonKeys.firstIndex(of: k) { bits |= 1 << UInt32(i) } }
            self.bits = bits
        }

        /// Every key (what nil asks for in the `Set<String>?` forms).
        public static let all = Fields(QueryResult.jsonKeys)

        /// The chosen keys, in ``QueryResult/jsonKeys`` order.
        public var keys: [String] { QueryResult.jsonKeys.indices.filter { (bits >> UInt32($0)) & 1 == 1 }.map { QueryResult.jsonKeys[$0] } }

        @inline(__always) func contains(_ key: JSONKey) -> Bool { (bits >> UInt32(key.rawValue)) & 1 == 1 }
    }

    /// The top-level keys by their place in ``jsonKeys`` (a bit each in ``Fields``).
    enum JSONKey: Int {
        case geoqueryVersion, area, centre, total, btp, byCategory, byMonth, byMonthCategory, byOutcome, mapPoints, months, forces, noLocation, areaKm2, densityPerKm2, nearestMapPoint, coverage, catchment, synthetic, notes
    }

    /// Every top-level key ``json(area:leading:catchment:fields:)`` can write, in order (`centre`,
    /// `nearest_map_point` and `catchment` only when there is one).
    public static let jsonKeys = ["geoquery_version", "area", "centre", "total", "btp", "by_category", "by_month", "by_month_category",
                                  "by_outcome", "map_points", "months", "forces", "no_location", "area_km2", "density_per_km2",
                                  "nearest_map_point", "coverage", "catchment", "synthetic", "notes"]

    /// The postcode centre the area was drawn around, when there is one (`centre`).
    func writeCentre(into w: inout JSONWriter) {
        guard let c = centre else { return }
        w.beginObject("centre")
        w.value("postcode", c.postcode.description)
        w.value("kind", c.kind.rawValue)
        w.value("postcodes", c.postcodes)
        w.value("lat", c.lat, places: 6)
        w.value("lng", c.lng, places: 6)
        w.endObject()
    }

    /// The `area` object; reports add the radius as people read it and where the area came from.
    func writeArea(_ area: Area, into w: inout JSONWriter, label: String? = nil, forPeople: Bool = false) {
        w.beginObject("area")
        switch area {
        case .circle(let c):
            w.value("type", "circle")
            w.value("lat", c.lat, places: 6)
            w.value("lng", c.lng, places: 6)
            w.value("radius_m", c.radius.metres, places: 1)
            if forPeople { w.value("radius", c.radius.description) }
        case .polygon(let p):
            w.value("type", "polygon")
            w.value("parts", p.parts.count)
            w.value("vertices", p.vertexCount)
        }
        w.value("area_km2", areaKm2, places: 4)
        if forPeople { w.value("label", label) }
        w.endObject()
    }

    /// One row per month, a column per category, then a total row: opens in any spreadsheet.
    /// The notes follow as `note,"…"` rows, so a file saved from it keeps its caveats.
    public func csv() -> String {
        let n = categories.count
        var out = "month," + categories.joined(separator: ",") + ",total\n"
        for (m, month) in months.enumerated() {
            out += month.description
            for c in 0..<n { out += ",\(monthCategory[m * n + c])" }
            out += ",\(monthTotal(m))\n"
        }
        out += "all"
        for total in categoryTotals() { out += ",\(total)" }
        out += ",\(total)\n"
        for note in notes { out += "note," + Format.csvField(note) + "\n" }
        return out
    }

    /// One `--per-feature` CSV row: `feature`, a column per category, `total`, `area_km2`,
    /// `notes` (this feature's notes joined by " | "), after the header when `header`.
    public func featureCSVRow(_ feature: String, header: Bool) -> String {
        var out = header ? "feature," + categories.joined(separator: ",") + ",total,area_km2,notes\n" : ""
        out += Format.csvField(feature) + "," + categoryTotals().map(String.init).joined(separator: ",")
        return out + ",\(total),\(Format.decimal(areaKm2, places: 4)),\(Format.csvField(notes.joined(separator: " | ")))\n"
    }

    /// One `--per-feature` table line (crimes, km², per km², months held for every force of the
    /// feature's area, "!" where some are not), after the header when `header`.
    public func featureTableRow(_ feature: String, header: Bool) -> String {
        let head = header ? pad("feature", 24) + left("crimes", 10) + left("km²", 12) + left("per km²", 10) + left("held", 10) + "\n" : ""
        let held = "\(coverage.monthsHeld)/\(coverage.monthsAsked)" + (coverage.isComplete ? "" : " !")
        // A line break or tab in a name (GeoJSON allows them) would break the table's rows.
        let name = String(feature.map { $0.isNewline || $0 == "\t" ? " " : $0 })
        return head + pad(name, 24) + " " + left(Format.grouped(total), 9) + " " + left(Format.decimal(areaKm2, places: 3), 11)
            + " " + left(Format.density(densityPerKm2, places: 1), 9) + " " + left(held, 9) + "\n"
    }

    private func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
    private func left(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }

    /// A table for people: totals by category, a trend line, coverage and the caveats.
    /// `btpLeftOut`: the query left out British Transport Police (its row, always 0, is not shown).
    public func table(area: Area, btpLeftOut: Bool = false) -> String {
        var lines: [String] = []
        switch area {
        case .circle(let c):
            lines.append("Crime recorded within \(c.radius) of \(Format.decimal(c.lat, places: 6)), \(Format.decimal(c.lng, places: 6))")
        case .polygon(let p):
            lines.append("Crime recorded inside a polygon (\(p.parts.count) part(s), \(p.vertexCount) vertices, \(Format.decimal(areaKm2, places: 3)) km²)")
        }
        lines.append("Months \(from) to \(to) (\(coverage.heldDescription)) · forces: \(forces.isEmpty ? "none" : forces.joined(separator: ", ")) · map points inside: \(Format.grouped(mapPoints))")
        for n in notes { lines.append("! " + n) }
        lines.append("")
        let byCategory = self.byCategory
        let shown = categories.filter { (byCategory[$0] ?? 0) > 0 || Category.standard.contains($0) }
            .sorted { (byCategory[$0] ?? 0, $1) > (byCategory[$1] ?? 0, $0) }
        let width = max(40, shown.map { Category.name(forSlug: $0).count }.max() ?? 0)
        lines.append(pad("Category", width) + left("Crimes", 10) + left("Share", 8))
        for c in shown {
            let n = byCategory[c] ?? 0
            let share = total > 0 ? Format.decimal(Double(n) * 100 / Double(total), places: 1) + "%" : "-"
            lines.append(pad(Category.name(forSlug: c), width) + left(Format.grouped(n), 10) + left(share, 8))
        }
        lines.append(pad("Total", width) + left(Format.grouped(total), 10))
        if !btpLeftOut { lines.append(pad("  of which British Transport Police", width) + left(Format.grouped(btp), 10)) }
        lines.append(pad("No location, force-wide (not placeable)", width) + left(Format.grouped(noLocation), 10))
        lines.append(pad("Crimes per km² (area \(Format.decimal(areaKm2, places: 3)) km²)", width) + left(Format.density(densityPerKm2, places: 0), 10))
        if months.count > 1 && total == 0 {
            lines.append("")
            lines.append("Trend: no crimes recorded here in these months.")
        } else if months.count > 1 {
            let counts = months.indices.map(monthTotal)
            let bars = Array("▁▂▃▄▅▆▇█")
            // Scaled between the lowest and highest month so that the shape shows.
            // Months not held show as a gap (·), not as a low bar.
            let held = coverage.held.count == counts.count ? coverage.held : counts.map { _ in true }
            let heldCounts = counts.indices.filter { held[$0] }.map { counts[$0] }
            let peak = max(1, heldCounts.max() ?? 1), low = heldCounts.min() ?? 0
            let spark = String(counts.indices.map { held[$0] ? bars[peak == low ? 3 : min(7, (counts[$0] - low) * 8 / (peak - low + 1))] : "·" })
            lines.append("")
            lines.append("Trend, \(from) → \(to): \(spark)\(heldCounts.count < counts.count ? "  (· month not held for every force here)" : "")")
            if !heldCounts.isEmpty {
                lines.append("  per held month: min \(low), max \(peak), mean \(Format.decimal(Double(heldCounts.reduce(0, +)) / Double(heldCounts.count), places: 1))\(heldCounts.count < counts.count ? " (over the \(heldCounts.count) months held)" : "")")
            }
        }
        lines.append("")
        lines.append("Recorded crime, not experienced crime. Each crime is moved to the nearest anonymous Police UK map point, so a point stands for its whole catchment, not a building. England, Wales and Northern Ireland (Scotland only through British Transport Police); fraud is not included; months are published roughly two months late and get restated.")
        return lines.joined(separator: "\n") + "\n"
    }
}

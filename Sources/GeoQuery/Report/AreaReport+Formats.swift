/// The output formats of reports and comparisons.
public enum ReportFormat: String, CaseIterable, Sendable {
    case table, json, markdown, html
}

/// A report that can be written in every ``ReportFormat`` (an area report, a comparison).
public protocol ReportDocument {
    func table() -> String
    func json() -> String
    func markdown() -> String
    func html() -> String
}

extension ReportDocument {
    /// The report in `format`, ending with a newline.
    public func rendered(_ format: ReportFormat) -> String {
        switch format {
        case .table: return table()
        case .json: return json() + "\n"
        case .markdown: return markdown()
        case .html: return html()
        }
    }
}

extension AreaReport: ReportDocument {

    /// One JSON object. Keys are a contract: `report` ("area"), `area` (with `radius` as people read
    /// it and `label`), `months` {`from`, `to`, `count`}, `total`, `btp`, `per_km2`, `map_points`,
    /// `no_location`, `forces`, `coverage` (as a query's), `per_month` (crimes per held month),
    /// `months.held` (months held for every force of the area), `by_category` (slug → count), `categories` (rows with `slug`, `name`,
    /// `count`, `share_pct`, `per_km2`), `by_month`, `trend` (rows with `month`, `total`,
    /// `moving_average_3m`, `rolling_12m`, `complete`), `year_on_year` (whose change objects carry
    /// `now`, `before`, `change`, `change_pct`, `p_value`, `ratio_ci95`), `flags`, `catchment`,
    /// `method`, `notes`, `caveats`, `summary`, `synthetic`. Figures not available are `null`.
    public func json() -> String {
        let r = result
        var w = JSONWriter()
        w.beginObject()
        w.value("report", "area")
        w.version()
        r.writeArea(request.query.area, into: &w, label: request.label, forPeople: true)
        r.writeCentre(into: &w)  // a --postcode report's centre, as every answer names it
        w.beginObject("months")
        w.value("from", r.from.description)
        w.value("to", r.to.description)
        w.value("count", r.months.count)
        w.value("held", r.coverage.monthsHeld)
        w.endObject()
        w.value("total", r.total)
        w.value("btp", r.btp)
        w.density("per_km2", perKm2, places: 1)
        w.value("per_month", perMonth, places: 1)
        w.value("map_points", r.mapPoints)
        w.value("no_location", r.noLocation)
        w.beginArray("forces")
        for f in r.forces { w.value(nil, f) }
        w.endArray()
        w.beginObject("by_category")
        for (slug, n) in zip(categories, categoryCounts) { w.value(slug, n) }
        w.endObject()
        w.beginArray("categories")
        for (slug, n) in rankedAll {
            w.beginObject()
            w.value("slug", slug)
            w.value("name", Category.name(forSlug: slug))
            w.value("count", n)
            w.value("share_pct", share(n), places: 1)
            w.density("per_km2", perKm2(slug), places: 1)
            w.endObject()
        }
        w.endArray()
        w.beginObject("by_month")
        for t in trend { w.value(t.month.description, t.total) }
        w.endObject()
        w.beginArray("trend")
        for t in trend {
            w.beginObject()
            w.value("month", t.month.description)
            w.value("total", t.total)
            w.value("moving_average_3m", t.movingAverage, places: 1)
            w.value("rolling_12m", t.rolling12)
            w.value("complete", t.complete)
            w.endObject()
        }
        w.endArray()
        writeYearOnYear(into: &w)
        w.beginArray("flags")
        for f in flags {
            w.beginObject()
            w.value("kind", f.kind.rawValue)
            w.value("months", f.months)
            w.value("force", f.force)
            w.value("text", f.text)
            w.endObject()
        }
        w.endArray()
        if let c = request.catchment {
            w.beginObject("catchment")
            w.value("certain", c.certain)
            w.value("reported", c.reported)
            w.value("possible", c.possible)
            w.value("expansion_ratio", c.expansionRatio, places: 2)
            w.beginArray("bounds_missing_forces")
            for f in c.missingForces { w.value(nil, f) }
            w.endArray()
            w.endObject()
        } else {
            w.null("catchment")
        }
        r.coverage.write(into: &w)
        w.beginObject("method")
        for (k, v) in AreaReport.method { w.value(k, v) }
        w.endObject()
        w.beginArray("notes")
        for n in r.notes { w.value(nil, n) }
        w.endArray()
        w.beginArray("caveats")
        for c in caveats { w.value(nil, c) }
        w.endArray()
        w.value("summary", summary)
        w.value("synthetic", r.synthetic)
        w.endObject()
        return w.text
    }

    private func writeYearOnYear(into w: inout JSONWriter) {
        let y = yearOnYear
        func change(_ key: String?, _ c: YearOnYear.Change) {
            w.beginObject(key)
            w.value("now", c.now)
            w.value("before", c.before)
            w.value("change", c.change)
            w.value("change_pct", c.percent, places: 1)
            w.changeTest(c.test)
            w.endObject()
        }
        w.beginObject("year_on_year")
        w.value("months", y.months)
        w.beginObject("current")
        w.value("from", y.current.lowerBound.description)
        w.value("to", y.current.upperBound.description)
        w.value("complete", y.currentComplete)
        w.endObject()
        w.beginObject("baseline")
        w.value("from", y.baseline.lowerBound.description)
        w.value("to", y.baseline.upperBound.description)
        w.value("complete", y.baselineComplete)
        w.endObject()
        w.value("available", y.unavailable == nil)
        w.value("reason", y.unavailable)
        change("total", y.total)
        w.beginObject("by_category")
        for slug in categories { change(slug, y.byCategory[slug]!) }
        w.endObject()
        w.endObject()
    }

    /// How the derived figures are made, in the JSON and under the human formats' tables.
    static let method: KeyValuePairs<String, String> = [
        "moving_average": "3-month centred mean (the month and its two neighbours), one decimal; none for the first and last month of the range, whose window would need a month outside it, nor where a month of the window is missing",
        "rolling_total": "crimes in the 12 months ending with the month, reaching back before the range; none where any of those months is missing",
        "year_on_year": "the last (up to 12) months of the range against the same months a year earlier, per category; n/a when any of those months is missing; % is n/a when the earlier count is 0",
        "change_test": "exact two-sided test that two Poisson counts have equal rates (conditional binomial, as scipy.stats.binomtest), with the 95% Clopper-Pearson interval of the rate ratio; year on year compares the same number of months (ratio now / before), compare the two areas per km² (ratio A / B); a change is called a rise or fall only when p < 0.05 (marked †), otherwise it is within normal variation; p under 0.001 is written <0.001",
        "missing": "a month is missing (not held) when the mirror holds no data for it, or none for a force of the area: a force whose area covers at least 1% of it or lies at least 10% inside it, or another force (such as BTP) that recorded at least 1% of the crimes here (and at least 3) in the months the mirror holds for it",
        "rates": "per km² and per month count only the months held; a missing month is not a zero",
    ]

    /// Every listed category, largest first (zeros last, by slug).
    var rankedAll: [(slug: String, count: Int)] {
        zip(categories, categoryCounts).sorted { ($0.1, $1.0) > ($1.1, $0.0) }.map { ($0.0, $0.1) }
    }

    /// The category table's rows: count, share, rate, then the year-on-year columns.
    var categoryTable: TextTable {
        let y = yearOnYear
        // A window with months not held is marked as those months are ("*": its count falls short).
        let now = "\(y.current.lowerBound)..\(y.current.upperBound)" + (y.currentComplete ? "" : " *")
        let then = "\(y.baseline.lowerBound)..\(y.baseline.upperBound)" + (y.baselineComplete ? "" : " *")
        var rows = rankedAll.map { slug, n -> [String] in
            let c = y.byCategory[slug]!
            return [Category.name(forSlug: slug), Format.grouped(n), Format.decimal(share(n), places: 1) + "%",
                    Format.density(perKm2(slug), places: 1),
                    Format.grouped(c.now), c.before.map(Format.grouped) ?? "n/a", Signed.int(c.change), Signed.percent(c.percent), AreaReport.pColumn(c.test)]
        }
        let t = y.total
        rows.append(["Total", Format.grouped(result.total), result.total > 0 ? "100.0%" : "-", Format.density(perKm2, places: 1),
                     Format.grouped(t.now), t.before.map(Format.grouped) ?? "n/a", Signed.int(t.change), Signed.percent(t.percent), AreaReport.pColumn(t.test)])
        return TextTable(header: ["Category", "Crimes", "Share", "per km²", now, then, "Change", "Change %", "p"], rows: rows)
    }

    /// A change's p-value for a table column, with "†" where it is below 0.05 (a change the summary
    /// calls a rise or fall); "n/a" without a test. ("*" already marks months with missing data.)
    static func pColumn(_ t: PoissonChange?) -> String {
        t.map { $0.pText + ($0.withinNormalVariation ? "" : " †") } ?? "n/a"
    }

    /// The line under a table with a p column.
    static let pLegend = "p: exact two-sided test that the two counts have equal rates (conditional binomial); † p < 0.05, more than normal variation"

    /// The trend table's rows; "*" marks months not held for a force of the area.
    var trendTable: TextTable {
        TextTable(header: ["Month", "Crimes", "3-month avg", "12-month total"], rows: trend.map {
            [$0.month.description + ($0.complete ? "" : " *"), Format.grouped($0.total),
             $0.movingAverage.map { Format.decimal($0, places: 1) } ?? "n/a", $0.rolling12.map(Format.grouped) ?? "n/a"]
        })
    }

    var heading: String { "Crime recorded \(placePhrase)" }

    /// The result's notes less those a flag already states (the same sentence, said once).
    var otherNotes: [String] { result.notes.filter { n in !flags.contains { $0.text == n } } }

    var coverageLine: String {
        let r = result
        return "Months \(r.from) to \(r.to) (\(r.coverage.heldDescription)) · forces: \(r.forces.isEmpty ? "none" : r.forces.joined(separator: ", ")) · map points inside: \(Format.grouped(r.mapPoints)) · area \(Format.decimal(r.areaKm2, places: 3)) km² · no location, force-wide: \(Format.grouped(r.noLocation))"
    }

    /// For a terminal: the summary first, then the tables, flags, notes and method.
    public func table() -> String {
        var out = heading + "\n" + coverageLine + "\n\n" + summary.wrapped(100) + "\n\n"
        out += categoryTable.plain() + AreaReport.pLegend + "\n\n" + trendTable.plain()
        if trend.contains(where: { !$0.complete }) { out += "* not held: the mirror has no data for this month for a force of the area (or for any force)\n" }
        if !flags.isEmpty { out += "\nFlags:\n" + flags.map { "! " + $0.text }.joined(separator: "\n") + "\n" }
        if !otherNotes.isEmpty { out += "\nNotes:\n" + otherNotes.map { "- " + $0 }.joined(separator: "\n") + "\n" }
        out += "\nMethod: " + AreaReport.method.map { "\($0.key.replacingOccurrences(of: "_", with: " ")): \($0.value)." }.joined(separator: " ").wrapped(100) + "\n"
        return out
    }

    /// The same content as Markdown (headings, pipe tables).
    public func markdown() -> String {
        var out = "# \(heading)\n\n\(coverageLine)\n\n## Summary\n\n\(summary)\n\n## By category\n\n" + categoryTable.markdown() + "\n" + AreaReport.pLegend + "\n"
        out += "\n## By month\n\n" + trendTable.markdown()
        if trend.contains(where: { !$0.complete }) { out += "\n\\* not held: the mirror has no data for this month for a force of the area (or for any force)\n" }
        if !flags.isEmpty { out += "\n## Flags\n\n" + flags.map { "- " + $0.text }.joined(separator: "\n") + "\n" }
        if !otherNotes.isEmpty { out += "\n## Notes\n\n" + otherNotes.map { "- " + $0 }.joined(separator: "\n") + "\n" }
        out += "\n## Method\n\n" + AreaReport.method.map { "- **\($0.key.replacingOccurrences(of: "_", with: " "))**: \($0.value)." }.joined(separator: "\n") + "\n"
        return out
    }
}

/// Two areas over the same months side by side: counts and rates per category, their differences
/// (first minus second), and each side's full report.
///
/// Symmetric by construction: swapping the areas swaps the columns and negates every difference.
public struct AreaComparison: Sendable {
    public let a: AreaReport
    public let b: AreaReport
    /// Every category either side lists (the 14 standard slugs first).
    public let categories: [String]
    /// Map points inside both areas: their crimes count on both sides, so the two counts are not
    /// independent and no difference is tested for chance when there are any.
    public let sharedMapPoints: Int

    /// One row of the comparison.
    public struct Row: Sendable, Equatable {
        public let slug: String
        public let a: Int, b: Int
        public let aPerKm2: Double, bPerKm2: Double
        public var difference: Int { a - b }
        /// The difference of the rounded rates, so that it is exactly antisymmetric.
        public var differencePerKm2: Double { aPerKm2 - bPerKm2 }
        /// Whether the areas' rates per km² differ by more than chance: the exact test of `a`
        /// against `b` with the areas' km² as exposures (ratio A / B per km²); nil when an area
        /// has no extent, or when either area lacks months for a force of it (a difference there
        /// can be missing data, which no test of chance can tell). Two circles of one radius have
        /// equal exposures.
        public let test: PoissonChange?

        init(slug: String, a: Int, b: Int, aKm2: Double, bKm2: Double, complete: Bool = true) {
            self.slug = slug
            self.a = a
            self.b = b
            aPerKm2 = AreaReport.rate(a, aKm2)
            bPerKm2 = AreaReport.rate(b, bKm2)
            test = complete && aKm2 > 0 && bKm2 > 0 ? PoissonChange(a, b, exposureA: aKm2, exposureB: bKm2) : nil
        }
    }

    /// Per category, in `categories` order.
    public var rows: [Row] {
        categories.map { slug in
            let na = a.count(slug), nb = b.count(slug)
            return Row(slug: slug, a: na, b: nb, aKm2: a.result.areaKm2, bKm2: b.result.areaKm2, complete: tested)
        }
    }

    /// Both areas hold every month for every force of them.
    var bothHeld: Bool { a.result.coverage.isComplete && b.result.coverage.isComplete }
    /// A difference is tested only when both areas are held whole and share no map point (the
    /// exact test assumes the two counts independent).
    var tested: Bool { bothHeld && sharedMapPoints == 0 }

    public var total: Row {
        Row(slug: "total", a: a.result.total, b: b.result.total, aKm2: a.result.areaKm2, bKm2: b.result.areaKm2, complete: tested)
    }
}

extension AreaReport {
    /// Crimes of one category over the report's months (0 for a category not listed).
    public func count(_ slug: String) -> Int { categories.firstIndex(of: slug).map { categoryCounts[$0] } ?? 0 }
}

extension CrimeMirror {
    /// Compares two areas over the same months and filters.
    /// - Throws: ``GeoQueryError/invalidQuery(_:)`` when the two requests ask for different months or filters.
    public func compare(_ a: ReportRequest, _ b: ReportRequest) throws -> AreaComparison {
        let qa = a.query, qb = b.query
        guard qa.from == qb.from, qa.to == qb.to, qa.categories == qb.categories, qa.forces == qb.forces, qa.excludeBTP == qb.excludeBTP else {
            throw GeoQueryError.invalidQuery("a comparison needs the same months and filters for both areas")
        }
        let ra = try report(a), rb = try report(b)
        // Both lists are in index order: one merge counts the points they share.
        let pa = try points(in: qa.area), pb = try points(in: qb.area)
        var shared = 0, i = 0, j = 0
        while i < pa.count && j < pb.count {
            if pa[i] == pb[j] { shared += 1; i += 1; j += 1 } else if pa[i] < pb[j] { i += 1 } else { j += 1 }
        }
        let extra = (ra.categories + rb.categories).filter { !Category.standard.contains($0) }
        var others: [String] = []
        for c in extra where !others.contains(c) { others.append(c) }
        return AreaComparison(a: ra, b: rb, categories: Category.standard + others, sharedMapPoints: shared)
    }
}

extension AreaComparison: ReportDocument {

    /// One JSON object. Keys: `report` ("compare"), `months`, `total`, `shared_map_points` (see
    /// ``sharedMapPoints``) and `by_category` rows (`slug`,
    /// `name`, `a`, `b`, `difference` = a − b, `a_per_km2`, `b_per_km2`, `difference_per_km2`,
    /// `p_value` and `ratio_ci95` of the rates per km², A / B: see ``Row/test``),
    /// `a` and `b` (each side's full report object), `caveats`, `summary`.
    public func json() -> String {
        var w = JSONWriter()
        func row(_ key: String?, _ r: Row) {
            w.beginObject(key)
            if key == nil {
                w.value("slug", r.slug)
                w.value("name", Category.name(forSlug: r.slug))
            }
            w.value("a", r.a)
            w.value("b", r.b)
            w.value("difference", r.difference)
            w.density("a_per_km2", r.aPerKm2, places: 1)
            w.density("b_per_km2", r.bPerKm2, places: 1)
            w.density("difference_per_km2", r.differencePerKm2, places: 1)
            w.changeTest(r.test)
            w.endObject()
        }
        w.beginObject()
        w.value("report", "compare")
        w.version()
        w.beginObject("months")
        w.value("from", a.result.from.description)
        w.value("to", a.result.to.description)
        w.value("count", a.result.months.count)
        w.endObject()
        row("total", total)
        w.value("shared_map_points", sharedMapPoints)
        w.beginArray("by_category")
        for r in rows { row(nil, r) }
        w.endArray()
        w.raw("a", json: a.json())
        w.raw("b", json: b.json())
        w.beginArray("caveats")
        for c in caveats { w.value(nil, c) }
        w.endArray()
        w.value("summary", summary)
        w.endObject()
        return w.text
    }

    public var caveats: [String] { AreaReport.caveats(catchment: nil) }

    /// One paragraph from the figures: both totals and rates, the difference, the categories that
    /// differ most, each side's missing data, then the caveats.
    public var summary: String {
        let r = a.result, t = total
        let span = r.months.count == 1 ? "In \(r.from.longName) (1 month)" : "From \(r.from.longName) to \(r.to.longName) (\(r.months.count) months)"
        var s = ["\(span), the first area (\(a.placePhrase)) recorded \(Format.grouped(t.a)) crimes, \(Format.density(t.aPerKm2, places: 1)) per km², and the second (\(b.placePhrase)) \(Format.grouped(t.b)), \(Format.density(t.bPerKm2, places: 1)) per km²."]
        if t.a == t.b {
            s.append("Both recorded the same number of crimes.")
        } else {
            s.append("The first recorded \(Format.grouped(abs(t.difference))) \(t.difference > 0 ? "more" : "fewer") crimes than the second (\(Format.density(abs(t.differencePerKm2), places: 1)) per km² \(t.differencePerKm2 >= 0 ? "more" : "fewer"))"
                     + (t.test.map { test in test.withinNormalVariation ? "; per km², that is \(AreaReport.normalVariation(test, "chance"))." : "; per km², that is more than chance would explain (\(test.pPhrase))." } ?? "."))
        }
        // Only differences unlikely to be chance are named.
        let differing = rows.filter { $0.difference != 0 }
        let real = differing.filter { $0.test.map { !$0.withinNormalVariation } ?? false }
            .sorted { (abs($0.difference), $1.slug) > (abs($1.difference), $0.slug) }.prefix(3)
        if !real.isEmpty {
            s.append("The categories that differ most, beyond chance, are " + AreaReport.list(real.map {
                "\(Category.name(forSlug: $0.slug).lowercased()) (\(Format.grouped($0.a)) against \(Format.grouped($0.b)), \($0.test!.pPhrase))"
            }) + ".")
        } else if !differing.isEmpty && tested {
            s.append("No category differs by more than chance would explain.")
        }
        if sharedMapPoints > 0 {
            s.append("The areas overlap: \(Format.grouped(sharedMapPoints)) map point\(sharedMapPoints == 1 ? " lies" : "s lie") in both, so their crimes count on both sides; the two counts are not independent, and no difference is tested for chance.")
        }
        if !a.result.coverage.isComplete || !b.result.coverage.isComplete {
            func held(_ side: AreaReport) -> String {
                let c = side.result.coverage
                return c.monthsHeld == c.monthsAsked ? "all" : c.monthsHeld == 0 ? "none" : "\(c.monthsHeld)"
            }
            // A force recording crime in an area (BTP) that the mirror lacks for every month asked
            // leaves every month "held" (no month differs from the next), but its data is still missing.
            let absent = [("first", a), ("second", b)].flatMap { name, side in
                side.result.coverage.missing.filter { !$0.responsible && $0.months.count == r.months.count }.map { "\($0.force) (which records crime in the \(name) area)" }
            }
            let none = absent.isEmpty ? "" : ", though it holds no data of \(AreaReport.list(absent)) for the months asked"
            s.append("Months held for every force of the area (of \(r.months.count)): \(held(a)) for the first area, \(held(b)) for the second\(none); rates per km² are over every month asked, held or not, so they undercount where data is missing, and no difference is tested for chance: it may be missing data.")
        }
        for (name, side) in [("first", a), ("second", b)] where side.flags.contains(where: { $0.kind == .missingData }) {
            s.append("The mirror lacks some data for the \(name) area (see its flags): a difference there may be missing data, not less crime.")
        }
        if let change = a.flags.first(where: { $0.kind == .categoryChange }) {
            s.append("The months cross a change of Police UK's categories (\(Month(change.months)?.longName ?? change.months)).")
        }
        return (s + caveats).joined(separator: " ")
    }

    var tableRows: TextTable {
        let all = rows.filter { $0.a > 0 || $0.b > 0 || Category.standard.contains($0.slug) } + [total]
        return TextTable(header: ["Category", "A", "B", "A − B", "A per km²", "B per km²", "A − B per km²", "p"], rows: all.map {
            [$0.slug == "total" ? "Total" : Category.name(forSlug: $0.slug), Format.grouped($0.a), Format.grouped($0.b), Signed.int($0.difference),
             Format.density($0.aPerKm2, places: 1), Format.density($0.bPerKm2, places: 1),
             ($0.differencePerKm2 > 0 ? "+" : "") + Format.density($0.differencePerKm2, places: 1), AreaReport.pColumn($0.test)]
        })
    }

    var heading: String { "Crime recorded in two areas, \(a.result.from) to \(a.result.to)" }
    var legend: [String] { ["A: \(a.placePhrase) — \(a.coverageLine)", "B: \(b.placePhrase) — \(b.coverageLine)"] }
    var sideNotes: [String] {
        [("A", a), ("B", b)].flatMap { name, side in (side.flags.map(\.text) + side.otherNotes).map { "\(name): \($0)" } }
    }

    public func table() -> String {
        var out = heading + "\n" + legend.joined(separator: "\n") + "\n\n" + summary.wrapped(100) + "\n\n" + tableRows.plain() + AreaReport.pLegend + "\n"
        if !sideNotes.isEmpty { out += "\nFlags and notes:\n" + sideNotes.map { "! " + $0 }.joined(separator: "\n") + "\n" }
        return out
    }

    public func markdown() -> String {
        var out = "# \(heading)\n\n" + legend.map { "- " + $0 }.joined(separator: "\n") + "\n\n## Summary\n\n\(summary)\n\n## By category\n\n" + tableRows.markdown() + "\n" + AreaReport.pLegend + "\n"
        if !sideNotes.isEmpty { out += "\n## Flags and notes\n\n" + sideNotes.map { "- " + $0 }.joined(separator: "\n") + "\n" }
        return out
    }

    public func html() -> String {
        var body = "<h1>\(HTMLPage.escape(heading))</h1>\n" + HTMLPage.list(legend, cssClass: "meta")
        body += "<p class=\"summary\" id=\"summary\">\(HTMLPage.escape(summary))</p>\n"
        let shown = rows.filter { $0.a > 0 || $0.b > 0 }.sorted { ($0.a + $0.b, $1.slug) > ($1.a + $1.b, $0.slug) }
        body += "<h2>By category</h2>\n"
        body += shown.isEmpty ? "<p>No crimes recorded in either area.</p>\n"
            : HTMLPage.barChart(labels: shown.map { Category.name(forSlug: $0.slug) }, first: shown.map(\.a), second: shown.map(\.b), names: ("A", "B"))
        body += "<p class=\"legend\"><span class=\"swatch\" style=\"background:#2f6fce;height:10px\"></span>A<span class=\"swatch\" style=\"background:#e07b00;height:10px\"></span>B</p>\n"
        body += HTMLPage.table(tableRows, total: true) + "<p class=\"small\">\(HTMLPage.escape(AreaReport.pLegend))</p>\n"
        let peak = Double(([a, b].flatMap { $0.trend.map(\.total) }).max() ?? 0)
        for (name, side) in [("A", a), ("B", b)] {
            body += "<h2>\(name): crimes per month</h2>\n" + HTMLPage.trendChart(months: side.trend.map(\.month), totals: side.trend.map(\.total),
                                                                                 average: side.trend.map(\.movingAverage), incomplete: side.trend.map { !$0.complete },
                                                                                 sharedPeak: peak)
        }
        if !sideNotes.isEmpty { body += "<h2>Flags and notes</h2>\n" + HTMLPage.list(sideNotes, cssClass: "flags") }
        body += "<p class=\"small\">Police UK open data (data.police.uk), Open Government Licence v3.0. Made by geoquery.</p>\n"
        return HTMLPage.document(title: heading, body: body)
    }
}

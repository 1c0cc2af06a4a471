/// One self-contained HTML page: inline CSS and inline SVG charts, no script and no network, so a
/// report can be mailed, archived or opened offline and looks the same.
enum HTMLPage {
    /// Text for HTML and SVG: `& < > "` as entities. Most text needs nothing and is returned as is.
    static func escape(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "\"") }) else { return s }
        var out = ""
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }

    static func document(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en-GB">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d2430; margin: 0; background: #f4f5f7; }
        main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
        h1 { font-size: 1.5em; margin: 0 0 4px; }
        h2 { font-size: 1.15em; margin: 28px 0 8px; border-bottom: 1px solid #dde1e6; padding-bottom: 4px; }
        .meta { color: #5a6472; font-size: 0.9em; margin: 0 0 16px; }
        .summary { background: #eef3fb; border-left: 4px solid #2f6fce; padding: 12px 16px; margin: 0; }
        table { border-collapse: collapse; width: 100%; font-size: 0.9em; font-variant-numeric: tabular-nums; }
        th, td { padding: 4px 8px; border-bottom: 1px solid #e6e9ed; text-align: right; white-space: nowrap; }
        th:first-child, td:first-child { text-align: left; }
        th { background: #f0f2f5; font-weight: 600; }
        tr.total td { font-weight: 600; border-top: 2px solid #c5ccd6; }
        .flags li { color: #8a4b00; }
        .chart { width: 100%; height: auto; display: block; }
        .legend { font-size: 0.85em; color: #5a6472; }
        .swatch { display: inline-block; width: 14px; height: 4px; vertical-align: middle; margin: 0 4px 0 12px; }
        .placeholder { border: 1px dashed #b8c0cc; color: #5a6472; padding: 16px; text-align: center; border-radius: 4px; }
        .small { font-size: 0.85em; color: #5a6472; }
        .tables { overflow-x: auto; }
        </style>
        </head>
        <body>
        <main>
        \(body)
        </main>
        </body>
        </html>

        """
    }

    /// A table from the same rows the text formats print; the last row is bold when `total`.
    static func table(_ t: TextTable, total: Bool) -> String {
        var out = "<div class=\"tables\"><table>\n<thead><tr>" + t.header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for (i, row) in t.rows.enumerated() {
            out += (total && i == t.rows.count - 1 ? "<tr class=\"total\">" : "<tr>") + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n"
        }
        return out + "</tbody></table></div>\n"
    }

    static func list(_ items: [String], cssClass: String = "") -> String {
        "<ul class=\"\(cssClass)\">" + items.map { "<li>\(escape($0))</li>" }.joined() + "</ul>\n"
    }

    /// A step for gridlines: 1, 2 or 5 × 10ⁿ, about five lines up to `top`.
    static func gridStep(_ top: Double) -> Double {
        guard top > 0 else { return 1 }
        let raw = top / 5
        var p = 1.0
        while p * 10 <= raw { p *= 10 }
        return [1.0, 2, 5, 10].map { $0 * p }.first { $0 >= raw } ?? p * 10
    }

    private static func n(_ v: Double) -> String { Format.decimal(v, places: 1) }

    /// Monthly counts as a line with points, the moving average as a thicker line broken where it
    /// is not available, and months with missing data shaded, with no point and a break in the line.
    /// - Parameter sharedPeak: the largest value of every chart drawn beside this one, so that
    ///   side-by-side charts (compare) share one y scale.
    static func trendChart(months: [Month], totals: [Int], average: [Double?], incomplete: [Bool], sharedPeak: Double? = nil) -> String {
        let w = 1000.0, h = 320.0, left = 56.0, right = 16.0, top = 16.0, bottom = 40.0
        let plotW = w - left - right, plotH = h - top - bottom
        let peak = max(1, Double(totals.max() ?? 0), average.compactMap { $0 }.max() ?? 0, sharedPeak ?? 0)
        let step = gridStep(peak), yMax = (peak / step).rounded(.up) * step
        let count = max(1, months.count)
        let dx = count > 1 ? plotW / Double(count - 1) : 0
        func x(_ i: Int) -> Double { count > 1 ? left + Double(i) * dx : left + plotW / 2 }
        func y(_ v: Double) -> Double { top + plotH - v / yMax * plotH }
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\" aria-label=\"Crimes per month with the 3-month moving average\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        let band = max(dx, 6)
        for (i, missing) in incomplete.enumerated() where missing {
            // Clipped to the plot, so the first and last month's bands stay inside the axes.
            let x0 = max(left, x(i) - band / 2), x1 = min(w - right, x(i) + band / 2)
            svg += "<rect x=\"\(n(x0))\" y=\"\(n(top))\" width=\"\(n(x1 - x0))\" height=\"\(n(plotH))\" fill=\"#f3e3c8\"><title>\(months[i]): data missing for a force here</title></rect>\n"
        }
        var g = 0.0
        while g <= yMax + 0.5 {
            svg += "<line x1=\"\(n(left))\" x2=\"\(n(w - right))\" y1=\"\(n(y(g)))\" y2=\"\(n(y(g)))\" stroke=\"#e1e5ea\"/>"
            svg += "<text x=\"\(n(left - 8))\" y=\"\(n(y(g) + 4))\" font-size=\"12\" text-anchor=\"end\" fill=\"#5a6472\">\(Format.grouped(Int(g)))</text>\n"
            g += step
        }
        // Every month when the range is short; else each January by its year, and the first month
        // when it is far enough from the next January for both labels to fit.
        for (i, m) in months.enumerated() where count <= 13 || m.month == 1 || (i == 0 && m.month <= 9) {
            let short = "\(Month.names[m.month - 1].prefix(3)) \(m.year)"
            // A short range labels every month: the year only where it starts, so labels never touch.
            let text = count <= 13 ? (i == 0 || m.month == 1 ? short : String(Month.names[m.month - 1].prefix(3)))
                : m.month != 1 ? short : "\(m.year)"
            svg += "<line x1=\"\(n(x(i)))\" x2=\"\(n(x(i)))\" y1=\"\(n(top + plotH))\" y2=\"\(n(top + plotH + 5))\" stroke=\"#8a94a3\"/>"
            // Labels at the plot's ends are anchored inwards so they stay inside the picture.
            let anchor = x(i) > w - right - 40 ? "end" : x(i) < left + 20 ? "start" : "middle"
            svg += "<text x=\"\(n(x(i)))\" y=\"\(n(top + plotH + 20))\" font-size=\"12\" text-anchor=\"\(anchor)\" fill=\"#5a6472\">\(text)</text>\n"
        }
        svg += "<line x1=\"\(n(left))\" x2=\"\(n(w - right))\" y1=\"\(n(top + plotH))\" y2=\"\(n(top + plotH))\" stroke=\"#8a94a3\"/>\n"
        // Months with missing data get no point and break the line: plotting their zeros would
        // draw a fall that is missing data, not less crime.
        var line: [String] = []
        func flushLine() {
            if line.count > 1 { svg += "<polyline points=\"\(line.joined(separator: " "))\" fill=\"none\" stroke=\"#2f6fce\" stroke-width=\"1.5\"/>\n" }
            line = []
        }
        for (i, t) in totals.enumerated() {
            guard i >= incomplete.count || !incomplete[i] else { flushLine(); continue }
            line.append("\(n(x(i))),\(n(y(Double(t))))")
            svg += "<circle cx=\"\(n(x(i)))\" cy=\"\(n(y(Double(t))))\" r=\"2.5\" fill=\"#2f6fce\"><title>\(months[i]): \(Format.grouped(t))</title></circle>\n"
        }
        flushLine()
        var run: [String] = []
        func flush() {
            if run.count > 1 { svg += "<polyline points=\"\(run.joined(separator: " "))\" fill=\"none\" stroke=\"#e07b00\" stroke-width=\"3\"/>\n" }
            run = []
        }
        for (i, a) in average.enumerated() {
            if let a { run.append("\(n(x(i))),\(n(y(a)))") } else { flush() }
        }
        flush()
        svg += "</svg>\n"
        svg += "<p class=\"legend\"><span class=\"swatch\" style=\"background:#2f6fce\"></span>crimes per month<span class=\"swatch\" style=\"background:#e07b00;height:6px\"></span>3-month centred moving average<span class=\"swatch\" style=\"background:#f3e3c8;height:12px\"></span>data missing in the mirror</p>\n"
        return svg
    }

    /// Horizontal bars per category; with `second`, two bars per category (a comparison).
    static func barChart(labels: [String], first: [Int], second: [Int]? = nil, names: (String, String) = ("", "")) -> String {
        let w = 1000.0, labelW = 250.0, valueW = 70.0, bar = second == nil ? 18.0 : 12.0, gap = 8.0
        let rowH = second == nil ? bar + gap : bar * 2 + gap
        let h = Double(labels.count) * rowH + 8
        let peak = Double(max(1, first.max() ?? 0, second?.max() ?? 0))
        let scale = (w - labelW - valueW) / peak
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\" aria-label=\"Crimes by category\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        for (i, label) in labels.enumerated() {
            let y0 = 4 + Double(i) * rowH
            svg += "<text x=\"\(n(labelW - 8))\" y=\"\(n(y0 + (rowH - gap) / 2 + 4))\" font-size=\"13\" text-anchor=\"end\" fill=\"#1d2430\">\(escape(label))</text>\n"
            for (k, values) in ([first] + (second.map { [$0] } ?? [])).enumerated() {
                let v = values[i], y = y0 + Double(k) * bar
                let colour = k == 0 ? "#2f6fce" : "#e07b00"
                let name = k == 0 ? names.0 : names.1
                svg += "<rect x=\"\(n(labelW))\" y=\"\(n(y))\" width=\"\(n(max(0.5, Double(v) * scale)))\" height=\"\(n(bar - 2))\" fill=\"\(colour)\"><title>\(escape(name.isEmpty ? label : "\(name): \(label)")): \(Format.grouped(v))</title></rect>"
                svg += "<text x=\"\(n(labelW + Double(v) * scale + 6))\" y=\"\(n(y + bar - 5))\" font-size=\"12\" fill=\"#5a6472\">\(Format.grouped(v))</text>\n"
            }
        }
        return svg + "</svg>\n"
    }
}

extension AreaReport {
    /// One self-contained page: summary, the monthly trend with its moving average, categories as
    /// bars, the tables, flags and notes, and a place for the catchment picture.
    public func html() -> String {
        var body = "<h1>\(HTMLPage.escape(heading))</h1>\n<p class=\"meta\">\(HTMLPage.escape(coverageLine))</p>\n"
        body += "<p class=\"summary\" id=\"summary\">\(HTMLPage.escape(summary))</p>\n"
        body += "<h2>Crimes per month</h2>\n" + HTMLPage.trendChart(months: trend.map(\.month), totals: trend.map(\.total),
                                                                     average: trend.map(\.movingAverage), incomplete: trend.map { !$0.complete })
        let ranked = rankedAll.filter { $0.count > 0 }
        body += "<h2>By category</h2>\n" + (ranked.isEmpty ? "<p>No crimes recorded.</p>\n"
            : HTMLPage.barChart(labels: ranked.map { Category.name(forSlug: $0.slug) }, first: ranked.map(\.count)))
        body += HTMLPage.table(categoryTable, total: true) + "<p class=\"small\">\(HTMLPage.escape(AreaReport.pLegend))</p>\n"
        body += "<h2>Month by month</h2>\n" + HTMLPage.table(trendTable, total: false)
        if trend.contains(where: { !$0.complete }) { body += "<p class=\"small\">* not held: the mirror has no data for this month for a force of the area (or for any force)</p>\n" }
        if !flags.isEmpty { body += "<h2>Flags</h2>\n" + HTMLPage.list(flags.map(\.text), cssClass: "flags") }
        if !otherNotes.isEmpty { body += "<h2>Notes</h2>\n" + HTMLPage.list(otherNotes) }
        body += "<h2>Catchment</h2>\n<div class=\"placeholder\" id=\"catchment\">"
        if let picture = request.catchmentPicture {
            body += picture  // scales itself to the page (see CatchmentReport.svg)
        }
        if let c = request.catchment {
            body += "Reported \(Format.grouped(c.reported)); certain \(Format.grouped(c.certain)); possible \(Format.grouped(c.possible)); the catchments reach \(Format.decimal(c.expansionRatio, places: 2)) times the area."
        } else {
            body += "No catchment bounds for this report yet."
        }
        body += "</div>\n<h2>Method</h2>\n" + HTMLPage.list(AreaReport.method.map { "\($0.key.replacingOccurrences(of: "_", with: " ")): \($0.value)." }, cssClass: "small")
        body += "<p class=\"small\">Police UK open data (data.police.uk), Open Government Licence v3.0. Made by geoquery.</p>\n"
        return HTMLPage.document(title: heading, body: body)
    }
}

import ArgumentParser
import Foundation
import GeoQuery

/// `geoquery query` (the default subcommand): counts inside a radius or polygon.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Count the crimes within a radius or inside a polygon, by category, month and outcome (the default subcommand).",
        discussion: """
        A crime is inside when its Police UK map point is within --radius of --lat/--lng (WGS84 geodesic distance) or inside the polygon (--poly, --geojson, --wkt, --kml). 'geoquery query' may be left out.

        Examples:
          geoquery --lat 52.6297 --lng -1.1316 --radius 0.5mi
          geoquery --mirror ~/police-uk --lat 52.63 --lng -1.13 --radius 800m --from 2020-01 --to 2020-12 --category burglary --format json
          geoquery --mirror ~/police-uk --lat 52.6344 --lng -1.1313 --radius 0.5mi --catchment
        """
    )

    @OptionGroup var mirror: MirrorOptions
    @OptionGroup var area: QueryOptions

    @Option(help: "Output: table, json, csv, police-json (the matching crimes as data.police.uk's crimes-street JSON) or geojson (the query, its catchments and map points; implies --catchment).")
    var format: OutputFormat = .table

    @Flag(help: "Add the catchment expansion report: how far the counted map points really reach, and certain ≤ reported ≤ possible bounds on the count (see 'geoquery catchment').")
    var catchment = false

    @Option(help: ArgumentHelp("Draw the query, its catchments (shaded by crime density), the map points and the straddlers as SVG (implies --catchment).", valueName: "file"))
    var svg: String?

    @Flag(help: "With --geojson: one result per feature instead of one for the whole collection (json: one object per line, JSON Lines; csv: a row each with a notes column).")
    var perFeature = false

    @Flag(help: "Print the data.police.uk requests (one per month, category and tile) whose answers, deduplicated by crime id and summed, reproduce the figure.")
    var apiUrls = false

    func validate() throws { try Output.checkWritable(svg, option: "--svg") }

    func run() throws {
        let m = try mirror.open()
        if perFeature { return try runPerFeature(m) }
        let q = try area.input.query(in: m)
        if apiUrls {
            guard format == .table && !catchment && svg == nil else {
                throw GeoQueryError.invalidQuery("--api-urls prints request URLs, one per line: leave out --format, --catchment and --svg")
            }
            return try printAPIURLs(q, mirror: m)
        }
        let catchment = self.catchment || svg != nil || format == .geojson
        if catchment && format == .policeJSON { throw GeoQueryError.invalidQuery("--catchment has no police-json form: use --format json or table") }
        let report = catchment ? try m.catchmentReport(q) : nil
        if let svg, let report { try Output.file(svg, report.svg()) }
        // The catchment report carries the query's own result: no second query.
        func result() throws -> QueryResult { try report?.result ?? m.query(q) }
        switch format {
        case .policeJSON:
            // The crimes' own shape has no place for notes (the centre, coverage): stderr has them.
            for n in try m.query(q).notes { Output.note(n) }
            // A part at a time: a force's years of crimes need not be held whole.
            let listing = try m.policeJSONListing(q)
            while let part = try listing.next() { Output.standard(part) }
            Output.standard("\n")
        case .json:
            Output.standard(try result().json(area: q.area, catchment: report) + "\n")
        case .csv:
            guard !catchment else { throw GeoQueryError.invalidQuery("--catchment has no CSV form: use --format json, geojson or table") }
            let r = try result()
            for n in r.notes { Output.note(n) }
            Output.standard(r.csv())
        case .table:
            Output.standard(try result().table(area: q.area, btpLeftOut: q.excludeBTP) + (report?.table ?? ""))
        case .geojson:
            Output.standard(report!.geojson)
        }
    }

    /// The live-API requests behind a figure: a tile plan per month and category.
    func printAPIURLs(_ q: CrimeQuery, mirror m: CrimeMirror) throws {
        let (urls, warnings) = try TilePlanner.apiRequests(q, mirror: m)
        for w in warnings { Output.warning(w) }
        Output.standard(urls)
    }

    /// One result per GeoJSON feature: JSON lines, a CSV row each, or a table line each.
    func runPerFeature(_ m: CrimeMirror) throws {
        guard let path = area.geojson else { throw GeoQueryError.invalidQuery("--per-feature needs --geojson (a FeatureCollection)") }
        guard format != .policeJSON else { throw GeoQueryError.invalidQuery("police-json lists crimes of one area: leave out --per-feature") }
        guard format != .geojson && !catchment && svg == nil else {
            throw GeoQueryError.invalidQuery("catchment reports are per area: leave out --per-feature, or run 'geoquery catchment' on one feature")
        }
        let input = try area.input
        let (from, to) = try input.monthRange()
        let text = try QueryOptions.geojsonText(path)
        let features = try PolygonReader.geojsonFeatures(text, key: area.featureKey, selecting: input.featureSelection, repair: input.repair)
        var out = ""
        // Each note once, with the features it was said of (a note alone could belong to any row).
        var notes: [(text: String, features: [String])] = []
        for (i, f) in features.enumerated() {
            let q = CrimeQuery.polygon(f.polygon, from: from, to: to, categories: input.categories, forces: input.forces, excludeBTP: input.excludeBTP)
            let r = try m.query(q)
            for n in r.notes {
                if let k = notes.firstIndex(where: { $0.text == n }) { notes[k].features.append(f.key) } else { notes.append((n, [f.key])) }
            }
            switch format {
            case .json, .policeJSON, .geojson:
                out += r.json(area: q.area, leading: [("feature", JSONWriter.quote(f.key))]) + "\n"
            case .csv:
                out += r.featureCSVRow(f.key, header: i == 0)
            case .table:
                out += r.featureTableRow(f.key, header: i == 0)
            }
        }
        if format == .table {
            for n in notes {
                let named = n.features.count == features.count ? (features.count == 1 ? "" : "every feature")
                    : n.features.prefix(5).joined(separator: ", ") + (n.features.count > 5 ? " and \(n.features.count - 5) more" : "")
                out += "! " + (named.isEmpty ? "" : "[\(named)] ") + n.text + "\n"
            }
        }
        Output.standard(out)
    }
}

import ArgumentParser
import Foundation
import GeoQuery

/// `geoquery`: crime recorded around a place, from a local mirror of Police UK's open data.
/// The root command answers radius queries; subcommands ingest, describe and batch.
@main
struct GeoQueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "geoquery",
        abstract: "What crime was recorded around here, from a local mirror of Police UK's open data.",
        discussion: """
        Without a subcommand, counts the crimes whose Police UK map point lies within --radius of --lat/--lng (WGS84 geodesic distance), or inside a polygon (--poly, --geojson, --wkt, --kml), by category, month and outcome.

        The mirror is --mirror DIR, else $GEOQUERY_MIRROR, else the embedded SYNTHETIC sample.

        Examples:
          geoquery --lat 52.6297 --lng -1.1316 --radius 0.5mi
          geoquery ingest --mirror ~/police-uk ~/Downloads/2019-01.zip
          geoquery --mirror ~/police-uk --lat 52.63 --lng -1.13 --radius 800m --from 2020-01 --to 2020-12 --category burglary --format json
        """,
        subcommands: [IngestCommand.self, InfoCommand.self, BatchCommand.self, TileCommand.self, ReportCommand.self, CompareCommand.self, SampleCommand.self]
    )

    @OptionGroup var mirror: MirrorOptions
    @OptionGroup var area: QueryOptions

    @OptionGroup var output: FormatOption

    /// table, json, csv or police-json (the matching crimes as data.police.uk's crimes-street JSON).
    var format: OutputFormat { get throws { try output.choice(default: .table) } }

    @Flag(help: "With --geojson: one result per feature instead of one for the whole collection.")
    var perFeature = false

    @Flag(help: "Print the data.police.uk requests (one per month, category and tile) whose answers, deduplicated by crime id and summed, reproduce the figure.")
    var apiUrls = false

    @Option(help: ArgumentHelp("With --per-feature: the property that names each feature (default: LSOA11CD, name, ...).", valueName: "property"))
    var featureKey: String?

    func run() throws {
        let m = try CrimeMirror.open(mirror.location)
        if perFeature { return try runPerFeature(m) }
        let q = try area.input.query(fallbackCentre: m.defaultCentre)
        if apiUrls { return try printAPIURLs(q, mirror: m) }
        switch try format {
        case .policeJSON:
            Output.standard(try m.crimes(q).policeJSON() + "\n")
        case .json:
            Output.standard(try m.query(q).json(area: q.area) + "\n")
        case .csv:
            Output.standard(try m.query(q).csv())
        case .table:
            Output.standard(try m.query(q).table(area: q.area))
        }
    }

    /// The live-API requests behind a figure: a tile plan per month and category.
    func printAPIURLs(_ q: CrimeQuery, mirror m: CrimeMirror) throws {
        guard let first = m.firstMonth, let last = m.lastMonth else { throw GeoQueryError.mirrorMissing("the mirror is empty") }
        let months = ((q.from ?? first)...(q.to ?? last)).months
        var warnings: [String] = [TilePlan.dedupeNote]
        if months.count > 36 { warnings.append("the live API keeps only about 36 months: requests for older months will fail") }
        if !q.forces.isEmpty || q.excludeBTP { warnings.append("the API cannot filter by force: keep or drop crimes by their location_type (BTP) and the force of each location yourself") }
        var out = ""
        let byCategory = try (q.categories.isEmpty ? [nil] : q.categories.map(Optional.some)).map {
            try TilePlanner.plans(q.area, months: months, category: $0, mirror: m)
        }
        for month in months.indices {
            for plans in byCategory {
                for w in plans[month].warnings where !warnings.contains(w) { warnings.append(w) }
                out += plans[month].urls
            }
        }
        for w in warnings { Output.warning(w) }
        Output.standard(out)
    }

    /// One result per GeoJSON feature: JSON lines, a CSV row each, or a table line each.
    func runPerFeature(_ m: CrimeMirror) throws {
        guard let path = area.geojson else { throw GeoQueryError.invalidQuery("--per-feature needs --geojson FILE") }
        let format = try self.format
        guard format != .policeJSON else { throw GeoQueryError.invalidQuery("police-json lists crimes of one area: leave out --per-feature") }
        let input = try area.input
        let (from, to) = try input.monthRange()
        let text = try QueryOptions.read(path, what: "GeoJSON")
        if let key = featureKey, !text.contains("\"\(key)\"") {
            throw GeoQueryError.invalidQuery("no feature of \(path) has the property '\(key)' given to --feature-key")
        }
        let features = try PolygonReader.geojsonFeatures(text, key: featureKey, repair: input.repair)
        var out = ""
        var notes: [String] = []
        for (i, f) in features.enumerated() {
            let q = CrimeQuery.polygon(f.polygon, from: from, to: to, categories: input.categories, forces: input.forces, excludeBTP: input.excludeBTP)
            let r = try m.query(q)
            for n in r.notes where !notes.contains(n) { notes.append(n) }
            switch format {
            case .json, .policeJSON:
                out += r.json(area: q.area, leading: [("feature", f.key)]) + "\n"
            case .csv:
                if i == 0 { out += "feature," + r.categories.joined(separator: ",") + ",total,area_km2\n" }
                out += QueryOptions.csvField(f.key) + "," + r.categories.map { String(r.byCategory[$0] ?? 0) }.joined(separator: ",")
                    + ",\(r.total),\(String(format: "%.4f", r.areaKm2))\n"
            case .table:
                if i == 0 { out += "feature".padding(toLength: 24, withPad: " ", startingAt: 0) + "crimes".leftPadded(10) + "km²".leftPadded(12) + "per km²".leftPadded(10) + "\n" }
                out += f.key.padding(toLength: 24, withPad: " ", startingAt: 0) + " " + String(r.total).leftPadded(9)
                    + " " + String(format: "%.3f", r.areaKm2).leftPadded(11) + " " + String(format: "%.1f", r.densityPerKm2).leftPadded(9) + "\n"
            }
        }
        if format == .table { for n in notes { out += "! " + n + "\n" } }
        Output.standard(out)
    }

    /// Parses, runs, and turns every failure into one line on stderr and a non-zero exit.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as GeoQueryError {
            Output.error(error.description)
            Foundation.exit(1)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }  // --help, --version
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            Output.error("\(message) (see 'geoquery --help')")
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}

/// `--format`, one option for every command. The root command parses the options given after a
/// subcommand's name too, so a subcommand's own `--format` would be taken by the root's; one shared
/// option, read by each command into its own list of formats, avoids that.
struct FormatOption: ParsableArguments {
    @Option(help: "Output format: table (default), json, csv or police-json for queries; table, json, markdown or html for report and compare; table, urls, json or geojson for tile.")
    var format: String?

    /// The format named, from `F`'s list, or `fallback` when none was given.
    func choice<F: RawRepresentable & CaseIterable>(default fallback: F) throws -> F where F.RawValue == String {
        guard let name = format else { return fallback }
        guard let f = F(rawValue: name.lowercased()) else {
            throw ValidationError("the value '\(name)' is invalid for '--format': use one of \(F.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return f
    }
}

/// `--mirror DIR`, shared by every command.
struct MirrorOptions: ParsableArguments {
    @Option(name: .customLong("mirror"), help: ArgumentHelp("Mirror folder (else $GEOQUERY_MIRROR; queries without either use the embedded synthetic sample).", valueName: "dir"))
    var path: String?

    var location: MirrorLocation { MirrorLocation.resolve(path) }
}

/// The area and filters of a query.
struct QueryOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Centre latitude, decimal degrees (WGS84).")
    var lat: Double?
    @Option(parsing: .unconditional, help: "Centre longitude, decimal degrees (WGS84; west is negative).")
    var lng: Double?
    @Option(parsing: .unconditional, help: "Radius: 800m, 1.2km, 0.5mi (a bare number is miles; at most 10 mi). Default 0.5mi.")
    var radius: String?
    @Option(help: "First month, YYYY-MM (inclusive; default: the mirror's first).")
    var from: String?
    @Option(help: "Last month, YYYY-MM (inclusive; default: the mirror's last).")
    var to: String?
    @Option(help: "One month, YYYY-MM (instead of --from/--to).")
    var date: String?
    @Option(help: "Category slug, e.g. burglary, violent-crime (repeatable).")
    var category: [String] = []
    @Option(help: "Force slug as in the archive file names, e.g. leicestershire, btp (repeatable).")
    var force: [String] = []
    @Flag(help: "Leave out British Transport Police crimes.")
    var excludeBtp = false

    @Option(parsing: .unconditional, help: ArgumentHelp("A polygon as data.police.uk takes it: lat,lng:lat,lng:... (closed for you).", valueName: "points"))
    var poly: String?
    @Option(help: ArgumentHelp("A GeoJSON file: Polygon, MultiPolygon, Feature or FeatureCollection (holes allowed).", valueName: "file"))
    var geojson: String?
    @Option(help: ArgumentHelp("A WKT polygon or multipolygon, or @FILE to read it from a file.", valueName: "text|@file"))
    var wkt: String?
    @Option(help: ArgumentHelp("A KML file with <Polygon> boundaries (as data.police.uk publishes for forces).", valueName: "file"))
    var kml: String?
    @Flag(help: "Repair an invalid polygon with GEOS MakeValid (and say what changed) instead of refusing it.")
    var repair = false

    var input: QueryInput {
        get throws {
            var i = QueryInput()
            i.lat = lat; i.lng = lng; i.radius = radius; i.from = from; i.to = to; i.date = date
            i.categories = category; i.forces = force; i.excludeBTP = excludeBtp
            i.poly = poly; i.repair = repair
            i.geojson = try geojson.map { try QueryOptions.read($0, what: "GeoJSON") }
            i.kml = try kml.map { try QueryOptions.read($0, what: "KML") }
            i.wkt = try wkt.map { $0.hasPrefix("@") ? try QueryOptions.read(String($0.dropFirst()), what: "WKT") : $0 }
            return i
        }
    }

    /// A CSV field, quoted when it holds a comma, quote or newline (RFC 4180).
    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func read(_ path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GeoQueryError.unreadableInput("cannot read the \(what) file \(path)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Writing to the terminal: stdout for answers, stderr for errors, progress and warnings.
enum Output {
    static func standard(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }
    static func error(_ message: String) { FileHandle.standardError.write(Data("geoquery: error: \(message)\n".utf8)) }
    static func warning(_ message: String) { FileHandle.standardError.write(Data("geoquery: warning: \(message)\n".utf8)) }
    static func progress(_ line: String) { FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8)) }
    static var stderrIsTerminal: Bool { isatty(2) == 1 }
}

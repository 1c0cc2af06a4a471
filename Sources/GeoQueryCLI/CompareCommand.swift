import ArgumentParser
import Foundation
import GeoQuery

/// `geoquery compare`: two areas over the same months, side by side.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two areas over the same months: counts and rates per category side by side, and their differences.",
        discussion: """
        The first area (A) is given as for the root command (--lat/--lng, --postcode, --poly, --geojson, --wkt, --kml); the second (B) with the same options ending in 2, or two postcodes as --postcode A --postcode B (--lat2/--lng2, --postcode2, --poly2, ...; --feature/--where pick from A's --geojson file, --feature2/--where2 from B's). --radius, months and filters apply to both. Differences are A − B, each with an exact test for two Poisson counts with the areas' km² as exposures (p-value, 95% interval of the ratio of rates per km², A/B).

        Example:
          geoquery compare --mirror ~/police-uk --postcode "LE1 5WW" --postcode "LE2 1TE" --radius 0.5mi
          geoquery compare --mirror ~/police-uk --lat 52.6344 --lng -1.1313 --lat2 52.6205 --lng2 -1.1245 --radius 0.5mi --from 2021-01 --to 2021-12
        """
    )

    @OptionGroup var mirror: MirrorOptions
    @OptionGroup var area: QueryOptions

    @Option(parsing: .unconditional, help: "Second centre's latitude.", transform: decimalDegrees)
    var lat2: Double?
    @Option(parsing: .unconditional, help: "Second centre's longitude.", transform: decimalDegrees)
    var lng2: Double?
    @Option(help: ArgumentHelp("Second centre as a UK postcode, sector or district.", valueName: "postcode"))
    var postcode2: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Second area as a poly string, or @FILE.", valueName: "points|@file"))
    var poly2: String?
    @Option(help: ArgumentHelp("Second area as a GeoJSON file, or the GeoJSON itself.", valueName: "file|json"))
    var geojson2: String?
    @Option(help: ArgumentHelp("With --geojson2: only the feature with this name (as --feature for the first area's file). Repeatable.", valueName: "name"))
    var feature2: [String] = []
    @Option(name: .customLong("where2"), help: ArgumentHelp("With --geojson2: only features whose property KEY is VALUE (as --where). Repeatable.", valueName: "key=value"))
    var whereProperty2: [String] = []
    @Option(help: ArgumentHelp("Second area as WKT, or @FILE.", valueName: "text|@file"))
    var wkt2: String?
    @Option(help: ArgumentHelp("Second area as a KML file.", valueName: "file"))
    var kml2: String?

    /// table, json, markdown or html (one self-contained page).
    @Option(help: "table (default), json, markdown or html (one self-contained page).")
    var format: ReportFormat = .table

    @Option(name: .customLong("output"), help: ArgumentHelp("Write to this file instead of standard output (\"-\": standard output; a device or pipe is written into).", valueName: "file"))
    var outputFile: String?

    func validate() throws { try Output.checkWritable(outputFile, option: "--output") }

    func run() throws {
        // `--postcode A --postcode B` is the natural way to compare two postcodes.
        var options = area
        let twoPostcodes = options.postcode.count == 2
        guard options.postcode.count <= 2 else { throw GeoQueryError.invalidQuery("compare takes two areas: give --postcode at most twice") }
        if twoPostcodes { options.postcode = [area.postcode[0]] }
        var first = try options.input
        var second = first
        // --feature/--where pick from the first area's file, --feature2/--where2 from the second's
        // (both given as --feature, both were picked from the first, and the second file used whole).
        // Said in the second area's own options (the shared checks name the first area's).
        guard (lat2 == nil) == (lng2 == nil) else { throw GeoQueryError.invalidQuery("give both --lat2 and --lng2 for the second centre") }
        let shapes2 = [poly2, geojson2, wkt2, kml2].compactMap { $0 }.count, centres2 = (lat2 != nil ? 1 : 0) + (postcode2 != nil ? 1 : 0)
        guard shapes2 + centres2 <= 1 else {
            throw GeoQueryError.invalidQuery("give the second area once: --lat2/--lng2, --postcode2, --poly2, --geojson2, --wkt2 or --kml2")
        }
        guard geojson2 != nil || (feature2.isEmpty && whereProperty2.isEmpty) else {
            throw GeoQueryError.invalidQuery("--feature2 and --where2 pick features of the second area's file: give --geojson2 FILE")
        }
        second.featureSelection = PolygonReader.FeatureSelection(names: feature2, properties: whereProperty2, key: area.featureKey)
        second.lat = lat2; second.lng = lng2; second.postcode = twoPostcodes ? area.postcode[1] : postcode2
        second.poly = try poly2.map { try QueryOptions.textOrFile($0, what: "poly") }
        if twoPostcodes && postcode2 != nil { throw GeoQueryError.invalidQuery("give the second postcode once: --postcode A --postcode B, or --postcode2 B") }
        second.geojson = try geojson2.map(QueryOptions.geojsonText)
        second.kml = try kml2.map { try QueryOptions.read($0, what: "KML") }
        second.wkt = try wkt2.map { try QueryOptions.textOrFile($0, what: "WKT") }
        guard second.lat != nil || second.lng != nil || [second.postcode, second.poly, second.geojson, second.wkt, second.kml].contains(where: { $0 != nil }) else {
            throw GeoQueryError.invalidQuery("give the second area with --lat2/--lng2 or --postcode2 (or --poly2, --geojson2, --wkt2, --kml2)")
        }
        (first, second) = QueryInput.comparing(first, second)
        let m = try mirror.open()
        let a = try first.query(in: m), b = try second.query(in: m)
        let requests = try [a, b].map { ReportRequest(query: $0, label: $0.centre?.label, catchment: try m.catchmentReport($0).bounds) }
        try Output.write(try m.compare(requests[0], requests[1]).rendered(format), to: outputFile)
    }
}

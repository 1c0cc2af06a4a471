import ArgumentParser
import Foundation
import GeoQuery

/// `geoquery report`: a readable report on one area (radius or polygon).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "A report on one area: categories, monthly trend, rolling totals, change on a year earlier, rates per km², flags and a plain-English summary.",
        discussion: """
        The area is any form the root command takes (--lat/--lng or --postcode with --radius, --poly, --geojson, --wkt, --kml); months default to everything the mirror holds. Figures over months the mirror lacks (for a force that records crime there, or for every force) are n/a rather than guessed. Each year-on-year change carries an exact test for two Poisson counts (p-value, 95% interval of the ratio now/before); the summary calls a change a rise or fall only when p < 0.05.

        Examples:
          geoquery report --mirror ~/police-uk --lat 52.6344 --lng -1.1313 --radius 0.5mi --from 2020-01 --to 2022-10
          geoquery report --mirror ~/police-uk --postcode "LE1 5WW" --format html --output le1.html
          geoquery report --mirror ~/police-uk --geojson ward.geojson --format html --output ward.html
        """
    )

    @OptionGroup var mirror: MirrorOptions
    @OptionGroup var area: QueryOptions

    /// table, json, markdown or html (one self-contained page).
    @Option(help: "table (default), json, markdown or html (one self-contained page with inline SVG charts).")
    var format: ReportFormat = .table

    @Option(name: .customLong("output"), help: ArgumentHelp("Write to this file instead of standard output (\"-\": standard output; a device or pipe is written into).", valueName: "file"))
    var outputFile: String?

    func validate() throws { try Output.checkWritable(outputFile, option: "--output") }

    func run() throws {
        let m = try mirror.open()
        let q = try area.input.query(in: m)
        try Output.write(try m.report(ReportRequest(query: q, label: q.centre?.label, catchmentReport: m.catchmentReport(q))).rendered(format), to: outputFile)
    }
}

extension Output {
    /// Standard output, or the file `path` when given ("-": standard output, as is usual).
    static func write(_ text: String, to path: String?) throws {
        guard let path, path != "-" else { return standard(text) }
        try file(path, text)
    }
}

extension ReportFormat: CaseInsensitiveArgument {}

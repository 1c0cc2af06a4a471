import ArgumentParser
import Foundation
import GeoQuery

/// `geoquery tile`: split an area into data.police.uk requests under the API's limits.
struct TileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tile",
        abstract: "Plan the fewest data.police.uk requests covering an area, each under 10,000 crimes and 4,094 URL characters.",
        discussion: """
        The area is any form the root command takes (--lat/--lng/--radius, --poly, --geojson, --wkt, --kml). Each tile's expected count (the mirror's, for --date and --category) is at most limit × margin. A single map point over that cannot be split and is planned as a crimes-at-location request. Merge the answers by crime id: a point on a shared edge may come back twice.
        """
    )

    @OptionGroup var mirror: MirrorOptions
    @OptionGroup var area: QueryOptions

    // Unconditional: `--limit -5` is a wrong number (said so), not a missing value.
    @Option(parsing: .unconditional, help: "The API's per-request cap.")
    var limit: Int = 10_000

    @Option(parsing: .unconditional, help: "Headroom for restated or newer data: tiles hold at most limit × margin expected crimes, 0 < margin ≤ 1.")
    var margin: Double = 0.8

    @Option(help: "urls (one GET URL per line), json, geojson (tiles as features) or table.")
    var format: TileFormat = .table

    @Option(help: ArgumentHelp("Also draw the tiles over the map points as SVG.", valueName: "file"))
    var svg: String?

    enum TileFormat: String, CaseInsensitiveArgument, CaseIterable { case urls, json, geojson, table }

    func validate() throws {
        if let problem = TilePlanner.problem(limit: limit, margin: margin) { throw ValidationError(problem) }
        try Output.checkWritable(svg, option: "--svg")
    }

    func run() throws {
        let m = try mirror.open()
        let input = try area.input
        guard input.from == nil && input.to == nil else {
            throw GeoQueryError.invalidMonth("tile plans one month: give --date YYYY-MM, not --from/--to")
        }
        // The query reads --date as every command does (its checks and suggestions included).
        let q = try input.query(in: m)
        guard input.date != nil, let month = q.from else { throw GeoQueryError.invalidMonth("give the month to plan with --date YYYY-MM") }
        let plan = try TilePlanner.plan(q, month: month, limit: limit, margin: margin, mirror: m)
        for w in plan.warnings { Output.warning(w) }
        switch format {
        case .urls: Output.standard(plan.urls)
        case .json: Output.standard(plan.json)
        case .geojson: Output.standard(plan.geojson)
        case .table: Output.standard(plan.table)
        }
        if let svg {
            try Output.file(svg, plan.svg(points: try m.mapPoints(in: q.area)))
        }
    }
}

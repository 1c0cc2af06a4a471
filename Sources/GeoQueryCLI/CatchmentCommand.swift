import ArgumentParser
import Foundation
import GeoQuery

/// `geoquery catchment`: the catchment expansion report of a radius or polygon query, with its
/// picture and its geometry.
struct CatchmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catchment",
        abstract: "How far the map points of a query really reach: catchment areas, straddlers and certain ≤ reported ≤ possible counts.",
        discussion: """
        Police UK moves every crime to its nearest anonymous map point, so a point stands for its catchment (its Voronoi cell among the map points, clipped to the force boundary loaded with 'geoquery ingest --boundaries', else to 20 km). The count of a query is the crimes of the points inside it, but their catchments reach outside it, and points outside reach in.

        certain: crimes of points whose catchment lies wholly inside. reported: the usual count. possible: crimes of every point whose catchment touches the query. The expansion ratio is the area of the inside points' catchments over the query's area.

        Examples:
          geoquery catchment --mirror ~/police-uk --lat 52.6344 --lng -1.1313 --radius 0.5mi --svg leicester.svg
          geoquery catchment --mirror ~/police-uk --geojson ward.geojson --format geojson > catchments.geojson
        """
    )

    @OptionGroup var mirror: MirrorOptions
    @OptionGroup var area: QueryOptions

    @Option(help: "table (the query's table plus the report), json (the query's JSON with a 'catchment' object) or geojson (query, catchments and map points as one FeatureCollection).")
    var format: CatchmentFormat = .table

    @Option(help: ArgumentHelp("Also draw the query, the catchments (shaded by crime density), the map points and the straddlers as SVG.", valueName: "file"))
    var svg: String?

    enum CatchmentFormat: String, CaseInsensitiveArgument, CaseIterable { case table, json, geojson }

    func validate() throws { try Output.checkWritable(svg, option: "--svg") }

    func run() throws {
        let m = try mirror.open()
        let q = try area.input.query(in: m)
        let report = try m.catchmentReport(q)
        if let svg { try Output.file(svg, report.svg()) }
        switch format {
        case .table: Output.standard(report.result.table(area: q.area, btpLeftOut: q.excludeBTP) + report.table)
        case .json: Output.standard(report.result.json(area: q.area, catchment: report) + "\n")
        case .geojson: Output.standard(report.geojson)
        }
    }
}

import ArgumentParser
import Foundation
import GeoQuery

/// `geoquery point`: one map point, its catchment and its crimes.
struct PointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "point",
        abstract: "The map point nearest a place (or by id): its catchment polygon, area, crimes by category and month, and crimes per km² of catchment.",
        discussion: """
        A high count at one map point (a junction, a shopping street) is read against the area it serves: the catchment is every place whose nearest map point this is.

        Examples:
          geoquery point --mirror ~/police-uk --lat 52.6344 --lng -1.1313
          geoquery point --mirror ~/police-uk --postcode "LE1 5WW"
          geoquery point --mirror ~/police-uk --id 1234 --format geojson > point.geojson
        """
    )

    @OptionGroup var mirror: MirrorOptions

    @OptionGroup var place: PlaceOptions
    @OptionGroup var filters: FilterOptions
    @Option(parsing: .unconditional, help: "A map point by id (the --map-points list's id, else the mirror's index), instead of --lat/--lng.")
    var id: Int?

    @Option(help: "table, json or geojson (the catchment as a Feature with the figures as properties).")
    var format: PointFormat = .table

    enum PointFormat: String, CaseInsensitiveArgument, CaseIterable { case table, json, geojson }

    func validate() throws {
        let given = place.lat != nil || place.lng != nil || !place.postcode.isEmpty
        if id != nil && given { throw ValidationError("give --id or a place (--lat/--lng or --postcode), not both") }
        if id == nil && place.postcode.isEmpty && (place.lat == nil || place.lng == nil) {
            throw ValidationError("give --lat and --lng of a place, or --postcode (or --id of a map point)")
        }
    }

    func run() throws {
        let m = try mirror.open()
        let input = try filters.input(at: place)
        let (first, last) = try input.monthRange()
        let point = try m.mapPoint(id: id, nearest: input)
        if let centre = point.centre { for line in [centre.description] + centre.notes { Output.note(line) } }
        if let metres = point.metresFromPlace, metres > CatchmentBuilder.maximumReach {
            Output.warning("the nearest map point is \(Int((metres / 1000).rounded())) km from the place given: the place is outside this mirror's coverage (Police UK blanks crimes farther than 20 km from every map point)")
        }
        let report = try m.pointReport(point.index, from: first, to: last, categories: input.categories, forces: input.forces, excludeBTP: input.excludeBTP)
        switch format {
        case .table: Output.standard(report.table(distanceFromPlace: point.metresFromPlace))
        case .json: Output.standard(report.json(distanceFromPlace: point.metresFromPlace) + "\n")
        case .geojson: Output.standard(report.catchment.geojson(crimes: report.result.total) + "\n")
        }
    }
}

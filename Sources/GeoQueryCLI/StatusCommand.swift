import ArgumentParser
import Foundation
import GeoQuery
import GeoQueryHarvest

/// `geoquery status`: how fresh the mirror is against the API.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Compare the mirror with the API (crime-last-updated, crimes-street-dates): the newest month per force here and there, and the harvest command that closes each gap."
    )

    @OptionGroup var mirror: MirrorOptions

    @Option(help: ArgumentHelp("The API's base URL (default: the live https://data.police.uk/api/).", valueName: "url"))
    var api: String = APIClient.liveAPI.absoluteString

    func run() throws {
        guard case .directory(let folder) = mirror.location else {
            throw GeoQueryError.mirrorMissing("give --mirror DIR (or set GEOQUERY_MIRROR): the embedded sample has nothing to refresh")
        }
        guard let base = URL(string: api), base.scheme?.hasPrefix("http") == true, base.host != nil else {
            throw GeoQueryError.invalidQuery("--api '\(api)' is not an http(s) URL, e.g. https://data.police.uk/api/")
        }
        let m = try mirror.open()
        // A request asked again is told, as harvest tells it: five tries can take minutes.
        let freshness = try waitFor { try await Freshness.check(api: base, mirror: m, folder: folder) { Output.note($0) } }
        Output.standard(freshness.text)
    }
}

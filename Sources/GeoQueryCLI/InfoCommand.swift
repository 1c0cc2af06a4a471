import ArgumentParser
import GeoQuery

/// `geoquery info`: what the mirror holds.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show what the mirror holds: forces, months (and gaps), crimes, map points, snapshot size, and which months were harvested from the API."
    )

    @OptionGroup var mirror: MirrorOptions

    enum InfoFormat: String, CaseInsensitiveArgument, CaseIterable { case text, json }

    @Option(help: "text, or json (one object; what the server's /v1/info answers).")
    var format: InfoFormat = .text

    func run() throws {
        let m = try mirror.open()
        // A damaged provenance file is an error here (info is where it is read in full); the
        // harvested (force, month)s are in the info itself, since they hold only their areas.
        if case .directory(let folder) = mirror.location { _ = try HarvestProvenance.load(folder: folder) }
        let info = m.info
        Output.standard(format == .json ? info.json + "\n" : info.text)
    }
}

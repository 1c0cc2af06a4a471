import ArgumentParser
import GeoQuery
import GeoQueryHarvest

/// `geoquery info`: what the mirror holds.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show what the mirror holds: forces, months (and gaps), crimes, map points, snapshot size, and which months were harvested from the API."
    )

    @OptionGroup var mirror: MirrorOptions

    func run() throws {
        let m = try mirror.open()
        var text = m.info.text
        // Harvested (force, month)s hold only their areas' crimes: say so, so no one reads them as whole forces.
        if case .directory(let folder) = mirror.location {
            let lines = try HarvestProvenance.load(folder: folder).describe(mirror: m)
            if !lines.isEmpty {
                text += "Harvested from the API (\(lines.count) force-month(s)):\n" + lines.map { "  " + $0 + "\n" }.joined()
            }
        }
        Output.standard(text)
    }
}

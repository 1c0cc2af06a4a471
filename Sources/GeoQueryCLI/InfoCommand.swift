import ArgumentParser
import GeoQuery

/// `geoquery info`: what the mirror holds.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show what the mirror holds: forces, months (and gaps), crimes, map points, snapshot size."
    )

    @OptionGroup var mirror: MirrorOptions

    func run() throws {
        Output.standard(try mirror.open().info.text)
    }
}

import ArgumentParser
import Foundation
import GeoQuery

/// `geoquery sample --write DIR`: writes the embedded synthetic sample's CSVs (as in data/sample).
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Write the embedded SYNTHETIC sample's Police-UK-format CSVs to a folder (data/sample is made this way)."
    )

    @Option(help: ArgumentHelp("Folder to write YYYY-MM/YYYY-MM-leicestershire-street.csv into.", valueName: "dir"))
    var write: String

    func run() throws {
        for file in SampleGenerator.streetFiles() {
            let path = (write as NSString).appendingPathComponent(file.name)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: path, contents: Data(file.contents.utf8)) else {
                throw GeoQueryError.mirrorWrite("cannot write \(path)")
            }
        }
        Output.standard("wrote \(SampleGenerator.streetFiles().count) synthetic CSVs to \(write)\n")
    }
}

import ArgumentParser
import Foundation
import GeoQuery

/// `geoquery ingest`: CSVs, folders and monthly zip archives into the mirror.
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Add Police UK street/outcomes CSVs, folders of them, or the monthly zip archives to a mirror.",
        discussion: """
        Re-ingesting a (force, month) replaces it (Police UK restates months). Malformed rows are reported (file:line: why), skipped and counted. The new snapshot is written atomically: an interrupted ingest leaves the previous mirror intact.
        """
    )

    @OptionGroup var mirror: MirrorOptions

    @Option(name: .customLong("map-points"), help: ArgumentHelp("An explicit map-point list (id,latitude,longitude,name); replaces any earlier list.", valueName: "file"))
    var mapPoints: [String] = []

    @Option(name: .customLong("boundaries"), help: ArgumentHelp("GeoJSON force boundaries (e.g. ONS police force areas) to clip catchments to; replace any stored.", valueName: "file"))
    var boundaries: [String] = []

    @Argument(help: "CSV files, folders or .zip archives.")
    var paths: [String] = []

    func validate() throws {
        if paths.isEmpty && mapPoints.isEmpty && boundaries.isEmpty { throw ValidationError("give at least one CSV, folder or zip archive to ingest") }
    }

    func run() throws {
        let location = mirror.location
        guard case .directory = location else {
            throw GeoQueryError.mirrorWrite("give --mirror DIR (or set GEOQUERY_MIRROR): the embedded sample is read-only")
        }
        let terminal = Output.stderrIsTerminal
        let report: @Sendable (IngestProgress) -> Void = { p in
            Output.progress(p.stage == "reading" ? "reading \(p.file)/\(p.files) \(p.name)  (\(p.rows) rows)" : "\(p.stage) \(p.rows) rows…")
        }
        let summary = try Ingest.run(paths: paths, mapPoints: mapPoints, boundaries: boundaries, mirror: location, progress: terminal ? report : nil)
        if terminal { Output.progress("") }
        for w in summary.warnings { Output.warning(w) }
        for f in summary.files {
            for p in f.problems { Output.warning(p) }
            if f.rejected > f.problems.count { Output.warning("\(f.name): \(f.rejected - f.problems.count) more rejected rows not shown") }
        }
        var out = ""
        for f in summary.files {
            out += "\(f.name): \(f.kind.rawValue), read \(f.read), stored \(f.stored), rejected \(f.rejected)"
            out += f.noLocation > 0 ? " (\(f.noLocation) with no location)\n" : "\n"
        }
        out += "ingested \(summary.files.count) file(s): read \(summary.read) rows, stored \(summary.stored), rejected \(summary.rejected)"
        out += "; \(summary.partitionsWritten) force-month(s) written, \(summary.partitionsReplaced) replaced\n"
        out += "mirror now holds \(summary.crimesInMirror) crimes at \(summary.mapPointsInMirror) map points"
        out += summary.boundaries > 0 ? " (catchments clipped to \(summary.boundaries) force boundaries)" : " (catchments clipped at 20 km; no force boundaries loaded)"
        out += "; snapshot \(summary.snapshotBytes) bytes; \(String(format: "%.2f", summary.seconds)) s ("
        out += summary.phases.map { "\($0.0) \(String(format: "%.2f", $0.1))" }.joined(separator: ", ") + ")\n"
        Output.standard(out)
    }
}

import ArgumentParser
import Foundation
import GeoQuery
import GeoQueryHarvest

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

    @Option(name: .customLong("boundaries"), parsing: .upToNextOption, help: ArgumentHelp("GeoJSON force boundaries (e.g. ONS police force areas) to clip catchments to; replace any stored.", valueName: "file"))
    var boundaries: [String] = []

    @Option(name: .customLong("postcodes"), parsing: .upToNextOption, help: ArgumentHelp("Postcode centroids: an OS Code-Point Open CSV (no header; eastings/northings) or the ONS Postcode Directory CSV (header; lat/long), or a folder of them (repeatable). Units read again replace the ones held; the others are kept.", valueName: "file"))
    var postcodes: [String] = []

    @Option(name: .customLong("proj-grids"), help: ArgumentHelp("A folder holding PROJ grids, searched before PROJ_DATA (repeatable). With uk_os_OSTN15_NTv2_OSGBtoETRS.tif in it, Code-Point Open eastings/northings convert through OSTN15 (1 m) instead of a Helmert fit.", valueName: "dir"))
    var projGrids: [String] = []

    @Flag(name: .customLong("compact"), help: "Fold the delta (where street files added since the last full rebuild went) and these files into one snapshot. Alone, compacts the mirror.")
    var compact = false

    @Argument(help: "CSV files, folders or .zip archives.")
    var paths: [String] = []

    func validate() throws {
        if paths.isEmpty && mapPoints.isEmpty && boundaries.isEmpty && postcodes.isEmpty && !compact {
            throw ValidationError("give at least one CSV, folder or zip archive (or --boundaries FILE, or --postcodes FILE) to ingest")
        }
        // --boundaries takes every path up to the next option, so crime files written after it
        // would be read as boundary files; say so rather than fail on reading them.
        for path in boundaries {
            var isDir: ObjCBool = false
            let folder = FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
            let lower = path.lowercased()
            if folder || lower.hasSuffix(".csv") || lower.hasSuffix(".zip") {
                throw ValidationError("--boundaries \(path) is \(folder ? "a folder" : "a crime file, not GeoJSON"): --boundaries takes every path up to the next option, so give the crime files first (geoquery ingest --mirror DIR FILES... --boundaries FILE)")
            }
        }
        for dir in projGrids {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                throw ValidationError("--proj-grids \(dir) is not a folder: give the folder holding uk_os_OSTN15_NTv2_OSGBtoETRS.tif")
            }
        }
    }

    func run() throws {
        let location = mirror.location
        guard case .directory(let folder) = location else {
            throw GeoQueryError.mirrorWrite("give --mirror DIR (or set GEOQUERY_MIRROR): the embedded sample is read-only")
        }
        let terminal = Output.stderrIsTerminal
        let report: @Sendable (IngestProgress) -> Void = { p in
            // Waiting for another ingest is said whether or not stderr is a terminal: a script
            // would otherwise seem to hang.
            if p.stage == IngestProgress.waiting { return Output.note(p.name) }
            guard terminal else { return }
            Output.progress(p.stage == "reading" ? "reading \(p.file)/\(p.files) \(p.name)  (\(p.rows) rows)" : "\(p.stage) \(p.rows) rows…")
        }
        // Ingest frees each file's parsed rows as it merges them; with a fixed threshold glibc
        // maps such large blocks and unmaps them on free, instead of keeping the memory for reuse
        // the ingest never makes (its dynamic threshold would). Set here, not in the library: it
        // is a process-wide setting.
        #if os(Linux)
        _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, 256 * 1024)
        #endif
        let summary = try Ingest.run(paths: paths, mapPoints: mapPoints, boundaries: boundaries, postcodes: postcodes,
                                     gridDirectories: projGrids, mirror: location, compact: compact, progress: report)
        if terminal { Output.progress("") }
        // A mistyped --mirror would otherwise start a second mirror silently.
        if summary.madeMirrorFolder {
            Output.note("created a new mirror folder \(folder) (it did not exist; if you meant an existing mirror, check the path)")
        }
        for w in summary.warnings + summary.shrunk.map(\.warning) { Output.warning(w) }
        for w in try Self.doubleCounted(summary, folder: folder) { Output.warning(w) }
        for w in summary.fileWarnings { Output.warning(w) }
        var out = ""
        for f in summary.allFiles {
            out += "\(f.name): \(f.kind.rawValue), read \(f.read), stored \(f.stored), rejected \(f.rejected)"
            if f.replacedInRun > 0 { out += ", replaced \(f.replacedInRun) (a later file of this ingest restates the same force-month)" }
            out += f.noLocation > 0 ? " (\(f.noLocation) with no location)\n" : "\n"
        }
        if let p = summary.postcodes {
            out += "postcodes: \(p.added) added, \(p.replaced) replaced; the mirror now holds \(p.held)"
            out += (p.transformation.map { "; BNG→WGS84 by \($0)" } ?? "") + "; postcode table \(p.bytes) bytes\n"
        }
        guard !paths.isEmpty || !mapPoints.isEmpty || !boundaries.isEmpty || compact else {
            if case .directory(let dir) = location, !FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent("mirror.geoquery")) {
                out += "note: \(dir) has no crime data yet: add Police UK CSVs with 'geoquery ingest --mirror \(dir) FILES...' before querying\n"
            }
            return Output.standard(out)
        }
        if compact && paths.isEmpty && mapPoints.isEmpty && boundaries.isEmpty {
            // `--compact` alone: say what it did.
            out += summary.phases.isEmpty
                ? "nothing to compact: the mirror is one snapshot already (\(summary.crimesInMirror) crimes at \(summary.mapPointsInMirror) map points; snapshot \(summary.snapshotBytes) bytes)\n"
                : "compacted the delta into one snapshot: \(summary.crimesInMirror) crimes at \(summary.mapPointsInMirror) map points; snapshot \(summary.snapshotBytes) bytes"
                    + (summary.catchmentGroups.map { g in g.computed == 0 ? "; catchments kept (all \(g.of) groups of map points)" : "; catchments computed now\(Self.groupsKept(summary))" } ?? "")
                    + "; \(String(format: "%.2f", summary.seconds)) s ("
                    + summary.phases.map { "\($0.0) \(String(format: "%.2f", $0.1))" }.joined(separator: ", ") + ")\n"
            return Output.standard(out)
        }
        out += "ingested \(summary.files.count) file(s): read \(summary.read) rows, stored \(summary.stored)"
        // Outcome rows are stored too, but are no crimes: say which is which when both are counted.
        let outcomes = summary.files.filter { $0.kind == .outcomes }.reduce(0) { $0 + $1.stored }
        if outcomes > 0 { out += " (\(summary.stored - outcomes) street-level crimes, \(outcomes) outcomes)" }
        out += ", rejected \(summary.rejected)"
        out += "; \(summary.partitionsWritten) force-month(s) written, \(summary.partitionsReplaced) replaced\n"
        out += "mirror now holds \(summary.crimesInMirror) crimes at \(summary.mapPointsInMirror) map points"
        if let delta = summary.deltaBytes {
            out += "; the new rows went to the delta beside the snapshot (\(delta) bytes; geoquery ingest --compact folds it in)"
        } else {
            out += summary.boundaries > 0 ? " (catchments clipped to \(summary.boundaries) force boundaries" : " (catchments clipped at 20 km, no force boundaries loaded"
            out += summary.catchmentsComputed ? "; computed now\(Self.groupsKept(summary)))"
                : summary.catchmentsPostponed ? "; not built: computed on first use)" : "; unchanged)"
        }
        if summary.deltaBytes != nil, summary.catchmentsComputed { out += "; catchments computed now\(Self.groupsKept(summary))" }
        out += "; snapshot \(summary.snapshotBytes) bytes; \(String(format: "%.2f", summary.seconds)) s ("
        out += summary.phases.map { "\($0.0) \(String(format: "%.2f", $0.1))" }.joined(separator: ", ") + ")\n"
        Output.standard(out)
    }
}

#if os(Linux)
/// glibc's `mallopt` (returns 1 on success): `malloc.h` is not part of Swift's Glibc module.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

extension IngestCommand {
    /// Harvested months that now share crimes with the archive months this ingest stored
    /// (``Harvester/doubleCounted(in:folder:months:)``); the months from the files' Police UK
    /// names (``FileSummary/month``).
    static func doubleCounted(_ summary: IngestSummary, folder: String) throws -> [String] {
        let months = summary.files.filter { $0.kind == .street && $0.stored > 0 }.compactMap(\.month)
        guard !months.isEmpty, FileManager.default.fileExists(atPath: HarvestProvenance.path(folder: folder)) else { return [] }
        return try Harvester.doubleCounted(in: CrimeMirror.open(.directory(folder)), folder: folder, months: months)
    }

    /// " for 1 of 44 groups of map points (Leicestershire; one per force boundary, and those
    /// outside), the others kept" when the catchments computed by the ingest kept any group's
    /// cells from those before; "" when all were computed.
    static func groupsKept(_ summary: IngestSummary) -> String {
        guard let g = summary.catchmentGroups, g.computed < g.of else { return "" }
        let names = summary.catchmentGroupsComputed
        let named = names.isEmpty ? "" : (names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", …" : "") + "; ")
        return " for \(g.computed) of \(g.of) groups of map points (\(named)one per force boundary, and those outside), the others kept"
    }
}

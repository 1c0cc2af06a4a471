import ArgumentParser
import Foundation
import GeoQuery
import GeoQuerySynthetic

/// `geoquery sample --write DIR`: writes the embedded synthetic sample's CSVs (as in data/sample);
/// with `--national`, a national-scale synthetic archive patterned on the real one, for benchmarks.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Write SYNTHETIC Police-UK-format CSVs to a folder: the embedded sample (data/sample is made this way), or with --national a country-sized archive for benchmarks.",
        discussion: """
        --national writes every force of England and Wales plus BTP, about 500,000 rows a month over about 750,000 map points, patterned on a real archive (--archive): its rows drawn again at its map points or jittered copies of them, forces it lacks stood in for by a similar force moved onto their area. Deterministic for a seed. Not real crimes: the folder's README.md says so.

        Example:
          geoquery sample --national --months 12 --write /tmp/national --archive ../shared/data/crime-archive
        """
    )

    @Option(help: ArgumentHelp("Folder to write YYYY-MM/YYYY-MM-<force>-street.csv into.", valueName: "dir"))
    var write: String

    @Flag(help: "Write the national-scale synthetic archive instead of the embedded Leicester sample.")
    var national = false

    @Option(help: ArgumentHelp("With --national: how many months to write (1 to 1,200).", valueName: "n"))
    var months: Int?

    @Option(help: ArgumentHelp("With --national: the first month, YYYY-MM (default \(NationalSample.defaultStart)).", valueName: "yyyy-mm"))
    var start: String?

    @Option(help: ArgumentHelp("With --national: the seed; the same seed and archive give the same bytes (default \(NationalSample.defaultSeed)).", valueName: "n"))
    var seed: UInt64?

    @Option(name: .customLong("rows-per-month"), help: ArgumentHelp("With --national: rows in an average month, all forces together (default \(NationalSample.defaultRowsPerMonth)); map points follow at 1.5 per row. Smaller for quick tests.", valueName: "n"))
    var rowsPerMonth: Int?

    @Option(name: .customLong("map-points"), help: ArgumentHelp("With --national: map points over the country (default 1.5 per row of --rows-per-month, 750,000 by default); every real point of the archive is kept whatever this says.", valueName: "n"))
    var mapPoints: Int?

    @Option(help: ArgumentHelp("With --national: the real archive to pattern on, in data.police.uk's layout (default ../shared/data/crime-archive).", valueName: "dir"))
    var archive: String?

    /// Bounds that keep a mistyped number from running for hours or filling the disk: 100 years
    /// of months (the full history is ~180), 20 times a national month's rows and map points.
    static let maxMonths = 1_200, maxRowsPerMonth = 10_000_000, maxMapPoints = 15_000_000

    func validate() throws {
        guard !write.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--write needs a folder to write the CSVs into (got an empty path)") }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: write, isDirectory: &isFolder), !isFolder.boolValue {
            throw ValidationError("--write \(write) is a file, not a folder: give a folder to write the CSVs into")
        }
        let nationalOnly = [("--months", months != nil), ("--start", start != nil), ("--seed", seed != nil),
                            ("--rows-per-month", rowsPerMonth != nil), ("--map-points", mapPoints != nil), ("--archive", archive != nil)]
        guard national else {
            if let flag = nationalOnly.first(where: { $0.1 })?.0 {
                throw ValidationError("\(flag) is an option of the national sample: add --national (the embedded sample is fixed: 24 months around Leicester)")
            }
            return
        }
        guard let months else { throw ValidationError("--national needs --months N, the number of months to write") }
        guard (1...Self.maxMonths).contains(months) else { throw ValidationError("--months must be 1 to \(Self.maxMonths) (got \(months))") }
        if let start, Month(start) == nil { throw ValidationError("--start '\(start)' is not a month: give YYYY-MM, e.g. 2020-01") }
        let first = start.flatMap { Month($0) } ?? NationalSample.defaultStart
        if first.ordinal + months - 1 > Month("9999-12")!.ordinal { throw ValidationError("--start \(first) with --months \(months) runs past 9999-12") }
        if let rowsPerMonth, !(1...Self.maxRowsPerMonth).contains(rowsPerMonth) { throw ValidationError("--rows-per-month must be 1 to \(Self.maxRowsPerMonth) (got \(rowsPerMonth))") }
        if let mapPoints, !(0...Self.maxMapPoints).contains(mapPoints) { throw ValidationError("--map-points must be 0 to \(Self.maxMapPoints) (got \(mapPoints))") }
    }

    func run() throws {
        if national { try runNational(); return }
        for file in SampleGenerator.streetFiles() {
            let path = (write as NSString).appendingPathComponent(file.name)
            try AtomicFile.createFolder(PathName.folder(of: path), what: "a folder of the sample's CSVs")
            try AtomicFile.write(path, what: "a sample CSV", bytes: Array(file.contents.utf8))
        }
        Output.standard("wrote \(SampleGenerator.streetFiles().count) synthetic CSVs to \(write)\n")
    }

    private func runNational() throws {
        let months = months ?? 1
        let first = start.flatMap(Month.init) ?? NationalSample.defaultStart
        let seed = seed ?? NationalSample.defaultSeed
        let rows = rowsPerMonth ?? NationalSample.defaultRowsPerMonth
        let archive = archive ?? "../shared/data/crime-archive"
        // A folder that cannot be written fails before seconds of reading the archive.
        try NationalSample.prepareFolder(write)
        let began = Date()
        let points = mapPoints ?? NationalSample.defaultMapPoints(rows)
        let sample = try NationalSample(archive: archive, rowsPerMonth: rows, mapPoints: points, seed: seed)
        Output.note("writing a SYNTHETIC national sample (not real crimes): \(months) month(s) from \(first), ~\(rows) rows a month over \(sample.mapPointCount) map points, seed \(seed), patterned on \(archive) (\(sample.realPointsOutsideArea) of its map points left out: outside their own force's simplified built-in area)")
        let command = "geoquery sample --national --months \(months) --start \(first) --seed \(seed) --rows-per-month \(rows) --map-points \(points) --write DIR"
        let modelSeconds = Date().timeIntervalSince(began)
        let terminal = Output.stderrIsTerminal
        let written = try sample.write(to: write, start: first, months: months, command: command) { month, w in
            let line = "\(month): \(w.rows) rows in \(w.files) files (\(month.ordinal - first.ordinal + 1) of \(months) months, \(String(format: "%.1f", Date().timeIntervalSince(began))) s)"
            if terminal { Output.progress(line) } else { Output.note(line) }
        }
        if terminal { Output.progress("") }
        let seconds = Date().timeIntervalSince(began)
        let rate = Double(written.rows) / max(seconds - modelSeconds, 1e-9)
        Output.standard("wrote \(written.files) synthetic CSVs to \(write): \(written.rows) rows, \(written.mapPointsUsed) of \(sample.mapPointCount) map points used, \(String(format: "%.1f", Double(written.bytes) / 1e6)) MB in \(String(format: "%.1f", seconds)) s (\(String(format: "%.1f", modelSeconds)) s reading the archive and placing the points, then \(Int(rate)) rows/s)\n")
    }
}

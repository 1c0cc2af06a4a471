import Foundation

/// What an ingest did, file by file.
public struct IngestSummary: Sendable {
    public var files: [FileSummary] = []
    /// (force, month) partitions this ingest wrote, and how many of them replaced data already held.
    public var partitionsWritten = 0
    public var partitionsReplaced = 0
    /// Totals in the mirror after the ingest.
    public var crimesInMirror = 0
    public var mapPointsInMirror = 0
    public var snapshotBytes = 0
    public var seconds = 0.0

    public var read: Int { files.reduce(0) { $0 + $1.read } }
    public var stored: Int { files.reduce(0) { $0 + $1.stored } }
    public var rejected: Int { files.reduce(0) { $0 + $1.rejected } }
}

/// Progress of a long ingest, for a terminal line.
public struct IngestProgress: Sendable {
    public var file: Int
    public var files: Int
    public var name: String
    public var rows: Int
    public var stage: String
}

/// Turns Police UK CSVs (loose, in folders or in the monthly zip archives) into a mirror snapshot.
public enum Ingest {
    /// Reads `paths` (and an optional explicit map-point list), merges them into the mirror at
    /// `mirror` (replacing any (force, month) they restate) and writes a new snapshot atomically.
    ///
    /// Nothing is written unless every input is a readable Police UK file.
    public static func run(paths: [String], mapPoints: [String] = [], mirror: MirrorLocation,
                           progress: (@Sendable (IngestProgress) -> Void)? = nil) throws -> IngestSummary {
        let start = Date()
        var summary = IngestSummary()
        var fresh = CrimeTable()
        let sources = try IngestSource.expand(paths)
        let pointSources = try IngestSource.expand(mapPoints)
        guard !sources.isEmpty || !pointSources.isEmpty else {
            throw GeoQueryError.unreadableInput("no CSV or zip files found in \(paths.joined(separator: ", "))")
        }
        var rows = 0
        for (i, source) in sources.enumerated() {
            progress?(IngestProgress(file: i + 1, files: sources.count, name: source.name, rows: rows, stage: "reading"))
            let bytes = try source.load()
            let file = try bytes.withUnsafeBufferPointer { try PoliceCSV.read($0, name: source.name, into: &fresh) }
            rows += file.read
            summary.files.append(file)
        }
        for source in pointSources {
            let bytes = try source.load()
            summary.files.append(try bytes.withUnsafeBufferPointer { try PoliceCSV.readMapPoints($0, name: source.name, into: &fresh) })
        }
        progress?(IngestProgress(file: sources.count, files: sources.count, name: "", rows: rows, stage: "indexing"))

        var table: CrimeTable
        if let existing = try mirror.openIfPresent() {
            table = try existing.crimeTable()
            let held = table.streetPartitions.union(table.outcomePartitions)
            let incoming = fresh.streetPartitions.union(fresh.outcomePartitions)
            summary.partitionsReplaced = held.intersection(incoming).count
            try table.replace(with: fresh)
        } else {
            table = fresh
        }
        summary.partitionsWritten = fresh.streetPartitions.count + fresh.outcomePartitions.count
        let snapshot = SnapshotBuilder(table: table, synthetic: false).build()
        progress?(IngestProgress(file: sources.count, files: sources.count, name: "", rows: rows, stage: "writing"))
        summary.snapshotBytes = try mirror.write(snapshot)
        summary.crimesInMirror = table.rows.count
        summary.mapPointsInMirror = snapshot.mapPointCount
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }
}

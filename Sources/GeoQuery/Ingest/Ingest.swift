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
    /// True when this ingest made the mirror folder (it did not exist). Of several ingests
    /// started at once into a new folder, only the one that made it.
    public var madeMirrorFolder = false
    /// Force boundaries the catchments were clipped to.
    public var boundaries = 0
    /// True when the catchment file was computed by this ingest (false: the map points and
    /// boundaries were unchanged, so the stored one still serves, or none could be built).
    public var catchmentsComputed = false
    /// True when computing them failed (a full disk, say; the warning says why): they are left
    /// to first use.
    public var catchmentsPostponed = false
    /// When they were computed: the groups of map points (one per force boundary holding any, and
    /// those outside every boundary) whose catchments were, of all; the others kept their cells
    /// from the catchments before, their points and boundary being the same.
    public var catchmentGroups: (computed: Int, of: Int)?
    /// The computed groups' names: a force boundary's, or "outside every boundary".
    public var catchmentGroupsComputed: [String] = []
    /// What the user should know of the ingest as a whole, one line each: boundary rings
    /// repaired, catchments not built. (Each file's own problems are ``fileWarnings``; force-months
    /// restated with far fewer crimes than held, ``shrunk``.)
    public var warnings: [String] = []
    /// The force-months this ingest restated with fewer than half the street-level crimes the
    /// mirror held (of 20 or more), in order of force and month: each replaced all the same (a
    /// month can shrink for real), and each worth a warning (``ShrunkMonth/warning``).
    public var shrunk: [ShrunkMonth] = []
    public var seconds = 0.0
    /// Wall time of each stage (read, merge, build, write), seconds.
    public var phases: [(String, Double)] = []
    /// The postcode files read, when the ingest had any (`--postcodes`).
    public var postcodes: PostcodeIngestSummary?
    /// The delta file's bytes when the ingest went to the delta beside the snapshot (see
    /// ``Ingest``); nil when it wrote a whole snapshot (`snapshotBytes`).
    public var deltaBytes: Int?

    public var read: Int { files.reduce(0) { $0 + $1.read } }
    public var stored: Int { files.reduce(0) { $0 + $1.stored } }
    public var rejected: Int { files.reduce(0) { $0 + $1.rejected } }

    /// Every file read: the crime files, then the postcode files.
    public var allFiles: [FileSummary] { files + (postcodes?.files ?? []) }

    /// Each file's problems, one line each, in file order: its rejected rows (the first few
    /// named, the rest counted), text that is not UTF-8, a header with no rows.
    public var fileWarnings: [String] {
        var lines: [String] = []
        for f in allFiles {
            lines += f.problems
            if f.rejected > f.problems.count { lines.append("\(f.name): \(f.rejected - f.problems.count) more rejected rows not shown") }
            if f.notUTF8 > 0 {
                lines.append("\(f.name): \(f.notUTF8) distinct text(s) are not UTF-8 (Police UK's CSVs are; was the file saved in another encoding?): their bad bytes read as U+FFFD (�)")
            }
            // A month is held through its rows: a header alone restates nothing (not even to zero).
            if (f.kind == .street || f.kind == .outcomes) && f.read == 0 {
                lines.append("\(f.name): a header and no rows, so it changes nothing: what the mirror holds for its force and month stays as it was")
            }
        }
        return lines
    }
}

/// A force-month restated with fewer than half the street-level crimes the mirror held.
public struct ShrunkMonth: Sendable, Equatable {
    public let force: String
    public let month: Month
    /// Street-level crimes the mirror held for it, and holds now.
    public let held: Int, now: Int

    /// The share kept, in percent rounded down to a tenth: under half always reads so.
    public var keptPercent: Double { Double(now * 1000 / held) / 10 }

    /// The warning for a file that restates it: the likeliest cause is a download cut short.
    public var warning: String {
        "\(force) \(month): restated with \(now) street-level crimes where the mirror held \(held) (\(keptPercent)% of them). "
            + "Police UK's restatements change a few rows: check the file is whole (a download cut short at the end of a row "
            + "reads as a smaller month). The mirror now holds the \(now)."
    }
}

/// Progress of a long ingest, for a terminal line.
public struct IngestProgress: Sendable {
    public var file: Int
    public var files: Int
    public var name: String
    public var rows: Int
    public var stage: String

    /// The stage of an ingest waiting for another one into the same mirror to finish; `name`
    /// then holds the line to show.
    public static let waiting = "waiting"
}

/// Turns Police UK CSVs (loose, in folders or in the monthly zip archives) into a mirror snapshot.
public enum Ingest {
    /// Reads `paths` (and an optional explicit map-point list), merges them into the mirror at
    /// `mirror` (replacing any (force, month) they restate) and writes a new snapshot atomically.
    /// Postcode files (OS Code-Point Open, the ONS Postcode Directory) go to the mirror's
    /// postcode table, replacing the units they restate; either kind of input may come alone.
    ///
    /// Nothing is written unless every input is a readable Police UK or postcode file.
    /// - Parameters:
    ///   - paths: street-level and outcomes CSVs, folders of them, or the archive's zips.
    ///   - mapPoints: map-point lists (`id,latitude,longitude,name`): points that take catchment area without crimes.
    ///   - postcodes: OS Code-Point Open or ONS Postcode Directory CSVs.
    ///   - mirror: the mirror folder to write (created when missing).
    ///   - progress: told of each file and stage, for a front end's progress line.
    ///   - boundaries: GeoJSON files of force boundaries to clip catchments to; they replace the
    ///     stored ones. Without them the mirror keeps the boundaries it has.
    ///   - gridDirectories: folders holding PROJ grids (the OSTN15 grid), searched before
    ///     `PROJ_DATA` to convert Code-Point Open's British National Grid references.
    ///   - compact: write one whole snapshot even when the street files could go to the delta.
    ///
    /// Street files added to a mirror go to its delta (`delta.geoquery`, beside the snapshot), at a cost in
    /// proportion to the delta, while the delta stays within a quarter of the snapshot's rows and
    /// the ingest brings nothing a delta cannot hold (outcomes files, map-point lists, boundaries,
    /// months before the snapshot's first, a snapshot holding outcomes); otherwise the ingest
    /// folds the delta and the files into a new snapshot (compaction).
    public static func run(paths: [String], mapPoints: [String] = [], boundaries: [String] = [], postcodes: [String] = [],
                           gridDirectories: [String] = [], mirror: MirrorLocation, compact: Bool = false,
                           progress: (@Sendable (IngestProgress) -> Void)? = nil) throws -> IngestSummary {
        let start = Date()
        try mirror.checkNotAFile()
        mirror.removeStaleTemporaries()
        // Postcodes are read first so that a bad postcode file stops the ingest before the
        // snapshot is written, and written last, once the crime files have all been read.
        let postcodeBatch = postcodes.isEmpty ? nil : try PostcodeCSV.read(postcodes, gridDirectories: gridDirectories)
        // Held from before the mirror is read until this function returns (see MirrorLock).
        let lock = MirrorLock(mirror)
        let writing = {
            try lock.acquire { progress?(IngestProgress(file: 0, files: 0, name: $0, rows: 0, stage: IngestProgress.waiting)) }
        }
        var summary = paths.isEmpty && mapPoints.isEmpty && boundaries.isEmpty && !compact ? IngestSummary()
            : try crimes(paths: paths, mapPoints: mapPoints, boundaries: boundaries, mirror: mirror, compact: compact,
                         beforeReadingTheMirror: writing, progress: progress)
        if let batch = postcodeBatch {
            try writing()
            let t = Date()
            summary.postcodes = try PostcodeTable.merge(batch, into: mirror)
            summary.phases.append(("postcodes", Date().timeIntervalSince(t)))
        }
        summary.madeMirrorFolder = lock.madeFolder
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    private static func crimes(paths: [String], mapPoints: [String], boundaries: [String], mirror: MirrorLocation, compact: Bool,
                               beforeReadingTheMirror: () throws -> Void,
                               progress: (@Sendable (IngestProgress) -> Void)?) throws -> IngestSummary {
        let start = Date()
        var summary = IngestSummary()
        var fresh = CrimeTable()
        let sources = try IngestSource.expand(paths)
        let pointSources = try IngestSource.expand(mapPoints)
        let loaded = try ForceBoundary.load(boundaries)
        summary.warnings = loaded.warnings
        guard !sources.isEmpty || !pointSources.isEmpty || !boundaries.isEmpty || (compact && paths.isEmpty) else {
            throw GeoQueryError.unreadableInput("no CSV or zip files found in \(paths.joined(separator: ", "))")
        }
        var parsed = try readInParallel(sources, progress: progress)
        summary.files = parsed.map(\.summary)
        let rows = summary.read
        // Merged in input order: a later file restating a (force, month) replaces an earlier one.
        // Each file's rows are let go once copied, so the rows are held about once, not twice.
        var tables = parsed.map(\.table)
        parsed = []
        // A file whose (force, month) a later file restates keeps none of it: its summary says so.
        for (i, n) in try fresh.merge(&tables).enumerated() where n > 0 {
            summary.files[i].stored -= n
            summary.files[i].replacedInRun = n
        }
        tables = []
        if !pointSources.isEmpty {
            var points = CrimeTable()
            for source in pointSources {
                let bytes = try source.load()
                summary.files.append(try bytes.withUnsafeBufferPointer { try PoliceCSV.readMapPoints($0, name: source.name, into: &points) })
            }
            try fresh.replace(with: points)
        }
        progress?(IngestProgress(file: sources.count, files: sources.count, name: "", rows: rows, stage: "indexing"))
        let tRead = Date()

        var table: CrimeTable
        var clip = loaded.boundaries
        let incoming = (street: fresh.streetPartitions, outcome: fresh.outcomePartitions)
        summary.partitionsWritten = incoming.street.count + incoming.outcome.count
        try beforeReadingTheMirror()
        if let existing = try mirror.openIfPresent() {
            let held = try mirror.openDelta(of: existing)
            summary.shrunk = shrunkRestatements(fresh, partitions: incoming.street, base: existing.meta, delta: held?.meta)
            // Crime files alone: they may go to the delta, or (holding nothing) change nothing.
            let crimesOnly = !compact && pointSources.isEmpty && boundaries.isEmpty
            if crimesOnly && fresh.rows.isEmpty && fresh.events.isEmpty {
                // Every row rejected, or none there: nothing is written and the mirror stays as it
                // was. (An empty delta written here did not fit its snapshot: every later open failed.)
                let now = try CrimeMirror.open(mirror)
                summary.crimesInMirror = now.info.crimes
                summary.mapPointsInMirror = now.mapPointCount
                summary.snapshotBytes = existing.bytes.raw.count
                // What the catchments are clipped to, as held (the closing line said "no force
                // boundaries loaded" of a mirror holding 43: an independent check).
                summary.boundaries = now.info.boundaries.count
                summary.phases = [("read", tRead.timeIntervalSince(start))]
                return summary
            }
            if crimesOnly && !sources.isEmpty,
               let pointsChanged = try writeDelta(fresh, held: held, base: existing, mirror: mirror, summary: &summary) {
                let tDelta = Date()
                summary.phases = [("read", tRead.timeIntervalSince(start)), ("delta", tDelta.timeIntervalSince(tRead))]
                if pointsChanged {
                    // New map points, or points left without a crime, move their neighbours'
                    // catchments: the mirror's are computed again now (unless the folder holds
                    // them for these points already: a restatement), so no query pays for them.
                    progress?(IngestProgress(file: sources.count, files: sources.count, name: "", rows: rows, stage: "catchments"))
                    do {
                        let store = try CrimeMirror.open(mirror).catchments()
                        if let failure = store.storeFailure {
                            // Computed into memory only: said, not "computed now" (an independent check).
                            summary.warnings.append("the catchments were computed but could not be written to the mirror folder (\(failure)); they will be computed again on first use")
                            summary.catchmentsPostponed = true
                        } else {
                            summary.catchmentsComputed = store.computedNow
                            if store.computedNow, let g = store.groupsComputed {
                                (summary.catchmentGroups, summary.catchmentGroupsComputed) = ((g.names.count, g.of), g.names)
                            }
                        }
                    } catch {
                        summary.warnings.append("the catchments were not built (\(error)); they will be computed on first use")
                        summary.catchmentsPostponed = true
                    }
                    summary.phases.append(("catchments", Date().timeIntervalSince(tDelta)))
                }
                return summary
            }
            if held == nil && sources.isEmpty && pointSources.isEmpty && boundaries.isEmpty {
                // `--compact` alone, and nothing beside the snapshot: it is compact already.
                summary.crimesInMirror = existing.meta.crimes
                summary.mapPointsInMirror = existing.meta.mapPoints
                summary.snapshotBytes = existing.bytes.raw.count
                return summary
            }
            table = try existing.crimeTable(extraRows: fresh.rows.count + (held?.meta.crimes ?? 0), extraEvents: fresh.events.count)
            if let held { try table.replace(with: held.crimeTable()) }
            if boundaries.isEmpty { clip = try existing.boundaries() }
            // Street and outcomes data of one (force, month) are separate partitions: a street file
            // replaces only street rows, an outcomes file only outcome events.
            summary.partitionsReplaced = table.streetPartitions.intersection(incoming.street).count
                + table.outcomePartitions.intersection(incoming.outcome).count
            try table.replace(with: fresh)
        } else if sources.isEmpty && pointSources.isEmpty && boundaries.isEmpty {
            throw GeoQueryError.mirrorMissing("nothing to compact: \(mirror.snapshotPath.map { PathName.folder(of: $0) } ?? "the sample") holds no mirror yet")
        } else {
            table = fresh
        }
        _ = consume fresh
        table.dropUnusedNames()
        summary.crimesInMirror = table.rows.count
        let tMerge = Date()
        // The builder takes the only reference, so it sorts the rows in place.
        let snapshot = SnapshotBuilder(table: consume table, synthetic: false, boundaries: clip).build()
        let tBuild = Date()
        summary.boundaries = clip.count
        // The catchments follow from the map points and boundaries just built: computed on the
        // other cores while the snapshot is written, so no query or server request pays for
        // them later, and stored once the snapshot is safe.
        let catchments = CatchmentsAtIngest(snapshot, mirror: mirror)
        defer { catchments.wait() }  // none outlives the ingest, not even after a failed write
        progress?(IngestProgress(file: sources.count, files: sources.count, name: "", rows: rows, stage: "writing"))
        summary.snapshotBytes = try mirror.write(snapshot)
        // The snapshot now holds the delta's rows; a delta left by a crash here is another
        // snapshot's, which opening ignores.
        if let path = mirror.deltaPath, FileManager.default.fileExists(atPath: path) {
            do { try FileManager.default.removeItem(atPath: path) } catch {
                summary.warnings.append("could not remove \(path), folded into the snapshot (\(error.localizedDescription)); it is ignored from now on")
            }
        }
        // The delta's catchments went with it (a left-over file names another snapshot: ignored).
        if let path = CatchmentFile.path(CatchmentFile.deltaFileName, in: mirror) { try? FileManager.default.removeItem(atPath: path) }
        let tWrite = Date()
        summary.phases = [("read", tRead.timeIntervalSince(start)), ("merge", tMerge.timeIntervalSince(tRead)),
                          ("build", tBuild.timeIntervalSince(tMerge)), ("write", tWrite.timeIntervalSince(tBuild))]
        summary.mapPointsInMirror = snapshot.mapPointCount
        progress?(IngestProgress(file: sources.count, files: sources.count, name: "", rows: rows, stage: "catchments"))
        do {
            let computed = try catchments.store()
            (summary.catchmentGroups, summary.catchmentGroupsComputed) = (computed?.groups, computed?.names ?? [])
            summary.catchmentsComputed = computed != nil
        } catch {
            // The snapshot is already safe: a failure only postpones them to first use.
            summary.warnings.append("the catchments were not built (\(error)); they will be computed on first use")
            summary.catchmentsPostponed = true
        }
        summary.phases.append(("catchments", Date().timeIntervalSince(tWrite)))
        return summary
    }

    /// The force-months this ingest restates with fewer than half the street rows the mirror
    /// held (of 20 or more). Police UK's restatements move a few rows; a download cut
    /// short at the end of a row reads as a whole, smaller month, and would silently replace the
    /// month held. Said, not refused: a month can shrink for real.
    /// - Parameter partitions: `fresh`'s street partitions (known to the caller: not found again).
    static func shrunkRestatements(_ fresh: CrimeTable, partitions: Set<CrimeTable.Partition>, base: MirrorMeta, delta: MirrorMeta?) -> [ShrunkMonth] {
        var held: [CrimeTable.Partition: Int] = [:]
        // The delta's force-months supersede the base's.
        for meta in [base, delta].compactMap({ $0 }) {
            for p in meta.street { if let key = CrimeTable.Partition(p) { held[key] = p.crimes } }
        }
        let restated = partitions.filter { held[$0] != nil }
        guard !restated.isEmpty else { return [] }
        return fresh.streetRows(in: restated).sorted { $0.key < $1.key }.compactMap { p, now in
            guard let before = held[p], before >= 20, now * 2 < before else { return nil }
            return ShrunkMonth(force: p.force, month: Month(ordinal: Int(p.month)), held: before, now: now)
        }
    }

    /// Writes street rows `fresh` to the delta beside `base` (merged with the delta `held`, which
    /// they restate where they meet), when a delta may hold them; nil when it may not, and the
    /// caller compacts, else whether the mirror's map points changed (new ones, or some left
    /// without a crime). Fills the summary's partition and mirror counts.
    /// - Complexity: O(the delta's rows) to build it, plus O(base map points) integer work to tie
    ///   it to the base (``MirrorDelta/tie(_:to:superseded:)``); no base row is read.
    private static func writeDelta(_ fresh: CrimeTable, held: Snapshot?, base: Snapshot, mirror: MirrorLocation,
                                   summary: inout IngestSummary) throws -> Bool? {
        // Outcome events rewrite older rows' outcomes (``SnapshotBuilder``): a base holding any,
        // or files bringing them, need the whole rebuild.
        guard fresh.events.isEmpty, fresh.listedPoints.isEmpty, base.meta.outcomeEvents == 0, base.meta.crimes > 0,
              (held?.meta.crimes ?? 0) + fresh.rows.count <= base.meta.crimes / 4,
              let first = base.meta.firstMonth.flatMap(Month.init) else { return nil }
        var table = try held?.crimeTable(extraRows: fresh.rows.count) ?? CrimeTable()
        let incoming = fresh.streetPartitions
        let basePartitions = Set(base.meta.street.compactMap(CrimeTable.Partition.init))
        let heldPartitions = table.streetPartitions
        try table.replace(with: fresh)
        // The delta's forces, categories and outcomes join the base's in 6, 6 and 8 bits.
        let forces = Set(base.strings(.forces).all).union((0..<table.forces.count).map { table.forces[Int32($0)] })
        let categories = Set(base.strings(.categories).all).union((0..<table.categories.count).map { table.categories[Int32($0)] })
        let outcomes = Set(base.strings(.outcomes).all).union((0..<table.outcomes.count).map { table.outcomes[Int32($0)] })
        guard forces.count <= 64, categories.count <= 64, outcomes.count <= 256,
              !table.rows.contains(where: { Int($0.month) < first.ordinal }) else { return nil }
        let partitions = table.streetPartitions
        let superseded = basePartitions.intersection(partitions)
        let deltaRows = table.rows.count
        var image = SnapshotBuilder(table: consume table, synthetic: false, boundaries: []).build()
        let tie = try MirrorDelta.tie(&image, to: base, superseded: superseded)
        summary.deltaBytes = try mirror.writeFile(named: MirrorDelta.fileName, what: "the delta") { image.write(to: $0) }
        summary.partitionsReplaced = incoming.filter { basePartitions.contains($0) || heldPartitions.contains($0) }.count
        let supersededRows = base.meta.street.reduce(0) { n, p in
            n + (CrimeTable.Partition(p).map(superseded.contains) == true ? p.crimes : 0)
        }
        summary.crimesInMirror = base.meta.crimes - supersededRows + deltaRows
        summary.mapPointsInMirror = base.meta.mapPoints - tie.emptied + tie.newPoints
        summary.snapshotBytes = base.bytes.raw.count
        return tie.newPoints > 0 || tie.emptied > 0
    }

    /// Parses every source into its own table, on all cores; errors are thrown in input order.
    private static func readInParallel(_ sources: [IngestSource], progress: (@Sendable (IngestProgress) -> Void)?) throws -> [(table: CrimeTable, summary: FileSummary)] {
        let lock = NSLock()
        nonisolated(unsafe) var results = [Result<(table: CrimeTable, summary: FileSummary), Error>?](repeating: nil, count: sources.count)
        nonisolated(unsafe) var done = 0, rows = 0
        // Read buffers kept for the next file: about one per core, each as large as the largest file.
        nonisolated(unsafe) var buffers: [[UInt8]] = []
        DispatchQueue.concurrentPerform(iterations: sources.count) { i in
            lock.lock()
            var buffer = buffers.popLast() ?? []
            lock.unlock()
            let outcome = Result { () throws -> (table: CrimeTable, summary: FileSummary) in
                var table = CrimeTable()
                let summary = try sources[i].withBytes(reusing: &buffer) { try PoliceCSV.read($0, name: sources[i].name, into: &table) }
                return (table, summary)
            }
            lock.lock()
            buffers.append(buffer)
            results[i] = outcome
            done += 1
            if case .success(let r) = outcome { rows += r.summary.read }
            let (d, n) = (done, rows)
            lock.unlock()
            progress?(IngestProgress(file: d, files: sources.count, name: sources[i].name, rows: n, stage: "reading"))
        }
        return try results.map { try $0!.get() }
    }
}

/// The catchments of a snapshot being written, computed on another thread meanwhile (unless
/// the mirror folder already holds them: same map points, same boundaries).
private final class CatchmentsAtIngest: @unchecked Sendable {
    private let mirror: MirrorLocation
    private let done = DispatchGroup()
    /// nil when nothing needed computing; written by the worker before `done` is left.
    private var computed: Result<CatchmentFile.Computed, Error>?

    init(_ image: SnapshotImage, mirror: MirrorLocation) {
        self.mirror = mirror
        let inputs: CatchmentFile.Inputs
        do { inputs = try CatchmentFile.Inputs(image) } catch { computed = .failure(error); return }
        guard inputs.lat.count > 0, CatchmentFile.stored(inputs.identity, at: mirror) == nil else { return }
        // Mapped now: the delta's catchment file is removed once the snapshot is written.
        let previous = CatchmentFile.previous(at: mirror)
        DispatchQueue.global().async(group: done) { self.computed = Result { try CatchmentFile.compute(inputs, previous: previous) } }
    }

    func wait() { done.wait() }

    /// Waits for the computation and stores its file; the groups computed (of all) and their
    /// names, nil when nothing needed computing.
    func store() throws -> (groups: (computed: Int, of: Int), names: [String])? {
        wait()
        guard let computed else { return nil }
        let file = try computed.get()
        try CatchmentFile.store(file.bytes, at: mirror)
        return ((file.computedNames.count, file.groups), file.computedNames)
    }
}

import Foundation

/// Where a mirror lives: a directory holding `mirror.geoquery`, or the embedded synthetic sample.
public enum MirrorLocation: Sendable, Equatable {
    case directory(String)
    case sample

    /// `--mirror DIR`, else `$GEOQUERY_MIRROR`, else the embedded sample.
    public static func resolve(_ option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> MirrorLocation {
        if let o = option, !o.isEmpty { return .directory(o) }
        if let e = environment["GEOQUERY_MIRROR"], !e.isEmpty { return .directory(e) }
        return .sample
    }

    /// The snapshot file of a mirror folder (nil for the sample): what a server watches for re-ingests.
    public var snapshotPath: String? {
        guard case .directory(let d) = self else { return nil }
        return (d as NSString).appendingPathComponent(SnapshotFormat.fileName)
    }

    /// Opens the snapshot; a missing, empty or damaged one is a clear error.
    func openSnapshot() throws -> Snapshot {
        switch self {
        case .sample:
            return try SampleMirror.snapshot()
        case .directory(let dir):
            let path = snapshotPath!
            try checkNotAFile()
            guard try MirrorLocation.exists(dir) else {
                throw GeoQueryError.mirrorMissing("no mirror at \(dir): create one with 'geoquery ingest --mirror \(dir) FILES...'")
            }
            guard try MirrorLocation.exists(path) else {
                if FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(PostcodeTable.fileName)) {
                    throw GeoQueryError.mirrorMissing("\(dir) holds postcodes but no crime data yet: add Police UK CSVs with 'geoquery ingest --mirror \(dir) FILES...'")
                }
                throw GeoQueryError.mirrorMissing("\(dir) holds no mirror (no \(SnapshotFormat.fileName)): run 'geoquery ingest --mirror \(dir) FILES...' first")
            }
            return try Snapshot(bytes: SnapshotBytes(mapping: path), path: path)
        }
    }

    /// The files a mirror folder holds, one name each.
    static let fileNames = [SnapshotFormat.fileName, MirrorDelta.fileName, CatchmentFile.fileName, CatchmentFile.deltaFileName, PostcodeTable.fileName]

    /// Refuses a `--mirror` that names a file: a mirror is the folder holding the files above, and
    /// suggesting `ingest --mirror <that file>` would only fail again.
    public func checkNotAFile() throws {
        guard case .directory(let path) = self else { return }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { return }
        let what = "a mirror is the folder that 'geoquery ingest --mirror DIR FILES...' fills with \(MirrorLocation.fileNames.dropLast().joined(separator: ", ")) and \(MirrorLocation.fileNames.last!)"
        let name = PathName.name(of: path)
        if MirrorLocation.fileNames.contains(name) {
            throw GeoQueryError.mirrorMissing("\(path) is the \(name) file inside a mirror folder, not the folder: give --mirror \(PathName.folder(of: path)); \(what)")
        }
        throw GeoQueryError.mirrorMissing("\(path) is a file, not a mirror folder: \(what)")
    }

    /// The existing snapshot, or nil when the directory has none yet (first ingest).
    func openIfPresent() throws -> Snapshot? {
        guard let path = snapshotPath else {
            throw GeoQueryError.mirrorWrite("the embedded sample is read-only: give --mirror DIR (or set GEOQUERY_MIRROR) to ingest")
        }
        guard try MirrorLocation.exists(path) else { return nil }
        return try openSnapshot()
    }

    /// Whether a mirror's file or folder is there: false only when it is not (`ENOENT`). One that
    /// cannot be looked at (permission denied) is an error, not "no mirror": an ingest took it
    /// for a first one and wrote a new mirror of its files alone over the old one's link.
    static func exists(_ path: String) throws -> Bool {
        var info = stat()
        if stat(path, &info) == 0 { return true }
        let code = errno
        if code == ENOENT { return false }
        throw GeoQueryError.unreadableInput("cannot look at \(path): \(String(cString: strerror(code)))")
    }

    /// Writes the snapshot atomically (see ``writeFile(named:what:_:)``). Returns the bytes written.
    func write(_ image: SnapshotImage) throws -> Int {
        try writeFile(named: SnapshotFormat.fileName, what: "the snapshot", direct: true) { image.write(to: $0) }
    }

    /// Writes one file of the mirror folder atomically (see ``AtomicFile/write(_:what:_:)``):
    /// a crash or a full disk at any point leaves the previous file whole.
    /// Returns the bytes written. `direct`: a large file, written past the page cache.
    func writeFile(named name: String, what: String, direct: Bool = false, _ produce: (SectionedFile.Sink) -> Bool) throws -> Int {
        guard case .directory(let dir) = self else {
            throw GeoQueryError.mirrorWrite("the embedded sample is read-only: give --mirror DIR to ingest")
        }
        try AtomicFile.createFolder(dir, what: "the mirror folder")
        return try AtomicFile.write((dir as NSString).appendingPathComponent(name), what: what, direct: direct, rewriting: { append, rewriteStart in
            produce(SectionedFile.Sink(append: append, rewriteStart: rewriteStart))
        })
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
            guard FileManager.default.fileExists(atPath: dir) else {
                throw GeoQueryError.mirrorMissing("no mirror at \(dir): create one with 'geoquery ingest --mirror \(dir) FILES...'")
            }
            guard FileManager.default.fileExists(atPath: path) else {
                if FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(PostcodeTable.fileName)) {
                    throw GeoQueryError.mirrorMissing("\(dir) holds postcodes but no crime data yet: add Police UK CSVs with 'geoquery ingest --mirror \(dir) FILES...'")
                }
                throw GeoQueryError.mirrorMissing("\(dir) holds no mirror (no \(SnapshotFormat.fileName)): run 'geoquery ingest --mirror \(dir) FILES...' first")
            }
            return try Snapshot(bytes: SnapshotBytes(mapping: path), path: path)
        }
    }

    /// The files a mirror folder holds, one name each.
    static let fileNames = [SnapshotFormat.fileName, CatchmentFile.fileName, PostcodeTable.fileName]

    /// Refuses a `--mirror` that names a file: a mirror is the folder holding the files above, and
    /// suggesting `ingest --mirror <that file>` would only fail again.
    func checkNotAFile() throws {
        guard case .directory(let path) = self else { return }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { return }
        let what = "a mirror is the folder that 'geoquery ingest --mirror DIR FILES...' fills with \(MirrorLocation.fileNames.dropLast().joined(separator: ", ")) and \(MirrorLocation.fileNames.last!)"
        let name = (path as NSString).lastPathComponent
        if MirrorLocation.fileNames.contains(name) {
            let parent = (path as NSString).deletingLastPathComponent
            throw GeoQueryError.mirrorMissing("\(path) is the \(name) file inside a mirror folder, not the folder: give --mirror \(parent.isEmpty ? "." : parent); \(what)")
        }
        throw GeoQueryError.mirrorMissing("\(path) is a file, not a mirror folder: \(what)")
    }

    /// The existing snapshot, or nil when the directory has none yet (first ingest).
    func openIfPresent() throws -> Snapshot? {
        guard let path = snapshotPath else {
            throw GeoQueryError.mirrorWrite("the embedded sample is read-only: give --mirror DIR (or set GEOQUERY_MIRROR) to ingest")
        }
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try openSnapshot()
    }

    /// Writes the snapshot atomically (see ``writeFile(named:what:_:)``). Returns the bytes written.
    func write(_ image: SnapshotImage) throws -> Int {
        try writeFile(named: SnapshotFormat.fileName, what: "the snapshot") { image.write(to: $0) }
    }

    /// Writes one file of the mirror folder atomically: a temporary file in the same folder,
    /// fsync, rename over the old one, fsync the folder. A crash at any point leaves the previous
    /// file whole. `produce` hands its bytes to the sink in pieces and returns false on failure.
    /// Returns the bytes written.
    func writeFile(named name: String, what: String,
                   _ produce: (_ sink: (UnsafeRawBufferPointer) -> Bool) -> Bool) throws -> Int {
        guard case .directory(let dir) = self else {
            throw GeoQueryError.mirrorWrite("the embedded sample is read-only: give --mirror DIR to ingest")
        }
        let path = (dir as NSString).appendingPathComponent(name)
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw GeoQueryError.mirrorWrite("cannot create mirror folder \(dir): \(error.localizedDescription)")
        }
        let temp = (dir as NSString).appendingPathComponent(".\(name).\(getpid()).tmp")
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw GeoQueryError.mirrorWrite("cannot write in \(dir): \(String(cString: strerror(errno)))") }
        var written = 0
        var ok = produce { buf in
            var done = 0
            while done < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + done, buf.count - done)
                if n <= 0 { return false }
                done += n
            }
            written += buf.count
            return true
        }
        ok = ok && fsync(fd) == 0
        let reason = String(cString: strerror(errno))
        close(fd)
        guard ok else {
            unlink(temp)
            throw GeoQueryError.mirrorWrite("writing \(what) in \(dir) failed (\(reason)); the previous mirror is untouched")
        }
        guard rename(temp, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temp)
            throw GeoQueryError.mirrorWrite("cannot replace \(path) (\(why)); the previous mirror is untouched")
        }
        let dirFD = open(dir, O_RDONLY)
        if dirFD >= 0 { fsync(dirFD); close(dirFD) }  // make the rename itself durable
        // Temporary files of writes that were killed before their rename are garbage now.
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        where entry.hasPrefix(".\(name).") && entry.hasSuffix(".tmp") {
            unlink((dir as NSString).appendingPathComponent(entry))
        }
        return written
    }
}

import Foundation
import GeoQuery
#if canImport(Glibc)
import Glibc
#endif

/// The mirror being served. A re-ingest renames a new snapshot (or delta) over the old one (atomically);
/// the next request after that is answered from the new snapshot, while requests already running
/// finish on the old one (it stays mapped until the last of them lets go). No restart, no failure.
final class MirrorSource: @unchecked Sendable {
    private let lock = NSLock()
    private var mirror: CrimeMirror
    private var identity: [FileIdentity?]
    private var lastCheck = ContinuousClock.now
    private let log: @Sendable (String) -> Void
    /// How often the snapshot file is looked at: a stat per this interval, not per request.
    static let checkInterval = Duration.milliseconds(200)

    init(_ mirror: CrimeMirror, log: @escaping @Sendable (String) -> Void) {
        self.mirror = mirror
        self.log = log
        identity = MirrorSource.files(mirror.location)
    }

    /// The snapshot's and the delta's identities (an ingest replaces either, or removes the delta).
    private static func files(_ location: MirrorLocation) -> [FileIdentity?] {
        [location.snapshotPath.flatMap(FileIdentity.init), location.deltaPath.flatMap(FileIdentity.init)]
    }

    /// The current mirror, re-opened first if the snapshot file was replaced since it was opened.
    func current() -> CrimeMirror {
        lock.lock(); defer { lock.unlock() }
        let now = ContinuousClock.now
        guard now - lastCheck >= MirrorSource.checkInterval, let path = mirror.location.snapshotPath else { return mirror }
        lastCheck = now
        let seen = MirrorSource.files(mirror.location)
        guard seen[0] != nil, seen != identity else { return mirror }
        do {
            mirror = try CrimeMirror.open(mirror.location)
            identity = seen
            // An ingest leaves the catchment file ready; opening it (node boxes, ~ms) happens
            // off this request, and requests needing catchments meanwhile wait for it.
            let fresh = mirror
            DispatchQueue.global().async { _ = try? fresh.prepareCatchments() }
            log("snapshot replaced: now serving \(path) (\(mirror.firstMonth.map { "\($0)" } ?? "empty")..\(mirror.lastMonth.map { "\($0)" } ?? ""))")
        } catch {
            // A deleted or unreadable file: keep answering from the snapshot already mapped.
            log("snapshot at \(path) could not be opened (\(error)); still serving the previous one")
            identity = seen
        }
        return mirror
    }
}

/// Which file a path names now (device, inode, size, modification time): a rename over it changes it.
struct FileIdentity: Equatable {
    let device: UInt64, inode: UInt64, size: Int64, modified: Int

    init?(_ path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        modified = st.st_mtim.tv_sec * 1_000_000_000 + st.st_mtim.tv_nsec
    }
}

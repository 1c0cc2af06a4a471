import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One writer at a time for a mirror folder: an ingest holds an exclusive `flock` on
/// `DIR/ingest.lock` from before it reads the mirror until its last file is renamed into place.
///
/// Two ingests at once each read the same mirror, and the later rename dropped the rows of the
/// other, both saying they stored them (an independent check lost a whole month this way).
/// Readers take no lock: every write is a rename, so a reader sees one whole state or the next.
/// The kernel releases the lock when the process ends, however it ends, so a killed ingest
/// never leaves the mirror locked. The file stays (removing it would race with a waiting writer).
///
/// Taken on first need (``acquire(waiting:)``), not at the ingest's start: an ingest refused for
/// its inputs leaves no folder behind.
final class MirrorLock {
    static let fileName = "ingest.lock"
    private let mirror: MirrorLocation
    private var descriptor: Int32 = -1
    /// Whether taking the lock made the mirror folder (of ingests started at once into a new
    /// folder, one made it).
    private(set) var madeFolder = false

    init(_ mirror: MirrorLocation) { self.mirror = mirror }

    /// Takes the lock (once; later calls return at once). When another process holds it, calls
    /// `waiting` with a line for the user, then waits for it.
    func acquire(waiting: (String) -> Void) throws {
        guard descriptor < 0, case .directory(let dir) = mirror else { return }
        madeFolder = try AtomicFile.createFolder(dir, what: "the mirror folder")
        let path = (dir as NSString).appendingPathComponent(Self.fileName)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw GeoQueryError.mirrorWrite("cannot open \(path), the mirror's write lock: \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK else { return try fail(fd, path) }
            waiting("waiting for another ingest into \(dir) to finish (one writes a mirror at a time)")
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else { return try fail(fd, path) }
            }
        }
        descriptor = fd
    }

    private func fail(_ fd: Int32, _ path: String) throws {
        let reason = String(cString: strerror(errno))
        close(fd)
        throw GeoQueryError.mirrorWrite("cannot take the mirror's write lock \(path): \(reason)")
    }

    deinit { if descriptor >= 0 { close(descriptor) } }
}

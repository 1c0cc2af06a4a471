import Foundation

/// One writer at a time for a mirror folder: an ingest holds an exclusive `flock` (``FileLock``)
/// on `DIR/ingest.lock` from before it reads the mirror until its last file is renamed into place.
///
/// Two ingests at once each read the same mirror, and the later rename dropped the rows of the
/// other, both saying they stored them (an independent check lost a whole month this way).
/// Readers take no lock: every write is a rename, so a reader sees one whole state or the next.
///
/// Taken on first need (``acquire(waiting:)``), not at the ingest's start: an ingest refused for
/// its inputs leaves no folder behind.
final class MirrorLock {
    static let fileName = "ingest.lock"
    private let mirror: MirrorLocation
    private var lock: FileLock?
    /// Whether taking the lock made the mirror folder (of ingests started at once into a new
    /// folder, one made it).
    private(set) var madeFolder = false

    init(_ mirror: MirrorLocation) { self.mirror = mirror }

    /// Takes the lock (once; later calls return at once). When another process holds it, calls
    /// `waiting` with a line for the user, then waits for it.
    func acquire(waiting: (String) -> Void) throws {
        guard lock == nil, case .directory(let dir) = mirror else { return }
        madeFolder = try AtomicFile.createFolder(dir, what: "the mirror folder")
        lock = try FileLock((dir as NSString).appendingPathComponent(Self.fileName), what: "the mirror's write lock") {
            waiting("waiting for another ingest into \(dir) to finish (one writes a mirror at a time)")
        }
    }
}

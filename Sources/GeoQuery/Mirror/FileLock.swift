import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on a file (made when missing), held until this is released: one writer
/// at a time for an ingest (its `MirrorLock`) or a harvest. The kernel releases it when the process
/// ends, however it ends, so a killed writer never leaves it held. The file stays (removing it
/// would race with a waiting writer).
public final class FileLock {
    private let descriptor: Int32

    /// Takes the lock on `path`; `what` names it in errors ("the mirror's write lock"). When
    /// another process holds it, `busy` is called: it throws to give up, or returns to wait.
    public init(_ path: String, what: String, busy: () throws -> Void) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw GeoQueryError.mirrorWrite("cannot open \(path), \(what): \(String(cString: strerror(errno)))")
        }
        func fail() -> GeoQueryError {
            let reason = String(cString: strerror(errno))
            close(fd)
            return GeoQueryError.mirrorWrite("cannot take \(what) \(path): \(reason)")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK else { throw fail() }
            do { try busy() } catch { close(fd); throw error }
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else { throw fail() }
            }
        }
        descriptor = fd
    }

    deinit { close(descriptor) }
}

import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The one write layer: every file geoquery writes (snapshot, catchments, postcode table, the
/// harvest's journal, CSVs and provenance, pictures and exports) goes through here, so a kill or
/// a full disk at any moment leaves the previous file whole and no temporary file behind.
public enum AtomicFile {
    /// Writes `path` atomically: a temporary file beside it (`.NAME.PID.tmp`), fsync, rename over
    /// the old file, fsync the folder. A crash at any point leaves the previous file whole; a
    /// failed write removes its temporary file and says what to do.
    /// - Parameters:
    ///   - path: the file to replace.
    ///   - what: the file in the user's words ("the snapshot"), for the error.
    ///   - produce: hands the bytes to the sink in pieces; returns false when the sink refused one.
    /// - Returns: the bytes written.
    public static func write(_ path: String, what: String,
                             _ produce: (_ sink: (UnsafeRawBufferPointer) -> Bool) -> Bool) throws -> Int {
        try write(path, what: what, rewriting: { append, _ in produce(append) })
    }

    /// As ``write(_:what:_:)``, for a file whose first bytes are written once more at the end
    /// (a header that sums up what follows): `rewriteStart` overwrites the file's first bytes.
    static func write(_ path: String, what: String,
                      rewriting produce: (_ append: @escaping (UnsafeRawBufferPointer) -> Bool,
                                          _ rewriteStart: @escaping (UnsafeRawBufferPointer) -> Bool) -> Bool) throws -> Int {
        let dir = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temp = (dir as NSString).appendingPathComponent(".\(name).\(getpid()).tmp")
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(errno, writing: what, path: path) }
        var written = 0
        var failedErrno: Int32 = 0
        var ok = produce({ buf in
            guard writeAll(fd, buf) else { failedErrno = errno; return false }
            written += buf.count
            return true
        }, { buf in
            guard writeAll(fd, buf, at: 0) else { failedErrno = errno; return false }
            return true
        })
        if ok && !(WriteFault.step() && fsync(fd) == 0) { ok = false; failedErrno = errno }
        close(fd)
        guard ok else {
            unlink(temp)
            throw failure(failedErrno, writing: what, path: path)
        }
        guard WriteFault.step(), rename(temp, path) == 0 else {
            let e = errno
            unlink(temp)
            throw failure(e, writing: what, path: path)
        }
        // Make the rename itself durable; the new file is already in place, so a failure here
        // loses nothing the next write would not redo.
        if WriteFault.step() {
            let dirFD = open(dir, O_RDONLY | O_CLOEXEC)
            if dirFD >= 0 { fsync(dirFD); close(dirFD) }
        }
        // Temporary files of writes that were killed before their rename are garbage now.
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        where entry.hasPrefix(".\(name).") && entry.hasSuffix(".tmp") {
            unlink((dir as NSString).appendingPathComponent(entry))
        }
        return written
    }

    /// Writes `bytes` to `path` atomically (see ``write(_:what:_:)``).
    @discardableResult
    public static func write(_ path: String, what: String, bytes: some ContiguousBytes) throws -> Int {
        try write(path, what: what) { sink in bytes.withUnsafeBytes { sink($0) } }
    }

    /// Appends one record to the end of an open file and forces it to disk before returning: the
    /// append-only journals. A record cut short by a kill or a full disk has no newline; the
    /// reader drops it.
    public static func append(_ bytes: some ContiguousBytes, to fd: Int32, path: String, what: String) throws {
        let ok = bytes.withUnsafeBytes { writeAll(fd, $0) } && WriteFault.step() && fsync(fd) == 0
        guard ok else { throw failure(errno, writing: what, path: path) }
    }

    /// The most one write(2) call is handed: big sections go out in pieces, so a fault can land
    /// inside any of them.
    static let pieceBytes = 1 << 16

    /// write(2) (or, given an offset, pwrite(2) there) until every byte is out; false (errno
    /// set) when the kernel refuses.
    private static func writeAll(_ fd: Int32, _ buf: UnsafeRawBufferPointer, at offset: Int? = nil) -> Bool {
        var done = 0
        while done < buf.count {
            guard WriteFault.step() else { return false }
            let count = min(buf.count - done, pieceBytes)
            let n = offset.map { pwrite(fd, buf.baseAddress! + done, count, off_t($0 + done)) } ?? Glibc.write(fd, buf.baseAddress! + done, count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { if n == 0 { errno = EIO }; return false }
            done += n
        }
        return true
    }

    /// The error a user reads: what happened, to which file, and what to do.
    static func failure(_ code: Int32, writing what: String, path: String) -> GeoQueryError {
        let dir = (path as NSString).deletingLastPathComponent
        switch code {
        case ENOSPC, EDQUOT:
            return .mirrorWrite("no space left on device writing \(path) (\(what)): free space in \(dir.isEmpty ? "." : dir) and re-run; the previous file is untouched")
        case EACCES, EROFS, EPERM:
            return .mirrorWrite("cannot write \(path) (\(what)): \(String(cString: strerror(code))); make the folder writable or choose another")
        case ENOENT, ENOTDIR:
            return .mirrorWrite("cannot write \(path) (\(what)): the folder \(dir) does not exist")
        default:
            return .mirrorWrite("writing \(path) (\(what)) failed: \(String(cString: strerror(code))); the previous file is untouched, re-run when the cause is fixed")
        }
    }
}

/// TEST-ONLY fault injection for the kill and full-disk tests; nothing sets it in normal use.
///
/// `GEOQUERY_FAULT_AFTER_WRITES=N` lets the first N steps of ``AtomicFile`` (each write(2) of a
/// piece, each fsync, the rename, the folder's fsync) run and stops the next one: with
/// `GEOQUERY_FAULT=kill` (the default) the process SIGKILLs itself there, as a crash or a power
/// cut would; with `GEOQUERY_FAULT=nospace` the step fails with ENOSPC, as a full disk would.
/// Counting steps makes each fault land at the same point on every run.
enum WriteFault {
    private static let limit: Int? = ProcessInfo.processInfo.environment["GEOQUERY_FAULT_AFTER_WRITES"].flatMap { Int($0) }
    private static let fillsDisk = ProcessInfo.processInfo.environment["GEOQUERY_FAULT"] == "nospace"
    private static let steps = Atomic<Int>(0)

    /// Called before each step; false (with errno ENOSPC) when the step must fail.
    static func step() -> Bool {
        guard let limit else { return true }
        let n = steps.wrappingAdd(1, ordering: .relaxed).newValue
        guard n > limit else { return true }
        if !fillsDisk { kill(getpid(), SIGKILL) }
        errno = ENOSPC
        return false
    }
}

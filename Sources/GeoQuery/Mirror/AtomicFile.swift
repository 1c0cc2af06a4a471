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
    /// - Parameter direct: a large file (the snapshot): its bytes go to the disk past the page
    ///   cache (see ``DirectWriter``), falling back to ordinary writes where the file system
    ///   refuses that.
    static func write(_ path: String, what: String, direct: Bool = false,
                      rewriting produce: (_ append: @escaping (UnsafeRawBufferPointer) -> Bool,
                                          _ rewriteStart: @escaping (UnsafeRawBufferPointer) -> Bool) -> Bool) throws -> Int {
        let dir = PathName.folder(of: path), name = PathName.name(of: path)
        let temp = (dir as NSString).appendingPathComponent(".\(name).\(getpid()).tmp")
        let flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC
        let directFD = direct && oDirect != 0 ? open(temp, flags | oDirect, 0o644) : -1
        let fd = directFD >= 0 ? directFD : open(temp, flags, 0o644)  // tmpfs and some others refuse O_DIRECT
        guard fd >= 0 else { throw failure(errno, writing: what, path: path) }
        var written = 0
        var failedErrno: Int32 = 0
        let directWriter = directFD >= 0 ? DirectWriter(fd: fd) : nil
        var ok = produce({ buf in
            if let directWriter {
                guard directWriter.append(buf) else { failedErrno = errno; return false }
            } else {
                guard writeAll(fd, buf, at: written) else { failedErrno = errno; return false }
            }
            written += buf.count
            return true
        }, { buf in
            // The header goes last, through the page cache: its length is not a whole block.
            guard directWriter?.finish() ?? true else { failedErrno = errno; return false }
            guard writeAll(fd, buf, at: 0) else { failedErrno = errno; return false }
            return true
        })
        if ok, let directWriter, !directWriter.finish() { ok = false; failedErrno = errno }
        if ok && !(WriteFault.step() && fsync(fd) == 0) { ok = false; failedErrno = errno }
        directWriter?.wait()  // a failed write may leave a buffer in flight: none may outlive the descriptor
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

    /// Writes `bytes` to `path` atomically (see ``write(_:what:_:)``). A link is followed (its
    /// target is replaced, the link stays); a device, pipe or `/dev/stdout` is written into, as
    /// a rename would replace it with a regular file (`--svg /dev/null` did).
    @discardableResult
    public static func write(_ path: String, what: String, bytes: some ContiguousBytes) throws -> Int {
        var st = stat()
        guard stat(path, &st) == 0 else { return try write(path, what: what) { sink in bytes.withUnsafeBytes { sink($0) } } }
        guard st.st_mode & S_IFMT != S_IFREG else {
            let target = realpath(path, nil).map { p in defer { free(p) }; return String(cString: p) } ?? path
            return try write(target, what: what) { sink in bytes.withUnsafeBytes { sink($0) } }
        }
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        let ok = fd >= 0 && bytes.withUnsafeBytes { writeAll(fd, $0) }
        let code = errno
        if fd >= 0 { close(fd) }
        guard ok else { throw GeoQueryError.mirrorWrite("writing \(path) (\(what)) failed: \(String(cString: strerror(code)))") }
        return bytes.withUnsafeBytes(\.count)
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

    /// write(2) (or, given an offset, pwrite(2) there) until every byte is out, in pieces of
    /// ``pieceBytes``, each a fault step (unless `steps` is false); false (errno set) when the kernel refuses.
    fileprivate static func writeAll(_ fd: Int32, _ buf: UnsafeRawBufferPointer, at offset: Int? = nil, steps: Bool = true) -> Bool {
        var done = 0
        while done < buf.count {
            guard !steps || WriteFault.step() else { return false }
            let count = min(buf.count - done, steps ? pieceBytes : buf.count - done)
            let n = offset.map { pwrite(fd, buf.baseAddress! + done, count, off_t($0 + done)) } ?? Glibc.write(fd, buf.baseAddress! + done, count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { if n == 0 { errno = EIO }; return false }
            done += n
        }
        return true
    }

    /// Creates the folder `path` and any missing folders above it (`mkdir -p`), for `what` (the
    /// folder in the user's words, "the mirror folder"). Foundation's errors here read "The
    /// operation could not be completed. (NSCocoaErrorDomain error 512.)"; this names the part
    /// of the path that stopped it and why.
    /// - Returns: whether this call made `path` itself (false when it was there, or another
    ///   process made it meanwhile).
    /// - Throws: ``GeoQueryError/mirrorWrite(_:)`` naming the folder and the reason.
    @discardableResult
    public static func createFolder(_ path: String, what: String) throws -> Bool {
        guard !path.isEmpty else { throw GeoQueryError.mirrorWrite("\(what) is an empty path: give a folder") }
        // The folders to make, deepest first, up to the nearest that exists.
        var missing: [String] = [], existing = path, found = false
        var isFolder: ObjCBool = false
        while true {
            if FileManager.default.fileExists(atPath: existing, isDirectory: &isFolder) { found = true; break }
            missing.append(existing)
            let up = PathName.folder(of: existing)
            guard up != existing else { break }
            existing = up
        }
        if found && !isFolder.boolValue {
            throw GeoQueryError.mirrorWrite(existing == path ? "cannot use \(path) as \(what): it is a file, not a folder"
                                                             : "cannot create \(path) (\(what)): \(existing) is a file, not a folder")
        }
        var made = false
        for folder in missing.reversed() {
            if mkdir(folder, 0o777) == 0 { made = folder == path; continue }
            let code = errno, parent = PathName.folder(of: folder), reason = String(cString: strerror(code))
            if code == EEXIST, FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue { continue }  // made meanwhile
            switch code {
            case ENOSPC, EDQUOT:
                throw GeoQueryError.mirrorWrite("no space left on device creating \(path) (\(what)): free space in \(parent) and re-run")
            case EACCES, EROFS, EPERM:
                throw GeoQueryError.mirrorWrite("cannot create \(path) (\(what)): \(reason) in \(parent); make it writable or choose another folder")
            case ENOENT:
                // /proc and the like: the folder above is there but takes no new folders.
                throw GeoQueryError.mirrorWrite("cannot create \(path) (\(what)): the folder \(parent) takes no new folders (\(reason))")
            default:
                throw GeoQueryError.mirrorWrite("cannot create \(path) (\(what)): \(reason)")
            }
        }
        return made
    }

    /// The error a user reads: what happened, to which file, and what to do.
    static func failure(_ code: Int32, writing what: String, path: String) -> GeoQueryError {
        let dir = PathName.folder(of: path)
        switch code {
        case ENOSPC, EDQUOT:
            return .mirrorWrite("no space left on device writing \(path) (\(what)): free space in \(dir) and re-run; the previous file is untouched")
        case EACCES, EROFS, EPERM:
            return .mirrorWrite("cannot write \(path) (\(what)): \(String(cString: strerror(code))); make the folder writable or choose another")
        case ENOENT, ENOTDIR:
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir, isDirectory: &isFolder) {
                // /proc and the like: the folder is there but takes no new files.
                return .mirrorWrite(isFolder.boolValue ? "cannot write \(path) (\(what)): the folder \(dir) takes no new files (\(String(cString: strerror(code))))"
                                                       : "cannot write \(path) (\(what)): \(dir) is a file, not a folder")
            }
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

/// Linux's O_DIRECT, which Glibc's module hides behind _GNU_SOURCE: its value per architecture
/// (asm-generic/fcntl.h and arm64's fcntl.h); 0, so no direct writes, elsewhere.
#if os(Linux) && arch(x86_64)
private let oDirect: Int32 = 0o40000
#elseif os(Linux) && arch(arm64)
private let oDirect: Int32 = 0o200000
#else
private let oDirect: Int32 = 0
#endif

/// Writes a large file past the page cache: the bytes are gathered into block-aligned buffers and
/// written with oDirect on a thread of their own while the producer fills the next buffer. A
/// national snapshot is ~1.3 GB; through write(2) the kernel copied it into the page cache at
/// ~300–400 MB/s on this machine's VMs (fresh memory the host has to back), most of the write stage.
private final class DirectWriter: @unchecked Sendable {
    /// oDirect wants block-aligned addresses, lengths and offsets; 4 KiB suits every disk here.
    private static let block = 4096
    private static let bufferBytes = 4 << 20
    private let fd: Int32
    private let buffers: [UnsafeMutableRawPointer]
    private let queue = DispatchQueue(label: "geoquery.direct-writer")
    /// Counts the free buffers besides the one being filled (libdispatch traps when a semaphore
    /// is let go below its initial value, so it starts at 0 and is signalled once).
    private let idle = DispatchSemaphore(value: 0)
    private var current = 0, filled = 0, bufferStart = 0
    /// The writer's errno after a failed write (0: none); read by the producer after `idle` is taken.
    private var failure: Int32 = 0
    private var finished = false

    init(fd: Int32) {
        self.fd = fd
        buffers = (0..<2).map { _ in UnsafeMutableRawPointer.allocate(byteCount: Self.bufferBytes, alignment: Self.block) }
        idle.signal()
    }

    deinit {
        wait()
        buffers.forEach { $0.deallocate() }
    }

    /// Returns once no write is in flight.
    func wait() { queue.sync {} }

    /// Takes `bytes` (copied); false (errno set) once a write has failed or a fault step stops it.
    func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var done = 0
        while done < bytes.count {
            // The fault steps fall as they did for write(2) in pieces, so the kill tests hit the same places.
            if done % AtomicFile.pieceBytes == 0 { guard WriteFault.step() else { return false } }
            let n = min(bytes.count - done, Self.bufferBytes - filled, AtomicFile.pieceBytes - done % AtomicFile.pieceBytes)
            (buffers[current] + filled).copyMemory(from: bytes.baseAddress! + done, byteCount: n)
            filled += n
            done += n
            if filled == Self.bufferBytes { guard submit() else { return false } }
        }
        return true
    }

    /// Writes out the last buffer (padded to a whole block, then the file cut back to its true
    /// length) and waits for every write; later writes to the file go through the page cache.
    func finish() -> Bool {
        if finished { return failure == 0 || fail() }
        finished = true
        let length = bufferStart + filled
        if filled > 0 {
            let padded = (filled + Self.block - 1) / Self.block * Self.block
            (buffers[current] + filled).initializeMemory(as: UInt8.self, repeating: 0, count: padded - filled)
            filled = padded
            guard submit() else { return false }
        }
        wait()
        guard failure == 0 else { return fail() }
        guard ftruncate(fd, off_t(length)) == 0 else { return false }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~oDirect)
        return true
    }

    private func fail() -> Bool { errno = failure; return false }

    /// Hands the current buffer to the writer thread and takes the other once it is free.
    private func submit() -> Bool {
        nonisolated(unsafe) let buffer = UnsafeRawBufferPointer(start: buffers[current], count: filled)
        let (count, offset) = (filled, bufferStart)
        queue.async { [self] in
            if failure == 0 {
                var ok = AtomicFile.writeAll(fd, buffer, at: offset, steps: false)
                if !ok && errno == EINVAL {
                    // A file system that took O_DIRECT at open but refuses its writes: write through the cache.
                    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~oDirect)
                    ok = AtomicFile.writeAll(fd, buffer, at: offset, steps: false)
                }
                if !ok { failure = errno == 0 ? EIO : errno }
            }
            idle.signal()
        }
        bufferStart += count
        filled = 0
        current ^= 1
        idle.wait()
        return failure == 0 || fail()
    }
}

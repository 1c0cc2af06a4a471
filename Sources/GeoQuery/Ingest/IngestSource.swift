import Foundation
import CZlibInflate
import ZIPFoundation

/// One CSV to read: a file on disk or an entry inside a monthly zip archive.
struct IngestSource: Sendable {
    /// What the summary and error messages call it (`archive.zip:2019-01/2019-01-kent-street.csv`).
    let name: String
    /// Puts the source's bytes at the start of the buffer (growing it only when it is too small)
    /// and returns how many there are.
    let fill: @Sendable (inout [UInt8]) throws -> Int

    /// The source's bytes in a buffer of their own.
    func load() throws -> [UInt8] {
        var bytes: [UInt8] = []
        let count = try fill(&bytes)
        bytes.removeLast(bytes.count - count)
        return bytes
    }

    /// The source's bytes, read into `buffer`, which the caller keeps for the next source: a
    /// national ingest reads 4 GB of CSV, and a fresh buffer per file had every page of it
    /// faulted in and zeroed by the kernel before the read copied over it (43% of the ingest's
    /// page faults).
    func withBytes<R>(reusing buffer: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        let count = try fill(&buffer)
        return try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[..<count])) }
    }

    /// Expands files, folders (recursively) and `.zip` archives into the CSVs they hold, sorted by
    /// name so that ingest order, and so the snapshot, are deterministic.
    static func expand(_ paths: [String]) throws -> [IngestSource] {
        var out: [IngestSource] = []
        let fm = FileManager.default
        for path in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
                throw GeoQueryError.unreadableInput("no such file or folder: \(path)")
            }
            if isDir.boolValue {
                guard let walker = fm.enumerator(atPath: path) else { throw GeoQueryError.unreadableInput("cannot list folder \(path)") }
                var found: [String] = []
                while let rel = walker.nextObject() as? String {
                    let lower = rel.lowercased()
                    if (lower.hasSuffix(".csv") || lower.hasSuffix(".zip")) && !isMacOSMetadata(rel) { found.append(rel) }
                }
                for rel in found.sorted() { out += try expand(file: (path as NSString).appendingPathComponent(rel)) }
            } else {
                out += try expand(file: path)
            }
        }
        return out
    }

    /// What macOS adds beside files it copies or zips (a `__MACOSX/` folder of `._name` files
    /// holding their extended attributes): named like the CSVs but not CSVs, so a Police UK
    /// archive re-zipped on a Mac was refused. Skipped inside folders and archives; a path given
    /// by name is read as asked.
    static func isMacOSMetadata(_ path: String) -> Bool {
        path.split(separator: "/").contains { $0 == "__MACOSX" || $0.hasPrefix("._") }
    }

    private static func expand(file path: String) throws -> [IngestSource] {
        if path.lowercased().hasSuffix(".zip") { return try zipEntries(path) }
        return [IngestSource(name: path) { try readFile(path, into: &$0) }]
    }

    /// ZIPFoundation's error (`missingEndOfCentralDirectoryRecord`) in words, with what to do.
    private static func zipWords(_ error: Error) -> String {
        switch error as? Archive.ArchiveError {
        case .missingEndOfCentralDirectoryRecord?:
            return "no zip directory at its end, so it is cut short or not a zip file at all; download it again"
        case .invalidCentralDirectoryOffset?, .invalidCentralDirectorySize?, .invalidCentralDirectoryEntryCount?:
            return "its zip directory is damaged; download it again"
        case .unreadableArchive?:
            return "it cannot be opened for reading"
        default:
            return "it cannot be read as a zip file; download it again"
        }
    }

    /// The street and outcomes CSVs inside a data.police.uk archive; stop-and-search is skipped.
    /// ZIPFoundation lists the entries; their bytes are read and inflated here (`ZipEntryBytes`),
    /// because its Linux inflate loop never ends on a deflate stream that runs past the end of the file.
    private static func zipEntries(_ path: String) throws -> [IngestSource] {
        let archive: Archive
        let localHeaders: [UInt64]
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
            localHeaders = try ZipEntryBytes.localHeaderOffsets(path)
        } catch let e as GeoQueryError {
            throw e
        } catch {
            throw GeoQueryError.unreadableInput("\(path) is not a readable zip archive: \(zipWords(error))")
        }
        // ZIPFoundation walks the same central directory in the same order: the i-th entry is the i-th record.
        let listed = Array(archive.enumerated())
        guard listed.count <= localHeaders.count else {
            throw GeoQueryError.unreadableInput("\(path) is not a readable zip archive (its central directory lists \(localHeaders.count) entries, ZIPFoundation read \(listed.count))")
        }
        var out: [IngestSource] = []
        for (index, entry) in listed.sorted(by: { $0.element.path < $1.element.path }) {
            guard entry.type == .file, entry.path.lowercased().hasSuffix(".csv"), !entry.path.lowercased().hasSuffix("-stop-and-search.csv"),
                  !isMacOSMetadata(entry.path) else { continue }
            let name = "\(path):\(entry.path)"
            let reading = ZipEntryBytes(archive: path, entry: entry.path, localHeader: localHeaders[index], compressed: entry.compressedSize,
                                        size: Int(clamping: entry.uncompressedSize), checksum: entry.checksum, deflated: entry.isCompressed)
            try checkExpansion(declared: reading.size, compressed: Int(clamping: entry.compressedSize), name: name)
            out.append(IngestSource(name: name, fill: reading.read))
        }
        return out
    }
}

extension IngestSource {
    /// A whole file's bytes, read straight into `buffer` from its start (through `Data` they were
    /// copied once more); returns how many. A file that grew since `fstat` (or a pipe-like file
    /// with no size) is read on to its end.
    /// - Parameter what: the file in the user's words, for the error ("a boundary file").
    static func readFile(_ path: String, what: String? = nil, into buffer: inout [UInt8]) throws -> Int {
        func failure() -> GeoQueryError {
            .unreadableInput("cannot read \(path)\(what.map { " (\($0))" } ?? ""): \(String(cString: strerror(errno)))")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw failure() }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw failure() }
        // One byte more than the size, so the read that finds the end needs no growth.
        ensureRoom(&buffer, Int(st.st_size) + 1, keeping: 0)
        var filled = 0
        while true {
            if filled == buffer.count { ensureRoom(&buffer, 2 * filled, keeping: filled) }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n > 0 { filled += n } else if n < 0 && errno == EINTR { continue } else if n < 0 { throw failure() } else { break }
        }
        return filled
    }

    /// Grows `buffer` to at least `count` bytes, keeping its first `keeping`; the new bytes are
    /// left unset, for a read to fill.
    static func ensureRoom(_ buffer: inout [UInt8], _ count: Int, keeping: Int) {
        guard buffer.count < count else { return }
        buffer = [UInt8](unsafeUninitializedCapacity: count) { room, initialized in
            buffer.withUnsafeBufferPointer { old in _ = room.initialize(fromContentsOf: old[..<keeping]) }
            initialized = count
        }
    }

    /// The most one zip entry may expand to: each CSV is read whole, and the largest monthly file
    /// data.police.uk publishes is tens of MB.
    static let maxZipEntryBytes = 2 << 30
    /// Expansion ratios above this (for entries over 1 MiB) are a zip bomb, not a CSV: Police UK
    /// CSVs deflate about 5–10:1, a bomb of repeated bytes about 1,000:1.
    static let maxZipRatio = 100

    /// Refuses an entry whose declared size would exhaust memory, before a byte is expanded.
    static func checkExpansion(declared: Int, compressed: Int, name: String) throws {
        if declared > maxZipEntryBytes {
            throw GeoQueryError.tooLarge("\(name) declares \(Format.grouped(declared)) bytes, over the \(maxZipEntryBytes >> 30) GiB one zip entry may hold: unzip it and ingest the CSV, or split it")
        }
        if declared > 1 << 20 && declared / max(compressed, 1) > maxZipRatio {
            throw GeoQueryError.tooLarge("\(name) expands \(declared / max(compressed, 1)):1 (\(Format.grouped(compressed)) to \(Format.grouped(declared)) bytes), more than any CSV does: a zip bomb, refused")
        }
    }
}

/// One zip entry's bytes, read from its local header on and inflated with zlib here, refusing a
/// deflate stream that has not ended when the entry's compressed bytes are spent: ZIPFoundation
/// 0.9.20's Linux inflate loop gets empty chunks at the end of the file and never ends (and hands
/// zlib a full buffer's length for a short last chunk) (FUZZING.md, finding 5). Checks the CRC-32
/// and size the archive records, and refuses expansion past that size.
struct ZipEntryBytes: Sendable {
    /// The archive's path and the entry's path inside it.
    let archive: String, entry: String
    let localHeader: UInt64, compressed: UInt64
    let size: Int
    let checksum: UInt32
    let deflated: Bool

    /// Inflates the entry into `buffer` from its start; returns its size.
    func read(into buffer: inout [UInt8]) throws -> Int {
        do {
            return try readChecked(into: &buffer)
        } catch let error as GeoQueryError {
            throw error
        } catch is ZipBomb {
            throw GeoQueryError.tooLarge("\(archive): \(entry) expands past the \(Format.grouped(size)) bytes its zip header declares: the archive is damaged or built to exhaust memory; refused")
        } catch is StreamRunsOut {
            throw damaged("its deflate stream does not end within the \(Format.grouped(Int(clamping: compressed))) compressed bytes the archive records")
        } catch {
            throw GeoQueryError.unreadableInput("\(archive): cannot extract \(entry) (\(error))")
        }
    }

    private func readChecked(into bytes: inout [UInt8]) throws -> Int {
        guard let file = FileHandle(forReadingAtPath: archive) else { throw GeoQueryError.unreadableInput("cannot read \(archive)") }
        defer { try? file.close() }
        let fileSize = try file.seekToEnd()
        // The local header: 30 fixed bytes, then the name and extra field, whose lengths sit at 26 and 28.
        try file.seek(toOffset: localHeader)
        let header = [UInt8](try file.read(upToCount: 30) ?? Data())
        guard header.count == 30, ZipEntryBytes.uint(header, 0, 4) == 0x0403_4b50 else { throw damaged("its local header is missing") }
        let dataStart = localHeader + 30 + ZipEntryBytes.uint(header, 26, 2) + ZipEntryBytes.uint(header, 28, 2)
        guard dataStart <= fileSize, compressed <= fileSize - dataStart else { throw damaged("its compressed bytes run past the end of the file") }
        try file.seek(toOffset: dataStart)
        IngestSource.ensureRoom(&bytes, size, keeping: 0)
        var filled = 0
        func take(_ chunk: UnsafeBufferPointer<UInt8>) throws {
            // A header that understates the size must not let the entry expand past it.
            guard filled + chunk.count <= size else { throw ZipBomb() }
            bytes.withUnsafeMutableBufferPointer { _ = UnsafeMutableBufferPointer(rebasing: $0[filled...]).initialize(fromContentsOf: chunk) }
            filled += chunk.count
        }
        if deflated {
            try inflate(file, into: take)
        } else {
            let stored = try file.read(upToCount: Int(clamping: compressed)) ?? Data()
            try stored.withUnsafeBytes { try take($0.bindMemory(to: UInt8.self)) }
        }
        let crc = bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt(filled))) }
        guard crc == checksum, filled == size else { throw damaged("its CRC-32 or size does not match what the archive records") }
        return filled
    }

    /// Inflates the raw deflate stream of `compressed` bytes at `file`'s position, chunk by chunk.
    private func inflate(_ file: FileHandle, into take: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let chunk = 1 << 16
        let input = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk), output = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk)
        defer { input.deallocate(); output.deallocate() }
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw damaged("zlib cannot start") }
        defer { inflateEnd(&stream) }
        var left = compressed
        var status: Int32
        repeat {
            if stream.avail_in == 0 {
                // Every compressed byte given and the stream not ended: refuse rather than wait for more.
                guard left > 0 else { throw StreamRunsOut() }
                let data = try file.read(upToCount: Int(min(UInt64(chunk), left))) ?? Data()
                guard !data.isEmpty else { throw StreamRunsOut() }
                data.copyBytes(to: input, count: data.count)
                left -= UInt64(data.count)
                stream.next_in = input
                stream.avail_in = uInt(data.count)
            }
            stream.next_out = output
            stream.avail_out = uInt(chunk)
            status = CZlibInflate.inflate(&stream, Z_NO_FLUSH)
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw damaged("its deflate data is corrupt (zlib: \(stream.msg.map { String(cString: $0) } ?? "error \(status)"))")
            }
            try take(UnsafeBufferPointer(start: output, count: chunk - Int(stream.avail_out)))
        } while status != Z_STREAM_END
    }

    private func damaged(_ why: String) -> GeoQueryError {
        .unreadableInput("\(archive): \(entry) is damaged (\(why)): download the archive again")
    }

    /// The local header offset of every central directory record, in the directory's order
    /// (ZIP64 end records and extra fields included): ZIPFoundation keeps these internal.
    static func localHeaderOffsets(_ path: String) throws -> [UInt64] {
        guard let file = FileHandle(forReadingAtPath: path) else { throw GeoQueryError.unreadableInput("cannot read \(path)") }
        defer { try? file.close() }
        let fileSize = try file.seekToEnd()
        // The end record (22 bytes plus a comment of up to 65,535) is the last thing in the file.
        let tailStart = fileSize - min(fileSize, 22 + 65_535)
        try file.seek(toOffset: tailStart)
        let tail = [UInt8](try file.readToEnd() ?? Data())
        guard tail.count >= 22, let end = stride(from: tail.count - 22, through: 0, by: -1).first(where: { uint(tail, $0, 4) == 0x0605_4b50 }) else {
            throw ZipLayoutError()
        }
        var count = uint(tail, end + 10, 2), directorySize = uint(tail, end + 12, 4), directoryStart = uint(tail, end + 16, 4)
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryStart == 0xFFFF_FFFF {
            // ZIP64: a 20-byte locator just before the end record points at the ZIP64 end record.
            guard end >= 20, uint(tail, end - 20, 4) == 0x0706_4b50 else { throw ZipLayoutError() }
            // Within the file before seeking: Foundation's seek stops the process on an offset past Int64.
            let end64Start = uint(tail, end - 12, 8)
            guard end64Start <= fileSize, fileSize - end64Start >= 56 else { throw ZipLayoutError() }
            try file.seek(toOffset: end64Start)
            let end64 = [UInt8](try file.read(upToCount: 56) ?? Data())
            guard end64.count == 56, uint(end64, 0, 4) == 0x0606_4b50 else { throw ZipLayoutError() }
            (count, directorySize, directoryStart) = (uint(end64, 32, 8), uint(end64, 40, 8), uint(end64, 48, 8))
        }
        guard directoryStart <= fileSize, directorySize <= fileSize - directoryStart, count <= directorySize / 46 else { throw ZipLayoutError() }
        try file.seek(toOffset: directoryStart)
        let directory = [UInt8](try file.read(upToCount: Int(directorySize)) ?? Data())
        var offsets: [UInt64] = [], at = 0
        while offsets.count < count {
            guard at + 46 <= directory.count, uint(directory, at, 4) == 0x0201_4b50 else { throw ZipLayoutError() }
            let nameLength = Int(uint(directory, at + 28, 2)), extraLength = Int(uint(directory, at + 30, 2)), commentLength = Int(uint(directory, at + 32, 2))
            guard at + 46 + nameLength + extraLength <= directory.count else { throw ZipLayoutError() }
            var offset = uint(directory, at + 42, 4)
            if offset == 0xFFFF_FFFF {
                // The ZIP64 extra field (id 1) holds, in order, each of the sizes and the offset whose 32-bit field is all ones.
                var field = at + 46 + nameLength
                let extraEnd = field + extraLength
                while field + 4 <= extraEnd {
                    let id = uint(directory, field, 2), length = Int(uint(directory, field + 2, 2))
                    if id == 1 {
                        var value = field + 4
                        if uint(directory, at + 24, 4) == 0xFFFF_FFFF { value += 8 }
                        if uint(directory, at + 20, 4) == 0xFFFF_FFFF { value += 8 }
                        guard value + 8 <= min(field + 4 + length, extraEnd) else { throw ZipLayoutError() }
                        offset = uint(directory, value, 8)
                        break
                    }
                    field += 4 + length
                }
            }
            offsets.append(offset)
            at += 46 + nameLength + extraLength + commentLength
        }
        return offsets
    }

    /// A little-endian unsigned integer of `width` bytes at `at`.
    private static func uint(_ bytes: [UInt8], _ at: Int, _ width: Int) -> UInt64 {
        (0..<width).reversed().reduce(0) { $0 << 8 | UInt64(bytes[at + $1]) }
    }
}

/// Thrown from an extraction callback to stop an entry that outgrows its declared size.
private struct ZipBomb: Error {}
/// Thrown by the inflate provider once an entry's compressed bytes are spent before its stream ends.
private struct StreamRunsOut: Error {}
/// The archive's end record or central directory cannot be walked.
private struct ZipLayoutError: Error, CustomStringConvertible {
    var description: String { "its central directory cannot be read" }
}

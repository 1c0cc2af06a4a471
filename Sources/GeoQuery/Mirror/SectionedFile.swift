import Foundation

/// The container every file of the mirror folder shares (the snapshot, the postcode table):
///
/// ```
/// magic (8 bytes) | format version u32 | section count u32
/// section table: (id u32, reserved u32, offset u64, length u64, checksum u64) × count
/// header checksum u64
/// sections, each 16-byte aligned, little-endian flat arrays
/// ```
/// One writer and one header reader, so a torn or foreign file is refused the same way whichever
/// file it is.
struct SectionedFile {
    let magic: [UInt8]
    /// Bump when the layout changes; older readers refuse newer files with a clear message.
    let version: UInt32
    /// The oldest version this reader still opens (their layouts differ in ways readers handle).
    var oldest: UInt32
    /// What messages call it: "snapshot", "postcode table".
    let what: String
    /// How a user rebuilds a damaged or outdated file, for messages.
    let rebuild: String

    init(magic: [UInt8], version: UInt32, oldest: UInt32? = nil, what: String, rebuild: String) {
        self.magic = magic
        self.version = version
        self.oldest = oldest ?? version
        self.what = what
        self.rebuild = rebuild
    }

    typealias Entry = (offset: Int, length: Int, checksum: UInt64)
    /// Lends a section's bytes to `body`, in one piece or, for a section of declared length, in
    /// several (in order).
    typealias Bytes = (_ body: (UnsafeRawBufferPointer) -> Void) -> Void

    /// Validates magic, version and the header checksum and returns the section table by id.
    /// Section checksums are left to the caller (some sections are verified lazily).
    func sections(_ raw: UnsafeRawBufferPointer, path: String) throws -> [UInt32: Entry] {
        let corrupt = GeoQueryError.mirrorCorrupt("\(path) is not a valid geoquery \(what) (damaged or truncated): \(rebuild)")
        guard raw.count >= 24, Array(raw[0..<8]) == magic else { throw corrupt }
        let found = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        guard found <= version else {
            throw GeoQueryError.mirrorTooNew("\(path) uses \(what) format v\(found), newer than this geoquery reads (v\(version)): upgrade geoquery, or re-ingest into a new mirror")
        }
        guard found >= oldest else {
            throw GeoQueryError.mirrorTooNew("\(path) uses \(what) format v\(found), older than this geoquery reads (v\(version)): \(rebuild)")
        }
        let count = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
        let headerSize = 16 + count * 32 + 8
        guard count < 1000, raw.count >= headerSize else { throw corrupt }
        let stored = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: headerSize - 8, as: UInt64.self))
        guard SnapshotFormat.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<(headerSize - 8)])) == stored else { throw corrupt }
        var table: [UInt32: Entry] = [:]
        let size = UInt64(raw.count)
        for i in 0..<count {
            let b = 16 + i * 32
            let id = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: b, as: UInt32.self))
            // A damaged table may hold any 64-bit value: compared unsigned, so no conversion or sum traps.
            let off = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: b + 8, as: UInt64.self))
            let len = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: b + 16, as: UInt64.self))
            let sum = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: b + 24, as: UInt64.self))
            guard off % 16 == 0, off >= UInt64(headerSize), off <= size, len <= size - off else { throw corrupt }
            table[id] = (Int(off), Int(len), sum)
        }
        return table
    }

    /// A section's bytes.
    static func bytes(_ raw: UnsafeRawBufferPointer, _ e: Entry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: raw[e.offset..<(e.offset + e.length)])
    }

    /// True when the section's bytes match its stored checksum.
    static func verify(_ raw: UnsafeRawBufferPointer, _ e: Entry) -> Bool {
        SnapshotFormat.checksum(bytes(raw, e)) == e.checksum
    }

    /// True when every one of the sections matches its stored checksum. They are summed on all
    /// cores, largest first: a national snapshot's index sections are ~2 GB, read at every open.
    static func verify(_ raw: UnsafeRawBufferPointer, _ entries: [Entry]) -> Bool {
        let order = entries.sorted { $0.length > $1.length }
        let intact = UnsafeMutableBufferPointer<Bool>.allocate(capacity: order.count)
        defer { intact.deallocate() }
        nonisolated(unsafe) let (results, file) = (intact, raw)
        DispatchQueue.concurrentPerform(iterations: order.count) { results[$0] = verify(file, order[$0]) }
        return !intact.contains(false)
    }

    /// Where a file goes: its bytes in order, and its first bytes once more at the end (the
    /// header, whose checksums are known only when every section has gone out). Each returns
    /// false when it could not take the bytes.
    struct Sink {
        let append: (UnsafeRawBufferPointer) -> Bool
        let rewriteStart: (UnsafeRawBufferPointer) -> Bool
    }

    /// The whole file's bytes in memory (small files, tests).
    func bytes(_ sections: [(id: UInt32, bytes: Bytes)], version: UInt32? = nil) -> [UInt8] {
        bytes(Self.whole(sections), version: version)
    }

    /// Sections that each come in one piece, in the form the writer takes.
    static func whole(_ sections: [(id: UInt32, bytes: Bytes)]) -> [(id: UInt32, length: Int?, bytes: Bytes)] {
        sections.map { ($0.id, nil, $0.bytes) }
    }

    /// The whole file's bytes in memory, for sections that may come in pieces.
    func bytes(_ sections: [(id: UInt32, length: Int?, bytes: Bytes)], version: UInt32? = nil) -> [UInt8] {
        var out: [UInt8] = []
        write(sections, version: version, to: Sink(append: { out.append(contentsOf: $0); return true },
                                                    rewriteStart: { out.replaceSubrange(0..<$0.count, with: $0); return true }))
        return out
    }

    /// Streams the whole file to `sink` in one pass: a header of zeros, the sections (each
    /// section's checksum computed as it goes out), then the header again with the checksums.
    /// A section may come in several pieces when it gives its whole `length` (one without comes
    /// in one piece), so no section is ever held whole in memory and none is produced twice.
    /// Stops at the first piece `sink` refuses and returns false.
    @discardableResult
    func write(_ sections: [(id: UInt32, length: Int?, bytes: Bytes)], version: UInt32? = nil, to sink: Sink) -> Bool {
        let headerSize = 16 + sections.count * 32 + 8
        var header = [UInt8](repeating: 0, count: (headerSize + 15) & ~15)
        guard header.withUnsafeBytes({ sink.append($0) }) else { return false }
        var offset = header.count
        var table: [(UInt32, UInt64, UInt64, UInt64)] = []
        let zeros = [UInt8](repeating: 0, count: 16)
        for (id, declared, bytes) in sections {
            // An undeclared section's length is its one piece's.
            var length = 0, pieces = 0, ok = true, sum = declared.map { SnapshotFormat.Checksum(length: $0) }
            bytes { piece in
                if sum == nil { sum = SnapshotFormat.Checksum(length: piece.count) }
                sum!.update(piece)
                length += piece.count
                pieces += 1
                if ok { ok = sink.append(piece) }
            }
            precondition(declared.map { $0 == length } ?? (pieces <= 1), "section \(id): pieces do not add up to its length")
            let pad = ((length + 15) & ~15) - length
            if pad > 0 && ok { ok = zeros.withUnsafeBytes { sink.append(UnsafeRawBufferPointer(rebasing: $0[0..<pad])) } }
            guard ok else { return false }
            table.append((id, UInt64(offset), UInt64(length), (sum ?? SnapshotFormat.Checksum(length: 0)).finish()))
            offset += length + pad
        }
        header.replaceSubrange(0..<8, with: magic)
        header.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: (version ?? self.version).littleEndian, toByteOffset: 8, as: UInt32.self)
            raw.storeBytes(of: UInt32(sections.count).littleEndian, toByteOffset: 12, as: UInt32.self)
            for (i, t) in table.enumerated() {
                let base = 16 + i * 32
                raw.storeBytes(of: t.0.littleEndian, toByteOffset: base, as: UInt32.self)
                raw.storeBytes(of: t.1.littleEndian, toByteOffset: base + 8, as: UInt64.self)
                raw.storeBytes(of: t.2.littleEndian, toByteOffset: base + 16, as: UInt64.self)
                raw.storeBytes(of: t.3.littleEndian, toByteOffset: base + 24, as: UInt64.self)
            }
            let sum = SnapshotFormat.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<(headerSize - 8)]))
            raw.storeBytes(of: sum.littleEndian, toByteOffset: headerSize - 8, as: UInt64.self)
        }
        return header.withUnsafeBytes { sink.rewriteStart($0) }
    }
}

import Foundation

/// The bytes of a snapshot: a read-only memory map of the file, or a buffer built in memory
/// (the embedded sample). Owns the mapping and releases it in `deinit`.
final class SnapshotBytes: @unchecked Sendable {
    let raw: UnsafeRawBufferPointer
    private let release: () -> Void

    /// Maps `path` read-only; pages load on first touch, so opening costs no read of the file.
    init(mapping path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw GeoQueryError.mirrorMissing("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw GeoQueryError.mirrorCorrupt("cannot stat \(path)") }
        // A folder opens read-only too, and then fails to map with "No such device".
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw GeoQueryError.mirrorCorrupt("\(path) is \(st.st_mode & S_IFMT == S_IFDIR ? "a folder" : "not a regular file"), not a snapshot: move it aside and re-run geoquery ingest")
        }
        let size = Int(st.st_size)
        guard size > 0 else { throw GeoQueryError.mirrorCorrupt("\(path) is empty: the mirror is corrupt; re-run geoquery ingest") }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw GeoQueryError.mirrorCorrupt("cannot map \(path): \(String(cString: strerror(errno)))")
        }
        raw = UnsafeRawBufferPointer(start: base, count: size)
        release = { munmap(base, size) }
    }

    /// Copies `bytes` into an owned, 16-byte-aligned buffer.
    init(copying bytes: [UInt8]) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
        raw = UnsafeRawBufferPointer(rebasing: buffer[0..<bytes.count])
        release = { buffer.deallocate() }
    }

    deinit { release() }
}

/// Sections read by id: an opened snapshot, or sections of a snapshot not yet written
/// (``SnapshotImage/gathered(_:)``), so that what is read from them is read one way.
protocol SnapshotSections {
    /// A section's bytes (empty for an optional section this snapshot lacks).
    func raw(_ s: SnapshotFormat.Section) -> UnsafeRawBufferPointer
    /// Whether section `s` is there (optional sections may be missing in older snapshots).
    func has(_ s: SnapshotFormat.Section) -> Bool
}

extension SnapshotSections {
    /// A section as a typed array view (sections are 16-byte aligned and sized by their type).
    func array<T>(_ s: SnapshotFormat.Section, as: T.Type = T.self) -> UnsafeBufferPointer<T> {
        raw(s).assumingMemoryBound(to: T.self)
    }

    /// A stored string table.
    func strings(_ s: SnapshotFormat.Section) -> StoredStrings {
        StoredStrings(raw: raw(s))
    }

    /// The force boundaries stored with the catchments.
    func boundaries() throws -> [ForceBoundary] {
        let names = strings(.boundaryNames), start = array(.boundaryStart, as: UInt64.self), wkb = raw(.boundaryWKB)
        let lonLat = has(.boundaryLonLatWKB) && array(.boundaryLonLatStart, as: UInt64.self).count == names.count + 1
            ? (start: array(.boundaryLonLatStart, as: UInt64.self), wkb: raw(.boundaryLonLatWKB)) : nil
        return (0..<names.count).map { i in
            ForceBoundary(name: names[i], wkb: Array(wkb[Int(start[i])..<Int(start[i + 1])]),
                          lonLatWKB: lonLat.map { Array($0.wkb[Int($0.start[i])..<Int($0.start[i + 1])]) })
        }
    }
}

/// An opened snapshot: typed, zero-copy views of its sections.
final class Snapshot: SnapshotSections, @unchecked Sendable {
    let bytes: SnapshotBytes
    let path: String
    let meta: MirrorMeta
    private let sections: [UInt32: SectionedFile.Entry]
    private let rowsVerified = NSLock()
    private var rowsChecked = false

    /// Validates the header and every non-row section's checksum; rows are checked on first use.
    init(bytes: SnapshotBytes, path: String) throws {
        self.bytes = bytes
        self.path = path
        let raw = bytes.raw
        sections = try SnapshotFormat.file.sections(raw, path: path)
        let corrupt = GeoQueryError.mirrorCorrupt("\(path) is not a valid geoquery snapshot (damaged or truncated): to rebuild it, delete it and re-run geoquery ingest with its source files")
        var index: [SectionedFile.Entry] = []
        for s in SnapshotFormat.Section.allCases {
            guard let entry = sections[s.rawValue] else { if s.isOptional { continue }; throw corrupt }
            if !s.isRowData { index.append(entry) }
        }
        guard SectionedFile.verify(raw, index) else { throw corrupt }
        guard let m = try? JSONDecoder().decode(MirrorMeta.self, from: Data(SectionedFile.bytes(raw, sections[SnapshotFormat.Section.meta.rawValue]!))) else { throw corrupt }
        meta = m
    }

    /// What the catchments depend on: the map points (tree order) and the force boundaries,
    /// named by their sections' stored checksums, so a catchment file made for another snapshot
    /// is recognised as stale without reading either.
    var catchmentIdentity: [UInt64] {
        SnapshotFormat.catchmentSections.map { sections[$0.rawValue]!.checksum } + [UInt64(meta.mapPoints)]
    }

    /// Names this snapshot among every other: the stored checksums of its meta (which holds the
    /// time it was written), map points, cells and rows (a delta names the base it amends so).
    var identity: [UInt64] {
        ([.meta, .pointLat, .pointLng, .pointCells, .nodeCells, .crimeMonth] as [SnapshotFormat.Section]).map { sections[$0.rawValue]!.checksum }
    }

    /// The format version the snapshot was written in (its header, checked at open).
    var formatVersion: UInt32 { UInt32(littleEndian: bytes.raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) }

    /// Whether the snapshot holds section `s` (optional sections may be missing in older ones).
    func has(_ s: SnapshotFormat.Section) -> Bool { sections[s.rawValue] != nil }

    /// A section's bytes (empty for an optional section this snapshot lacks).
    func raw(_ s: SnapshotFormat.Section) -> UnsafeRawBufferPointer {
        guard let entry = sections[s.rawValue] else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return SectionedFile.bytes(bytes.raw, entry)
    }

    /// The per-node running totals, or nil for a snapshot written before they were stored.
    func nodeRunningTotals() -> NodeRunningTotals? {
        guard sections[SnapshotFormat.Section.nodeRunningTotalStart.rawValue] != nil,
              sections[SnapshotFormat.Section.nodeRunningTotals.rawValue] != nil else { return nil }
        return NodeRunningTotals(start: array(.nodeRunningTotalStart), values: array(.nodeRunningTotals))
    }

    /// Verifies the row sections once; call before reading crime rows.
    func verifyRows() throws {
        rowsVerified.lock()
        defer { rowsVerified.unlock() }
        if rowsChecked { return }
        // Optional row sections are absent in older snapshots.
        let rows = SnapshotFormat.Section.allCases.filter(\.isRowData).compactMap { sections[$0.rawValue] }
        guard SectionedFile.verify(bytes.raw, rows) else {
            // A delta's rows are nowhere else: an ingest could not fold them in either.
            let remedy = PathName.name(of: path) == MirrorDelta.fileName
                ? "delete it and ingest again the files added since the last compaction (the snapshot beside it is whole)"
                : "re-run geoquery ingest to rebuild the mirror"
            throw GeoQueryError.mirrorCorrupt("\(path): crime rows are damaged (checksum mismatch): \(remedy)")
        }
        rowsChecked = true
    }

    /// Rebuilds the full ``CrimeTable`` (for re-ingest), so nothing already held is lost.
    /// - Parameters: extraRows, extraEvents: room to leave for the rows and events about to be
    ///   merged in, so the merge does not copy the decoded rows into a bigger array (at 24× the
    ///   real archive a second 1.3 GB of them, for a re-ingest of one force-month).
    func crimeTable(extraRows: Int = 0, extraEvents: Int = 0) throws -> CrimeTable {
        try verifyRows()
        var t = CrimeTable()
        t.forces = strings(.forces).table()
        t.agencies = strings(.agencies).table()
        t.categories = strings(.categories).table()
        t.outcomes = strings(.outcomes).table()
        t.locations = strings(.locations).table()
        t.lsoaCodes = strings(.lsoaCodes).table()
        t.lsoaNames = strings(.lsoaNames).table()
        t.contexts = strings(.contexts).table()
        t.textIDs = strings(.textIDs).table()
        let start = array(.pointCrimeStart, as: UInt32.self)
        let lat = array(.pointLat, as: Int32.self), lng = array(.pointLng, as: Int32.self)
        let columns = try StoredCrimeColumns(self)
        let points = lat.count
        let n = columns.count
        // Decoded in a part per core (of at least 100,000 rows), each into its own rows of one
        // array: a re-ingest decodes the whole mirror here.
        let bounds = SnapshotBuilder.partBounds(count: n, parts: max(1, min(ProcessInfo.processInfo.activeProcessorCount, n / 100_000)))
        t.rows = Array(unsafeUninitializedCapacity: n + extraRows) { buffer, initialized in
            nonisolated(unsafe) let (out, columns, start, lat, lng) = (buffer, columns, start, lat, lng)
            DispatchQueue.concurrentPerform(iterations: bounds.count - 1) { k in
                // Rows are stored point by point, the no-location rows last; each part walks the
                // points from the first (a step per point, nothing beside its rows).
                var p = 0
                columns.forEachCrime(in: bounds[k]..<bounds[k + 1]) { i, c in
                    while p < points && i >= Int(start[p + 1]) { p += 1 }
                    var r = c.row
                    if p < points { r.latE6 = lat[p]; r.lngE6 = lng[p] }
                    (out.baseAddress! + i).initialize(to: r)
                }
            }
            initialized = n
        }
        let em = array(.eventMonth, as: Int32.self), ef = array(.eventForce, as: UInt8.self)
        let eo = array(.eventOutcome, as: UInt8.self), ek = array(.eventIDKind, as: UInt8.self)
        let ew = array(.eventIDWords, as: UInt64.self)
        t.events.reserveCapacity(em.count + extraEvents)
        for i in 0..<em.count {
            let id = CrimeID(kind: CrimeID.Kind(rawValue: ek[i]) ?? .none, w0: ew[4 * i], w1: ew[4 * i + 1], w2: ew[4 * i + 2], w3: ew[4 * i + 3])
            t.events.append(OutcomeEvent(id: id, month: em[i], force: ef[i], outcome: eo[i]))
        }
        let lid = array(.listedID, as: Int64.self), llat = array(.listedLat, as: Int32.self)
        let llng = array(.listedLng, as: Int32.self), lname = array(.listedName, as: Int32.self)
        for i in 0..<lid.count { t.listedPoints.append(ListedMapPoint(id: lid[i], latE6: llat[i], lngE6: llng[i], name: lname[i])) }
        return t
    }
}

/// A string table read in place from a snapshot.
struct StoredStrings {
    let raw: UnsafeRawBufferPointer
    var count: Int { Int(raw.loadUnaligned(as: UInt32.self)) }

    subscript(i: Int) -> String {
        let lo = Int(raw.loadUnaligned(fromByteOffset: 4 + 4 * i, as: UInt32.self))
        let hi = Int(raw.loadUnaligned(fromByteOffset: 8 + 4 * i, as: UInt32.self))
        let base = 4 + 4 * (count + 1)
        return String(decoding: raw[(base + lo)..<(base + hi)], as: UTF8.self)
    }

    var all: [String] { (0..<count).map { self[$0] } }

    /// String `i`'s ``CrimeIdentity/hash(_:)-(UnsafeRawBufferPointer)``, read in place.
    func hash(_ i: Int) -> UInt64 {
        let lo = Int(raw.loadUnaligned(fromByteOffset: 4 + 4 * i, as: UInt32.self))
        let hi = Int(raw.loadUnaligned(fromByteOffset: 8 + 4 * i, as: UInt32.self))
        let base = 4 + 4 * (count + 1)
        return CrimeIdentity.hash(UnsafeRawBufferPointer(rebasing: raw[(base + lo)..<(base + hi)]))
    }

    func table() -> StringTable {
        let n = count
        let offsets = (0...n).map { raw.loadUnaligned(fromByteOffset: 4 + 4 * $0, as: UInt32.self) }
        let base = 4 + 4 * (n + 1)
        return StringTable(bytes: Array(raw[base..<(base + Int(offsets[n]))]), offsets: offsets)
    }
}

import Foundation

/// The on-disk layout of a mirror snapshot: a ``SectionedFile`` with magic "GEOQMIRR".
///
/// Each section carries its own checksum so that a query verifies only what it reads: the index
/// and aggregates at open, the crime rows when they are first needed.
enum SnapshotFormat {
    static let magic = Array("GEOQMIRR".utf8)
    /// Bump when the layout changes; older readers refuse newer snapshots with a clear message.
    /// v3 stores crime columns at their narrowest width (see ``CrimeColumn``); v4 adds 3-byte
    /// widths and packs the Crime ID index the same way (``PackedIntegers``); v5 keeps busy nodes'
    /// (month, category) projections as dense rows (``DenseMonthCategory``) and takes them out of
    /// the sparse lists, which a v4 reader would add up short; v6 may keep a long mirror's
    /// per-point cells by period (``PointCellLists``), which a v5 reader would take for ranges of
    /// the wrong points. v2–v5 snapshots still open and are rewritten as v6 by the next ingest.
    static let version: UInt32 = 6
    static let oldestReadable: UInt32 = 2
    static let fileName = "mirror.geoquery"
    static let file = SectionedFile(magic: magic, version: version, oldest: oldestReadable, what: "snapshot", rebuild: "to rebuild it, delete it and re-run geoquery ingest with its source files (an ingest into this folder reads it first)")

    /// The sections the catchments follow from (the map points in tree order and the force
    /// boundaries): their checksums and the map-point count name the snapshot a catchment file
    /// was made for (``Snapshot/catchmentIdentity``).
    static let catchmentSections: [Section] = [.pointLat, .pointLng, .boundaryNames, .boundaryWKB]

    enum Section: UInt32, CaseIterable {
        case meta = 1
        // String tables: count u32, offsets u32 × (count+1), bytes.
        case forces, agencies, categories, outcomes, locations, lsoaCodes, lsoaNames, contexts, textIDs
        // Map points, in tree (Hilbert) order.
        case pointLat = 20, pointLng, pointListedID, pointNameStart, pointNames, pointForceMask
        // The points that have a `--map-points` id, by that id, for look-ups in O(log n).
        // Optional: older snapshots are scanned instead.
        case pointsByListedID = 26
        // Tree internal levels.
        case levelStart = 30, nodeMinLat, nodeMinLng, nodeMaxLat, nodeMaxLng, nodeForceMask
        // Aggregates.
        case pointCellStart = 40, pointCells, nodeCellStart, nodeCells, noLocationCells
        // v6: a long mirror's per-point cells by period (see ``PointCellLists``): months a period
        // and periods (u32 × 2); pointCellStart then holds periods × points + 1 offsets.
        // Optional: without it, one list per point.
        case pointCellPeriods = 45
        // Per-node projections of the cells for unfiltered queries: (month, category),
        // (month, outcome) and (month, force), each a CSR list like nodeCells.
        case nodeMonthCategoryStart = 100, nodeMonthCategory, nodeMonthOutcomeStart, nodeMonthOutcome, nodeMonthForceStart, nodeMonthForce
        // Per-node running totals by outcome and force over months (see ``NodeRunningTotals``).
        // Optional: snapshots written before them answer through the projections above.
        case nodeRunningTotalStart = 106, nodeRunningTotals
        // v5: busy nodes' (month, category) projections as dense 16-bit rows (see
        // ``DenseMonthCategory``): each node's range (u32 × (n+1)), first month (u16), the rows.
        // Optional: snapshots before v5 keep every node's projection sparse.
        case nodeDenseMonthCategoryStart = 108, nodeDenseMonthCategoryFirst, nodeDenseMonthCategory
        // Crime rows, sorted by point then month; no-location rows last.
        case pointCrimeStart = 50, crimeMonth, crimeForce, crimeCategory, crimeOutcome, crimeStreetOutcome,
             crimeOutcomeMonth, crimeReportedBy, crimeFallsWithin, crimeLocation, crimeLsoaCode, crimeLsoaName,
             crimeContext, crimeIDKind, crimeIDWords
        // v3: Crime ids only for rows that have one (anti-social behaviour has none), with the
        // number of ids before every 64th row so a reader finds row i's id in a short scan.
        case crimeIDRank = 65
        // Rows whose hash-derived numeric id clashed, and the id each has instead (see
        // ``CrimeIdentity``); and the id slots of hex Crime IDs sorted by Crime ID, for look-ups.
        // Optional: older snapshots give the hash ids unchecked, and Crime IDs are scanned.
        // The slots are u32 up to v3, packed at ``PackedIntegers/slotWidth(slots:formatVersion:)`` from v4.
        case crimeIDExceptionRow = 66, crimeIDExceptionValue, crimeIDOrder
        // Outcome events and the explicit map-point list, kept so re-ingest loses nothing.
        case eventMonth = 70, eventForce, eventOutcome, eventIDKind, eventIDWords
        case listedID = 80, listedLat, listedLng, listedName
        // Force boundaries the catchments are clipped to: names, WKB offsets u64 × (n+1), WKB (BNG).
        // (The catchments themselves live in a companion file, see ``CatchmentFile``.)
        case boundaryNames = 120, boundaryStart, boundaryWKB
        // The same boundaries in lon/lat (WKB offsets, WKB), so coverage needs no PROJ at open.
        // Optional: snapshots written before them lack them, and coverage then reprojects.
        case boundaryLonLatStart = 123, boundaryLonLatWKB
        // Only in a delta file (``MirrorDelta``): what ties it to the snapshot it amends. Its
        // meta (the base's identity and the base partitions it supersedes, JSON); each delta
        // point's base twin (Int32, -1 for a point new to the mirror) and the delta points
        // before each without one (UInt32 × (n+1)); the base points left with no crime (UInt32,
        // sorted); the base points and nodes whose forces change, with their new masks; and the delta
        // points that have a twin, by their twin (UInt32); and the base nodes holding cells of
        // superseded partitions (UInt32, sorted) with those cells (CSR), which a query takes
        // off the nodes' projections.
        case deltaMeta = 140, deltaBaseTwin, deltaNewBefore, baseEmptied, baseMaskPoint, baseMaskPointValue, baseMaskNode, baseMaskNodeValue,
             deltaTwinOrder, baseNodeCut, baseNodeCutStart, baseNodeCutCells

        /// Sections a snapshot may lack (added later, with a fallback).
        var isOptional: Bool {
            switch self {
            case .boundaryLonLatStart, .boundaryLonLatWKB, .nodeRunningTotalStart, .nodeRunningTotals, .crimeIDRank,
                 .nodeDenseMonthCategoryStart, .nodeDenseMonthCategoryFirst, .nodeDenseMonthCategory,
                 .pointsByListedID, .crimeIDExceptionRow, .crimeIDExceptionValue, .crimeIDOrder, .pointCellPeriods: true
            case .deltaMeta, .deltaBaseTwin, .deltaNewBefore, .baseEmptied, .baseMaskPoint, .baseMaskPointValue,
                 .baseMaskNode, .baseMaskNodeValue, .deltaTwinOrder, .baseNodeCut, .baseNodeCutStart, .baseNodeCutCells: true
            default: false
            }
        }

        /// Row data, verified lazily (police-json, re-ingest); everything else, the boundaries
        /// included, is verified at open.
        var isRowData: Bool { (50..<100).contains(rawValue) }
    }

    /// A fast 64-bit checksum over whole words (4 independent lanes, then mixed); detects the
    /// torn or bit-flipped files we guard against, not adversaries.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var c = Checksum(length: bytes.count)
        c.update(bytes)
        return c.finish()
    }

    /// ``checksum(_:)`` of bytes that arrive in pieces (a section written without a whole copy of
    /// it in memory): the same value as over their concatenation, whose length is known first.
    struct Checksum {
        private static let p1: UInt64 = 0x9E37_79B1_85EB_CA87, p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
        private var lanes: (UInt64, UInt64, UInt64, UInt64)
        /// Bytes short of a whole 32-byte block, carried to the next piece.
        private var pending: [UInt8] = []

        init(length: Int) {
            lanes = (Self.p1, Self.p2, Self.p1 ^ Self.p2, UInt64(length))
        }

        @inline(__always) private static func mix(_ l: UInt64, _ w: UInt64) -> UInt64 {
            let x = (l ^ w) &* p2
            return (x << 31 | x >> 33) &* p1
        }

        /// Folds whole 32-byte blocks of `bytes` into the lanes; returns how many bytes it took.
        private mutating func blocks(_ bytes: UnsafeRawBufferPointer) -> Int {
            var i = 0
            while i + 32 <= bytes.count {
                lanes.0 = Self.mix(lanes.0, bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                lanes.1 = Self.mix(lanes.1, bytes.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self))
                lanes.2 = Self.mix(lanes.2, bytes.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self))
                lanes.3 = Self.mix(lanes.3, bytes.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self))
                i += 32
            }
            return i
        }

        mutating func update(_ bytes: UnsafeRawBufferPointer) {
            var rest = bytes
            if !pending.isEmpty {
                let take = min(32 - pending.count, rest.count)
                pending += rest[0..<take]
                rest = UnsafeRawBufferPointer(rebasing: rest[take...])
                guard pending.count == 32 else { return }
                _ = pending.withUnsafeBytes { blocks($0) }
                pending.removeAll(keepingCapacity: true)
            }
            let used = blocks(rest)
            pending += rest[used...]
        }

        /// The checksum: the last whole words go to the first lane, the last bytes to the second.
        func finish() -> UInt64 {
            var lanes = self.lanes
            pending.withUnsafeBytes { rest in
                let words = rest.count / 8
                for k in 0..<words { lanes.0 = Self.mix(lanes.0, rest.loadUnaligned(fromByteOffset: k * 8, as: UInt64.self)) }
                var tail: UInt64 = 0
                for j in (words * 8)..<rest.count { tail = tail << 8 | UInt64(rest[j]) }
                lanes.1 = Self.mix(lanes.1, tail)
            }
            var h = lanes.0 ^ (lanes.1 << 17 | lanes.1 >> 47) ^ (lanes.2 << 29 | lanes.2 >> 35) ^ (lanes.3 << 43 | lanes.3 >> 21)
            h = (h ^ (h >> 33)) &* Self.p2
            return h ^ (h >> 29)
        }
    }
}

/// Partition-level facts about the mirror, stored as a small JSON section.
struct MirrorMeta: Codable, Sendable {
    struct Partition: Codable, Sendable {
        var force: String
        var month: String
        var crimes: Int
        var noLocation: Int
    }
    var formatVersion: UInt32
    var synthetic: Bool
    var created: String
    /// Month offsets in cells count from here.
    var firstMonth: String?
    var lastMonth: String?
    var street: [Partition]
    var outcomes: [Partition]
    var crimes: Int
    var noLocation: Int
    var mapPoints: Int
    var listedMapPoints: Int
    var outcomeEvents: Int
    /// True when the event sections are sorted by Crime ID (stably: input order within one id),
    /// so a crime's outcomes are found by binary search; nil in older snapshots.
    var eventsByCrimeID: Bool?
}

/// A snapshot ready to write: its sections, each still in the array that built it (no copy
/// until the bytes go to the file).
struct SnapshotImage {
    typealias Bytes = SectionedFile.Bytes
    var sections: [(SnapshotFormat.Section, length: Int?, Bytes)] = []
    var mapPointCount = 0
    /// The header's format version (tests write a v2 file to check it still opens).
    var formatVersion = SnapshotFormat.version

    mutating func add<T>(_ id: SnapshotFormat.Section, _ values: [T]) {
        sections.append((id, nil, { body in values.withUnsafeBytes { body($0) } }))
    }

    /// A section whose bytes are produced only when the file is written (may be called more than
    /// once), in one piece, or in several when `length` says how many bytes they make in all.
    mutating func add(_ id: SnapshotFormat.Section, length: Int? = nil, bytes: @escaping Bytes) {
        sections.append((id, length, bytes))
    }

    mutating func add(_ id: SnapshotFormat.Section, strings: StringTable) {
        var bytes: [UInt8] = []
        var count = UInt32(strings.count)
        withUnsafeBytes(of: &count) { bytes += $0 }
        strings.offsets.withUnsafeBytes { bytes += $0 }
        bytes += strings.bytes
        add(id, bytes)
    }

    /// Streams the whole file to `sink` in one pass (see ``SectionedFile/write(_:version:to:)``).
    @discardableResult
    func write(to sink: SectionedFile.Sink) -> Bool {
        SnapshotFormat.file.write(fileSections, version: formatVersion, to: sink)
    }

    private var fileSections: [(id: UInt32, length: Int?, bytes: Bytes)] { sections.map { ($0.0.rawValue, $0.length, $0.2) } }

    /// Sections `ids` gathered into memory before the file is written (the small ones the
    /// catchments need, so they can be computed while the rest is written).
    func gathered(_ ids: [SnapshotFormat.Section]) -> GatheredSections {
        var buffers: [SnapshotFormat.Section: SnapshotBytes] = [:]
        for (id, _, bytes) in sections where ids.contains(id) {
            var out: [UInt8] = []
            bytes { out.append(contentsOf: $0) }
            buffers[id] = SnapshotBytes(copying: out)
        }
        return GatheredSections(buffers: buffers)
    }

    /// The whole file in memory (the embedded sample, tests).
    func serialized() -> [UInt8] { SnapshotFormat.file.bytes(fileSections, version: formatVersion) }
}

/// Some sections of a snapshot not yet written, each in its own aligned buffer.
struct GatheredSections: SnapshotSections, @unchecked Sendable {
    let buffers: [SnapshotFormat.Section: SnapshotBytes]

    func raw(_ s: SnapshotFormat.Section) -> UnsafeRawBufferPointer { buffers[s]?.raw ?? UnsafeRawBufferPointer(start: nil, count: 0) }
    func has(_ s: SnapshotFormat.Section) -> Bool { buffers[s] != nil }
    /// The checksum the file's header will hold for section `s`.
    func checksum(_ s: SnapshotFormat.Section) -> UInt64 { SnapshotFormat.checksum(raw(s)) }
}

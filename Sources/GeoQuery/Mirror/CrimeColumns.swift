/// A crime as a snapshot stores it: the street row (its coordinates are its map point's) and its
/// last outcome (an outcomes file's where it is newer than the street files held could know;
/// see `SnapshotBuilder.effectiveOutcomes`).
struct StoredCrime {
    var row: CrimeRow
    var outcome: UInt8
    var outcomeMonth: Int32
}

/// The crime-row columns of a snapshot: the one definition that ``SnapshotBuilder`` writes and
/// every reader (re-ingest, `police-json`) decodes, so a column is added or narrowed in one place.
///
/// Integer columns are stored at the narrowest width (1, 2 or 4 bytes, little-endian; from v4 also
/// 3) that holds their largest value (``PackedIntegers``). A reader takes the width from the
/// section's length over the row count, so v2 snapshots (fixed widths: months and names in 4
/// bytes) and v3 ones read through the same code.
/// Crime ids are 4 × UInt64 words: v2 kept them for every row, v3 only for rows that have one.
enum CrimeColumn: Int, CaseIterable {
    case month, force, category, outcome, streetOutcome, outcomeMonth, reportedBy, fallsWithin
    case location, lsoaCode, lsoaName, context, idKind

    var section: SnapshotFormat.Section {
        switch self {
        case .month: return .crimeMonth
        case .force: return .crimeForce
        case .category: return .crimeCategory
        case .outcome: return .crimeOutcome
        case .streetOutcome: return .crimeStreetOutcome
        case .outcomeMonth: return .crimeOutcomeMonth
        case .reportedBy: return .crimeReportedBy
        case .fallsWithin: return .crimeFallsWithin
        case .location: return .crimeLocation
        case .lsoaCode: return .crimeLsoaCode
        case .lsoaName: return .crimeLsoaName
        case .context: return .crimeContext
        case .idKind: return .crimeIDKind
        }
    }

    /// The width v2 snapshots gave the column (they stored the in-memory field types).
    var v2Width: Int {
        switch self {
        case .month, .outcomeMonth, .location, .lsoaCode, .lsoaName, .context: return 4
        case .reportedBy, .fallsWithin: return 2
        case .force, .category, .outcome, .streetOutcome, .idKind: return 1
        }
    }

    /// The column's value for one crime (every column is a non-negative integer): the row and its
    /// latest outcome, passed apart so the write loops copy no whole row per value.
    @inline(__always)
    func value(_ r: UnsafePointer<CrimeRow>, _ latest: (outcome: UInt8, month: Int32)) -> UInt32 {
        switch self {
        case .month: return UInt32(bitPattern: r.pointee.month)
        case .force: return UInt32(r.pointee.force)
        case .category: return UInt32(r.pointee.category)
        case .outcome: return UInt32(latest.outcome)
        case .streetOutcome: return UInt32(r.pointee.outcome)
        case .outcomeMonth: return UInt32(bitPattern: latest.month)
        case .reportedBy: return UInt32(UInt16(bitPattern: r.pointee.reportedBy))
        case .fallsWithin: return UInt32(UInt16(bitPattern: r.pointee.fallsWithin))
        case .location: return UInt32(bitPattern: r.pointee.location)
        case .lsoaCode: return UInt32(bitPattern: r.pointee.lsoaCode)
        case .lsoaName: return UInt32(bitPattern: r.pointee.lsoaName)
        case .context: return UInt32(bitPattern: r.pointee.context)
        case .idKind: return UInt32(r.pointee.id.kind.rawValue)
        }
    }

    /// Puts a stored value back into its field (the inverse of ``value(_:_:)``).
    @inline(__always)
    func set(_ v: UInt32, in c: inout StoredCrime) {
        switch self {
        case .month: c.row.month = Int32(bitPattern: v)
        case .force: c.row.force = UInt8(truncatingIfNeeded: v)
        case .category: c.row.category = UInt8(truncatingIfNeeded: v)
        case .outcome: c.outcome = UInt8(truncatingIfNeeded: v)
        case .streetOutcome: c.row.outcome = UInt8(truncatingIfNeeded: v)
        case .outcomeMonth: c.outcomeMonth = Int32(bitPattern: v)
        case .reportedBy: c.row.reportedBy = Int16(bitPattern: UInt16(truncatingIfNeeded: v))
        case .fallsWithin: c.row.fallsWithin = Int16(bitPattern: UInt16(truncatingIfNeeded: v))
        case .location: c.row.location = Int32(bitPattern: v)
        case .lsoaCode: c.row.lsoaCode = Int32(bitPattern: v)
        case .lsoaName: c.row.lsoaName = Int32(bitPattern: v)
        case .context: c.row.context = Int32(bitPattern: v)
        case .idKind: c.row.id.kind = CrimeID.Kind(rawValue: UInt8(truncatingIfNeeded: v)) ?? .none
        }
    }

    /// Each column's largest value over the rows, which sets its stored width; the same in any order of the rows.
    static func maxima(rows: UnsafeBufferPointer<CrimeRow>, outcomes: UnsafeBufferPointer<(outcome: UInt8, month: Int32)>) -> [UInt32] {
        let columns = allCases
        var maxima = [UInt32](repeating: 0, count: columns.count)
        for i in rows.indices {
            for k in columns.indices { maxima[k] = max(maxima[k], columns[k].value(rows.baseAddress! + i, outcomes[i])) }
        }
        return maxima
    }

    /// Adds every crime column to `image`, rows in the given (already sorted) order. Each section
    /// is laid out only while the file is written, one column at a time, so the snapshot never
    /// holds a second copy of the rows.
    /// - Parameter formatVersion: lay columns out as that version did (tests write v2 and v3
    ///   mirrors with it): v2 at fixed widths, v3 without 3-byte widths.
    /// - Parameter maxima: ``maxima(rows:outcomes:)`` of the same rows, in any order (the
    ///   builder takes them before it moves the rows); nil: taken here.
    static func add(rows: [CrimeRow], outcomes: [(outcome: UInt8, month: Int32)], maxima given: [UInt32]? = nil,
                    to image: inout SnapshotImage, formatVersion: UInt32 = SnapshotFormat.version) {
        let fixedV2Widths = formatVersion == 2
        precondition(rows.count == outcomes.count)
        let widest = fixedV2Widths ? [] : given ?? rows.withUnsafeBufferPointer { r in outcomes.withUnsafeBufferPointer { CrimeColumn.maxima(rows: r, outcomes: $0) } }
        for (k, column) in allCases.enumerated() {
            let width = fixedV2Widths ? column.v2Width : PackedIntegers.width(for: widest[k], formatVersion: formatVersion)
            image.add(column.section, length: rows.count * width, bytes: { body in
                rows.withUnsafeBufferPointer { rows in
                    outcomes.withUnsafeBufferPointer { outcomes in
                        let base = rows.baseAddress!
                        PackedIntegers.pack(count: rows.count, width: width, { column.value(base + $0, outcomes[$0]) }, to: body)
                    }
                }
            })
        }
        // Ids: v2 kept 4 words for every row; v3 keeps them only for rows with an id, plus a rank
        // directory (ids before each 64-row block).
        let withID = fixedV2Widths ? rows.count : rows.reduce(0) { $0 + ($1.id.kind == .none ? 0 : 1) }
        image.add(.crimeIDWords, length: 32 * withID, bytes: { body in
            // In pieces of 32,768 ids (1 MiB): a national mirror's ids are ~450 MB.
            let piece = 1 << 15
            let words = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 4 * piece)
            defer { words.deallocate() }
            var k = 0
            for r in rows where fixedV2Widths || r.id.kind != .none {
                words[4 * k] = r.id.w0; words[4 * k + 1] = r.id.w1; words[4 * k + 2] = r.id.w2; words[4 * k + 3] = r.id.w3
                k += 1
                if k == piece { body(UnsafeRawBufferPointer(words)); k = 0 }
            }
            if k > 0 { body(UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: words[0..<(4 * k)]))) }
        })
        if !fixedV2Widths {
            var rank: [UInt32] = [], before: UInt32 = 0
            rank.reserveCapacity(rows.count / StoredCrimeColumns.rankBlock + 1)
            for (i, r) in rows.enumerated() {
                if i % StoredCrimeColumns.rankBlock == 0 { rank.append(before) }
                if r.id.kind != .none { before += 1 }
            }
            image.add(.crimeIDRank, rank)
        }
    }
}

/// The crime columns of an opened snapshot, read in place.
struct StoredCrimeColumns {
    /// Crimes held (located and not).
    let count: Int
    private let views: [PackedIntegers]
    private let idWords: UnsafeRawBufferPointer
    /// Ids before each block of ``rankBlock`` rows; nil when every row has its 4 words (v2).
    private let idRank: UnsafeBufferPointer<UInt32>?
    static let rankBlock = 64

    /// Checks every column's size against the row count; callers verify checksums first.
    init(_ s: Snapshot) throws {
        let start = s.array(.pointCrimeStart, as: UInt32.self)
        count = Int(start.last ?? 0)
        let n = count
        let corrupt = GeoQueryError.mirrorCorrupt("\(s.path) is inconsistent (crime columns disagree with the row count): to rebuild it, delete it and re-run geoquery ingest with its source files")
        views = try CrimeColumn.allCases.map { column in
            let raw = s.raw(column.section)
            let width = n == 0 ? 1 : raw.count / n
            guard PackedIntegers.widths.contains(width), raw.count == width * n else { throw corrupt }
            return PackedIntegers(raw: raw, width: width)
        }
        idWords = s.raw(.crimeIDWords)
        if s.has(.crimeIDRank) {
            let rank = s.array(.crimeIDRank, as: UInt32.self)
            let kinds = views[CrimeColumn.idKind.rawValue]
            // The last block's rank plus its own ids must account for every stored id.
            let lastBlock = (n - 1) / StoredCrimeColumns.rankBlock
            let withID = n == 0 ? 0 : Int(rank.last ?? 0) + (lastBlock * StoredCrimeColumns.rankBlock..<n).reduce(0) { $0 + (kinds[$1] == 0 ? 0 : 1) }
            guard rank.count == (n + StoredCrimeColumns.rankBlock - 1) / StoredCrimeColumns.rankBlock,
                  idWords.count == 32 * withID else { throw corrupt }
            idRank = rank
        } else {
            guard idWords.count == 32 * n else { throw corrupt }
            idRank = nil
        }
    }

    /// Where row `i`'s id words start (rows without an id have none in v3).
    @inline(__always)
    private func idSlot(_ i: Int) -> Int {
        guard let rank = idRank else { return i }
        let block = i / StoredCrimeColumns.rankBlock, kinds = views[CrimeColumn.idKind.rawValue]
        var slot = Int(rank[block])
        for j in (block * StoredCrimeColumns.rankBlock)..<i where kinds[j] != 0 { slot += 1 }
        return slot
    }

    /// The four id words at id slot `k` (slots number the rows that have an id, in row order).
    func idWords(slot k: Int) -> (UInt64, UInt64, UInt64, UInt64) {
        let at = 32 * k
        return (idWords.loadUnaligned(fromByteOffset: at, as: UInt64.self), idWords.loadUnaligned(fromByteOffset: at + 8, as: UInt64.self),
                idWords.loadUnaligned(fromByteOffset: at + 16, as: UInt64.self), idWords.loadUnaligned(fromByteOffset: at + 24, as: UInt64.self))
    }

    /// The number of id slots (rows with an id; every row in v2).
    var idSlots: Int { idWords.count / 32 }

    /// The row whose id is at slot `k`: the inverse of ``idSlot(_:)``.
    /// - Complexity: O(log n) over the rank directory, then at most one block of rows.
    func row(ofSlot k: Int) -> Int {
        guard let rank = idRank else { return k }
        // The last block with at most k ids before it holds slot k.
        var lo = 0, hi = rank.count
        while lo < hi { let mid = (lo + hi) / 2; if Int(rank[mid]) <= k { lo = mid + 1 } else { hi = mid } }
        let block = max(0, lo - 1), kinds = views[CrimeColumn.idKind.rawValue]
        var slot = Int(rank[block])
        for j in (block * StoredCrimeColumns.rankBlock)..<count where kinds[j] != 0 {
            if slot == k { return j }
            slot += 1
        }
        preconditionFailure("id slot \(k) beyond the stored ids")
    }

    /// One column's value for crime `i`.
    @inline(__always)
    func value(_ column: CrimeColumn, _ i: Int) -> Int {
        Int(views[column.rawValue][i])
    }

    /// Every crime in row order (of `rows`, or all), decoded as ``crime(_:)`` decodes it, with the
    /// id slots counted on the way rather than found per row (which scans up to a rank block's 63
    /// rows each): the re-ingest decodes a whole mirror this way.
    func forEachCrime(in rows: Range<Int>? = nil, _ body: (Int, StoredCrime) -> Void) {
        let rows = rows ?? 0..<count
        var slot = rows.isEmpty ? 0 : idSlot(rows.lowerBound)
        let columns = CrimeColumn.allCases
        for i in rows {
            var c = StoredCrime(row: CrimeRow(), outcome: 0, outcomeMonth: 0)
            for (k, column) in columns.enumerated() { column.set(views[k][i], in: &c) }
            if c.row.id.kind != .none || idRank == nil {
                (c.row.id.w0, c.row.id.w1, c.row.id.w2, c.row.id.w3) = idWords(slot: slot)
                slot += 1
            }
            body(i, c)
        }
    }

    /// Crime `i`, every column decoded (coordinates are left as "no location": they are its point's).
    func crime(_ i: Int) -> StoredCrime {
        var c = StoredCrime(row: CrimeRow(), outcome: 0, outcomeMonth: 0)
        for (k, column) in CrimeColumn.allCases.enumerated() { column.set(views[k][i], in: &c) }
        guard c.row.id.kind != .none || idRank == nil else { return c }
        let at = 32 * idSlot(i)
        c.row.id.w0 = idWords.loadUnaligned(fromByteOffset: at, as: UInt64.self)
        c.row.id.w1 = idWords.loadUnaligned(fromByteOffset: at + 8, as: UInt64.self)
        c.row.id.w2 = idWords.loadUnaligned(fromByteOffset: at + 16, as: UInt64.self)
        c.row.id.w3 = idWords.loadUnaligned(fromByteOffset: at + 24, as: UInt64.self)
        return c
    }
}

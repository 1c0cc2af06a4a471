import Foundation

/// The rule that gives every crime its numeric `id` (the API's `id`): an integer below 2^53 that
/// depends only on the crime's own (force, month) partition, so ingesting or restating other
/// months or forces never changes it, and re-ingesting the same files gives the same ids.
///
/// `id = partition << 37 | local`, where
/// - `partition` (16 bits) is `monthCode << 6 | forceCode`: months since 2000-01 (mod 1024) and the
///   force's place in ``Force/all`` (1...46; other slugs 48...63 by a hash of the slug);
/// - `local` (37 bits) is a 64-bit FNV-1a hash of the row's own fields (Crime ID, coordinates,
///   category, location, LSOA code, context; never its outcome, which later files update),
///   plus the number of identical rows stored before it at the same map point.
///
/// Hashes alone would collide: over a (force, month) of 110,000 crimes (the Metropolitan
/// Police's largest) the chance of a clash in 2^37 is ~n²/2^38 ≈ 4%, and summed over the
/// ~1,600 partitions of a national 36-month mirror (mean ~55,000 crimes) ~20–30 clashes.
/// The snapshot therefore stores the few rows whose hash is taken (see
/// ``exceptions(rows:forEachRow:)``) with the id they get instead; ids are unique by
/// construction, and the resolution looks only at rows sharing the partition.
enum CrimeIdentity {
    static let localBits: UInt64 = 37
    static let localMask: UInt64 = (1 << localBits) - 1
    /// Month codes count from 2000-01 (`Month.ordinal` of it).
    static let firstMonthOrdinal = 2000 * 12

    /// A force's 6-bit code: its place in ``Force/all`` (which therefore only ever grows at its
    /// end), or 48...63 by a hash of an unknown slug (clashes there are resolved like any other).
    static func forceCode(_ slug: String) -> UInt64 {
        if let k = Force.all.firstIndex(where: { $0.slug == slug }) { return UInt64(k + 1) }
        var s = slug
        return 48 + s.withUTF8 { hash($0) } % 16
    }

    /// The 16-bit partition code of a (force, month).
    @inline(__always)
    static func partition(forceCode: UInt64, month ordinal: Int) -> UInt64 {
        (UInt64(truncatingIfNeeded: ordinal - firstMonthOrdinal) & 1023) << 6 | forceCode
    }

    /// FNV-1a, 64-bit, over bytes: fixed by this rule (ids depend on it), unlike Swift's `Hasher`.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 { hash(bytes.assumingMemoryBound(to: UInt8.self)) }

    /// Folds one 64-bit field into a running hash (FNV-1a over its 8 bytes, then a final mix).
    @inline(__always)
    static func mix(_ h: UInt64, _ v: UInt64) -> UInt64 {
        var x = h
        for k in 0..<8 { x = (x ^ ((v >> UInt64(8 * k)) & 0xFF)) &* 0x100_0000_01b3 }
        return x
    }

    /// The hash of a row's own fields; `strings` are the hashes of its category slug, location,
    /// LSOA code and context texts (and of its Crime ID's text for non-hex ids).
    static func content(partition: UInt64, latE6: Int32, lngE6: Int32, id: CrimeID, idText: UInt64,
                        category: UInt64, location: UInt64, lsoa: UInt64, context: UInt64) -> UInt64 {
        var h = mix(0xcbf2_9ce4_8422_2325, partition)
        h = mix(h, UInt64(UInt32(bitPattern: latE6)) << 32 | UInt64(UInt32(bitPattern: lngE6)))
        switch id.kind {
        case .none: h = mix(h, 0)
        case .hex: h = mix(mix(mix(mix(mix(h, 1), id.w0), id.w1), id.w2), id.w3)
        case .text: h = mix(mix(h, 2), idText)
        }
        for v in [category, location, lsoa, context] { h = mix(h, v) }
        // Spread the bits: FNV's low bits are weak.
        h = (h ^ (h >> 33)) &* 0xff51_afd7_ed55_8ccd
        return h ^ (h >> 33)
    }

    /// The id a row would have if no other row of its partition had taken it: its partition,
    /// then its content hash plus the identical rows before it at its map point.
    @inline(__always)
    static func natural(partition: UInt64, content: UInt64, occurrence: UInt64) -> UInt64 {
        partition << localBits | (content &+ occurrence) & localMask
    }

    /// The rows whose natural id another row of the same partition also has, each with the id it
    /// gets instead, sorted by row. In each clash the row with the smallest content hash keeps the
    /// natural id; the others take the next free ids of the partition, in content-hash order.
    /// - Parameters:
    ///   - fill: writes every row's natural id at its index (it may use several threads).
    ///   - forEachRow: calls its argument with the (index, natural id, content hash) of every row
    ///     of the given partitions (it may skip the others), in snapshot order; asked only when
    ///     some natural ids clash, for their partitions, which are a few of a mirror's thousands.
    /// - Complexity: O(n) for the radix sort on all cores (the ids are hashes), then O(n) plus the clashes.
    static func exceptions(rows: Int, naturals fill: (UnsafeMutableBufferPointer<UInt64>) -> Void,
                           forEachRow: (_ partitions: PartitionCodes, _ body: (Int, UInt64, UInt64) -> Void) -> Void) -> [(row: UInt32, id: UInt64)] {
        var naturals = [UInt64](repeating: 0, count: rows)
        naturals.withUnsafeMutableBufferPointer { fill($0) }
        var sorted = consume naturals
        sorted.radixSort()
        var clashing = Set<UInt64>()
        for i in sorted.indices.dropFirst() where sorted[i] == sorted[i - 1] { clashing.insert(sorted[i]) }
        guard !clashing.isEmpty else { return [] }
        var groups: [UInt64: [(content: UInt64, row: Int)]] = [:]
        forEachRow(PartitionCodes(clashing.map { $0 >> localBits })) { i, v, content in
            if clashing.contains(v) { groups[v, default: []].append((content, i)) }
        }
        var taken = Set<UInt64>(), out: [(row: UInt32, id: UInt64)] = []
        for v in groups.keys.sorted() {
            let members = groups[v]!.sorted { ($0.content, $0.row) < ($1.content, $1.row) }
            var probe = v
            for m in members.dropFirst() {
                repeat {
                    probe = (probe & ~localMask) | ((probe &+ 1) & localMask)
                } while sorted.sortedContains(probe) || taken.contains(probe)
                taken.insert(probe)
                out.append((UInt32(m.row), probe))
            }
        }
        return out.sorted { $0.row < $1.row }
    }
}

extension CrimeIdentity {
    /// The hashes a row's content hash is made of, per string, for one table's dictionaries.
    struct RowHasher {
        let forceCodes: [UInt64], category: [UInt64], location: [UInt64], lsoa: [UInt64], context: [UInt64], text: [UInt64]

        init(_ table: CrimeTable) {
            func hashes(_ t: StringTable) -> [UInt64] {
                (0..<t.count).map { t.utf8(Int32($0)).withUnsafeBufferPointer { CrimeIdentity.hash($0) } }
            }
            forceCodes = (0..<table.forces.count).map { CrimeIdentity.forceCode(table.forces[Int32($0)]) }
            category = hashes(table.categories); location = hashes(table.locations); lsoa = hashes(table.lsoaCodes)
            context = hashes(table.contexts); text = hashes(table.textIDs)
        }

        @inline(__always)
        func partition(_ r: CrimeRow) -> UInt64 { CrimeIdentity.partition(forceCode: forceCodes[Int(r.force)], month: Int(r.month)) }

        @inline(__always)
        func content(_ r: CrimeRow, partition p: UInt64) -> UInt64 {
            CrimeIdentity.content(partition: p, latE6: r.latE6, lngE6: r.lngE6, id: r.id, idText: r.id.kind == .text ? text[Int(r.id.w0)] : 0,
                                  category: category[Int(r.category)], location: location[Int(r.location)],
                                  lsoa: lsoa[Int(r.lsoaCode)], context: context[Int(r.context)])
        }
    }

    /// Calls `body` with the (index, natural id, content hash) of every row in buckets `buckets`
    /// whose partition is in `only` (every row when nil), the content hashes read from `contents`
    /// when given (``fillContents(_:rows:range:hasher:)``): `rows` in snapshot order, grouped by map
    /// point as `bucketStart` says (the no-location rows are the last bucket).
    ///
    /// Identical rows share their partition, so leaving other partitions' rows out keeps every
    /// identical row's occurrence count (as ``CrimeMirror`` does when it lists crimes).
    static func forEachRow(_ rows: UnsafeBufferPointer<CrimeRow>, bucketStart: [UInt32], hasher: RowHasher, buckets: Range<Int>? = nil,
                           only: PartitionCodes? = nil, contents: UnsafeBufferPointer<UInt64>? = nil, _ body: (Int, UInt64, UInt64) -> Void) {
        var counter = OccurrenceCounter()
        for b in buckets ?? 0..<(bucketStart.count - 1) {
            counter.reset(expecting: Int(bucketStart[b + 1] - bucketStart[b]))
            for i in Int(bucketStart[b])..<Int(bucketStart[b + 1]) {
                let r = rows[i]
                let p = hasher.partition(r)
                if let only, !only.contains(p) { continue }
                let c = contents?[i] ?? hasher.content(r, partition: p)
                body(i, natural(partition: p, content: c, occurrence: counter.next(c)), c)
            }
        }
    }

    /// The content hashes of rows `i`, of one Crime ID kind, four at a time: ``content(partition:latE6:lngE6:id:idText:category:location:lsoa:context:)``
    /// for each, as four independent chains of multiplies that the processor runs side by side
    /// (one row's chain alone leaves it waiting on each multiply).
    static func contents(_ rows: UnsafeBufferPointer<CrimeRow>, _ i: (Int, Int, Int, Int), hasher: RowHasher) -> (UInt64, UInt64, UInt64, UInt64) {
        let r = (rows[i.0], rows[i.1], rows[i.2], rows[i.3])
        let kind = r.0.id.kind
        var h: (UInt64, UInt64, UInt64, UInt64) = (0xcbf2_9ce4_8422_2325, 0xcbf2_9ce4_8422_2325, 0xcbf2_9ce4_8422_2325, 0xcbf2_9ce4_8422_2325)
        @inline(__always) func mix4(_ f: (CrimeRow) -> UInt64) {
            let v = (f(r.0), f(r.1), f(r.2), f(r.3))
            for k in 0..<8 {
                let s = UInt64(8 * k)
                h.0 = (h.0 ^ ((v.0 >> s) & 0xFF)) &* 0x100_0000_01b3
                h.1 = (h.1 ^ ((v.1 >> s) & 0xFF)) &* 0x100_0000_01b3
                h.2 = (h.2 ^ ((v.2 >> s) & 0xFF)) &* 0x100_0000_01b3
                h.3 = (h.3 ^ ((v.3 >> s) & 0xFF)) &* 0x100_0000_01b3
            }
        }
        mix4 { hasher.partition($0) }
        mix4 { UInt64(UInt32(bitPattern: $0.latE6)) << 32 | UInt64(UInt32(bitPattern: $0.lngE6)) }
        mix4 { _ in UInt64(kind.rawValue) }
        switch kind {
        case .none: break
        case .hex: mix4(\.id.w0); mix4(\.id.w1); mix4(\.id.w2); mix4(\.id.w3)
        case .text: mix4 { hasher.text[Int($0.id.w0)] }
        }
        mix4 { hasher.category[Int($0.category)] }
        mix4 { hasher.location[Int($0.location)] }
        mix4 { hasher.lsoa[Int($0.lsoaCode)] }
        mix4 { hasher.context[Int($0.context)] }
        @inline(__always) func spread(_ x: UInt64) -> UInt64 {
            let y = (x ^ (x >> 33)) &* 0xff51_afd7_ed55_8ccd
            return y ^ (y >> 33)
        }
        return (spread(h.0), spread(h.1), spread(h.2), spread(h.3))
    }

    /// Writes the content hash of every row of `range` at its index: rows of one Crime ID kind
    /// four at a time (``contents(_:_:hasher:)``), the rest one by one.
    static func fillContents(_ out: UnsafeMutableBufferPointer<UInt64>, rows: UnsafeBufferPointer<CrimeRow>, range: Range<Int>, hasher: RowHasher) {
        // Rows waiting for three more of their kind: kind k's are `waiting[4k..<4k + count[k]]`.
        // (Arrays of arrays here copied a buffer every four rows.)
        var waiting = [Int](repeating: 0, count: 12), count = [0, 0, 0]
        for i in range {
            let k = Int(rows[i].id.kind.rawValue), at = 4 * k
            waiting[at + count[k]] = i
            count[k] += 1
            if count[k] == 4 {
                let w = (waiting[at], waiting[at + 1], waiting[at + 2], waiting[at + 3])
                (out[w.0], out[w.1], out[w.2], out[w.3]) = contents(rows, w, hasher: hasher)
                count[k] = 0
            }
        }
        for k in 0..<3 {
            for i in waiting[4 * k..<4 * k + count[k]] { out[i] = hasher.content(rows[i], partition: hasher.partition(rows[i])) }
        }
    }

    /// Every row's natural id at its index, the buckets split between all cores.
    static func fillNaturals(_ naturals: UnsafeMutableBufferPointer<UInt64>, rows: UnsafeBufferPointer<CrimeRow>,
                             bucketStart: [UInt32], hasher: RowHasher) {
        let buckets = bucketStart.count - 1
        let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, buckets))
        // Cut where the rows, not the buckets, divide evenly.
        var cuts = [0]
        for k in 1..<parts {
            let target = UInt32(Int(bucketStart.last ?? 0) * k / parts)
            var lo = cuts.last!, hi = buckets
            while lo < hi { let mid = (lo + hi) / 2; if bucketStart[mid] < target { lo = mid + 1 } else { hi = mid } }
            cuts.append(lo)
        }
        cuts.append(buckets)
        // Each part writes only its own rows' slots.
        nonisolated(unsafe) let (out, rows) = (naturals, rows)
        let bounds = cuts
        // Each part hashes its rows' contents into their slots, then turns them into ids.
        DispatchQueue.concurrentPerform(iterations: parts) { k in
            fillContents(out, rows: rows, range: Int(bucketStart[bounds[k]])..<Int(bucketStart[bounds[k + 1]]), hasher: hasher)
            forEachRow(rows, bucketStart: bucketStart, hasher: hasher, buckets: bounds[k]..<bounds[k + 1],
                       contents: UnsafeBufferPointer(out)) { i, v, _ in out[i] = v }
        }
    }
}

/// A set of 16-bit partition codes as 65,536 bits: the clash pass asks it of every row.
struct PartitionCodes: Sendable {
    private var words = [UInt64](repeating: 0, count: 1 << 10)

    init<S: Sequence>(_ codes: S) where S.Element == UInt64 {
        for c in codes { words[Int(c >> 6) & 1023] |= 1 << (c & 63) }
    }

    @inline(__always)
    func contains(_ code: UInt64) -> Bool { code < 1 << 16 && words[Int(code >> 6)] >> (code & 63) & 1 == 1 }
}

/// Counts identical rows within one map point's run of rows, for ``CrimeIdentity``'s occurrence.
///
/// An open-addressing table keyed by the content hash itself (already well mixed, so no second
/// hash), its slots stamped with the run they belong to so that forgetting a run costs nothing:
/// a national ingest asks it of every row (a `Dictionary` cost 45–60 ns a row, the table 10–12).
struct OccurrenceCounter {
    private struct Slot { var content: UInt64 = 0, count: UInt32 = 0, stamp: UInt32 = 0 }
    private var slots = [Slot](repeating: Slot(), count: 16)
    /// The run's slots are the first `mask + 1`; a slot is in use when it bears the run's stamp.
    private var mask = 15, stamp: UInt32 = 1, used = 0

    /// Forgets the previous point's rows; `rows`, how many the next point has, sizes the table
    /// for them (more may come: it grows).
    mutating func reset(expecting rows: Int) {
        newStamp()
        let want = max(16, 2 * rows)
        mask = 1 << (Int.bitWidth - (want - 1).leadingZeroBitCount) - 1
        if slots.count <= mask { slots += [Slot](repeating: Slot(), count: mask + 1 - slots.count) }
    }

    /// How many rows with this content hash came before at this point (and counts this one).
    @inline(__always)
    mutating func next(_ content: UInt64) -> UInt64 {
        var i = Int(truncatingIfNeeded: content) & mask
        while slots[i].stamp == stamp {
            if slots[i].content == content {
                slots[i].count += 1
                return UInt64(slots[i].count - 1)
            }
            i = (i + 1) & mask
        }
        // Kept at most half full, so probes stay short and always end.
        if 2 * (used + 1) > mask + 1 {
            grow()
            return next(content)
        }
        slots[i] = Slot(content: content, count: 1, stamp: stamp)
        used += 1
        return 0
    }

    /// Empties the table: slots with an older stamp are free.
    private mutating func newStamp() {
        if stamp == .max {
            for i in slots.indices { slots[i].stamp = 0 }
            stamp = 0
        }
        stamp += 1
        used = 0
    }

    /// Doubles the run's slots, moving its entries under a fresh stamp.
    private mutating func grow() {
        let entries = (0...mask).compactMap { slots[$0].stamp == stamp ? slots[$0] : nil }
        reset(expecting: mask + 1)
        for e in entries {
            var i = Int(truncatingIfNeeded: e.content) & mask
            while slots[i].stamp == stamp { i = (i + 1) & mask }
            slots[i] = Slot(content: e.content, count: e.count, stamp: stamp)
        }
        used = entries.count
    }
}

/// ``CrimeIdentity`` over an opened snapshot: a crime's id from its stored row, checked against
/// the snapshot's list of clashing rows.
struct StoredIdentity {
    private let exceptionRow: UnsafeBufferPointer<UInt32>, exceptionValue: UnsafeBufferPointer<UInt64>
    private let forceCodes: [UInt64], categoryHashes: [UInt64]
    private let locations: StoredStrings, lsoaCodes: StoredStrings, contexts: StoredStrings, textIDs: StoredStrings

    init(_ s: Snapshot, forces: [String], categories: [String]) {
        exceptionRow = s.array(.crimeIDExceptionRow)
        exceptionValue = s.array(.crimeIDExceptionValue)
        forceCodes = forces.map(CrimeIdentity.forceCode)
        categoryHashes = categories.map { var t = $0; return t.withUTF8 { CrimeIdentity.hash($0) } }
        locations = s.strings(.locations); lsoaCodes = s.strings(.lsoaCodes)
        contexts = s.strings(.contexts); textIDs = s.strings(.textIDs)
    }

    /// The content hash of a stored row at the given coordinates (its map point's, or
    /// ``CrimeRow/noLocation`` for both).
    func content(_ r: CrimeRow, latE6: Int32, lngE6: Int32) -> UInt64 {
        let p = CrimeIdentity.partition(forceCode: forceCodes[Int(r.force)], month: Int(r.month))
        return CrimeIdentity.content(partition: p, latE6: latE6, lngE6: lngE6, id: r.id,
                                     idText: r.id.kind == .text ? textIDs.hash(Int(r.id.w0)) : 0,
                                     category: categoryHashes[Int(r.category)], location: locations.hash(Int(r.location)),
                                     lsoa: lsoaCodes.hash(Int(r.lsoaCode)), context: contexts.hash(Int(r.context)))
    }

    /// The id of snapshot row `row`.
    /// - Complexity: O(log clashes).
    func id(row: Int, content: UInt64, occurrence: UInt64, force: Int, month: Int) -> Int {
        var lo = 0, hi = exceptionRow.count
        while lo < hi { let mid = (lo + hi) / 2; if Int(exceptionRow[mid]) < row { lo = mid + 1 } else { hi = mid } }
        if lo < exceptionRow.count, Int(exceptionRow[lo]) == row { return Int(exceptionValue[lo]) }
        let p = CrimeIdentity.partition(forceCode: forceCodes[force], month: month)
        return Int(CrimeIdentity.natural(partition: p, content: content, occurrence: occurrence))
    }
}

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
    /// - Parameter forEachRow: calls its argument with every row's (index, natural id, content
    ///   hash), in snapshot order; called twice, so only one array of ids is ever held.
    /// - Complexity: O(n log n) for the sort, then O(n) plus the clashes.
    static func exceptions(rows: Int, forEachRow: ((Int, UInt64, UInt64) -> Void) -> Void) -> [(row: UInt32, id: UInt64)] {
        var naturals = [UInt64](repeating: 0, count: rows)
        forEachRow { i, v, _ in naturals[i] = v }
        naturals.sort()
        var clashing = Set<UInt64>()
        if naturals.count > 1 {
            for k in 1..<naturals.count where naturals[k] == naturals[k - 1] { clashing.insert(naturals[k]) }
        }
        guard !clashing.isEmpty else { return [] }
        var groups: [UInt64: [(content: UInt64, row: Int)]] = [:]
        forEachRow { i, v, content in
            if clashing.contains(v) { groups[v, default: []].append((content, i)) }
        }
        func held(_ v: UInt64) -> Bool {
            var lo = 0, hi = naturals.count
            while lo < hi { let mid = (lo + hi) / 2; if naturals[mid] < v { lo = mid + 1 } else { hi = mid } }
            return lo < naturals.count && naturals[lo] == v
        }
        var taken = Set<UInt64>(), out: [(row: UInt32, id: UInt64)] = []
        for v in groups.keys.sorted() {
            let members = groups[v]!.sorted { ($0.content, $0.row) < ($1.content, $1.row) }
            var probe = v
            for m in members.dropFirst() {
                repeat {
                    probe = (probe & ~localMask) | ((probe &+ 1) & localMask)
                } while held(probe) || taken.contains(probe)
                taken.insert(probe)
                out.append((UInt32(m.row), probe))
            }
        }
        return out.sorted { $0.row < $1.row }
    }
}

extension CrimeIdentity {
    /// Calls `body` with every row's (index, natural id, content hash): `rows` in snapshot order,
    /// grouped by map point as `bucketStart` says (the no-location rows are the last bucket).
    static func forEachRow(_ rows: [CrimeRow], bucketStart: [UInt32], table: CrimeTable, _ body: (Int, UInt64, UInt64) -> Void) {
        func hashes(_ t: StringTable) -> [UInt64] {
            (0..<t.count).map { t.utf8(Int32($0)).withUnsafeBufferPointer { hash($0) } }
        }
        let forceCodes = (0..<table.forces.count).map { forceCode(table.forces[Int32($0)]) }
        let category = hashes(table.categories), location = hashes(table.locations), lsoa = hashes(table.lsoaCodes)
        let context = hashes(table.contexts), text = hashes(table.textIDs)
        var counter = OccurrenceCounter()
        for b in 0..<(bucketStart.count - 1) {
            counter.reset()
            for i in Int(bucketStart[b])..<Int(bucketStart[b + 1]) {
                let r = rows[i]
                let p = partition(forceCode: forceCodes[Int(r.force)], month: Int(r.month))
                let c = content(partition: p, latE6: r.latE6, lngE6: r.lngE6, id: r.id, idText: r.id.kind == .text ? text[Int(r.id.w0)] : 0,
                                category: category[Int(r.category)], location: location[Int(r.location)],
                                lsoa: lsoa[Int(r.lsoaCode)], context: context[Int(r.context)])
                body(i, natural(partition: p, content: c, occurrence: counter.next(c)), c)
            }
        }
    }
}

/// Counts identical rows within one map point's run of rows, for ``CrimeIdentity``'s occurrence.
struct OccurrenceCounter {
    private var seen: [UInt64: UInt64] = [:]

    /// Forgets the previous point's rows.
    mutating func reset() { seen.removeAll(keepingCapacity: true) }

    /// How many rows with this content hash came before at this point (and counts this one).
    @inline(__always)
    mutating func next(_ content: UInt64) -> UInt64 {
        let k = seen[content, default: 0]
        seen[content] = k + 1
        return k
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

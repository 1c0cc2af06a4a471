/// A Police UK crime id: 64 hex digits kept as 32 bytes; anything else kept as text.
struct CrimeID: Hashable, Sendable {
    enum Kind: UInt8 { case none = 0, hex = 1, text = 2 }
    /// Hex: the 32 bytes big-endian in four words. Text: `words.0` is the id in `CrimeTable.textIDs`.
    var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0
    /// Last, so a ``CrimeRow`` packs its small fields into this word's padding (72 bytes a row, not 80).
    var kind: Kind = .none

    init(kind: Kind = .none, w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0) {
        self.kind = kind
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
    }

    /// Each byte's hex value, or 0xFF for a byte that is no hex digit.
    private static let hexDigits: [UInt8] = (0...255).map { TextBytes.hexValue(UInt8($0)) ?? 0xFF }

    /// Decodes 64 hex digits; nil for anything else.
    static func hex(_ b: UnsafeBufferPointer<UInt8>) -> CrimeID? {
        guard b.count == 64 else { return nil }
        // Once per street row: a table look-up per digit and one validity test for all 64 (an
        // invalid digit's entry has its high bits set), no array, no branch per digit.
        return hexDigits.withUnsafeBufferPointer { table -> CrimeID? in
            var seen: UInt8 = 0
            func word(_ at: Int) -> UInt64 {
                var w: UInt64 = 0
                for i in at..<(at + 16) {
                    let v = table[Int(b[i])]
                    seen |= v
                    w = w << 4 | UInt64(v & 0xF)
                }
                return w
            }
            let w0 = word(0), w1 = word(16), w2 = word(32), w3 = word(48)
            return seen & 0xF0 == 0 ? CrimeID(kind: .hex, w0: w0, w1: w1, w2: w2, w3: w3) : nil
        }
    }

    /// The id as Police UK writes it (lower-case hex), resolving text ids through `table`.
    func text(_ table: StringTable) -> String {
        switch kind {
        case .none: return ""
        case .text: return table[Int32(truncatingIfNeeded: w0)]
        case .hex:
            let digits = Array("0123456789abcdef".utf8)
            var out = [UInt8](repeating: 0, count: 64)
            for (k, w) in [w0, w1, w2, w3].enumerated() {
                for j in 0..<16 { out[k * 16 + j] = digits[Int((w >> UInt64(60 - 4 * j)) & 0xF)] }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

/// One street-level crime as the mirror keeps it: every CSV field, strings interned.
struct CrimeRow: Sendable {
    var id = CrimeID()
    /// Micro-degrees; `CrimeRow.noLocation` in both when the row has no coordinates.
    var latE6: Int32 = CrimeRow.noLocation
    var lngE6: Int32 = CrimeRow.noLocation
    var month: Int32 = 0
    var location: Int32 = 0
    var lsoaCode: Int32 = 0
    var lsoaName: Int32 = 0
    var context: Int32 = 0
    var reportedBy: Int16 = 0
    var fallsWithin: Int16 = 0
    var force: UInt8 = 0
    var category: UInt8 = 0
    /// "Last outcome category" as the street file gave it (index into `outcomes`, 0 = none).
    var outcome: UInt8 = 0

    static let noLocation = Int32.min
    var hasLocation: Bool { latE6 != CrimeRow.noLocation }
}

/// One row of an outcomes CSV: a later outcome for a crime id.
struct OutcomeEvent: Sendable {
    var id: CrimeID
    var month: Int32
    var force: UInt8
    var outcome: UInt8
}

/// A map point named explicitly by a `--map-points` list (id, latitude, longitude, name).
struct ListedMapPoint: Sendable {
    var id: Int64
    var latE6: Int32
    var lngE6: Int32
    var name: Int32
}

/// Everything the mirror holds before indexing: crime rows, outcome events and listed map points,
/// with their string dictionaries. Ingest fills one; a snapshot can be turned back into one.
struct CrimeTable: Sendable {
    var forces = StringTable()
    var agencies = StringTable()
    var categories = StringTable()
    var outcomes = StringTable()
    var locations = StringTable()
    var lsoaCodes = StringTable()
    var lsoaNames = StringTable()
    var contexts = StringTable()
    var textIDs = StringTable()

    var rows: [CrimeRow] = []
    var events: [OutcomeEvent] = []
    var listedPoints: [ListedMapPoint] = []

    init() {
        for slug in Category.standard { categories.intern(slug) }
        // Id 0 is "no outcome" (anti-social behaviour, BTP) and "no context" / "no LSOA".
        outcomes.intern("")
        contexts.intern("")
        lsoaCodes.intern("")
        lsoaNames.intern("")
        locations.intern("")
    }

    /// (force, month) pairs: the unit Police UK publishes and restates.
    struct Partition: Hashable, Comparable, Sendable {
        var force: String
        var month: Int32
        static func < (a: Partition, b: Partition) -> Bool { (a.force, a.month) < (b.force, b.month) }
    }

    var streetPartitions: Set<Partition> { partitions(rows.lazy.map { ($0.force, $0.month) }) }
    var outcomePartitions: Set<Partition> { partitions(events.lazy.map { ($0.force, $0.month) }) }

    /// Distinct (force, month) pairs, found on integer keys before any string is made.
    private func partitions<S: Sequence>(_ keys: S) -> Set<Partition> where S.Element == (UInt8, Int32) {
        var seen = Set<Int64>()
        for (f, m) in keys { seen.insert(Int64(f) << 32 | Int64(m)) }
        return Set(seen.map { Partition(force: forces[Int32($0 >> 32)], month: Int32(truncatingIfNeeded: $0)) })
    }

    /// Drops every row and event in `gone`, comparing integer keys.
    private mutating func remove(_ street: Set<Partition>, _ outcome: Set<Partition>) {
        func keys(_ ps: Set<Partition>) -> Set<Int64> {
            Set(ps.compactMap { p in forces.find(p.force).map { Int64($0) << 32 | Int64(p.month) } })
        }
        let s = keys(street), o = keys(outcome)
        if !s.isEmpty { rows.removeAll { s.contains(Int64($0.force) << 32 | Int64($0.month)) } }
        if !o.isEmpty { events.removeAll { o.contains(Int64($0.force) << 32 | Int64($0.month)) } }
    }

    /// Merges `newer` into this table: every (force, month) that `newer` holds replaces the same
    /// partition here (Police UK restates months), and a new map-point list replaces the old one.
    mutating func replace(with newer: CrimeTable) throws { try merge([newer]) }

    /// Merges tables in order, each as ``replace(with:)`` would: a later table restating a
    /// (force, month) replaces what came before it.
    mutating func merge(_ tables: [CrimeTable]) throws {
        rows.reserveCapacity(rows.count + tables.reduce(0) { $0 + $1.rows.count })
        try merge(count: tables.count) { tables[$0] }
    }

    /// Merges `count` tables in order, asking `table(i)` for each only when it is its turn, so a
    /// caller can let each go as soon as it is merged.
    mutating func merge(count: Int, _ table: (Int) -> CrimeTable) throws {
        var heldStreet = streetPartitions, heldOutcome = outcomePartitions
        for i in 0..<count {
            let t = table(i)
            let street = t.streetPartitions, outcome = t.outcomePartitions
            let s = street.intersection(heldStreet), o = outcome.intersection(heldOutcome)
            if !s.isEmpty || !o.isEmpty { remove(s, o) }
            try append(t)
            heldStreet.formUnion(street)
            heldOutcome.formUnion(outcome)
        }
    }

    /// Appends another table's rows, events and map-point list, re-interning its strings.
    private mutating func append(_ newer: CrimeTable) throws {
        func remap(_ from: StringTable, into to: inout StringTable) -> [Int32] {
            (0..<from.count).map { i in from.utf8(Int32(i)).withUnsafeBufferPointer { to.intern($0) } }
        }
        let f = remap(newer.forces, into: &forces), a = remap(newer.agencies, into: &agencies)
        let c = remap(newer.categories, into: &categories), o = remap(newer.outcomes, into: &outcomes)
        let l = remap(newer.locations, into: &locations), lc = remap(newer.lsoaCodes, into: &lsoaCodes)
        let ln = remap(newer.lsoaNames, into: &lsoaNames), cx = remap(newer.contexts, into: &contexts)
        let t = remap(newer.textIDs, into: &textIDs)
        try checkLimits()
        func id(_ x: CrimeID) -> CrimeID {
            var y = x
            if x.kind == .text { y.w0 = UInt64(t[Int(x.w0)]) }
            return y
        }
        for r in newer.rows {
            var m = r
            m.id = id(r.id)
            m.force = UInt8(f[Int(r.force)]); m.category = UInt8(c[Int(r.category)]); m.outcome = UInt8(o[Int(r.outcome)])
            m.reportedBy = Int16(a[Int(r.reportedBy)]); m.fallsWithin = Int16(a[Int(r.fallsWithin)])
            m.location = l[Int(r.location)]; m.lsoaCode = lc[Int(r.lsoaCode)]; m.lsoaName = ln[Int(r.lsoaName)]
            m.context = cx[Int(r.context)]
            rows.append(m)
        }
        for e in newer.events {
            events.append(OutcomeEvent(id: id(e.id), month: e.month, force: UInt8(f[Int(e.force)]), outcome: UInt8(o[Int(e.outcome)])))
        }
        if !newer.listedPoints.isEmpty {
            listedPoints = newer.listedPoints.map { var p = $0; p.name = l[Int($0.name)]; return p }
        }
    }

    /// The snapshot packs forces and categories into 6 bits and outcomes and agencies into 8/16.
    func checkLimits() throws {
        if forces.count > 64 { throw GeoQueryError.unreadableInput("more than 64 distinct forces: geoquery's mirror holds at most 64") }
        if categories.count > 64 { throw GeoQueryError.unreadableInput("more than 64 distinct crime types: check the files are Police UK street CSVs") }
        if outcomes.count > 256 { throw GeoQueryError.unreadableInput("more than 256 distinct outcome categories: check the files are Police UK CSVs") }
        if agencies.count > Int(Int16.max) { throw GeoQueryError.unreadableInput("too many distinct 'Reported by' names") }
    }
}

import Dispatch

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
    /// Distinct texts of the tables above that are not UTF-8.
    var notUTF8: Int { [forces, agencies, categories, outcomes, locations, lsoaCodes, lsoaNames, contexts, textIDs].reduce(0) { $0 + $1.notUTF8 } }

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
        init(force: String, month: Int32) { (self.force, self.month) = (force, month) }
        /// A snapshot's listed partition (nil for a month that does not read as one).
        init?(_ p: MirrorMeta.Partition) {
            guard let m = Month(p.month) else { return nil }
            self.init(force: p.force, month: Int32(m.ordinal))
        }
    }

    var streetPartitions: Set<Partition> { partitions(rows.lazy.map { ($0.force, $0.month) }) }
    var outcomePartitions: Set<Partition> { partitions(events.lazy.map { ($0.force, $0.month) }) }

    /// The places of `names` in name order (UTF-8 bytes), the first `fixed` kept where they are.
    ///
    /// A map point's rows are stored (and identical rows count their occurrences for their
    /// ``CrimeIdentity``) in cell-key order, whose fields are the month and the force's,
    /// category's and outcome's indices. Numbered in the order files first named them, two
    /// mirrors of the same files ingested in another order listed a point's crimes in another
    /// order, and two rows identical but for their outcome would swap ids.
    static func nameRanks(_ names: [[UInt8]], fixed: Int = 0) -> [Int] {
        var rank = Array(names.indices)
        let rest = names.indices.dropFirst(fixed).sorted { names[$0].lexicographicallyPrecedes(names[$1]) }
        for (r, i) in rest.enumerated() { rank[i] = fixed + r }
        return rank
    }

    /// The outcomes' places in name order ("" first, so 0 stays "no outcome").
    static func outcomeRanks(_ names: [[UInt8]]) -> [Int] { nameRanks(names, fixed: 1) }
    /// The forces' places in slug order.
    static func forceRanks(_ names: [[UInt8]]) -> [Int] { nameRanks(names) }
    /// The categories' places: the standard ones first, as always, then the others by name.
    static func categoryRanks(_ names: [[UInt8]]) -> [Int] { nameRanks(names, fixed: min(Category.standard.count, names.count)) }

    /// Renumbers forces, categories and outcomes by name (see ``nameRanks(_:fixed:)``), the rows
    /// and events with them, so a snapshot does not depend on the order its files were read in.
    mutating func numberNamesInOrder() {
        if let map = CrimeTable.renamed(&forces, CrimeTable.forceRanks) { renumberForces(map) }
        if let map = CrimeTable.renamed(&categories, CrimeTable.categoryRanks) { renumberCategories(map) }
        if let map = CrimeTable.renamed(&outcomes, CrimeTable.outcomeRanks) { renumberOutcomes(map) }
    }

    /// `table` in the order `ranks` gives its names; the old index to the new one (nil when the
    /// order is unchanged).
    private static func renamed(_ table: inout StringTable, _ ranks: ([[UInt8]]) -> [Int]) -> [UInt8]? {
        let rank = ranks((0..<table.count).map { Array(table.utf8(Int32($0))) })
        guard rank != Array(rank.indices) else { return nil }
        return rebuilt(&table, keeping: rank.indices.sorted { rank[$0] < rank[$1] })
    }

    /// `table` holding only the names at `order` (old indices), in that order; the old index to
    /// the new one (0 for a name left out).
    private static func rebuilt(_ table: inout StringTable, keeping order: [Int]) -> [UInt8] {
        var kept = StringTable(), map = [UInt8](repeating: 0, count: table.count)
        for i in order {
            map[i] = UInt8(truncatingIfNeeded: Array(table.utf8(Int32(i))).withUnsafeBufferPointer { kept.intern($0) })
        }
        table = kept
        return map
    }

    /// Rows' and events' forces through `map` (old index to new).
    private mutating func renumberForces(_ map: [UInt8]) {
        rows.withUnsafeMutableBufferPointer { rows in
            for i in rows.indices { rows[i].force = map[Int(rows[i].force)] }
        }
        for i in events.indices { events[i].force = map[Int(events[i].force)] }
    }

    /// Rows' categories through `map` (old index to new).
    private mutating func renumberCategories(_ map: [UInt8]) {
        rows.withUnsafeMutableBufferPointer { rows in
            for i in rows.indices { rows[i].category = map[Int(rows[i].category)] }
        }
    }

    /// Rows' and events' outcomes through `map` (old index to new).
    private mutating func renumberOutcomes(_ map: [UInt8]) {
        rows.withUnsafeMutableBufferPointer { rows in
            for i in rows.indices { rows[i].outcome = map[Int(rows[i].outcome)] }
        }
        for i in events.indices { events[i].outcome = map[Int(events[i].outcome)] }
    }

    /// Drops the categories (past the standard ones, which every mirror lists) and outcomes that
    /// no row or event names, renumbering the rest in their order. A restated force-month takes
    /// its old rows away, and a name only they used stayed: a zero key in every answer's
    /// `by_category` or `by_outcome`, and a category the mirror accepted, that a mirror built
    /// from the same files at once did not have (an independent check).
    mutating func dropUnusedNames() {
        var category = [Bool](repeating: false, count: categories.count), outcome = [Bool](repeating: false, count: outcomes.count)
        for i in 0..<min(Category.standard.count, category.count) { category[i] = true }
        if !outcome.isEmpty { outcome[0] = true }  // "" is "no outcome"
        rows.withUnsafeBufferPointer { rows in
            for r in rows { category[Int(r.category)] = true; outcome[Int(r.outcome)] = true }
        }
        for e in events { outcome[Int(e.outcome)] = true }
        if let map = CrimeTable.keeping(category, of: &categories) { renumberCategories(map) }
        if let map = CrimeTable.keeping(outcome, of: &outcomes) { renumberOutcomes(map) }
    }

    /// Keeps the names of `table` marked in `used`, in their order; the old index to new one
    /// (nil when every name is used and nothing changes).
    private static func keeping(_ used: [Bool], of table: inout StringTable) -> [UInt8]? {
        guard used.contains(false) else { return nil }
        return rebuilt(&table, keeping: used.indices.filter { used[$0] })
    }

    /// Distinct (force, month) pairs, found on integer keys before any string is made.
    private func partitions<S: Sequence>(_ keys: S) -> Set<Partition> where S.Element == (UInt8, Int32) {
        guard let bits = PartitionBits(keys, forces: forces.count) else { return [] }
        var out = Set<Partition>()
        bits.forEach { f, m in out.insert(Partition(force: forces[Int32(f)], month: m)) }
        return out
    }

    /// Street rows in each of `wanted` (a restatement's partitions; no other row is counted).
    func streetRows(in wanted: Set<Partition>) -> [Partition: Int] {
        guard let b = bits(wanted) else { return [:] }
        // Counted by integer key: a partition's name is looked up once, not once a row.
        var byKey: [Int64: Int] = [:]
        for r in rows where b.contains(force: r.force, month: r.month) { byKey[Int64(r.force) << 32 | Int64(r.month), default: 0] += 1 }
        var out: [Partition: Int] = [:]
        for (k, n) in byKey { out[Partition(force: forces[Int32(k >> 32)], month: Int32(truncatingIfNeeded: k))] = n }
        return out
    }

    /// Drops every row and event in `gone`, comparing integer keys.
    private mutating func remove(_ street: Set<Partition>, _ outcome: Set<Partition>) {
        if let s = bits(street) { rows.removeAll { s.contains(force: $0.force, month: $0.month) } }
        if let o = bits(outcome) { events.removeAll { o.contains(force: $0.force, month: $0.month) } }
    }

    /// Merges `newer` into this table: every (force, month) that `newer` holds replaces the same
    /// partition here (Police UK restates months), and a new map-point list replaces the old one.
    mutating func replace(with newer: CrimeTable) throws {
        var tables = [newer]
        try merge(&tables)
    }

    /// Merges tables in order, each as ``replace(with:)`` would: a later table restating a
    /// (force, month) replaces what came before it. Each table's rows are let go once copied
    /// (`tables` is left holding their string tables).
    ///
    /// The result is that of merging the tables one by one, computed in three passes that each
    /// use every core: which partitions later tables restate; the string tables, each kind on its
    /// own thread; and the rows, each table's remapped into its place at once.
    /// - Returns: for each table, its rows and outcome events a later table replaced (restating
    ///   their (force, month)), for the ingest summary.
    @discardableResult
    mutating func merge(_ tables: inout [CrimeTable]) throws -> [Int] {
        let n = tables.count
        guard n > 0 else { return [] }
        // A row of table i survives unless a later table restates its partition; this table's
        // rows, unless any table does.
        var held = [(street: Set<Partition>, outcome: Set<Partition>)](repeating: ([], []), count: n)
        held.withUnsafeMutableBufferPointer { h in
            tables.withUnsafeBufferPointer { t in
                nonisolated(unsafe) let (h, t) = (h, t)
                DispatchQueue.concurrentPerform(iterations: n) { i in h[i] = (t[i].streetPartitions, t[i].outcomePartitions) }
            }
        }
        let street = held.map(\.street), outcome = held.map(\.outcome)
        var goneStreet = street.map { _ in Set<Partition>() }, goneOutcome = goneStreet
        var laterStreet = Set<Partition>(), laterOutcome = Set<Partition>()
        for i in (0..<n).reversed() {
            goneStreet[i] = street[i].intersection(laterStreet)
            goneOutcome[i] = outcome[i].intersection(laterOutcome)
            laterStreet.formUnion(street[i])
            laterOutcome.formUnion(outcome[i])
        }
        let heldStreet = rows.isEmpty ? [] : streetPartitions.intersection(laterStreet)
        let heldOutcome = events.isEmpty ? [] : outcomePartitions.intersection(laterOutcome)
        if !heldStreet.isEmpty || !heldOutcome.isEmpty { remove(heldStreet, heldOutcome) }

        let maps = try remapStrings(tables)
        // Rows: each table's survivors (all, unless a later table restates some of its
        // partitions), remapped, at their place in the merged order.
        let gone = (0..<n).map { goneStreet[$0].isEmpty ? nil : tables[$0].bits(goneStreet[$0]) }
        var start = [rows.count]
        for i in 0..<n {
            start.append(start[i] + (gone[i].map { g in tables[i].rows.reduce(0) { $0 + (g.contains(force: $1.force, month: $1.month) ? 0 : 1) } } ?? tables[i].rows.count))
        }
        let total = start[n]
        var replaced = (0..<n).map { tables[$0].rows.count - (start[$0 + 1] - start[$0]) }
        if rows.isEmpty {
            rows = [CrimeRow](unsafeUninitializedCapacity: total) { out, filled in
                tables.withUnsafeMutableBufferPointer { t in
                    nonisolated(unsafe) let (out, t) = (out, t)
                    let start = start
                    DispatchQueue.concurrentPerform(iterations: n) { i in
                        // Taken once: read through the arrays per row, they were retained per row.
                        let map = maps[i], gone = gone[i]
                        var at = start[i]
                        for r in t[i].rows where !(gone?.contains(force: r.force, month: r.month) ?? false) {
                            (out.baseAddress! + at).initialize(to: map.row(r))
                            at += 1
                        }
                        t[i].rows = []
                    }
                }
                filled = total
            }
        } else {
            rows.reserveCapacity(total)
            for i in 0..<n {
                let map = maps[i], gone = gone[i]
                for r in tables[i].rows where !(gone?.contains(force: r.force, month: r.month) ?? false) { rows.append(map.row(r)) }
                tables[i].rows = []
            }
        }
        for i in 0..<n {
            let map = maps[i], gone = goneOutcome[i].isEmpty ? nil : tables[i].bits(goneOutcome[i])
            for e in tables[i].events {
                guard !(gone?.contains(force: e.force, month: e.month) ?? false) else { replaced[i] += 1; continue }
                events.append(OutcomeEvent(id: map.id(e.id), month: e.month, force: map.force(e.force), outcome: map.outcome(e.outcome)))
            }
            tables[i].events = []
            if !tables[i].listedPoints.isEmpty {
                listedPoints = tables[i].listedPoints.map { var p = $0; p.name = map.location($0.name); return p }
            }
        }
        return replaced
    }

    /// The partitions of `ps` this table knows, as bits over its force ids.
    private func bits(_ ps: Set<Partition>) -> PartitionBits? {
        PartitionBits(ps.lazy.compactMap { p in self.forces.find(p.force).map { (UInt8($0), p.month) } }, forces: forces.count)
    }

    /// How one table's string ids map into this table's, once its strings are interned here.
    private struct Remap: Sendable {
        var forces: [Int32] = [], agencies: [Int32] = [], categories: [Int32] = [], outcomes: [Int32] = []
        var locations: [Int32] = [], lsoaCodes: [Int32] = [], lsoaNames: [Int32] = [], contexts: [Int32] = [], textIDs: [Int32] = []

        static var kinds: [(table: WritableKeyPath<CrimeTable, StringTable>, map: WritableKeyPath<Remap, [Int32]>)] { [
            (\.forces, \.forces), (\.agencies, \.agencies), (\.categories, \.categories), (\.outcomes, \.outcomes),
            (\.locations, \.locations), (\.lsoaCodes, \.lsoaCodes), (\.lsoaNames, \.lsoaNames), (\.contexts, \.contexts),
            (\.textIDs, \.textIDs),
        ] }

        @inline(__always) func force(_ f: UInt8) -> UInt8 { UInt8(truncatingIfNeeded: forces[Int(f)]) }
        @inline(__always) func outcome(_ o: UInt8) -> UInt8 { UInt8(truncatingIfNeeded: outcomes[Int(o)]) }
        @inline(__always) func location(_ l: Int32) -> Int32 { locations[Int(l)] }
        @inline(__always) func id(_ x: CrimeID) -> CrimeID {
            var y = x
            if x.kind == .text { y.w0 = UInt64(textIDs[Int(x.w0)]) }
            return y
        }

        @inline(__always) func row(_ r: CrimeRow) -> CrimeRow {
            var m = r
            m.id = id(r.id)
            m.force = force(r.force); m.category = UInt8(truncatingIfNeeded: categories[Int(r.category)]); m.outcome = outcome(r.outcome)
            m.reportedBy = Int16(truncatingIfNeeded: agencies[Int(r.reportedBy)]); m.fallsWithin = Int16(truncatingIfNeeded: agencies[Int(r.fallsWithin)])
            m.location = locations[Int(r.location)]; m.lsoaCode = lsoaCodes[Int(r.lsoaCode)]; m.lsoaName = lsoaNames[Int(r.lsoaName)]
            m.context = contexts[Int(r.context)]
            return m
        }
    }

    /// Interns every table's strings here, table by table within each kind (so ids come out as
    /// they would merging one table at a time), the kinds on all cores. Throws, as that one-by-one
    /// merge would, at the first table after which a limit is passed.
    private mutating func remapStrings(_ tables: [CrimeTable]) throws -> [Remap] {
        nonisolated(unsafe) let kinds = Remap.kinds  // key paths, only read
        var maps = [Remap](repeating: Remap(), count: tables.count)
        // Taken out of self, so each kind's thread owns its table (and no copy is made on write).
        var own = kinds.map { k -> StringTable in
            defer { self[keyPath: k.table] = StringTable() }
            return self[keyPath: k.table]
        }
        // Each kind's size after each table, for the limits.
        var sizes = [[Int]](repeating: [], count: kinds.count)
        maps.withUnsafeMutableBufferPointer { m in
            own.withUnsafeMutableBufferPointer { o in
                sizes.withUnsafeMutableBufferPointer { z in
                    nonisolated(unsafe) let (m, o, z) = (m, o, z)
                    DispatchQueue.concurrentPerform(iterations: kinds.count) { k in
                        for (i, t) in tables.enumerated() {
                            let from = t[keyPath: kinds[k].table]
                            m[i][keyPath: kinds[k].map] = (0..<from.count).map { j in from.utf8(Int32(j)).withUnsafeBufferPointer { o[k].intern($0) } }
                            z[k].append(o[k].count)
                        }
                    }
                }
            }
        }
        for (k, table) in own.enumerated() { self[keyPath: kinds[k].table] = table }
        for i in tables.indices {
            try CrimeTable.checkLimits(forces: sizes[0][i], agencies: sizes[1][i], categories: sizes[2][i], outcomes: sizes[3][i])
        }
        return maps
    }

    /// The snapshot packs forces and categories into 6 bits and outcomes and agencies into 8/16.
    func checkLimits() throws {
        try CrimeTable.checkLimits(forces: forces.count, agencies: agencies.count, categories: categories.count, outcomes: outcomes.count)
    }

    static func checkLimits(forces: Int, agencies: Int, categories: Int, outcomes: Int) throws {
        if forces > 64 { throw GeoQueryError.unreadableInput("more than 64 distinct forces: geoquery's mirror holds at most 64") }
        if categories > 64 { throw GeoQueryError.unreadableInput("more than 64 distinct crime types: check the files are Police UK street CSVs") }
        if outcomes > 256 { throw GeoQueryError.unreadableInput("more than 256 distinct outcome categories: check the files are Police UK CSVs") }
        if agencies > Int(Int16.max) { throw GeoQueryError.unreadableInput("too many distinct 'Reported by' names") }
    }
}

/// A set of (force id, month) pairs as one bit each over the months it spans: membership without
/// hashing, for passes over every row of a national mirror.
struct PartitionBits: Sendable {
    private let firstMonth: Int32, months: Int
    private var words: [UInt64]

    /// The pairs in `keys` (force ids below `forces`); nil when there are none.
    init?<S: Sequence>(_ keys: S, forces: Int) where S.Element == (UInt8, Int32) {
        var lo = Int32.max, hi = Int32.min
        for (_, m) in keys { lo = min(lo, m); hi = max(hi, m) }
        guard lo <= hi else { return nil }
        firstMonth = lo
        months = Int(hi) - Int(lo) + 1
        words = [UInt64](repeating: 0, count: (max(forces, 1) * months + 63) / 64)
        for (f, m) in keys {
            let b = Int(f) * months + Int(m - lo)
            words[b >> 6] |= 1 << UInt64(b & 63)
        }
    }

    @inline(__always)
    func contains(force: UInt8, month: Int32) -> Bool {
        let m = Int(month) - Int(firstMonth)
        guard m >= 0, m < months else { return false }
        let b = Int(force) * months + m
        return b >> 6 < words.count && words[b >> 6] >> UInt64(b & 63) & 1 == 1
    }

    /// Each pair, by force id then month.
    func forEach(_ body: (UInt8, Int32) -> Void) {
        for (w, word) in words.enumerated() where word != 0 {
            for k in 0..<64 where word >> UInt64(k) & 1 == 1 {
                let b = w * 64 + k
                body(UInt8(truncatingIfNeeded: b / months), firstMonth + Int32(b % months))
            }
        }
    }
}

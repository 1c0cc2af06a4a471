extension CrimeMirror {
    /// The crimes recorded under a Police UK Crime ID (the API's `persistent_id`): usually one,
    /// sometimes a located row and a no-location row; empty when the mirror has none.
    /// - Throws: ``GeoQueryError/invalidQuery(_:)`` for text that is not a Crime ID.
    /// - Complexity: O(log n) through the snapshot's Crime ID index (a scan for snapshots made
    ///   before it), then O(the crimes of that point, month, force and category).
    public func crimes(persistentID: String) throws -> [Crime] {
        try recorded(persistentID).map { try crime(point: $0.point, row: $0.row) }
    }

    /// The rows recorded under a Crime ID across the snapshot (less its superseded partitions)
    /// and the delta, with their map points (``mapPointCount`` for none): located rows by map
    /// point, then the no-location ones. Rows number the snapshot's first, then the delta's.
    private func recorded(_ text: String) throws -> [(point: Int, row: Int)] {
        try snapshot.verifyRows()
        let columns = try StoredCrimeColumns(snapshot)
        var out: [(point: Int, row: Int)] = []
        let mine = delta == nil ? try crimeID(text) : try? crimeID(text)
        if let id = mine {
            let first = firstMonth?.ordinal ?? 0
            for r in rows(recording: id, columns) {
                if let d = delta, case let m = columns.value(.month, r) - first, m < d.amendment.byMonth.count,
                   (d.amendment.byMonth[m] >> UInt64(columns.value(.force, r))) & 1 == 1 { continue }
                let p = point(ofRow: r, snapshot)
                out.append((p < tree.pointCount ? p : mapPointCount, r))
            }
        }
        if let d = delta {
            let inner = d.mirror
            let id: CrimeID
            do { id = try inner.crimeID(text) } catch { if mine == nil { throw error }; return out }
            let innerColumns = try StoredCrimeColumns(inner.snapshot)
            for r in inner.rows(recording: id, innerColumns) {
                let q = point(ofRow: r, inner.snapshot)
                out.append((q < inner.tree.pointCount ? d.mirrorIndex(ofDelta: q, basePoints: tree.pointCount) : mapPointCount, columns.count + r))
            }
            out.sort { ($0.point, $0.row) < ($1.point, $1.row) }
        }
        return out
    }

    /// The point (index in `s`; its point count for the no-location rows) holding row `row` of `s`.
    private func point(ofRow row: Int, _ s: Snapshot) -> Int {
        let start = s.array(.pointCrimeStart, as: UInt32.self)
        var lo = 0, hi = start.count - 1
        while lo < hi { let mid = (lo + hi + 1) / 2; if Int(start[mid]) <= row { lo = mid } else { hi = mid - 1 } }
        // Empty buckets share a start: take the last point starting at or before the row.
        return lo
    }

    /// The snapshot rows recorded under a Crime ID, in row order: located rows (ordered by map
    /// point) come before the no-location ones, so the first is the row the API answers with.
    private func rows(recording id: CrimeID, _ columns: StoredCrimeColumns) -> [Int] {
        var rows: [Int] = []
        if id.kind == .hex, snapshot.has(.crimeIDOrder) {
            let order = PackedIntegers(raw: snapshot.raw(.crimeIDOrder),
                                       width: PackedIntegers.slotWidth(slots: columns.idSlots, formatVersion: snapshot.meta.formatVersion))
            let key = (id.w0, id.w1, id.w2, id.w3)
            var lo = 0, hi = order.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if columns.idWords(slot: Int(order[mid])) < key { lo = mid + 1 } else { hi = mid }
            }
            while lo < order.count, columns.idWords(slot: Int(order[lo])) == key {
                rows.append(columns.row(ofSlot: Int(order[lo])))
                lo += 1
            }
        } else {
            for i in 0..<columns.count where columns.value(.idKind, i) == Int(id.kind.rawValue) && columns.crime(i).row.id == id { rows.append(i) }
        }
        return rows.sorted()
    }

    /// Every outcome the mirror's outcomes files record for a Crime ID, oldest first (events of
    /// one month in file order); empty when none.
    /// - Throws: ``GeoQueryError/invalidQuery(_:)`` for text that is not a Crime ID.
    /// - Complexity: O(log events) by binary search over the events, stored sorted by Crime ID.
    public func outcomeHistory(persistentID: String) throws -> [CrimeOutcome] {
        // A delta holds no outcome events (an ingest of outcomes files compacts), nor text ids the snapshot has.
        guard let id = delta == nil ? try crimeID(persistentID) : try? crimeID(persistentID) else {
            _ = try delta?.mirror.crimeID(persistentID)
            return []
        }
        try snapshot.verifyRows()
        return try outcomeEvents().history(id)
    }

    /// The outcomes recorded in `month` for the crimes of the given map points (indices, as
    /// ``nearestMapPoint(lat:lng:)`` and ``mapPointIndices(in:)`` give them), each with its crime:
    /// data.police.uk's `outcomes-at-location`. Crimes of `month` and of every earlier month count.
    /// An outcome belongs to one crime: a Crime ID recorded at two map points (in `month` or
    /// before) has its outcomes at the first of those rows in snapshot order (the row
    /// `outcomes-for-crime` answers with when both months are held), not at both.
    /// - Complexity: O(the points' crimes × log events).
    public func outcomes(atMapPoints points: [Int], month: Month) throws -> [(outcome: CrimeOutcome, crime: Crime)] {
        let plan = try QueryPlan(.radius(lat: 0, lng: 0, Distance(metres: 1), to: month), mirror: self)
        let events = try outcomeEvents()
        // No outcome recorded in the month (no outcomes file holds it): nothing to look up, where
        // the walk below would visit every crime of the points up to the month.
        guard events.months.contains(month.ordinal) else { return [] }
        var out: [(outcome: CrimeOutcome, crime: Crime)] = []
        try visitCrimes(atPoints: points.filter { $0 < mapPointCount }, plan) { row, c in
            guard !c.persistentID.isEmpty else { return }
            let id = try crimeID(c.persistentID)
            let recorded = events.history(id).filter { $0.month == month }
            guard !recorded.isEmpty else { return }
            let first = try self.recorded(c.persistentID).first { $0.point < mapPointCount && rowMonth($0.row) <= month.ordinal }
            guard first?.row == row else { return }
            for o in recorded { out.append((o, c)) }
        }
        return out
    }

    /// The month of a row as ``recorded(_:)`` numbers them.
    private func rowMonth(_ row: Int) -> Int {
        guard let columns = try? StoredCrimeColumns(snapshot) else { return .max }
        if row < columns.count { return columns.value(.month, row) }
        guard let d = delta, let inner = try? StoredCrimeColumns(d.mirror.snapshot) else { return .max }
        return inner.value(.month, row - columns.count)
    }

    /// The indices of the map points inside an area, in index order (for ``outcomes(atMapPoints:month:)``).
    /// - Complexity: O(log n + the points inside).
    public func mapPointIndices(in area: Area) throws -> [Int] { try points(in: area) }

    /// The crime at row `row` of map point `point` (as ``recorded(_:)`` numbers them), with its
    /// stable id: the point is visited for the row's month, force and category only (identical
    /// rows share them, see ``CrimeIdentity``).
    private func crime(point: Int, row: Int) throws -> Crime {
        let columns = try StoredCrimeColumns(snapshot)
        let (c, i, tables) = row < columns.count ? (columns, row, self) : (try StoredCrimeColumns(delta!.mirror.snapshot), row - columns.count, delta!.mirror)
        let month = Month(ordinal: c.value(.month, i))
        let plan = try QueryPlan(.radius(lat: 0, lng: 0, Distance(metres: 1), from: month, to: month,
                                         categories: [tables.categories[c.value(.category, i)]], forces: [tables.forces[c.value(.force, i)]]), mirror: self)
        var found: Crime?
        try visitCrimes(atPoints: [point], plan) { r, crime in if r == row { found = crime } }
        return found!
    }

    /// A persistent id as stored: 64 hex digits, or a text id the mirror holds (from CSVs that
    /// are not Police UK's own).
    private func crimeID(_ text: String) throws -> CrimeID {
        var t = text
        if let h = t.withUTF8({ CrimeID.hex($0) }) { return h }
        guard text.utf8.count <= 256, let k = snapshot.strings(.textIDs).table().find(text) else {
            throw GeoQueryError.invalidQuery("'\(text.prefix(80))' is not a Crime ID: a persistent id is 64 hexadecimal digits")
        }
        return CrimeID(kind: .text, w0: UInt64(k))
    }

    /// The snapshot's outcome events, searchable by Crime ID.
    private func outcomeEvents() throws -> OutcomeEvents {
        try outcomeEventCache.value { OutcomeEvents(snapshot, forces: forces, outcomes: outcomes) }
    }
}

/// The outcome events of a snapshot, sorted by Crime ID (in place when the snapshot stores them
/// so; older snapshots get a sorted order built once).
struct OutcomeEvents: @unchecked Sendable {
    private let month: UnsafeBufferPointer<Int32>, force: UnsafeBufferPointer<UInt8>, outcome: UnsafeBufferPointer<UInt8>
    private let kind: UnsafeBufferPointer<UInt8>, words: UnsafeBufferPointer<UInt64>
    /// Event positions in Crime ID order; nil when the sections are already in that order.
    private let order: [Int32]?
    private let forces: [String], outcomes: [String]
    /// The months (ordinals) holding at least one event.
    let months: Set<Int>

    init(_ s: Snapshot, forces: [String], outcomes: [String]) {
        month = s.array(.eventMonth); force = s.array(.eventForce); outcome = s.array(.eventOutcome)
        var held = Set<Int>()
        for m in month { held.insert(Int(m)) }
        months = held
        kind = s.array(.eventIDKind); words = s.array(.eventIDWords)
        self.forces = forces
        self.outcomes = outcomes
        if s.meta.eventsByCrimeID == true {
            order = nil
        } else {
            let (k, w) = (kind, words)
            order = (0..<k.count).map(Int32.init).sorted { a, b in
                let x = Int(a), y = Int(b)
                return (k[x], w[4 * x], w[4 * x + 1], w[4 * x + 2], w[4 * x + 3], a) < (k[y], w[4 * y], w[4 * y + 1], w[4 * y + 2], w[4 * y + 3], b)
            }
        }
    }

    private func key(_ j: Int) -> (UInt8, UInt64, UInt64, UInt64, UInt64) {
        let e = order.map { Int($0[j]) } ?? j
        return (kind[e], words[4 * e], words[4 * e + 1], words[4 * e + 2], words[4 * e + 3])
    }

    /// A Crime ID's outcomes, oldest first.
    /// - Complexity: O(log events + its events).
    func history(_ id: CrimeID) -> [CrimeOutcome] {
        let target = (id.kind.rawValue, id.w0, id.w1, id.w2, id.w3)
        var lo = 0, hi = kind.count
        while lo < hi { let mid = (lo + hi) / 2; if key(mid) < target { lo = mid + 1 } else { hi = mid } }
        var out: [CrimeOutcome] = []
        while lo < kind.count, key(lo) == target {
            let e = order.map { Int($0[lo]) } ?? lo
            out.append(CrimeOutcome(name: outcomes[Int(outcome[e])], month: Month(ordinal: Int(month[e])), force: forces[Int(force[e])]))
            lo += 1
        }
        // Stable: events of one month stay in file order.
        return out.enumerated().sorted { ($0.element.month, $0.offset) < ($1.element.month, $1.offset) }.map(\.element)
    }
}

extension CrimeMirror {
    /// The individual crimes a query counts (for `police-json`), ordered by map point then month.
    /// - Complexity: O(points inside + their crimes); reads and verifies the crime rows once.
    public func crimes(_ q: CrimeQuery) throws -> [Crime] {
        let plan = try QueryPlan(q, mirror: self)
        return try crimes(atPoints: try points(in: q.area), plan)
    }

    /// The crimes of one map point (`index` in `0..<mapPointCount`, see ``mapPointIndex(id:)`` and
    /// ``nearestMapPoint(lat:lng:)``) in the months and categories asked: data.police.uk's
    /// `crimes-at-location`.
    /// - Complexity: O(log n) to reach the point's rows, then O(its crimes).
    public func crimes(atMapPoint index: Int, from: Month? = nil, to: Month? = nil, categories: [String] = []) throws -> [Crime] {
        precondition((0..<mapPointCount).contains(index), "map point index out of range")
        let p = mapPoint(index)
        // A zero-radius circle only makes the plan; the point is given directly.
        let plan = try QueryPlan(.radius(lat: p.latitude, lng: p.longitude, Distance(metres: 1), from: from, to: to, categories: categories), mirror: self)
        return try crimes(atPoints: [index], plan)
    }

    /// The crimes of one force that Police UK could not place on the map (no latitude/longitude):
    /// data.police.uk's `crimes-no-location`.
    /// - Complexity: O(the mirror's no-location rows).
    public func crimesWithoutLocation(force: String, from: Month? = nil, to: Month? = nil, categories: [String] = []) throws -> [Crime] {
        let (plan, points) = try withoutLocation(force: force, from: from, to: to, categories: categories)
        return try crimes(atPoints: points, plan)
    }

    /// ``crimes(_:)`` in data.police.uk's JSON, written a part at a time (see ``PoliceJSONListing``).
    /// Whatever is wrong with the query or the mirror is thrown here, before the first part.
    public func policeJSONListing(_ q: CrimeQuery) throws -> PoliceJSONListing {
        let plan = try QueryPlan(q, mirror: self)
        return PoliceJSONListing(try CrimeVisitor(self), points: try points(in: q.area), plan: plan)
    }

    /// ``crimesWithoutLocation(force:from:to:categories:)`` in data.police.uk's JSON, written a
    /// part at a time (see ``PoliceJSONListing``).
    public func policeJSONListingWithoutLocation(force: String, from: Month? = nil, to: Month? = nil, categories: [String] = []) throws -> PoliceJSONListing {
        let (plan, points) = try withoutLocation(force: force, from: from, to: to, categories: categories)
        return PoliceJSONListing(try CrimeVisitor(self), points: points, plan: plan)
    }

    /// The plan and the "point" (index `mapPointCount`: the no-location rows) of one force's
    /// crimes without a location.
    private func withoutLocation(force: String, from: Month?, to: Month?, categories: [String]) throws -> (QueryPlan, [Int]) {
        let plan = try QueryPlan(.radius(lat: 0, lng: 0, Distance(metres: 1), from: from, to: to, categories: categories, forces: [force]), mirror: self)
        // A force the mirror does not hold has no rows, and the mask must not fall back to "every force".
        return (plan, plan.forcesNotHeld.isEmpty ? [mapPointCount] : [])
    }

    /// The crimes of the given map points (index `pointCount` stands for the no-location rows)
    /// that pass the plan's month, force and category masks.
    func crimes(atPoints points: [Int], _ plan: QueryPlan) throws -> [Crime] {
        var out: [Crime] = []
        try visitCrimes(atPoints: points, plan) { _, c in out.append(c) }
        return out
    }

    /// Calls `body` with each crime (and its row) of the given map points that passes the plan,
    /// in snapshot order (see ``CrimeVisitor``).
    func visitCrimes(atPoints points: [Int], _ plan: QueryPlan, _ body: (Int, Crime) throws -> Void) throws {
        try CrimeVisitor(self).visit(points, plan, body)
    }
}

/// Visits the crimes of map points, one point at a time, with the readers made (and the rows
/// verified) once: a listing written in parts (``PoliceJSONListing``) keeps one.
struct CrimeVisitor {
    let mirror: CrimeMirror
    private let reader: CrimeReader
    /// The delta's reader, when the mirror has one.
    private let inner: CrimeReader?

    init(_ mirror: CrimeMirror) throws {
        self.mirror = mirror
        reader = try CrimeReader(mirror)
        inner = try mirror.delta.map { try CrimeReader($0.mirror) }
    }

    /// Calls `body` with each crime (and its row) of the given map points that passes the plan,
    /// in snapshot order; each crime's stable ``Crime/id`` is worked out here (see ``CrimeIdentity``).
    /// With a delta, points and rows are numbered across both (see ``CrimeMirror/mapPoint(_:)``;
    /// delta rows after the snapshot's), and a point's crimes come in the order one rebuilt
    /// snapshot keeps. A point's crimes (and their ids) do not depend on the other points asked.
    func visit(_ points: some Sequence<Int>, _ plan: QueryPlan, _ body: (Int, Crime) throws -> Void) throws {
        let mirror = self.mirror, tree = mirror.tree, mapPointCount = mirror.mapPointCount
        let first = mirror.firstMonth?.ordinal ?? 0
        guard let d = mirror.delta, let inner else {
            for p in points {
                try reader.visit(p, as: p < tree.pointCount ? mirror.mapPoint(p) : nil) { month, force, category in
                    let m = month - first
                    return m >= plan.monthLo && m <= plan.monthHi && (plan.forceMask >> UInt64(force)) & 1 == 1 && (plan.categoryMask >> UInt64(category)) & 1 == 1
                } body: { row, _, crime in try body(row, crime) }
            }
            return
        }
        let n = tree.pointCount, rows = reader.columns.count
        let amendment = d.amendment
        var merged: [(key: UInt32, row: Int, crime: Crime)] = [], fromDelta: [(key: UInt32, row: Int, crime: Crime)] = []
        for p in points {
            let point = p < mapPointCount ? mirror.mapPoint(p) : nil
            merged.removeAll(keepingCapacity: true)
            fromDelta.removeAll(keepingCapacity: true)
            if p < n || p == mapPointCount {
                try reader.visit(p < n ? p : n, as: point, order: d.rebuiltOrder) { month, force, category in
                    let m = month - first
                    return m >= plan.monthLo && m <= plan.monthHi && (plan.forceMask >> UInt64(force)) & 1 == 1 && (plan.categoryMask >> UInt64(category)) & 1 == 1
                        && !(m < amendment.byMonth.count && (amendment.byMonth[m] >> UInt64(force)) & 1 == 1)
                } body: { row, key, crime in merged.append((key, row, crime)) }
            }
            let q = p < n ? d.deltaTwin(ofBase: p) : p == mapPointCount ? d.mirror.tree.pointCount : d.deltaPoint(ofNew: p - n)
            if let q {
                // In the order one rebuilt snapshot keeps them (outcomes in name order, which a
                // snapshot made before geoquery numbered them so may not follow), so identical
                // rows count their occurrences as it does.
                try inner.visit(q, as: point, order: { d.rebuiltOrder(d.mirrorKey($0)) }) { month, force, category in
                    let m = month - first, f = d.forceMap[force], c = d.categoryMap[category]
                    return m >= plan.monthLo && m <= plan.monthHi && (plan.forceMask >> UInt64(f)) & 1 == 1 && (plan.categoryMask >> UInt64(c)) & 1 == 1
                } body: { row, key, crime in fromDelta.append((key, rows + row, crime)) }
            }
            // One rebuilt snapshot orders a point's rows by cell key, then by arrival (the
            // snapshot's before the delta's).
            if !fromDelta.isEmpty {
                if merged.isEmpty { swap(&merged, &fromDelta) } else {
                    var out: [(key: UInt32, row: Int, crime: Crime)] = []
                    out.reserveCapacity(merged.count + fromDelta.count)
                    var i = 0, j = 0
                    while i < merged.count || j < fromDelta.count {
                        if j == fromDelta.count || (i < merged.count && merged[i].key <= fromDelta[j].key) { out.append(merged[i]); i += 1 } else { out.append(fromDelta[j]); j += 1 }
                    }
                    merged = out
                }
            }
            for m in merged { try body(m.row, m.crime) }
        }
    }
}

/// Reads one snapshot's crimes point by point, with their stable ids (see ``CrimeIdentity``).
struct CrimeReader {
    let mirror: CrimeMirror
    let columns: StoredCrimeColumns
    private let start: UnsafeBufferPointer<UInt32>
    private let identity: StoredIdentity
    private let locations: StoredStrings, contexts: StoredStrings
    private let textIDs: StringTable

    init(_ m: CrimeMirror) throws {
        let s = m.snapshot
        try s.verifyRows()
        mirror = m
        start = s.array(.pointCrimeStart, as: UInt32.self)
        columns = try StoredCrimeColumns(s)
        // The snapshot's own tables: a delta's indices are its own.
        identity = StoredIdentity(s, forces: s.strings(.forces).all, categories: s.strings(.categories).all)
        locations = s.strings(.locations); contexts = s.strings(.contexts)
        textIDs = s.strings(.textIDs).table()
    }

    /// Calls `body` with the row, cell key and crime of each row of point `p` (the snapshot's
    /// point count: its no-location rows) whose (month ordinal, force, category), in this
    /// snapshot's indices, `passes`; `point` is the map point the crimes name (nil: no location).
    /// `order`: the rows go (and count their identical rows' occurrences) in the order of the
    /// keys it gives, stably, and `body` gets those keys; nil: snapshot order and keys.
    func visit(_ p: Int, as point: MapPoint?, order: ((UInt32) -> UInt32)? = nil, passes: (Int, Int, Int) -> Bool,
               body: (Int, UInt32, Crime) throws -> Void) throws {
        let s = mirror.snapshot
        let forces = s.strings(.forces), categories = s.strings(.categories), outcomes = s.strings(.outcomes)
        let first = s.meta.firstMonth.flatMap(Month.init)?.ordinal ?? 0
        let located = point != nil
        let mapPoint = point ?? MapPoint(id: -1, latE6: 0, lngE6: 0)
        let (latE6, lngE6) = located ? (mapPoint.latE6, mapPoint.lngE6) : (CrimeRow.noLocation, CrimeRow.noLocation)
        // Sized by the rows that pass the filter, as they come: the no-location bucket can
        // hold a million rows, of which a request may want a few.
        var occurrences = OccurrenceCounter()
        occurrences.reset(expecting: 0)
        // Identical rows share month, force and category, so skipping the others leaves
        // every identical row's occurrence count intact.
        var rows: [(row: Int, key: UInt32)] = []
        for i in Int(start[p])..<Int(start[p + 1]) {
            let month = columns.value(.month, i), force = columns.value(.force, i), category = columns.value(.category, i)
            guard passes(month, force, category) else { continue }
            let key = CrimeCell.key(month: month - first, force: force, category: category, outcome: columns.value(.outcome, i))
            rows.append((i, order?(key) ?? key))
        }
        // Stable (rows sharing a key keep the snapshot's order, their arrival): the rows are in row order.
        if order != nil { rows.sort { ($0.key, $0.row) < ($1.key, $1.row) } }
        for (i, key) in rows {
            let month = columns.value(.month, i), force = columns.value(.force, i), category = columns.value(.category, i)
            let c = columns.crime(i)
            let content = identity.content(c.row, latE6: latE6, lngE6: lngE6)
            let id = identity.id(row: i, content: content, occurrence: occurrences.next(content), force: force, month: month)
            try body(i, key, Crime(id: id, persistentID: c.row.id.text(textIDs), category: categories[category],
                                   month: Month(ordinal: month), force: forces[force], mapPoint: mapPoint,
                                   locationName: located ? locations[Int(c.row.location)] : "", context: contexts[Int(c.row.context)],
                                   outcome: outcomes[Int(c.outcome)], outcomeMonth: Month(ordinal: Int(c.outcomeMonth)), located: located))
        }
    }
}

extension Array where Element == Crime {
    /// The crimes in exactly the JSON shape of data.police.uk's `crimes-street` endpoint
    /// (`location` is null for crimes without one, as `crimes-no-location` writes them).
    public func policeJSON() -> String {
        var w = JSONWriter()
        w.beginArray()
        for c in self { w.crime(nil, c) }
        w.endArray()
        return w.text
    }
}

extension JSONWriter {
    /// One crime as data.police.uk writes it: in `crimes-street` and `crimes-no-location`
    /// (`location_type` null for a crime without a location, as that endpoint's documentation
    /// says), and as `crime` in the outcome endpoints, which carry no `outcome_status` (the
    /// outcomes are the answer; `outcomeStatus: false`).
    public mutating func crime(_ key: String?, _ c: Crime, outcomeStatus: Bool = true) {
        beginObject(key)
        value("category", c.category)
        if c.located { value("location_type", c.force == Force.btp ? "BTP" : "Force") } else { null("location_type") }
        if c.located {
            beginObject("location")
            value("latitude", Format.microDegrees(c.mapPoint.latE6))
            beginObject("street")
            value("id", c.mapPoint.id)
            value("name", c.locationName)
            endObject()
            value("longitude", Format.microDegrees(c.mapPoint.lngE6))
            endObject()
        } else {
            null("location")
        }
        value("context", c.context)
        if outcomeStatus {
            if c.outcome.isEmpty { null("outcome_status") } else {
                beginObject("outcome_status")
                value("category", c.outcome)
                value("date", c.outcomeMonth.description)
                endObject()
            }
        }
        value("persistent_id", c.persistentID)
        value("id", c.id)
        value("location_subtype", "")
        value("month", c.month.description)
        endObject()
    }
}

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
        let p = MapPoint(id: 0, latE6: tree.lat[index], lngE6: tree.lng[index])
        // A zero-radius circle only makes the plan; the point is given directly.
        let plan = try QueryPlan(.radius(lat: p.latitude, lng: p.longitude, Distance(metres: 1), from: from, to: to, categories: categories), mirror: self)
        return try crimes(atPoints: [index], plan)
    }

    /// The crimes of one force that Police UK could not place on the map (no latitude/longitude):
    /// data.police.uk's `crimes-no-location`.
    /// - Complexity: O(the mirror's no-location rows).
    public func crimesWithoutLocation(force: String, from: Month? = nil, to: Month? = nil, categories: [String] = []) throws -> [Crime] {
        let plan = try QueryPlan(.radius(lat: 0, lng: 0, Distance(metres: 1), from: from, to: to, categories: categories, forces: [force]), mirror: self)
        // A force the mirror does not hold has no rows, and the mask must not fall back to "every force".
        guard plan.forcesNotHeld.isEmpty else { return [] }
        return try crimes(atPoints: [tree.pointCount], plan)
    }

    /// The crimes of the given map points (index `pointCount` stands for the no-location rows)
    /// that pass the plan's month, force and category masks.
    func crimes(atPoints points: [Int], _ plan: QueryPlan) throws -> [Crime] {
        var out: [Crime] = []
        try visitCrimes(atPoints: points, plan) { _, c in out.append(c) }
        return out
    }

    /// Calls `body` with each crime (and its row) of the given map points that passes the plan,
    /// in snapshot order; each crime's stable ``Crime/id`` is worked out here (see ``CrimeIdentity``).
    func visitCrimes(atPoints points: [Int], _ plan: QueryPlan, _ body: (Int, Crime) throws -> Void) throws {
        try snapshot.verifyRows()
        let s = snapshot
        let start = s.array(.pointCrimeStart, as: UInt32.self)
        let columns = try StoredCrimeColumns(s), listed = s.array(.pointListedID, as: Int64.self)
        let identity = StoredIdentity(s, forces: forces, categories: categories)
        let locations = s.strings(.locations), contexts = s.strings(.contexts)
        let textIDs = s.strings(.textIDs).table()
        let first = firstMonth?.ordinal ?? 0
        var occurrences = OccurrenceCounter()
        for p in points {
            let located = p < tree.pointCount
            let point = located ? MapPoint(id: listed[p] >= 0 ? Int(listed[p]) : p, latE6: tree.lat[p], lngE6: tree.lng[p]) : MapPoint(id: -1, latE6: 0, lngE6: 0)
            let (latE6, lngE6) = located ? (point.latE6, point.lngE6) : (CrimeRow.noLocation, CrimeRow.noLocation)
            // Sized by the rows that pass the filter, as they come: the no-location bucket can
            // hold a million rows, of which a request may want a few.
            occurrences.reset(expecting: 0)
            for i in Int(start[p])..<Int(start[p + 1]) {
                let month = columns.value(.month, i), force = columns.value(.force, i), category = columns.value(.category, i)
                let m = month - first
                // Identical rows share month, force and category, so skipping the others leaves
                // every identical row's occurrence count intact.
                guard m >= plan.monthLo, m <= plan.monthHi,
                      (plan.forceMask >> UInt64(force)) & 1 == 1, (plan.categoryMask >> UInt64(category)) & 1 == 1 else { continue }
                let c = columns.crime(i)
                let content = identity.content(c.row, latE6: latE6, lngE6: lngE6)
                let id = identity.id(row: i, content: content, occurrence: occurrences.next(content), force: force, month: month)
                try body(i, Crime(id: id, persistentID: c.row.id.text(textIDs), category: categories[category],
                                  month: Month(ordinal: month), force: forces[force], mapPoint: point,
                                  locationName: located ? locations[Int(c.row.location)] : "", context: contexts[Int(c.row.context)],
                                  outcome: outcomes[Int(c.outcome)], outcomeMonth: Month(ordinal: Int(c.outcomeMonth)), located: located))
            }
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

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
    private func crimes(atPoints points: [Int], _ plan: QueryPlan) throws -> [Crime] {
        try snapshot.verifyRows()
        let s = snapshot
        let start = s.array(.pointCrimeStart, as: UInt32.self)
        let columns = try StoredCrimeColumns(s), listed = s.array(.pointListedID, as: Int64.self)
        let locations = s.strings(.locations), contexts = s.strings(.contexts)
        let textIDs = s.strings(.textIDs).table()
        let first = firstMonth?.ordinal ?? 0
        var out: [Crime] = []
        for p in points {
            let located = p < tree.pointCount
            let point = located ? MapPoint(id: listed[p] >= 0 ? Int(listed[p]) : p, latE6: tree.lat[p], lngE6: tree.lng[p]) : MapPoint(id: -1, latE6: 0, lngE6: 0)
            for i in Int(start[p])..<Int(start[p + 1]) {
                let month = columns.value(.month, i), force = columns.value(.force, i), category = columns.value(.category, i)
                let m = month - first
                guard m >= plan.monthLo, m <= plan.monthHi,
                      (plan.forceMask >> UInt64(force)) & 1 == 1, (plan.categoryMask >> UInt64(category)) & 1 == 1 else { continue }
                let c = columns.crime(i)
                out.append(Crime(id: i, persistentID: c.row.id.text(textIDs), category: categories[category],
                                 month: Month(ordinal: month), force: forces[force], mapPoint: point,
                                 locationName: located ? locations[Int(c.row.location)] : "", context: contexts[Int(c.row.context)],
                                 outcome: outcomes[Int(c.outcome)], outcomeMonth: Month(ordinal: Int(c.outcomeMonth)), located: located))
            }
        }
        return out
    }
}

extension Array where Element == Crime {
    /// The crimes in exactly the JSON shape of data.police.uk's `crimes-street` endpoint
    /// (`location` is null for crimes without one, as `crimes-no-location` writes them).
    public func policeJSON() -> String {
        var w = JSONWriter()
        w.beginArray()
        for c in self {
            w.beginObject()
            w.value("category", c.category)
            w.value("location_type", c.force == Force.btp ? "BTP" : "Force")
            if c.located {
                w.beginObject("location")
                w.value("latitude", Format.microDegrees(c.mapPoint.latE6))
                w.beginObject("street")
                w.value("id", c.mapPoint.id)
                w.value("name", c.locationName)
                w.endObject()
                w.value("longitude", Format.microDegrees(c.mapPoint.lngE6))
                w.endObject()
            } else {
                w.null("location")
            }
            w.value("context", c.context)
            if c.outcome.isEmpty { w.null("outcome_status") } else {
                w.beginObject("outcome_status")
                w.value("category", c.outcome)
                w.value("date", c.outcomeMonth.description)
                w.endObject()
            }
            w.value("persistent_id", c.persistentID)
            w.value("id", c.id)
            w.value("location_subtype", "")
            w.value("month", c.month.description)
            w.endObject()
        }
        w.endArray()
        return w.text
    }
}

extension CrimeMirror {
    /// The individual crimes a query counts (for `police-json`), ordered by map point then month.
    /// - Complexity: O(points inside + their crimes); reads and verifies the crime rows once.
    public func crimes(_ q: CrimeQuery) throws -> [Crime] {
        let plan = try QueryPlan(q, mirror: self)
        try snapshot.verifyRows()
        let points = try self.points(in: q.area)
        let s = snapshot
        let start = s.array(.pointCrimeStart, as: UInt32.self)
        let columns = try StoredCrimeColumns(s), listed = s.array(.pointListedID, as: Int64.self)
        let locations = s.strings(.locations), contexts = s.strings(.contexts)
        let textIDs = s.strings(.textIDs).table()
        let first = firstMonth?.ordinal ?? 0
        var out: [Crime] = []
        for p in points {
            let point = MapPoint(id: listed[p] >= 0 ? Int(listed[p]) : p, latE6: tree.lat[p], lngE6: tree.lng[p])
            for i in Int(start[p])..<Int(start[p + 1]) {
                let month = columns.value(.month, i), force = columns.value(.force, i), category = columns.value(.category, i)
                let m = month - first
                guard m >= plan.monthLo, m <= plan.monthHi,
                      (plan.forceMask >> UInt64(force)) & 1 == 1, (plan.categoryMask >> UInt64(category)) & 1 == 1 else { continue }
                let c = columns.crime(i)
                out.append(Crime(id: i, persistentID: c.row.id.text(textIDs), category: categories[category],
                                 month: Month(ordinal: month), force: forces[force], mapPoint: point,
                                 locationName: locations[Int(c.row.location)], context: contexts[Int(c.row.context)],
                                 outcome: outcomes[Int(c.outcome)], outcomeMonth: Month(ordinal: Int(c.outcomeMonth))))
            }
        }
        return out
    }
}

extension Array where Element == Crime {
    /// The crimes in exactly the JSON shape of data.police.uk's `crimes-street` endpoint.
    public func policeJSON() -> String {
        var w = JSONWriter()
        w.beginArray()
        for c in self {
            w.beginObject()
            w.value("category", c.category)
            w.value("location_type", c.force == Force.btp ? "BTP" : "Force")
            w.beginObject("location")
            w.value("latitude", Format.microDegrees(c.mapPoint.latE6))
            w.beginObject("street")
            w.value("id", c.mapPoint.id)
            w.value("name", c.locationName)
            w.endObject()
            w.value("longitude", Format.microDegrees(c.mapPoint.lngE6))
            w.endObject()
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

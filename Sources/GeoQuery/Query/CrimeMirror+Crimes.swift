extension CrimeMirror {
    /// The individual crimes a query counts (for `police-json`), ordered by map point then month.
    /// - Complexity: O(points inside + their crimes); reads and verifies the crime rows once.
    public func crimes(_ q: CrimeQuery) throws -> [Crime] {
        let plan = try QueryPlan(q, mirror: self)
        try snapshot.verifyRows()
        let points = try self.points(in: q.area)
        let s = snapshot
        let start = s.array(.pointCrimeStart, as: UInt32.self)
        let month = s.array(.crimeMonth, as: Int32.self), force = s.array(.crimeForce, as: UInt8.self)
        let category = s.array(.crimeCategory, as: UInt8.self), outcome = s.array(.crimeOutcome, as: UInt8.self)
        let outcomeMonth = s.array(.crimeOutcomeMonth, as: Int32.self), location = s.array(.crimeLocation, as: Int32.self)
        let context = s.array(.crimeContext, as: Int32.self), kind = s.array(.crimeIDKind, as: UInt8.self)
        let words = s.array(.crimeIDWords, as: UInt64.self), listed = s.array(.pointListedID, as: Int64.self)
        let locations = s.strings(.locations), contexts = s.strings(.contexts)
        let textIDs = s.strings(.textIDs).table()
        let first = firstMonth?.ordinal ?? 0
        var out: [Crime] = []
        for p in points {
            let point = MapPoint(id: listed[p] >= 0 ? Int(listed[p]) : p, latE6: tree.lat[p], lngE6: tree.lng[p])
            for i in Int(start[p])..<Int(start[p + 1]) {
                let m = Int(month[i]) - first
                guard m >= plan.monthLo, m <= plan.monthHi,
                      (plan.forceMask >> UInt64(force[i])) & 1 == 1, (plan.categoryMask >> UInt64(category[i])) & 1 == 1 else { continue }
                let id = CrimeID(kind: CrimeID.Kind(rawValue: kind[i]) ?? .none, w0: words[4 * i], w1: words[4 * i + 1], w2: words[4 * i + 2], w3: words[4 * i + 3])
                out.append(Crime(id: i, persistentID: id.text(textIDs), category: categories[Int(category[i])],
                                 month: Month(ordinal: Int(month[i])), force: forces[Int(force[i])], mapPoint: point,
                                 locationName: locations[Int(location[i])], context: contexts[Int(context[i])],
                                 outcome: outcomes[Int(outcome[i])], outcomeMonth: Month(ordinal: Int(outcomeMonth[i]))))
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

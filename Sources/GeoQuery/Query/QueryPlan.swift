/// A query checked against one mirror: the month range as cell offsets and the filters as masks.
struct QueryPlan {
    let query: CrimeQuery
    let from: Month
    let to: Month
    let monthLo: Int, monthHi: Int
    let categoryMask: UInt64
    let forceMask: UInt64
    /// Forces asked for by slug that this mirror does not hold.
    let forcesNotHeld: [String]
    /// What the result must hold beyond its counts (all of it unless a caller asked for less).
    let parts: ResultParts

    /// The parts of a result that cost work beyond the tree walk's counts: coverage (the force
    /// areas' shares, a GEOS intersection for a polygon across a force border), the nearest map
    /// point (a tree search and a geodesic), the no-location sums and the area's size.
    struct ResultParts: OptionSet {
        let rawValue: Int
        static let coverage = ResultParts(rawValue: 1), notes = ResultParts(rawValue: 2), nearest = ResultParts(rawValue: 4)
        static let noLocation = ResultParts(rawValue: 8), size = ResultParts(rawValue: 16)
        static let all: ResultParts = [.coverage, .notes, .nearest, .noLocation, .size]

        /// What the top-level JSON keys `fields` need (``QueryResult/Fields/all``: everything). The notes carry the
        /// coverage's and the nearest point's text, so they need both.
        init(fields: QueryResult.Fields) {
            var p: ResultParts = []
            if fields.contains(.coverage) { p.insert(.coverage) }
            if fields.contains(.notes) { p.formUnion([.notes, .coverage, .nearest]) }
            if fields.contains(.nearestMapPoint) { p.insert(.nearest) }
            if fields.contains(.noLocation) { p.insert(.noLocation) }
            // A polygon's `area` object states its size too.
            if fields.contains(.area) || fields.contains(.areaKm2) || fields.contains(.densityPerKm2) { p.insert(.size) }
            self = p
        }

        init(rawValue: Int) { self.rawValue = rawValue }
    }

    /// Every check is made before the first stored property is set: a throw after it made the
    /// compiler build the plan in a temporary and copy it (~800 instructions a query).
    init(_ q: CrimeQuery, mirror: CrimeMirror, parts: ResultParts = .all) throws {
        let naming = q.parameterStyle
        if case .circle(let c) = q.area { try c.validate(naming: naming) }
        guard let first = mirror.firstMonth, let last = mirror.lastMonth else {
            throw GeoQueryError.mirrorMissing("the mirror is empty: ingest Police UK CSVs with 'geoquery ingest --mirror DIR FILES...'")
        }
        let (from, to) = try q.months(first: first, last: last)

        var cm: UInt64 = q.categories.isEmpty ? ~0 : 0
        for slug in q.categories {
            guard let i = mirror.categories.firstIndex(of: slug.lowercased()) else {
                throw Category.unknown(slug, in: mirror)
            }
            cm |= 1 << UInt64(i)
        }

        var fm: UInt64 = q.forces.isEmpty ? ~0 : 0
        var notHeld: [String] = []
        for slug in q.forces {
            let s = slug.lowercased()
            if let i = mirror.forces.firstIndex(of: s) { fm |= 1 << UInt64(i) }
            else if Force.slugs.contains(s) { notHeld.append(s) }
            else {
                let hint = Force.suggestion(for: s, among: mirror.forces + Force.all.map(\.slug))
                throw GeoQueryError.unknownForce("unknown force '\(slug)':\(hint) use an archive slug such as leicestershire, city-of-london, btp (this mirror holds \(mirror.forces.joined(separator: ", ")))")
            }
        }
        if q.excludeBTP && q.forces.map({ $0.lowercased() }).contains(Force.btp) {
            throw GeoQueryError.invalidQuery("\(naming.setting(["force": Force.btp])) and \(naming.name("exclude-btp")) contradict each other: give one")
        }
        if q.excludeBTP && mirror.btpForce >= 0 { fm &= ~(1 << UInt64(mirror.btpForce)) }

        query = q
        (self.from, self.to) = (from, to)
        monthLo = max(0, from.ordinal - first.ordinal)
        monthHi = min(last.ordinal, to.ordinal) - first.ordinal
        categoryMask = cm
        forceMask = fm
        forcesNotHeld = notHeld
        self.parts = parts
    }

    /// A tally for the plan, from the mirror's pool: give it back when the answer is made.
    func tally(_ mirror: CrimeMirror) -> Tally {
        mirror.tallyPool.tally(monthLo: monthLo, monthHi: monthHi, categoryMask: categoryMask, forceMask: forceMask,
              btpForce: mirror.btpForce, categories: mirror.categories.count, outcomes: mirror.outcomes.count,
              recordsVisits: parts.contains(.coverage))
    }

    /// Turns the sums into the answer, with the no-location count and the coverage notes, written
    /// into `r`, whose arrays are reused where their storage is its own and large enough (a
    /// caller's loop over one result then allocates none for them); every value is set, so
    /// nothing of the previous answer remains.
    func fill(_ r: inout QueryResult, _ t: Tally, mirror: CrimeMirror, path: CrimeMirror.SumPath = .fast) {
        let n = mirror.categories.count
        let first = mirror.firstMonth?.ordinal ?? 0
        let monthCount = to.ordinal - from.ordinal + 1
        let lead = (first + monthLo) - from.ordinal  // months of the range before the tally's first row
        // The 32-bit tally widened to the result's Ints, and the total, without a copy per element;
        // only the months outside the tally's rows are zeroed.
        let cells = monthCount * n, m = t.matrix
        let at = monthLo <= monthHi ? lead * n : cells
        var total = 0
        QueryPlan.overwrite(&r.monthCategory, count: cells) { dst in
            let k = max(0, min(m.count, cells - at))
            dst.initialize(repeating: 0, count: at)
            (dst + at + k).initialize(repeating: 0, count: cells - at - k)
            guard k > 0, let src = m.baseAddress else { return }
            let rows = dst + at
            // Two plain loops over raw pointers, which the compiler vectorizes (one loop doing both did not).
            for i in 0..<k { rows[i] = Int(src[i]) }
            var sum = 0  // a local: the captured total could alias `dst`, which stops the vectorizing
            for i in 0..<k { sum &+= rows[i] }
            total = sum
        }
        if r.months.count != monthCount || r.months.first != from {
            r.months.removeAll(keepingCapacity: true)
            r.months.reserveCapacity(monthCount)
            for o in from.ordinal...to.ordinal { r.months.append(Month(ordinal: o)) }
        }
        let o = t.outcomes
        QueryPlan.overwrite(&r.outcomeCounts, count: o.count) { dst in
            if let src = o.baseAddress { dst.update(from: src, count: o.count) }
        }
        let answered = t.answered
        r.forces.removeAll(keepingCapacity: true)
        if answered != 0 {
            r.forces.reserveCapacity(answered.nonzeroBitCount)
            // In slug order: the answered forces' places in it as bits, read back in order.
            let held = mirror.forces.count < 64 ? UInt64(1) << UInt64(mirror.forces.count) &- 1 : ~0
            var places: UInt64 = 0, left = answered & held
            while left != 0 {
                places |= 1 << UInt64(mirror.nameRank[left.trailingZeroBitCount])
                left &= left &- 1
            }
            while places != 0 {
                r.forces.append(mirror.forces[mirror.forcesByName[places.trailingZeroBitCount]])
                places &= places &- 1
            }
        }
        // Unplaceable crimes of the forces that answered, same months and categories.
        r.noLocation = answered != 0 && parts.contains(.noLocation)
            ? mirror.noLocationCount(monthLo: monthLo, monthHi: monthHi, categoryMask: categoryMask, forces: answered & forceMask) : 0
        r.coverage = parts.contains(.coverage) ? mirror.coverage(self, t, path: path) : Coverage()
        r.notes.removeAll(keepingCapacity: true)
        r.nearestMapPoint = nil
        if let c = query.centre { r.notes += [c.description] + c.notes }
        if !parts.isDisjoint(with: [.notes, .nearest]) { r.nearestMapPoint = notes(t, mirror: mirror, coverage: r.coverage, into: &r.notes) }
        // The mirror's category table starts with the 14 standard slugs, in order.
        r.categories = mirror.categories
        r.outcomes = mirror.outcomeLabels
        (r.from, r.to, r.total, r.btp, r.mapPoints) = (from, to, total, t.btp, t.mapPoints)
        r.synthetic = mirror.synthetic
        r.centre = query.centre
        r.areaKm2 = parts.contains(.size) ? query.area.areaKm2 : 0
    }

    /// Sets `array` to `count` values written by `write` (every one of them): in its own storage
    /// when that is unshared and large enough, else in new storage.
    private static func overwrite(_ array: inout [Int], count: Int, _ write: (UnsafeMutablePointer<Int>) -> Void) {
        if array.count != count {
            // Resized in place by the difference only (`write` sets every value after).
            if array.count > count {
                array.removeLast(array.count - count)
            } else if array.capacity >= count {
                array.append(contentsOf: repeatElement(0, count: count - array.count))
            } else {
                array = [Int](unsafeUninitializedCapacity: count) { out, made in
                    if let p = out.baseAddress { write(p) }
                    made = count
                }
                return
            }
        }
        array.withUnsafeMutableBufferPointer { if let p = $0.baseAddress { write(p) } }
    }

    /// The notes, and the nearest map point when none lies inside.
    private func notes(_ t: Tally, mirror: CrimeMirror, coverage: Coverage, into notes: inout [String]) -> QueryResult.NearestMapPoint? {
        var nearest: QueryResult.NearestMapPoint? = nil
        if mirror.synthetic {
            notes.append("SYNTHETIC SAMPLE: these figures come from geoquery's generated demo data around Leicester, not from Police UK. Use --mirror DIR for real data.")
        }
        for f in forcesNotHeld { notes.append("The mirror holds no data for force '\(f)': ingest its CSVs to count it.") }
        if case .polygon(let p) = query.area { notes += p.warnings }
        if t.mapPoints == 0 {
            let centre: (lat: Double, lng: Double)
            let what: String
            switch query.area {
            case .circle(let c): centre = (c.lat, c.lng); what = "within \(c.radius) of this centre"
            case .polygon(let p):
                let b = p.boxE6
                centre = (Double(b.minLat + b.maxLat) / 2e6, Double(b.minLng + b.maxLng) / 2e6)
                what = "inside this polygon"
            }
            let lat = MicroDegrees.rounded(centre.lat), lng = MicroDegrees.rounded(centre.lng)
            if let p = mirror.nearestPoint(latE6: lat, lngE6: lng) {
                let d = Geodesic.wgs84.distance(lat1: centre.lat, lng1: centre.lng, lat2: MicroDegrees.degrees(p.latE6), lng2: MicroDegrees.degrees(p.lngE6))
                let name = p.name
                nearest = .init(metres: d, name: name, latitude: MicroDegrees.degrees(p.latE6), longitude: MicroDegrees.degrees(p.lngE6))
                if d > CatchmentBuilder.maximumReach {
                    notes.append("No map point lies \(what); the nearest is \(Format.decimal(d / 1000, places: 1)) km away, so the place is outside the mirror's coverage: Police UK covers England, Wales and Northern Ireland (Scotland only through British Transport Police), and this mirror holds \(mirror.forces.count) force(s).")
                } else {
                    notes.append("No map point lies \(what); the nearest is \(Format.decimal(d, places: 0)) m from its centre (\(name)).")
                }
            }
        }
        notes += coverage.notes.map(\.text)
        return nearest
    }

    /// "2019-03..2019-11, 2020-02" from month ordinals.
    static func describe(_ ordinals: [Int]) -> String { Month.runs(ordinals.map(Month.init(ordinal:))) }
}

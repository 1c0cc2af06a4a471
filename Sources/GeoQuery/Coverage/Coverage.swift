/// Where an answer's knowledge ends: the forces responsible for the asked area, and the months the
/// mirror lacks for each of them. Every ``QueryResult`` carries one, so a count from a mirror that
/// lacks the local force says so instead of being silently low.
///
/// The forces *of the area* are those whose force area covers at least ``minimumShare`` of it
/// or has at least ``minimumForceShare`` of its own area inside it (by the built-in or loaded
/// boundaries), and any other force (BTP, a neighbour) that recorded a
/// material share (at least 1%, and at least 3 crimes) of the crimes at its map points in the
/// months the mirror holds for it. A stray crime or two of another force changes nothing; BTP is never responsible.
/// A month is *held* when the mirror has it for every responsible force and for every other
/// force of the area that it holds in some asked month (one missing from all of them is a
/// uniform shortfall: it gets a note, but no month differs from the next because of it).
public struct Coverage: Sendable, Equatable {
    /// A force whose area the query meets.
    public struct ForceShare: Sendable, Equatable {
        /// Archive slug (`leicestershire`).
        public let force: String
        /// The force's name ("Leicestershire Police").
        public let name: String
        /// Share of the query area inside the force's area, 0...1 (on generalised boundaries).
        public let share: Double
    }

    /// A force of the area with months the mirror lacks.
    public struct Missing: Sendable, Equatable {
        public let force: String
        public let name: String
        /// Asked months the mirror holds none of this force's data for.
        public let months: [Month]
        /// True when the force's area covers part of the query; false for a force that only
        /// records crime here (BTP, a neighbour across a border).
        public let responsible: Bool
        /// Share of the query area in the force's area (nil for a force that is not responsible).
        public let share: Double?
    }

    /// Forces whose areas the query meets, largest share first.
    public internal(set) var forces: [ForceShare] = []
    /// Forces of the area lacking some asked months.
    public internal(set) var missing: [Missing] = []
    /// Months in the asked range.
    public internal(set) var monthsAsked = 0
    /// Asked months in which the mirror holds data for every force of the area.
    public internal(set) var monthsHeld = 0
    /// `held[m]` for month m of the asked range: the mirror holds every force of the area then.
    public internal(set) var held: [Bool] = []
    /// Share of the query area inside no known force area (sea, Scotland, Northern Ireland).
    public internal(set) var unassignedShare = 0.0
    /// The forces a month must be held for to count as held (the area's responsible forces and
    /// those recording crime here that the mirror holds in some asked month), by slug.
    var heldFor: [String] = []
    /// The coverage in words, each note with the forces and months it is about; the result's
    /// `notes` and a report's missing-data flags are these same sentences.
    public internal(set) var notes: [Note] = []

    /// One coverage sentence.
    public struct Note: Sendable, Equatable {
        /// Forces it names (empty for months no force holds and for an area outside every force).
        public let forces: [String]
        /// The months it is about, as runs ("2019-03..2019-11, 2020-02"); empty when none.
        public let months: String
        public let text: String
    }

    /// A force area covering less of the query than this is listed but not warned about: it is
    /// within the precision of generalised boundaries.
    public static let minimumShare = 0.01

    /// Whether a force that is not responsible here recorded a material share of the crimes:
    /// at least 1% of them and at least ``minimumMaterialCrimes``. One Nottinghamshire crime of 69
    /// in central Leicester in the month the mirror held for it (1.4%) made four of five months
    /// "not held", and a report's averages n/a (an independent check).
    static func isMaterial(_ mine: Int, of total: Int) -> Bool { mine >= minimumMaterialCrimes && mine * 100 >= total }

    /// A neighbour's stray crime or two is not material, however few crimes the area has.
    public static let minimumMaterialCrimes = 3
    /// A force with at least this share of its own area inside the query is of the area too,
    /// whatever share of the query it covers.
    public static let minimumForceShare = 0.1

    /// "37%", or "<1%" / ">99%" rather than a rounded 0 or 100.
    static func percent(_ share: Double) -> String {
        let p = share * 100
        if p > 0 && p < 1 { return "<1%" }
        if p > 99 && p < 100 { return ">99%" }
        return "\(Int(p.rounded()))%"
    }

    /// "24" when every asked month is held, else "15 of 24 months held for leicestershire" ("0 of
    /// 1 month held …"; "… held in the mirror" where no force is): a month held for some forces
    /// only still counts their crimes, so the words name the forces "held" asks for (not "every
    /// force here", which read as every force the header lists, a stray neighbour's too).
    public var heldDescription: String {
        guard monthsHeld != monthsAsked else { return "\(monthsAsked)" }
        let which = heldFor.isEmpty ? "in the mirror" : "for " + AreaReport.list(heldFor)
        return "\(monthsHeld) of \(monthsAsked) month\(monthsAsked == 1 ? "" : "s") held \(which)"
    }

    /// The `coverage` JSON object: `forces` [{`force`, `name`, `share`}], `missing` [{`force`,
    /// `name`, `months` ["YYYY-MM"…], `responsible`, `share`}], `months_asked`, `months_held`,
    /// `unassigned_share` (share of the area in no force area).
    func write(into w: inout JSONWriter) {
        w.beginObject("coverage")
        w.beginArray("forces")
        for f in forces {
            w.beginObject(nil)
            w.value("force", f.force)
            w.value("name", f.name)
            w.value("share", f.share, places: 4)
            w.endObject()
        }
        w.endArray()
        w.beginArray("missing")
        for m in missing {
            w.beginObject(nil)
            w.value("force", m.force)
            w.value("name", m.name)
            w.beginArray("months")
            for month in m.months { w.value(nil, month.description) }
            w.endArray()
            w.value("responsible", m.responsible)
            if let share = m.share { w.value("share", share, places: 4) } else { w.null("share") }
            w.endObject()
        }
        w.endArray()
        w.value("months_asked", monthsAsked)
        w.value("months_held", monthsHeld)
        w.value("unassigned_share", unassignedShare, places: 4)
        w.endObject()
    }

    /// True when every asked month is held for every force of the area.
    public var isComplete: Bool { monthsHeld == monthsAsked && missing.isEmpty }
}

extension CrimeMirror {
    /// The built-in force areas, or those loaded with `ingest --boundaries` (decoded on first use).
    func forceAreas() -> ForceAreas {
        (try? forceAreaCache.value {
            let loaded = try snapshot.boundaries()
            return loaded.isEmpty ? ForceAreas.builtIn : try ForceAreas.loaded(loaded)
        }) ?? ForceAreas.builtIn
    }

    /// The coverage of a planned query whose tally has been taken.
    func coverage(_ plan: QueryPlan, _ t: Tally, path: SumPath = .fast) -> Coverage {
        var c = Coverage()
        let range = plan.from.ordinal...plan.to.ordinal
        c.monthsAsked = range.count
        let shares = forceAreas().shares(of: plan.query.area)
        c.forces = shares.map { .init(force: $0.slug, name: Force.displayName($0.slug), share: $0.share) }
        c.unassignedShare = max(0, 1 - shares.reduce(0) { $0 + $1.share })
        func counted(_ f: Int) -> Bool { (plan.forceMask >> UInt64(f)) & 1 == 1 }

        // Responsible forces the query counts (a --force filter leaves the others out).
        var areaForces: [(slug: String, index: Int?, share: Double?)] = []
        for s in forceAreas().forcesOf(plan.query.area, shares: shares) {
            let i = forces.firstIndex(of: s.slug)
            if let i, !counted(i) { continue }
            if i == nil && !plan.query.forces.isEmpty { continue }
            areaForces.append((s.slug, i, s.share))
        }
        // Others with crimes at these points that lack asked months: material ones are of the area too.
        let candidates = forces.indices.filter { f in
            (t.present >> UInt64(f)) & 1 == 1 && counted(f) && !areaForces.contains(where: { $0.index == f })
                && range.contains(where: { !holds(month: $0, force: f) })
        }
        // By slug, not by the mirror's force numbers (the order forces were first ingested), so
        // two mirrors of the same data list them, and word their notes, alike.
        for f in materialForces(candidates, visited: t, path: path).sorted(by: { forces[$0] < forces[$1] }) { areaForces.append((forces[f], f, nil)) }

        // A month is held when the mirror has it for every responsible force, and for every other
        // force of the area that it holds in some asked month. Another force (BTP) missing from all
        // of them is a uniform shortfall: noted, but it makes no month differ from the next.
        let stepping = areaForces.filter { a in
            a.share != nil || a.index.map { f in range.contains { holds(month: $0, force: f) } } == true
        }
        c.held = range.map { m in holds(month: m) && stepping.allSatisfy { $0.index.map { holds(month: m, force: $0) } ?? false } }
        c.heldFor = stepping.map(\.slug).sorted()
        c.monthsHeld = c.held.filter { $0 }.count
        for a in areaForces {
            let lacking = range.filter { m in a.index.map { !holds(month: m, force: $0) } ?? true }
            guard !lacking.isEmpty else { continue }
            c.missing.append(.init(force: a.slug, name: Force.displayName(a.slug), months: lacking.map(Month.init(ordinal:)),
                                   responsible: a.share != nil, share: a.share))
        }
        // Forces other than BTP whose crimes are counted here, for an area outside every known
        // force area (it may still be a force's: Northern Ireland's area is not built in); only
        // then, so no other query pays for the list.
        let recorded = c.unassignedShare > 0.99
            ? forces.indices.filter { f in (t.present >> UInt64(f)) & 1 == 1 && counted(f) && forces[f] != Force.btp }.map { forces[$0] }.sorted() : []
        c.notes = coverageNotes(c, plan, recorded: recorded)
        // Harvested months of the forces counted here hold only their areas' crimes.
        let here = forces.indices.filter { f in counted(f) && ((t.present >> UInt64(f)) & 1 == 1 || areaForces.contains { $0.index == f }) }
        c.notes += harvestNotes(forces: here, range: range, categories: plan.query.categories)
        return c
    }

    /// The coverage in words: months the mirror lacks altogether, then each force of the area with
    /// the months it lacks (forces lacking the same months share a note), then an area outside
    /// every force area.
    private func coverageNotes(_ c: Coverage, _ plan: QueryPlan, recorded: [String]) -> [Coverage.Note] {
        var notes: [Coverage.Note] = []
        let asked = c.monthsAsked
        let range = plan.from.ordinal...plan.to.ordinal
        let empty = range.filter { !holds(month: $0) }
        if !empty.isEmpty {
            let runs = QueryPlan.describe(empty)
            let of = asked == 1 ? "the month asked" : "\(empty.count) of the \(asked) months asked"
            notes.append(.init(forces: [], months: runs, text: "The mirror holds no data at all for \(runs) (\(of)): \(asked == 1 ? "it counts" : "those months count") zero (a month not yet published, or not ingested)."))
        }
        var groups: [(months: [Int], forces: [Coverage.Missing])] = []
        for m in c.missing {
            // A force missing every asked month is said so, even where the mirror lacks some altogether.
            let months = m.months.count == asked ? m.months.map(\.ordinal) : m.months.map(\.ordinal).filter { !empty.contains($0) }
            guard !months.isEmpty else { continue }
            if let g = groups.firstIndex(where: { $0.months == months && $0.forces[0].responsible == m.responsible }) {
                groups[g].forces.append(m)
            } else { groups.append((months, [m])) }
        }
        for g in groups {
            let many = g.forces.count > 1
            let names = AreaReport.list(g.forces.map { f in
                "'\(f.force)' (\(f.name)\(f.share.map { ", \(Coverage.percent($0)) of the area" } ?? ""))"
            })
            let runs = QueryPlan.describe(g.months)
            let when = asked == 1 ? "\(runs), the month asked"
                : g.months.count == asked ? "any of the \(asked) months asked (\(runs))"
                : "\(runs) (\(g.months.count) of the \(asked) months asked)"
            let (they, their) = many ? ("Forces", "their") : ("Force", "its")
            let text = g.forces[0].responsible
                ? "\(they) \(names) \(many ? "are" : "is") responsible here, but the mirror holds none of \(their) data for \(when): \(their) crimes are missing from these figures, so they undercount; ingest \(their) CSVs to count them."
                : "\(they) \(names) \(many ? "record" : "records") crime here, but the mirror holds none of \(their) data for \(when): \(their) crimes here \(asked == 1 ? "that month are" : "in those months are") missing from these figures; a dip there is missing data, not less crime."
            notes.append(.init(forces: g.forces.map(\.force), months: runs, text: text))
        }
        if c.unassignedShare > 0.99 && !recorded.isEmpty {
            // Crimes of a force here (Belfast's, Northern Ireland's): "expect few or no crimes"
            // beside its 1,285 contradicted the figure (a new user's check).
            let names = AreaReport.list(recorded.map { "'\($0)' (\(Force.displayName($0)))" })
            notes.append(.init(forces: [], months: "", text: "This area lies outside every police force area the mirror knows (Northern Ireland's is not built in; Scotland only through British Transport Police): the crimes counted here were recorded by \(names); which force is responsible here, and whether the mirror holds all of its months, is not checked."))
        } else if c.unassignedShare > 0.99 {
            let outside = "This area lies outside every police force area of England and Wales: Police UK covers England, Wales and Northern Ireland (Northern Ireland's area is not built in; Scotland only through British Transport Police), so expect few or no crimes here."
            notes.append(.init(forces: [], months: "", text: outside + (flipSuggestion(plan).map { " " + $0 } ?? "")))
        } else if c.monthsHeld == 0, let hint = flipSuggestion(plan) {
            notes.append(.init(forces: [], months: "", text: hint))
        } else if c.unassignedShare >= 0.05 {
            // Under 5% is mostly slivers between generalised boundaries: not worth a note.
            notes.append(.init(forces: [], months: "", text: "\(Coverage.percent(c.unassignedShare)) of this area lies outside every police force area of England and Wales the mirror knows (sea, Scotland, Northern Ireland, whose area is not built in, or a gap between generalised boundaries)."))
        }
        return notes
    }

    /// For a radius whose area the mirror holds nothing for: when flipping the sign of one
    /// coordinate lands in a force area the mirror holds for the asked months (a dropped minus
    /// sign is the commonest slip with UK longitudes), that suggestion.
    private func flipSuggestion(_ plan: QueryPlan) -> String? {
        guard case .circle(let c) = plan.query.area else { return nil }
        let areas = forceAreas()
        for (lat, lng, flag) in [(c.lat, -c.lng, "--lng \(Format.decimal(-c.lng, places: 6))"), (-c.lat, c.lng, "--lat \(Format.decimal(-c.lat, places: 6))")] {
            guard let slug = areas.force(at: lat, lng), let i = forces.firstIndex(of: slug),
                  case let held = (plan.from.ordinal...plan.to.ordinal).filter({ holds(month: $0, force: i) }).count, held > 0 else { continue }
            let asked = plan.to.ordinal - plan.from.ordinal + 1
            return "Did you mean \(flag)? That point is in \(Force.displayName(slug))'s area, which the mirror holds for \(held == asked ? "these months" : "\(held) of the \(asked) months asked")."
        }
        return nil
    }

    /// Those of `candidates` that recorded at least 1% of the crimes at the area's map points in
    /// the months the mirror holds for them (the rule that tells a neighbour's stray crime from a
    /// real feed), in `candidates` order. The area is the one `visited` was walked over: its
    /// inside nodes and boundary points are read again, the tree is not.
    /// - Complexity: none when there are no candidates; else per candidate, two rows of the
    ///   running totals per run of months it holds for each inside node (a snapshot without
    ///   running totals: the nodes' (month, force) projections), and the boundary points' cells.
    func materialForces(_ candidates: [Int], visited: Tally, path: SumPath = .fast) -> [Int] {
        guard !candidates.isEmpty, monthsHeldCount > 0 else { return [] }
        if let d = delta { return materialForcesAmended(candidates, visited: visited, path: path, d) }
        let nodes = visited.visitedNodes.all, points = visited.visitedPoints.all
        let lists = self.pointLists, pointCells = lists.cells
        if path == .fast, let totals = projections.runningTotals {
            let forceColumn = NodeRunningTotals.forceColumn
            return candidates.filter { f in
                var mine = 0, total = 0
                heldRuns[f].withUnsafeBufferPointer { runs in
                    for g in nodes {
                        for run in runs {
                            guard let r = totals.rows(node: Int(g), monthLo: run.lo, monthHi: run.hi) else { continue }
                            for j in 0..<r.width where r.id(j) >= forceColumn {
                                let n = r.count(j)
                                total &+= n
                                if r.id(j) == forceColumn &+ f { mine &+= n }
                            }
                        }
                    }
                    for p in points {
                        for run in runs {
                            for period in lists.periods(monthLo: run.lo, monthHi: run.hi) {
                                for k in CrimeCell.monthSlice(pointCells, lists.range(Int(p), period: period), lo: run.lo, hi: run.hi) {
                                    let c = pointCells[k], m = CrimeCell.month(c)
                                    guard m >= run.lo && m <= run.hi else { continue }
                                    let n = CrimeCell.count(c)
                                    total &+= n
                                    if CrimeCell.force(c) == f { mine &+= n }
                                }
                            }
                        }
                    }
                }
                return Coverage.isMaterial(mine, of: total)
            }
        }
        let span = monthsHeldCount, forceCount = forces.count
        // counts[force * span + month offset], every month, every category.
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: forceCount * span)
        counts.initialize(repeating: 0)
        defer { counts.deallocate() }
        func add(_ cells: UnsafeBufferPointer<UInt64>, _ range: Range<Int>) {
            for i in range {
                let c = cells[i]
                counts[CrimeCell.force(c) &* span &+ CrimeCell.month(c)] &+= CrimeCell.count(c)
            }
        }
        // The (month, force) projections, or the full cells for the plain walk.
        let (nodeCells, nodeStart) = path == .fast ? (projections.monthForce, projections.monthForceStart) : (self.nodeCells, self.nodeCellStart)
        for g in nodes { add(nodeCells, Int(nodeStart[Int(g)])..<Int(nodeStart[Int(g) + 1])) }
        for p in points { for range in lists.ranges(Int(p)) { add(pointCells, range) } }
        return material(candidates, counts: UnsafeBufferPointer(counts))
    }

    /// Those of `candidates` with a material share of the crimes in the months the mirror holds
    /// for them (``Coverage/isMaterial(_:of:)``), from `counts[force × months + month offset]`.
    func material(_ candidates: [Int], counts: UnsafeBufferPointer<Int>) -> [Int] {
        let span = monthsHeldCount, forceCount = forces.count, first = firstMonth?.ordinal ?? 0
        return candidates.filter { f in
            var mine = 0, total = 0
            for m in 0..<span where holds(month: first + m, force: f) {
                mine += counts[f * span + m]
                for g in 0..<forceCount { total += counts[g * span + m] }
            }
            return Coverage.isMaterial(mine, of: total)
        }
    }
}

/// `X-GeoQuery-Coverage`, geoquery's addition to the data.police.uk API: written by `geoquery
/// serve`, read by `geoquery harvest`; one definition for both.
extension Coverage {
    public static let headerName = "X-GeoQuery-Coverage"

    /// `complete`, or `partial; missing=` and each (force, month) lacking (`kent:2019-06,btp:2019-06`).
    public static func headerValue(missing: [(force: String, month: Month)]) -> String {
        missing.isEmpty ? "complete" : "partial; missing=" + missing.map { "\($0.force):\($0.month)" }.joined(separator: ",")
    }

    /// This coverage's header value: the (force, month)s of the area the mirror lacks.
    public var headerValue: String { Coverage.headerValue(missing: missing.flatMap { m in m.months.map { (m.force, $0) } }) }

    /// The forces a header value says are missing in `month`.
    public static func missingForces(inHeader header: String?, month: String) -> [String] {
        guard let header, let list = header.split(separator: ";").lazy.map({ $0.trimmingCharacters(in: .whitespaces) })
            .first(where: { $0.hasPrefix("missing=") }) else { return [] }
        return list.dropFirst("missing=".count).split(separator: ",").compactMap { pair -> String? in
            let parts = pair.split(separator: ":", maxSplits: 1)
            return parts.count == 2 && parts[1] == month ? String(parts[0]) : nil
        }
    }
}

import Foundation
import GeoQuery

/// What to harvest.
public struct HarvestOptions: Sendable {
    public var api: URL = APIClient.liveAPI
    public var area: Area
    /// The area as the user gave it, for provenance and `info` (`--force leicestershire`).
    public var areaLabel: String
    /// The force whose area `area` is, when the user asked for a force (`--force SLUG`): the
    /// summary then says how many of its crimes lie outside that area, which no harvest can fetch.
    public var force: String?
    /// The months to fetch; nil: every month the API lists that the mirror lacks for the area's forces.
    public var months: [Month]?
    public var category = "all-crime"
    /// The API's per-request cap and the planner's margin, when the mirror has counts to plan from.
    public var limit = 10_000
    public var margin = 0.8
    /// Fetch again months already harvested, and months the mirror holds from the archive.
    public var refresh = false
    /// Also fetch `outcomes-at-location` for the same tiles and store the outcome events.
    public var outcomes = false
    /// Requests in flight at once (all share one token bucket).
    public var concurrency = 4
    public var rate = 15.0
    public var burst = 30

    public init(area: Area, areaLabel: String) {
        self.area = area
        self.areaLabel = areaLabel
    }

    /// Whether this harvest may replace `force`'s month that the mirror holds from the archive:
    /// only with `refresh`, harvesting that force's whole area (`--force SLUG`) and every category.
    /// Any other area holds part of the force's month (BTP's is the whole country's), and one
    /// category part of its crimes: storing either would drop the rest of the month.
    public func replacesArchive(of force: String) -> Bool { refresh && self.force == force && category == "all-crime" }
}

/// One month's plan, for `--dry-run` and the summary.
public struct HarvestMonthPlan: Sendable {
    public var month: Month
    /// Requests to send now (not yet answered in the journal).
    public var requests: Int
    /// Crimes the mirror's counts expect, nil without counts (the plan then starts from the area and splits on 503).
    public var expectedCrimes: Int?
    /// Why the month is skipped, when it is.
    public var skipped: String?
    /// The month whose counts planned it.
    public var plannedFrom: Month?
}

/// What a harvest did.
public struct HarvestSummary: Sendable {
    public var months: [HarvestMonthPlan] = []
    /// (force, month) files written and ingested, with their crimes.
    public var stored: [(force: String, month: Month, crimes: Int)] = []
    /// (force, month) left as the archive holds them.
    public var keptFromArchive: [(force: String, month: Month)] = []
    /// (force, month) outcomes files written and ingested (`--outcomes`), with their outcome events.
    public var storedOutcomes: [(force: String, month: Month, outcomes: Int)] = []
    public var notes: [String] = []
    /// What storing the harvested months made the ingest warn of, one line each (``IngestSummary/warnings``,
    /// ``IngestSummary/fileWarnings`` and ``IngestSummary/shrunk``): a force-month stored with
    /// far fewer crimes than the mirror held, say, when the API now answers with fewer than it did.
    public var warnings: [String] = []
    public var counters = HarvestCounters.Snapshot(done: 0, planned: 0, crimes: 0, tooMany: 0, retries: 0, splits: 0, rateLimited: 0)
    /// Requests an earlier, interrupted run answered and journalled (taken from the journal, not
    /// asked again; a 503 that split counts as answered, as in ``counters``), and their crimes
    /// inside the area: what was stored includes them, what this run received does not.
    public var fromJournal = (requests: 0, crimes: 0)
    public var seconds = 0.0
}

/// Fills a mirror from a data.police.uk-compatible API: plans each month's requests, sends them
/// politely, splits a cell on 503, keeps the crimes inside the area (deduplicated by the API's
/// `id`), and stores each finished month through ``Ingest`` with its provenance.
public struct Harvester: Sendable {
    public let options: HarvestOptions
    public let folder: String
    public let counters = HarvestCounters()
    /// A `var` so tests can shorten its backoff.
    var client: APIClient

    /// Told, in a line for the user, each time a request that got no answer is asked again
    /// (``APIClient/retryNotice``).
    public var retryNotice: (@Sendable (String) -> Void)? {
        get { client.retryNotice }
        set { client.retryNotice = newValue }
    }

    /// Told, in a line for the user, each warning as it arises (``HarvestSummary/warnings``): a
    /// harvest that stops at a later month has stored the months before it, and their warnings
    /// would otherwise go unsaid.
    public var warningNotice: (@Sendable (String) -> Void)?

    /// Told of each (force, month) as it is stored, with its crimes (``HarvestSummary/stored``):
    /// a harvest that stops at a later month returns no summary, and these months are kept.
    public var storedNotice: (@Sendable (_ force: String, _ month: Month, _ crimes: Int) -> Void)?

    /// - Parameter transport: where requests go (HTTP by default; tests answer from a mirror).
    public init(_ options: HarvestOptions, mirror: MirrorLocation, transport: any APITransport = HTTPTransport()) throws {
        guard case .directory(let dir) = mirror else {
            throw GeoQueryError.mirrorWrite("give --mirror DIR (or set GEOQUERY_MIRROR): the embedded sample is read-only")
        }
        guard options.limit > 0 else { throw GeoQueryError.invalidQuery("--limit must be a positive number of crimes (got \(options.limit))") }
        self.options = options
        folder = dir
        client = APIClient(base: options.api, bucket: TokenBucket(rate: options.rate, burst: options.burst), counters: counters, transport: transport)
    }

    var harvestFolder: String { (folder as NSString).appendingPathComponent("harvest") }

    /// A name for this area, API and category, the same in every run: the journal's job key.
    var job: String { job(api: options.api.absoluteString) }

    /// The job key of this harvest's area and category from `api`.
    func job(api: String) -> String {
        // With --outcomes a separate job: a month harvested without them is fetched again with them.
        var text = "\(api)|\(options.category)|\(options.outcomes ? "outcomes|" : "")"
        switch options.area {
        case .circle(let c): text += "circle \(c.lat),\(c.lng),\(c.radius.metres)"
        case .polygon(let p): text += p.parts.map { $0.map { TilePlanner.polyParameter($0) }.joined(separator: "/") }.joined(separator: "|")
        }
        var h: UInt64 = 0xcbf29ce484222325  // FNV-1a
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return String(h, radix: 16)
    }

    func openMirror() throws -> CrimeMirror? {
        guard FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("mirror.geoquery")) else { return nil }
        return try CrimeMirror.open(.directory(folder))
    }

    /// The months to harvest: as given, or those the API lists (for the area's forces, when it
    /// names each month's) that the mirror lacks for them.
    func months(mirror: CrimeMirror?, forces: [String], listed: Listed?) throws -> [Month] {
        if let given = options.months { return given }
        guard let listed, !listed.isEmpty else { throw GeoQueryError.unreadableInput("crimes-street-dates lists no month: the API holds nothing to harvest") }
        return Self.held(listed, forces: forces).filter { m in options.refresh || forces.isEmpty || !forces.allSatisfy { mirror?.holds(force: $0, month: m) ?? false } }
    }

    /// `crimes-street-dates`: each month, with its forces when the API names them.
    typealias Listed = [(month: Month, forces: Set<String>?)]

    /// The months the API holds for the area: those listing any of its forces or BTP (which
    /// records crime anywhere) when the API names each month's forces (geoquery serve), else
    /// every month listed. A month fetched that the API holds for none of them would be
    /// journalled as harvested with nothing in it.
    static func held(_ listed: Listed, forces: [String]) -> [Month] {
        let any = forces + [Force.btp]
        return listed.filter { l in any.contains { lists(l, $0) } }.map(\.month)
    }

    /// Whether a listed month holds `force`: every month does when the API does not name them.
    static func lists(_ month: Listed.Element, _ force: String) -> Bool { month.forces?.contains(force) ?? true }

    /// The forces the API names for `month`, nil when it does not name them.
    static func forcesListed(_ listed: Listed?, month: Month) -> Set<String>? {
        listed?.first { $0.month == month }?.forces
    }

    /// Why `month` is not fetched, or nil when it is: the archive gave the mirror the month for
    /// every force of the area (harvesting part of it could only lose crimes), or this area's
    /// harvest of it is finished; `--refresh` fetches both anyway. A finished month whose answers
    /// said the API lacked some force is fetched again once the API lists that force for it.
    func skipReason(_ month: Month, forces: [String], mirror: CrimeMirror?, provenance: HarvestProvenance, journal: HarvestJournal, listed: Listed?) -> String? {
        let fromArchive = forces.filter { mirror?.holds(force: $0, month: month) == true && provenance.current(force: $0, month: month, in: mirror).isEmpty }
        if !forces.isEmpty && fromArchive.count == forces.count && !fromArchive.contains(where: options.replacesArchive) {
            let held = "the mirror holds it from the archive for \(forces.joined(separator: ", "))"
            if let f = options.force, fromArchive.contains(f) {
                if options.category != "all-crime" {
                    return "\(held), and a --category harvest holds only \(options.category) of it, so it never replaces an archive month (--force \(f) --refresh without --category fetches it anew)"
                }
                return "\(held) (--refresh fetches it anyway and replaces it)"
            }
            return "\(held), and this area holds only part of \(forces.count == 1 ? "that force's" : "each force's") month, so a harvest would drop the rest (--force \(forces[0]) --refresh fetches the force's whole area anew)"
        }
        guard !options.refresh else { return nil }
        let state = journal.state(job: job, month: month)
        if let stored = state.stored {
            if let now = Self.forcesListed(listed, month: month), !state.missing.isDisjoint(with: now) { return nil }
            return "already harvested for this area (\(stored)); --refresh fetches it again"
        }
        return nil
    }

    /// Throws, naming them, when some of `months` are not among the months the API lists
    /// (`crimes-street-dates`): nothing is fetched then, not even the months it holds, so the
    /// user fixes the range and runs one harvest rather than finding a part of one.
    func checkHeld(_ months: [Month], forces: [String], listed: Listed) throws {
        let held = Self.held(listed, forces: forces)
        let missing = months.filter { !held.contains($0) }.sorted()
        guard !missing.isEmpty else { return }
        let answering = forces + [Force.btp]
        // Fewer months held than listed: the API names each month's forces.
        let byForce = held.count < listed.count
        let perForce = byForce ? " for \(answering.joined(separator: ", "))" : ""
        // When the API names each month's forces, each force's own months: their union would
        // name months a force lacks (BTP's, beside a force that started later).
        let holds = !byForce ? (held.isEmpty ? "it lists no month" : "it lists \(Month.runs(held))")
            : "it lists " + answering.map { f in
                let months = listed.filter { Self.lists($0, f) }.map(\.month)
                return months.isEmpty ? "no month for \(f)" : "\(Month.runs(months)) for \(f)"
            }.joined(separator: "; ")
        throw GeoQueryError.invalidMonth("the API (\(options.api.absoluteString)) holds no data for \(Month.runs(missing))\(perForce) (\(holds)): give months it lists, or leave out --date/--from/--to to fetch every listed month the mirror lacks; nothing was fetched")
    }

    /// Plans (and with `dryRun` false, runs) the harvest; `progress` hears after each request.
    public func run(dryRun: Bool = false, progress: (@Sendable (HarvestCounters.Snapshot) -> Void)? = nil) async throws -> HarvestSummary {
        let start = Date()
        var summary = HarvestSummary()
        var mirror = try openMirror()
        let areas = mirror?.responsibleAreas ?? ForceAreas.builtIn
        let forces = areas.forces(meeting: options.area).filter { $0 != Force.btp }
        if forces.isEmpty {
            summary.notes.append("the area lies outside every police force area (\(areas === ForceAreas.builtIn ? "built-in" : "loaded") boundaries): only crimes the API places inside it are kept, and no crimes-no-location are fetched")
        }
        let journal = HarvestJournal(folder: harvestFolder)
        var provenance = try HarvestProvenance.load(folder: folder)
        // The API's months, asked only when needed: months not given, a finished month whose
        // answers lacked a force (fetched again once the API lists it), or months to check.
        var listed: Listed? = options.months == nil ? try await client.listedMonths() : nil
        let months = try self.months(mirror: mirror, forces: forces, listed: listed)
        if listed == nil && !dryRun && months.contains(where: { let st = journal.state(job: job, month: $0); return st.stored != nil && !st.missing.isEmpty }) {
            listed = try await client.listedMonths()
        }
        let skipped = months.map { skipReason($0, forces: forces, mirror: mirror, provenance: provenance, journal: journal, listed: listed) }
        // Months given with --date/--from/--to that are still to fetch must be months the API
        // holds: the API answers an empty list for others, which would be stored (and journalled)
        // as a month without crimes. Checked before anything is written; a dry run asks nothing.
        let toFetch = zip(months, skipped).filter { $0.1 == nil }.map(\.0)
        if options.months != nil && !dryRun && !toFetch.isEmpty {
            let all: Listed
            if let l = listed { all = l } else { all = try await client.listedMonths() }
            listed = all
            try checkHeld(toFetch, forces: forces, listed: all)
        }
        // Only when a month is fetched: a harvest that skips every month writes nothing.
        if !dryRun && !toFetch.isEmpty { try journal.openForWriting() }
        let membership = try AreaMembership(options.area)
        var notedOutside = false
        for (month, skip) in zip(months, skipped).sorted(by: { $0.0 < $1.0 }) {
            var plan = HarvestMonthPlan(month: month, requests: 0)
            if let skip {
                plan.skipped = skip
                summary.months.append(plan)
                continue
            }
            var state = journal.state(job: job, month: month)
            if state.stored != nil {
                // With --refresh, or when the API now lists a force the month's answers lacked
                // (else skipped above): forget the month's earlier answers.
                if !dryRun { try journal.append(.init(t: "refresh", job: job, month: month.description)) }
                state = HarvestJournal.MonthState()
            }
            var initial: [HarvestRequest]
            if let planned = state.plan {
                initial = planned
            } else {
                (initial, plan.expectedCrimes, plan.plannedFrom) = try firstRequests(month: month, mirror: mirror, forces: forces)
                if !dryRun { try journal.append(.init(t: "plan", job: job, month: month.description, requests: initial)) }
            }
            if let force = options.force, !notedOutside, let mirror, let from = plan.plannedFrom,
               let note = try outsideNote(force: force, month: from, mirror: mirror, provenance: provenance) {
                notedOutside = true
                summary.notes.append(note)
            }
            let pending = Self.unanswered(initial, state: state)
            plan.requests = pending.count
            summary.months.append(plan)
            if dryRun { continue }
            summary.fromJournal.requests += state.done.count + state.doneOutcomes.count + state.split.count
            summary.fromJournal.crimes += state.done.values.reduce(0) { $0 + $1.count }
            counters.add(planned: pending.count)
            try await fetch(pending, month: month, journal: journal, membership: membership, progress: progress)
            // The same area and category harvested from another API before (its provenance names
            // it) is superseded: the new answers cover the whole area, and a union with the old
            // would keep the crimes the API no longer gives.
            for api in Set(provenance.entries.filter { $0.area == options.areaLabel && $0.api != options.api.absoluteString }.map(\.api)).sorted() {
                let other = job(api: api)
                if journal.state(job: other, month: month).stored != nil {
                    try journal.append(.init(t: "refresh", job: other, month: month.description))
                }
            }
            // The month is complete in the journal: put its (force, month) files together and store them.
            let stored = try store(month: month, journal: journal, mirror: mirror, areas: areas, forces: forces,
                                   listed: Self.forcesListed(listed, month: month), provenance: &provenance, summary: &summary)
            try journal.append(.init(t: "stored", job: job, month: month.description, at: Self.timestamp()))
            if stored { mirror = try openMirror() }
        }
        summary.counters = counters.snapshot
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    /// With `--force SLUG`: how many of the force's located crimes of `month` (a month the mirror
    /// holds from the archive) lie at map points outside its area. The API answers by area, not
    /// by force, so a harvest of the area cannot fetch crimes like them; nil when there are none.
    func outsideNote(force: String, month: Month, mirror: CrimeMirror, provenance: HarvestProvenance) throws -> String? {
        guard mirror.holds(force: force, month: month), provenance.current(force: force, month: month, in: mirror).isEmpty else { return nil }
        let located = mirror.locatedCrimes(force: force, month: month)
        let inside = try mirror.query(CrimeQuery(area: options.area, from: month, to: month, forces: [force])).total
        let outside = located - inside
        guard outside > 0 else { return nil }
        let share = Format.decimal(Double(outside) / Double(located) * 100, places: 1)
        return "\(force)'s own data for \(month) (from the archive) places \(Format.grouped(outside)) of its \(Format.grouped(located)) located crimes (\(share)%) at map points outside its area (\(options.areaLabel)): the API answers by area, not by force, so this harvest cannot fetch crimes like them, and its months hold only the force's crimes inside the area"
    }

    /// The month's first requests: the tile planner's tiles when the mirror has counts for the
    /// area (in the month or the nearest it holds), else the whole area; then crimes-no-location per force.
    func firstRequests(month: Month, mirror: CrimeMirror?, forces: [String]) throws -> ([HarvestRequest], Int?, Month?) {
        let m = month.description
        var requests: [HarvestRequest] = []
        var expected: Int? = nil, plannedFrom: Month? = nil
        if let mirror, let tilePlan = try? TilePlanner.plan(options.area, month: month, category: options.category == "all-crime" ? nil : options.category,
                                                            limit: options.limit, margin: options.margin, mirror: mirror), tilePlan.total > 0 {
            expected = tilePlan.total
            plannedFrom = tilePlan.plannedFrom
            for (i, tile) in tilePlan.tiles.enumerated() {
                let key = "\(m)/t\(i)"
                if tile.kind == .location, let p = tile.ring.first {
                    requests.append(HarvestRequest(key: key, kind: .location, month: m, category: options.category, lat: p.lat, lng: p.lng))
                    continue
                }
                // The exact tile (the area inside the tile's cell), not the request ring fitted to
                // the map points the mirror knows: a point new in this month must not fall between rings.
                let exact = Area.polygon(tile.exact ?? Polygon(parts: [[tile.ring]]))
                requests += try HarvestRequest.covering(exact, cell: AreaCover.cell(of: exact), key: key, month: m, category: options.category)
            }
        } else {
            requests = try HarvestRequest.covering(options.area, cell: AreaCover.cell(of: options.area), key: "\(m)/s", month: m, category: options.category)
        }
        if options.outcomes { requests += requests.compactMap { $0.outcomesTwin() } }
        for f in forces {
            requests.append(HarvestRequest(key: "\(m)/n-\(f)", kind: .noLocation, month: m, category: options.category, force: f))
        }
        return (requests, expected, plannedFrom)
    }

    /// Requests not yet answered: a split request stands for the requests that replaced it.
    static func unanswered(_ requests: [HarvestRequest], state: HarvestJournal.MonthState) -> [HarvestRequest] {
        requests.flatMap { r -> [HarvestRequest] in
            if state.done[r.key] != nil || state.doneOutcomes[r.key] != nil { return [] }
            if let children = state.split[r.key] { return unanswered(children, state: state) }
            return [r]
        }
    }

    /// Sends `requests` a few at a time; every answer is journalled before the next is taken.
    func fetch(_ requests: [HarvestRequest], month: Month, journal: HarvestJournal, membership: AreaMembership,
               progress: (@Sendable (HarvestCounters.Snapshot) -> Void)?) async throws {
        let client = self.client
        /// A located crime inside the area by the query rule (the same for crimes and outcomes).
        func inside(_ c: APICrime) -> Bool {
            guard let p = c.pointE6 else { return false }
            return membership.contains(latE6: p.lat, lngE6: p.lng)
        }
        var queue = requests[...]
        // A 503 means "more than the API returns at once" (10,000 crimes), and each split quarters
        // a cell: England and Wales record ~500k crimes a month, so even a national area planned
        // from nothing needs a few hundred splits. Far more is an API answering 503 for another
        // reason (overloaded), and splitting on would never end.
        var splits = 0
        let splitBudget = 256 + 4 * requests.count
        try await withThrowingTaskGroup(of: (HarvestRequest, APIAnswer).self) { group in
            var running = 0
            while true {
                while running < options.concurrency, let r = queue.popFirst() {
                    group.addTask { (r, try await client.send(r)) }
                    running += 1
                }
                guard let (r, answer) = try await group.next() else { break }
                running -= 1
                switch answer {
                case .crimes(let crimes, let missing):
                    // Only crimes inside the area by the query rule; crimes-no-location are the force's.
                    let kept = r.kind == .noLocation ? crimes : crimes.filter { c in
                        // crimes-at-location takes no category: its answer is every crime there.
                        if r.kind == .location && r.category != "all-crime" && c.category != r.category { return false }
                        return inside(c)
                    }
                    try journal.append(.init(t: "done", job: job, month: month.description, key: r.key, crimes: kept, missing: missing))
                    counters.add(done: 1, crimes: kept.count)
                case .outcomes(let outcomes):
                    // Outcomes of the crimes inside the area by the same rule.
                    let kept = outcomes.filter { inside($0.crime) }
                    try journal.append(.init(t: "done", job: job, month: month.description, key: r.key, outcomes: kept))
                    counters.add(done: 1)
                case .tooMany:
                    splits += 1
                    guard splits <= splitBudget else {
                        throw GeoQueryError.unreadableInput("\(r.summary): the API answered 503 (more than it returns at once) to \(splits) requests of \(month), each split again: more than the crimes there could explain, so it looks overloaded or is refusing them; try again later (re-running the same command continues)")
                    }
                    let children = try r.split(area: options.area)
                    guard !children.isEmpty else {
                        throw GeoQueryError.unreadableInput("\(r.summary): the API answered 503 (more crimes than it returns at once) even for one map point's crimes-at-location; the harvest cannot fetch them")
                    }
                    try journal.append(.init(t: "split", job: job, month: month.description, key: r.key, requests: children))
                    counters.add(done: 1, planned: children.count, tooMany: 1, splits: 1)
                    queue.append(contentsOf: children)
                }
                progress?(counters.snapshot)
            }
        }
    }

    /// Writes the month's harvested crimes (every area harvested for it) as one street CSV per
    /// force and ingests them; a (force, month) the archive gave the mirror is left alone unless
    /// `--refresh` harvests that force's whole area (``HarvestOptions/replacesArchive(of:)``).
    /// Returns whether the mirror changed.
    func store(month: Month, journal: HarvestJournal, mirror: CrimeMirror?, areas: ForceAreas, forces: [String], listed: Set<String>?,
               provenance: inout HarvestProvenance, summary: inout HarvestSummary) throws -> Bool {
        var seen = Set<Int>()
        var byForce: [String: [APICrime]] = [:]
        let fallback = forces.first
        /// The force a crime is stored under: crimes-no-location's force, BTP by location type,
        /// else the force whose area holds it. Where the API says it lacks that force (a geoquery
        /// server's coverage header), the crime was recorded by another: a force of the area the
        /// API holds (near a border, the force across it: the generalised boundaries put some of
        /// the City's crimes in the Met's area), else none is known and it is left out.
        /// Also a force the API does not list for the month, when it names each month's forces
        /// (the header names only the forces of a request's area, not one a sliver of it reaches).
        func lacks(_ f: String, _ missing: Set<String>) -> Bool { missing.contains(f) || !(listed?.contains(f) ?? true) }
        func force(of c: APICrime, noLocationForce: String?, missing: Set<String>) -> String? {
            if let f = noLocationForce { return lacks(f, missing) ? nil : f }
            if c.isBTP { return lacks(Force.btp, missing) ? nil : Force.btp }
            let placed = c.pointE6.flatMap { areas.force(at: MicroDegrees.degrees($0.lat), MicroDegrees.degrees($0.lng)) } ?? fallback
            guard let placed, lacks(placed, missing) else { return placed }
            return forces.first { !lacks($0, missing) }
        }
        // This job's answers first, then those of the other areas harvested for the month: a
        // (force, month) holds the union. Only forces this job's answers hold crimes of are
        // written again (the others' files and provenance stay as their own harvests left them).
        let states = [journal.state(job: job, month: month)] + journal.jobs(storedFor: month)
        // A force the API itself says it lacks in the month is not stored: its area's crimes
        // there are other forces' (stored as the month of the lacking force, a handful of them
        // would claim its whole month).
        var contributed = Set<String>()
        var dropped: [APICrime] = []
        for (n, state) in states.enumerated() {
            for key in state.done.keys.sorted() {
                let noLocationForce = key.split(separator: "/").last.flatMap { $0.hasPrefix("n-") ? String($0.dropFirst(2)) : nil }
                for c in state.done[key]! where seen.insert(c.id).inserted {
                    guard let f = force(of: c, noLocationForce: noLocationForce, missing: state.missing) else {
                        if n == 0 { dropped.append(c) }
                        continue
                    }
                    byForce[f, default: []].append(c)
                    if n == 0 { contributed.insert(f) }
                }
            }
        }
        let missing = states[0].missing
        let areaMissing = missing.subtracting([Force.btp])
        if !missing.isEmpty {
            let holder = forces.first { !lacks($0, missing) }
            let placed = areaMissing.isEmpty ? "" : holder.map { ", crimes its answers place in \(areaMissing.count == 1 ? "its area are" : "their areas are") stored under \($0), a force of the area it holds" } ?? ""
            summary.notes.append("the API (\(options.api.absoluteString)) says it holds no data for \(missing.sorted().joined(separator: ", ")) in \(month) (its X-GeoQuery-Coverage header): nothing was stored for \(missing.count == 1 ? "it" : "them")\(placed)")
        }
        // Outcomes: a crime on a shared tile edge comes back from both tiles with the same
        // outcomes; the first answer that holds the crime gives them all (a crime may truly
        // have two equal outcomes in a month, so events are not deduplicated one by one).
        var claimed = Set<Int>()
        var outcomesByForce: [String: [APIOutcome]] = [:]
        var outcomesContributed = Set<String>()
        for (n, state) in states.enumerated() {
            for key in state.doneOutcomes.keys.sorted() {
                let answer = state.doneOutcomes[key]!
                let fresh = Set(answer.map(\.crime.id)).subtracting(claimed)
                claimed.formUnion(fresh)
                for o in answer where fresh.contains(o.crime.id) {
                    guard let f = force(of: o.crime, noLocationForce: nil, missing: state.missing.union(missing)) else { continue }
                    outcomesByForce[f, default: []].append(o)
                    if n == 0 { outcomesContributed.insert(f) }
                }
            }
        }
        /// Whether storing this month writes `force`'s crimes (else the mirror's data for it stays).
        func writes(_ force: String) -> Bool {
            guard contributed.contains(force) else { return false }
            let harvestedBefore = !provenance.current(force: force, month: month, in: mirror).isEmpty
            return !(mirror?.holds(force: force, month: month) == true && !harvestedBefore && !options.replacesArchive(of: force))
        }
        // A crime the mirror already holds under a force whose data stays is that force's: not
        // stored again (counted twice), and not counted as left out either.
        var heldDropped = [String: Int]()
        if let mirror {
            let stored = byForce.keys.filter(writes).sorted()
            var elsewhere = try HeldElsewhere(mirror, month: month, staying: mirror.forces.filter { $0 != Force.btp && !writes($0) },
                                              crimes: stored.flatMap { byForce[$0]! } + dropped)
            if let note = elsewhere.take(from: &byForce, forces: stored, month: month) { summary.notes.append(note) }
            dropped.removeAll { c in elsewhere.take(c).map { heldDropped[$0, default: 0] += 1 } != nil }
        }
        if !dropped.isEmpty {
            let why = forces.isEmpty ? "they lie in no force area the harvest can store them under" : "no force of the area the API holds for \(month) could have recorded them"
            let held = heldDropped.isEmpty ? "" : " (\(Format.grouped(heldDropped.values.reduce(0, +))) more the mirror already holds under the force that recorded them: \(HeldElsewhere.byForce(heldDropped)))"
            summary.notes.append("\(Format.grouped(dropped.count)) crime(s) of \(month) inside the area were left out: \(why)\(held)")
        }
        let dir = (harvestFolder as NSString).appendingPathComponent("csv/\(month)")
        try AtomicFile.createFolder(dir, what: "the harvest's CSV folder")
        var files: [String] = []
        var written: [(force: String, crimes: Int, path: String)] = []
        for (force, crimes) in byForce.sorted(by: { $0.key < $1.key }) where contributed.contains(force) {
            guard writes(force) else {
                summary.keptFromArchive.append((force, month))
                continue
            }
            let path = (dir as NSString).appendingPathComponent(StreetCSVRows.fileName(force: force, month: month))
            try AtomicFile.write(path, what: "the harvested CSV", bytes: Array(StreetCSVRows.csv(crimes, force: force).utf8))
            files.append(path)
            written.append((force, crimes.count, path))
        }
        for (force, outcomes) in outcomesByForce.sorted(by: { $0.key < $1.key }) where contributed.contains(force) || outcomesContributed.contains(force) {
            // The archive's outcomes stay with the archive's crimes.
            let harvestedBefore = !provenance.current(force: force, month: month, in: mirror).isEmpty
            if mirror?.holds(force: force, month: month) == true && !harvestedBefore && !options.replacesArchive(of: force) && byForce[force] == nil { continue }
            if summary.keptFromArchive.contains(where: { $0.force == force && $0.month == month }) { continue }
            let path = (dir as NSString).appendingPathComponent(OutcomesCSVRows.fileName(force: force, month: month))
            try AtomicFile.write(path, what: "the harvested outcomes CSV", bytes: Array(OutcomesCSVRows.csv(outcomes, force: force).utf8))
            files.append(path)
            summary.storedOutcomes.append((force, month, outcomes.count))
        }
        guard !files.isEmpty else { return false }
        // Provenance first, then the snapshot: killed between the two, the entry's crime count
        // does not match the mirror yet, so it is ignored and the re-run stores the month again.
        // (The other order would leave harvested crimes that a re-run takes for archive data.)
        let now = Self.timestamp()
        for (force, crimes, _) in written {
            // This area's earlier entry for the same category goes (every category's covers them all).
            let category = options.category == "all-crime" ? nil : options.category
            provenance.entries.removeAll { $0.force == force && $0.month == month.description && $0.area == options.areaLabel && (category == nil || $0.category == category) }
            provenance.entries.append(.init(force: force, month: month.description, area: options.areaLabel, api: options.api.absoluteString, harvestedAt: now,
                                            crimes: crimes, category: category))
            summary.stored.append((force, month, crimes))
        }
        try provenance.save(folder: folder)
        let ingest = try Ingest.run(paths: files, mirror: .directory(folder))
        // Rows the ingest refused (an answer's crime of another month, or with no category) are
        // not held: the entries and the summary count what the mirror holds, or the entries
        // would not match it and the months would read as the archive's. (Killed before this
        // second save, such a month's entry is ignored, as one killed before the ingest is.)
        var recounted = false
        for (force, crimes, path) in written {
            let held = ingest.files.first { $0.name == path }?.stored ?? crimes
            if held != crimes {
                if let k = provenance.entries.lastIndex(where: { $0.force == force && $0.month == month.description && $0.area == options.areaLabel }) {
                    provenance.entries[k].crimes = held
                }
                if let k = summary.stored.lastIndex(where: { $0.force == force && $0.month == month }) { summary.stored[k].crimes = held }
                recounted = true
            }
            storedNotice?(force, month, held)
        }
        if recounted { try provenance.save(folder: folder) }
        let warnings = ingest.warnings + ingest.fileWarnings + ingest.shrunk.map(Self.shrinkWarning)
        summary.warnings += warnings
        for w in warnings { warningNotice?(w) }
        return true
    }

    /// A force-month a harvest stored with under half the crimes the mirror held: the API
    /// answered with far fewer than were stored before (from the archive, or an earlier harvest).
    static func shrinkWarning(_ s: ShrunkMonth) -> String {
        "\(s.force) \(s.month): the harvest stored \(Format.grouped(s.now)) street-level crimes where the mirror held \(Format.grouped(s.held)) "
            + "(\(s.keptPercent)% of them): the API answered with far fewer than were stored before (is it answering in full?). "
            + "The mirror now holds the \(Format.grouped(s.now))."
    }

    /// Notes for the harvested (force, month)s of `months` that hold crimes the mirror also holds
    /// under another force from the archive: the neighbour's month ingested after the harvest,
    /// whose crimes at map points inside the harvested area were stored under the area's force
    /// then (a harvest drops them when the neighbour's month is already there). Each note says
    /// how many, and the harvest that stores the month again without them.
    public static func doubleCounted(in mirror: CrimeMirror, folder: String, months: [Month]) throws -> [String] {
        let provenance = try HarvestProvenance.load(folder: folder)
        guard !provenance.entries.isEmpty else { return [] }
        // All of Great Britain and Northern Ireland, with room.
        let country = HeldElsewhere.box(south: 49, west: -9, north: 61.5, east: 3)
        var notes: [String] = []
        for month in Set(months).sorted() {
            // Each harvested force's current entries (its last one names the area harvested).
            let harvested = mirror.forces.compactMap { f in provenance.current(force: f, month: month, in: mirror).last.map { (force: f, entry: $0) } }
            let archive = mirror.forces.filter { f in f != Force.btp && !harvested.contains { $0.force == f } }
            for (force, entry) in harvested where force != Force.btp {
                let crimes = try mirror.crimes(CrimeQuery(area: country, from: month, to: month, forces: [force]))
                var elsewhere = try HeldElsewhere(mirror, month: month, staying: archive, points: crimes.map { ($0.mapPoint.latE6, $0.mapPoint.lngE6) })
                var twice: [String: Int] = [:]
                for c in crimes { if let g = elsewhere.take(c) { twice[g, default: 0] += 1 } }
                guard !twice.isEmpty else { continue }
                let area = entry.area
                let again = HarvestProvenance.isRunnable(area) ? "geoquery harvest \(area) --date \(month) --refresh" : "a harvest of its area with --date \(month) --refresh"
                notes.append("\(force)'s \(month) is a harvest by area (\(area)) and holds \(Format.grouped(twice.values.reduce(0, +))) crime(s) the archive's data for \(month) holds under the force that recorded them (\(HeldElsewhere.byForce(twice))): they are counted twice until \(again) stores it again without them")
            }
        }
        return notes
    }

    static func timestamp() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date())
    }
}

/// The located crimes the mirror holds for a month under forces whose data a harvest leaves as it
/// is (`staying`: not the forces it writes, not BTP, whose crimes the API marks), at the map points
/// of the crimes it received: a neighbour's, recorded at a map point the boundaries put in the
/// harvested area. The API answers by area, so they come back with the area's crimes; stored
/// under the area's force they would be counted twice. A received crime is matched by map point,
/// category and Crime ID (anti-social behaviour has none: as many as the other force holds
/// there are matched), each held crime once.
struct HeldElsewhere {
    private struct Key: Hashable { let lat: Int32, lng: Int32, category: String, crimeID: String }
    private var held: [Key: [String]] = [:]

    init(_ mirror: CrimeMirror, month: Month, staying: [String], crimes: [APICrime]) throws {
        try self.init(mirror, month: month, staying: staying, points: crimes.compactMap(\.pointE6))
    }

    /// `points`: the map points (micro-degrees) of the crimes to match.
    init(_ mirror: CrimeMirror, month: Month, staying: [String], points located: [(lat: Int32, lng: Int32)]) throws {
        let staying = staying.filter { mirror.holds(force: $0, month: month) }
        var points = Set<Int64>(), box = (lat0: Int32.max, lng0: Int32.max, lat1: Int32.min, lng1: Int32.min)
        for p in located {
            points.insert(Self.point(p.lat, p.lng))
            box = (min(box.lat0, p.lat), min(box.lng0, p.lng), max(box.lat1, p.lat), max(box.lng1, p.lng))
        }
        guard !staying.isEmpty, !points.isEmpty else { return }
        // The received crimes' bounding box, a micro-degree wider each way (one point's box is no polygon).
        let area = Self.box(south: MicroDegrees.degrees(box.lat0 - 1), west: MicroDegrees.degrees(box.lng0 - 1),
                            north: MicroDegrees.degrees(box.lat1 + 1), east: MicroDegrees.degrees(box.lng1 + 1))
        let query = CrimeQuery(area: area, from: month, to: month, forces: staying)
        for c in try mirror.crimes(query) where points.contains(Self.point(c.mapPoint.latE6, c.mapPoint.lngE6)) {
            held[Key(lat: c.mapPoint.latE6, lng: c.mapPoint.lngE6, category: c.category, crimeID: c.persistentID), default: []].append(c.force)
        }
    }

    /// A latitude/longitude box as a query area.
    static func box(south: Double, west: Double, north: Double, east: Double) -> Area {
        .polygon(Polygon(parts: [[[(south, west), (south, east), (north, east), (north, west), (south, west)].map { Polygon.Coordinate(lat: $0.0, lng: $0.1) }]]))
    }

    private static func point(_ lat: Int32, _ lng: Int32) -> Int64 { Int64(lat) << 32 | Int64(UInt32(bitPattern: lng)) }

    /// The force that holds `c` (nil: none), which then holds one fewer to match.
    mutating func take(_ c: APICrime) -> String? {
        guard !held.isEmpty, let p = c.pointE6 else { return nil }
        return held[Key(lat: p.lat, lng: p.lng, category: c.category, crimeID: c.persistent_id ?? "")]?.popLast()
    }

    /// ``take(_:)-(APICrime)`` for a crime of the mirror.
    mutating func take(_ c: Crime) -> String? {
        guard !held.isEmpty, c.located else { return nil }
        return held[Key(lat: c.mapPoint.latE6, lng: c.mapPoint.lngE6, category: c.category, crimeID: c.persistentID)]?.popLast()
    }

    /// Takes the held crimes out of `byForce`'s `forces`; the note that says so, nil when none was.
    mutating func take(from byForce: inout [String: [APICrime]], forces: [String], month: Month) -> String? {
        var taken: [String: Int] = [:], from = Set<String>()
        for f in forces {
            byForce[f]!.removeAll { c in
                guard let g = take(c) else { return false }
                taken[g, default: 0] += 1
                from.insert(f)
                return true
            }
        }
        guard !taken.isEmpty else { return nil }
        return "\(Format.grouped(taken.values.reduce(0, +))) crime(s) of \(month) the API placed in \(from.sorted().joined(separator: ", "))'s area were not stored under it: the mirror already holds them under the force that recorded them (\(Self.byForce(taken))), whose data for \(month) stays; stored again they would be counted twice"
    }

    /// "derbyshire 14, nottinghamshire 6".
    static func byForce(_ counts: [String: Int]) -> String {
        counts.sorted { $0.key < $1.key }.map { "\($0.key) \(Format.grouped($0.value))" }.joined(separator: ", ")
    }
}

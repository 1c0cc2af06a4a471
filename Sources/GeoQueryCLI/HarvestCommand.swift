import ArgumentParser
import Foundation
import GeoQuery
import GeoQueryHarvest

/// `geoquery harvest`: fill or refresh the mirror from a data.police.uk-compatible API.
struct HarvestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "harvest",
        abstract: "Fetch an area's crimes from data.police.uk (or any compatible API) into the mirror, politely and resumably.",
        discussion: """
        The area is any form the root command takes (--lat/--lng/--radius, --postcode, --poly, --geojson, --wkt, --kml) or --force SLUG (the force's area, from the mirror's loaded boundaries or the built-in ones). Without --date/--from/--to: every month the API lists (crimes-street-dates) that the mirror lacks for the area's forces. Months given that the API does not list stop the harvest before anything is fetched.

        Requests share one token bucket (15 a second, bursts of 30); 429 waits for Retry-After; a 503 (too many crimes) splits the cell into quadrants. Each answered request is journalled in DIR/harvest/journal.jsonl: re-run the same command after an interruption to continue; a finished harvest fetches nothing again unless --refresh. Months the mirror holds from the archive are skipped; --refresh replaces a force's archive month only when harvesting its whole area (--force SLUG --refresh), since any other area holds part of it.

        Examples:
          geoquery harvest --mirror ~/police-uk --force city-of-london --date 2024-01
          geoquery harvest --mirror ~/police-uk --lat 52.6344 --lng -1.1313 --radius 1mi --from 2023-01 --to 2023-12 --dry-run
          geoquery harvest --mirror /tmp/m --api http://127.0.0.1:8080/api/ --force leicestershire --from 2019-01 --to 2019-02 --limit 1000
        """
    )

    @OptionGroup var mirror: MirrorOptions
    @OptionGroup var area: QueryOptions

    @Option(help: ArgumentHelp("The API's base URL (default: the live https://data.police.uk/api/; 'geoquery serve' works too).", valueName: "url"))
    var api: String = APIClient.liveAPI.absoluteString

    // Unconditional, as every number here: `--concurrency -3` is a wrong number (said so in
    // validate()), not a missing value.
    @Option(parsing: .unconditional, help: "The API's per-request cap, for planning from the mirror's counts (503 above it).")
    var limit: Int = 10_000

    @Option(parsing: .unconditional, help: "Tiles planned from counts expect at most limit × margin crimes, 0 < margin ≤ 1.")
    var margin: Double = 0.8

    @Flag(help: "Fetch again months already harvested for this area; with --force SLUG also the force's months the mirror holds from the archive, replaced by its whole area as the API answers it (an area's harvest never replaces an archive month: it holds only part of it).")
    var refresh = false

    @Flag(help: "Print the plan (requests per month, expected crimes, time at 15 requests/s) and fetch nothing.")
    var dryRun = false

    @Flag(help: "Also fetch outcomes-at-location for the same tiles and store the outcome events recorded in each month (for the area's located crimes), as the archive's outcomes CSVs would.")
    var outcomes = false

    @Option(parsing: .unconditional, help: "Requests in flight at once (they share the rate limit).")
    var concurrency: Int = 4

    func validate() throws {
        guard concurrency >= 1 && concurrency <= 16 else { throw ValidationError("--concurrency must be 1 to 16 (got \(concurrency))") }
        if let problem = TilePlanner.problem(limit: limit, margin: margin) { throw ValidationError(problem) }
    }

    func run() throws {
        guard case .directory(let folder) = mirror.location else {
            throw GeoQueryError.mirrorWrite("give --mirror DIR (or set GEOQUERY_MIRROR): harvest writes into a mirror folder")
        }
        // Before any request: a file given as the mirror, or a folder that cannot be made, would
        // only fail after the API had been asked (or, unreachable, retried for seconds).
        try mirror.location.checkNotAFile()
        if !dryRun { try AtomicFile.createFolder(folder, what: "the mirror folder") }
        guard let base = URL(string: api), let scheme = base.scheme, ["http", "https"].contains(scheme.lowercased()), base.host != nil else {
            throw GeoQueryError.invalidQuery("--api '\(api)' is not an http(s) URL, e.g. https://data.police.uk/api/")
        }
        let existing = FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("mirror.geoquery")) ? try mirror.open() : nil
        let (areaValue, label, force) = try harvestArea(existing)
        var input = try area.input
        let (from, to) = try input.monthRange()
        var options = HarvestOptions(area: areaValue, areaLabel: label)
        options.force = force
        options.api = base
        if let from, let to { options.months = (from...to).months } else if from != nil || to != nil {
            throw GeoQueryError.invalidMonth("give both --from and --to (or --date), or neither for every month the API lists that the mirror lacks")
        }
        guard area.category.count <= 1 else { throw GeoQueryError.invalidQuery("harvest fetches one category (the API takes one per request): give --category at most once") }
        options.category = area.category.first ?? "all-crime"
        if options.category != "all-crime" && !Category.standard.contains(options.category) {
            throw Category.unknown(options.category, among: Category.standard)
        }
        input.categories = []
        options.limit = limit; options.margin = margin; options.refresh = refresh; options.concurrency = concurrency
        options.outcomes = outcomes
        var harvester = try Harvester(options, mirror: mirror.location)
        let terminal = Output.stderrIsTerminal
        let started = Date()
        let progress: (@Sendable (HarvestCounters.Snapshot) -> Void)? = terminal ? { @Sendable c in
            Output.progress(HarvestCommand.progressLine(c, seconds: Date().timeIntervalSince(started)))
        } : nil
        // On a terminal the note replaces the progress line, which the next request redraws.
        harvester.retryNotice = { @Sendable line in
            if terminal { Output.progress("") }
            Output.note(line)
        }
        // Said as each month is stored: a harvest that stops later has kept those months.
        harvester.warningNotice = { @Sendable line in
            if terminal { Output.progress("") }
            Output.warning(line)
        }
        // Kept for an error: a harvest that stops at a later month has stored these.
        let stored = NoticeLines()
        harvester.storedNotice = { @Sendable force, month, crimes in stored.add(Self.storedLine(force: force, month: month, crimes: crimes)) }
        let dryRun = self.dryRun
        let ready = harvester
        let summary: HarvestSummary
        do {
            summary = try waitFor { try await ready.run(dryRun: dryRun, progress: progress) }
        } catch {
            if terminal { Output.progress("") }
            // One line, however many months: the error stays the line that stands out.
            let before = stored.lines
            if !before.isEmpty { Output.note("stored before the error: " + before.joined(separator: "; ")) }
            throw error
        }
        if terminal { Output.progress("") }
        for n in summary.notes { Output.note(n) }
        Output.standard(dryRun ? Self.planText(summary) : Self.summaryText(summary))
    }

    /// The area, its label, and the force when it is one (--force SLUG alone is the force's area);
    /// anything else as the root command reads it.
    func harvestArea(_ existing: CrimeMirror?) throws -> (Area, String, String?) {
        let hasShape = area.lat != nil || area.lng != nil || !area.postcode.isEmpty || area.poly != nil || area.geojson != nil || area.wkt != nil || area.kml != nil
        if !hasShape {
            // Refused as they are beside an area: read alone with --force they were dropped.
            guard !area.excludeBtp else {
                throw GeoQueryError.invalidQuery("the API cannot filter by force: --force SLUG alone harvests the force's area, BTP's crimes in it included; leave out --exclude-btp (queries take it)")
            }
            guard area.radius == nil else {
                throw GeoQueryError.invalidQuery("--radius needs a centre (--lat/--lng or --postcode): --force SLUG alone is the force's whole area")
            }
            guard area.force.count <= 1 else {
                throw GeoQueryError.invalidQuery("harvest takes one --force (its area; got \(area.force.joined(separator: ", "))): harvest each force in turn")
            }
            guard let slug = area.force.first else {
                throw GeoQueryError.invalidQuery("give the area to harvest: --force SLUG, --lat/--lng/--radius, --postcode, --poly, --geojson, --wkt or --kml")
            }
            let areas = existing?.responsibleAreas ?? ForceAreas.builtIn
            guard let polygon = areas.polygon(of: slug) else {
                let which = areas === ForceAreas.builtIn ? "built-in" : "mirror's"
                if let force = Force.all.first(where: { $0.slug == slug }) {
                    // A real force without a boundary here (Northern Ireland; BTP, which has no area).
                    let give = slug == Force.btp ? "it has no area: harvest the areas whose BTP crimes you want (--lat/--lng/--radius, --poly, --geojson, --wkt, --kml)"
                        : "a harvest stores each crime under the force whose area holds it, so without a boundary its crimes cannot be harvested (a --boundaries file holding its area, ingested into the mirror, gives one)"
                    throw GeoQueryError.unknownForce("the \(which) force areas have no boundary for \(slug) (\(force.name)): \(give)")
                }
                let known = Force.all.map(\.slug).filter { areas.polygon(of: $0) != nil }
                throw GeoQueryError.unknownForce("no force area for '\(slug)':\(Force.suggestion(for: slug, among: known)) use one of \(known.joined(separator: ", "))")
            }
            return (.polygon(polygon), "--force \(slug)", slug)
        }
        guard area.force.isEmpty && !area.excludeBtp else {
            throw GeoQueryError.invalidQuery("the API cannot filter by force: give --force SLUG alone (the force's area), or an area without --force/--exclude-btp")
        }
        var input = try area.input
        input.categories = []; input.from = nil; input.to = nil; input.date = nil
        let q = try input.query(fallbackCentre: nil, postcodes: { try existing?.postcodes() ?? { throw GeoQueryError.postcodeNotFound("the mirror holds no postcodes yet: ingest them with 'geoquery ingest --postcodes FILE', or give --lat/--lng") }() })
        return (q.area, areaLabel(q.area), nil)
    }

    /// The area as the options that give it again (shell-quoted, files by absolute path): the
    /// provenance's label, which `status` offers back as a command. A polygon given inline at
    /// more than 400 characters is named by its vertex count instead (status then says so).
    func areaLabel(_ asked: Area) -> String {
        func word(_ s: String) -> String { Format.shellWord(s) }
        // The file an option names (as QueryOptions reads it), by its absolute path.
        func absolute(_ given: String) -> String { URL(fileURLWithPath: QueryOptions.filePath(given)).standardizedFileURL.path }
        func file(_ given: String) -> String { word(absolute(given)) }
        func inline(_ option: String, _ text: String, vertices: Int) -> String {
            text.hasPrefix("@") ? "\(option) \(word("@" + absolute(String(text.dropFirst()))))"
                : text.count <= 400 ? "\(option) \(word(text))" : HarvestProvenance.inlineLabel(option, vertices: vertices)
        }
        var label: String
        switch asked {
        case .circle(let c):
            label = "\(area.postcode.first.map { "--postcode \(word($0))" } ?? "--lat \(c.lat) --lng \(c.lng)") --radius \(word(area.radius ?? QueryInput.defaultRadius))"
        case .polygon(let p):
            if let path = area.geojson {
                label = (QueryOptions.isInlineGeoJSON(path) ? inline("--geojson", path, vertices: p.vertexCount) : "--geojson \(file(path))") + area.feature.map { " --feature \(word($0))" }.joined()
                    + area.whereProperty.map { " --where \(word($0))" }.joined() + (area.featureKey.map { " --feature-key \(word($0))" } ?? "")
            } else if let path = area.kml {
                label = "--kml \(file(path))"
            } else if let text = area.wkt {
                label = inline("--wkt", text, vertices: p.vertexCount)
            } else {
                label = inline("--poly", area.poly ?? "", vertices: p.vertexCount)
            }
            if area.repair { label += " --repair" }
        }
        return label
    }

    static func progressLine(_ c: HarvestCounters.Snapshot, seconds: Double) -> String {
        let remaining = max(0, c.planned - c.done)
        let rate = min(15, seconds > 1 ? Double(c.done) / seconds : 15)
        let eta = rate > 0 ? Double(remaining) / rate : 0
        return "requests \(c.done)/\(c.planned), crimes \(Format.grouped(c.crimes)), 429s \(c.rateLimited), splits \(c.splits), retries \(c.retries), ETA \(Int(eta.rounded(.up))) s"
    }

    static func planText(_ s: HarvestSummary) -> String {
        var out = "month    requests  expected crimes  time at 15/s\n"
        var total = 0
        for m in s.months {
            if let why = m.skipped { out += "\(m.month)  skipped: \(why)\n"; continue }
            total += m.requests
            let expected = m.expectedCrimes.map { "\(Format.grouped($0))\(m.plannedFrom.map { $0 != m.month ? " (counts of \($0))" : "" } ?? "")" }
                ?? "unknown (no counts: the area, split on 503)"
            out += "\(m.month)  \(String(m.requests).padding(toLength: 8, withPad: " ", startingAt: 0))  \(expected)  \(Format.decimal(Double(m.requests) / 15, places: 1)) s\n"
        }
        out += "total: \(total) request(s), at least \(Format.decimal(Double(max(0, total - 30)) / 15, places: 1)) s after a burst of 30\n"
        return out
    }

    /// One (force, month) stored, as the summary and an error's notes say it.
    static func storedLine(force: String, month: Month, crimes: Int) -> String {
        "\(month) \(force): stored \(Format.grouped(crimes)) crimes"
    }

    static func summaryText(_ s: HarvestSummary) -> String {
        let c = s.counters
        var out = ""
        for m in s.months where m.skipped != nil { out += "\(m.month): skipped: \(m.skipped!)\n" }
        for (force, month) in s.keptFromArchive {
            let why = force == Force.btp ? "its month is the whole country's; an area holds only part of it"
                : "an area holds only part of a force's month; --force \(force) --refresh replaces it with the force's whole area"
            out += "\(month) \(force): kept the archive's data (\(why))\n"
        }
        for p in s.stored { out += storedLine(force: p.force, month: p.month, crimes: p.crimes) + "\n" }
        for p in s.storedOutcomes { out += "\(p.month) \(p.force): stored \(Format.grouped(p.outcomes)) outcome events\n" }
        // Received counts a crime on a shared tile edge once per answer; stored counts it once.
        // A resumed run stores what an earlier run received too: say so, or stored exceeds received unexplained.
        let earlier = s.fromJournal.requests == 0 ? ""
            : " (and \(s.fromJournal.requests) request(s) with \(Format.grouped(s.fromJournal.crimes)) crimes an earlier run received, from the journal)"
        out += "harvest: \(c.done) request(s), \(Format.grouped(c.crimes)) crimes received inside the area\(earlier), \(Format.grouped(s.stored.reduce(0) { $0 + $1.crimes })) stored, \(c.rateLimited) answered 429, \(c.splits) split after 503, \(c.retries) retried; \(s.stored.count) force-month(s) stored in \(String(format: "%.1f", s.seconds)) s\n"
        return out
    }
}

/// The answer of async work run from a synchronous command (the root command is synchronous).
private final class AsyncAnswer<T: Sendable>: @unchecked Sendable {
    var result: Result<T, Error>?
}

/// Runs async work from a synchronous command and waits for it.
func waitFor<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let answer = AsyncAnswer<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { answer.result = Result<T, Error>.success(try await body()) } catch { answer.result = Result<T, Error>.failure(error) }
        done.signal()
    }
    done.wait()
    return try answer.result!.get()
}

import Foundation
import Testing
@testable import GeoQuery
@testable import GeoQueryHarvest

/// `geoquery serve --api-limits` over the real mirror, in its own process, with its one-line-per-request
/// log read as the lines come (each stamped on arrival).
/// The server stops when the test lets go of it (`deinit`), so the log reader must not hold it.
final class ServedMirror: @unchecked Sendable {
    let process = Process()
    private final class Lines: @unchecked Sendable {
        let lock = NSLock()
        var stored: [(Date, String)] = []
        func append(_ line: String) { lock.lock(); stored.append((Date(), line)); lock.unlock() }
        var all: [(Date, String)] { lock.lock(); defer { lock.unlock() }; return stored }
    }
    private let lines = Lines()
    private(set) var api = ""

    /// - Parameter extra: more `serve` arguments (`--limit N`: a smaller crime cap than the live 10,000).
    init(mirror: String, _ extra: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: TestData.binary)
        process.arguments = ["serve", "--mirror", mirror, "--port", "0", "--api-limits"] + extra
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let handle = out.fileHandleForReading
        Thread.detachNewThread { [lines] in
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { return }
                pending.append(chunk)
                while let nl = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<nl], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...nl)
                    lines.append(line)
                }
            }
        }
        let deadline = Date().addingTimeInterval(120 * Sanitizer.slowdown)
        while Date() < deadline {
            if let first = log.first(where: { $0.1.contains("serving") })?.1, let r = first.range(of: "http://") {
                api = String(first[r.lowerBound...]).trimmingCharacters(in: .whitespaces) + "api/"
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.terminate()
        throw GeoQueryError.unreadableInput("geoquery serve did not say where it listens within 120 s")
    }

    var log: [(Date, String)] { lines.all }

    /// Arrival times of the API requests logged between two instants.
    func requests(from: Date, to: Date) -> [Date] {
        log.filter { $0.0 >= from && $0.0 <= to && $0.1.contains(" /api/") }.map(\.0)
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
    }
}

/// The issue's "Done when", end to end: the built `geoquery harvest` against `geoquery serve
/// --api-limits` over the real mirror, into empty mirrors, checked against the source.
@Suite(.serialized) struct HarvestServeTests {
    static let months = [Month("2019-01")!, Month("2019-02")!]

    static func expectSame(_ folder: String, _ area: Polygon, months: [Month], force: String) throws {
        let harvested = try CrimeMirror.open(.directory(folder))
        let q = CrimeQuery.polygon(area, from: months.first, to: months.last)
        let a = try harvested.query(q), b = try TestData.realMirror.query(q)
        #expect(a.total == b.total && a.total > 0, "total \(a.total) harvested, \(b.total) at the source")
        #expect(a.byCategory == b.byCategory)
        #expect(a.byMonth == b.byMonth)
        #expect(a.byOutcome == b.byOutcome)
        // The force's crimes with no location came too.
        let noLocation = CrimeQuery.polygon(area, from: months.first, to: months.last, forces: [force])
        #expect(try harvested.query(noLocation).noLocation == TestData.realMirror.query(noLocation).noLocation)
    }

    /// Totals, categories and months of `area` equal in a harvested folder and its source mirror.
    static func expectSameAs(_ source: CrimeMirror, _ folder: String, _ area: Polygon, months: [Month]) throws {
        let q = CrimeQuery.polygon(area, from: months.first, to: months.last)
        let a = try CrimeMirror.open(.directory(folder)).query(q), b = try source.query(q)
        #expect(a.total == b.total && a.total > 0, "total \(a.total) harvested, \(b.total) at the source")
        #expect(a.byCategory == b.byCategory && a.byMonth == b.byMonth)
    }

    static func harvest(_ mirror: String, _ api: String, _ extra: [String]) throws -> CLIRun {
        try CLIRun.run(["harvest", "--mirror", mirror, "--api", api] + extra)
    }

    /// Starts a harvest process and returns it with its pipes drained in the background.
    static func start(_ arguments: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestData.binary)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// 429s are not asked for here: one harvester keeps to the server's own 15/s, and the rate
    /// check below needs its requests alone at the server. ``twoHarvestsAtOnceAreAnswered429AndWaitAsTold``
    /// harvests the same force and months with a second harvester alongside, gets 429s, and
    /// checks the same exactness.
    @Test func wholeForceHarvestEqualsTheSourceResumesAndRepeatsNothing() throws {
        // The server answers 503 above 1,000 crimes, as the harvest's --limit says the API does:
        // Leicestershire's month is ~10 times that, so the empty mirror's first request (the
        // whole force) is split, and its parts again, into dozens of requests.
        let served = try ServedMirror(mirror: TestData.realMirrorPath, ["--limit", "1000"])
        let leicestershire = ForceAreas.builtIn.polygon(of: "leicestershire")!
        let args = ["--force", "leicestershire", "--from", "2019-01", "--to", "2019-02", "--limit", "1000"]

        // Into an empty mirror: the first month from the whole area, split on 503; the second
        // planned from the first month's counts at 1,000 crimes a request.
        let a = TestData.temporaryDirectory("harvest-a")
        let started = Date()
        let run = try Self.harvest(a, served.api, args)
        let ended = Date()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stdout.contains(" 0 split after 503"), "\(run.stdout)")
        #expect(served.log.contains { $0.1.contains("/api/crimes-street/all-crime 503") }, "no 503: \(served.log.map(\.1).prefix(5))")
        try Self.expectSame(a, leicestershire, months: Self.months, force: "leicestershire")
        let sent = served.requests(from: started, to: ended)
        #expect(sent.count > 30, "\(sent.count) requests: more than a burst of 30 is needed for the rate check to bite")

        // The rate measured where the requests arrive: at most 30 + 15·t in any span of t seconds
        // (one more allowed for the log's own timing).
        for i in sent.indices {
            for j in sent.indices where j > i && Double(j - i + 1) > 31 + 15 * sent[j].timeIntervalSince(sent[i]) {
                Issue.record("\(j - i + 1) requests within \(sent[j].timeIntervalSince(sent[i])) s")
                return
            }
        }

        // Repeating the finished harvest sends nothing and leaves the snapshot as it was.
        let snapshot = try Data(contentsOf: URL(fileURLWithPath: a + "/" + SnapshotFormat.fileName))
        let before = served.log.count
        let again = try Self.harvest(a, served.api, args)
        #expect(again.status == 0 && again.stdout.contains("harvest: 0 request(s)"), "\(again.stdout)\(again.stderr)")
        // At most the month list, asked because the answers said the source lacked a neighbouring
        // force (a finished month is fetched again once the source lists it); no crime request.
        #expect(served.log.dropFirst(before).allSatisfy { $0.1.contains("/api/crimes-street-dates") }, "\(served.log.dropFirst(before).map(\.1))")
        #expect(try Data(contentsOf: URL(fileURLWithPath: a + "/" + SnapshotFormat.fileName)) == snapshot)

        // Killed (SIGKILL) part-way through the second month, then run again: the same mirror.
        let b = TestData.temporaryDirectory("harvest-b")
        let p = try Self.start(["harvest", "--mirror", b, "--api", served.api, "--concurrency", "1"] + args)
        let journal = b + "/harvest/journal.jsonl"
        var killedPartWay = false
        let deadline = Date().addingTimeInterval(300 * Sanitizer.slowdown)
        while p.isRunning && Date() < deadline {
            let text = (try? String(contentsOfFile: journal, encoding: .utf8)) ?? ""
            if text.components(separatedBy: "\"t\":\"done\"").count - 1 >= 4 && text.contains("\"month\":\"2019-02\"") {
                kill(p.processIdentifier, SIGKILL)
                killedPartWay = true
                break
            }
            Thread.sleep(forTimeInterval: 0.002)
        }
        p.waitUntilExit()
        #expect(killedPartWay, "the harvest finished before it could be killed")
        let resumed = try Self.harvest(b, served.api, args)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        // Its summary says what it took from the killed run's journal (else "stored" exceeds "received" unexplained).
        #expect(resumed.stdout.contains("crimes an earlier run received, from the journal)"), "\(resumed.stdout)")
        try Self.expectSame(b, leicestershire, months: Self.months, force: "leicestershire")
        let journalled = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n")
        #expect(journalled.filter { $0.contains("\"t\":\"stored\"") }.count == 2)

        // A month the server does not hold: one line naming it and what the API lists, exit 1,
        // no crime asked for, nothing written (it would otherwise be stored as a month of none).
        let c = TestData.temporaryDirectory("harvest-unheld")
        let asked = served.log.count
        let unheld = try Self.harvest(c, served.api, ["--force", "leicestershire", "--date", "2030-01"])
        #expect(unheld.status == 1 && unheld.stderr.split(separator: "\n").count == 1, "\(unheld.stderr)")
        #expect(unheld.stderr.contains("holds no data for 2030-01 (it lists 2018-10.."), "\(unheld.stderr)")
        #expect(!served.log.dropFirst(asked).contains { $0.1.contains("/api/crimes-street/") || $0.1.contains("/api/crimes-no-location") })
        #expect(try FileManager.default.contentsOfDirectory(atPath: c).isEmpty)
    }

    @Test func aForceOverTheCapIsSplitOn503() throws {
        // Kent's 17,686 crimes of 2019-01 are more than one answer holds: the whole area gets 503
        // and is split into quadrants (its boundary is long enough to go as POST).
        let served = try ServedMirror(mirror: TestData.realMirrorPath)
        let dir = TestData.temporaryDirectory("harvest-kent")
        let run = try Self.harvest(dir, served.api, ["--force", "kent", "--date", "2019-01"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stdout.contains(" 0 split after 503"), "\(run.stdout)")
        #expect(served.log.contains { $0.1.hasPrefix("POST /api/crimes-street/all-crime 503") }, "\(served.log.map(\.1).prefix(5))")
        try Self.expectSame(dir, ForceAreas.builtIn.polygon(of: "kent")!, months: [Month("2019-01")!], force: "kent")
        // info says the month came from the API for the force's own area (it said "for an area
        // only ..., not the whole force"); status names the months the API has after it and the
        // harvest that would fetch them.
        let info = try CLIRun.run(["info", "--mirror", dir])
        #expect(info.stdout.contains("kent 2019-01: ") && info.stdout.contains("for the force's own area (--force kent): the crimes it placed outside that area are not held"), "\(info.stdout)")
        // Every answer over the harvested month says Kent's month covers the harvested area only:
        // the table, JSON notes, reports in each format and batch lines.
        let note = "kent 2019-01 came from the API for an area only (--force kent)"
        let place = ["--lat", "51.2795", "--lng", "1.0830", "--radius", "1mi"]
        let table = try CLIRun.run(["--mirror", dir] + place)
        #expect(table.status == 0 && table.stdout.contains(note), "\(table.stdout)")
        let json = try CLIRun.run(["query", "--mirror", dir, "--format", "json"] + place)
        let notes = (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["notes"] as? [String] ?? []
        #expect(notes.contains { $0.hasPrefix(note) }, "\(notes)")
        for format in ["table", "json", "markdown", "html"] {
            let report = try CLIRun.run(["report", "--mirror", dir, "--format", format] + place)
            #expect(report.status == 0 && report.stdout.contains(format == "html" ? note.replacingOccurrences(of: "--", with: "&#45;&#45;") : note)
                    || report.stdout.contains(note), "report --format \(format): \(report.stdout.prefix(400))")
        }
        let batch = try CLIRun.run(["batch", "--mirror", dir], stdin: "{\"lat\":51.2795,\"lng\":1.0830,\"radius\":\"1mi\"}\n")
        #expect(batch.status == 0 && batch.stdout.contains(note), "\(batch.stdout.prefix(400))")
        // Outside the harvested months (and on the source mirror) no such note.
        #expect(try !TestData.realMirror.query(.radius(lat: 51.2795, lng: 1.0830, try Distance(parsing: "1mi"))).notes.contains { $0.contains("came from the API") })
        let newest = TestData.realMirror.lastMonth!
        let status = try CLIRun.run(["status", "--mirror", dir, "--api", served.api])
        #expect(status.status == 0, "\(status.stderr)")
        // The source holds Kent for 2019-01 only, and says so per month (crimes-street-dates'
        // `forces`): no newer month for Kent; BTP, held there to 2019-02, has one.
        #expect(status.stdout.contains("newest \(newest)") && !status.stdout.contains("kent: newest here"), "\(status.stdout)")
        // ...and Kent is named as up to date, so every force held is accounted for.
        #expect(status.stdout.contains("Up to date with the API: kent (newest 2019-01)\n"), "\(status.stdout)")
        #expect(status.stdout.contains("btp: newest here 2019-01, 1 newer month(s) listed there\n  geoquery harvest --mirror \(dir) --api \(served.api) --force kent --date 2019-02\n"), "\(status.stdout)")
        #expect(!status.stdout.contains("The API lists its months for all forces together"), "\(status.stdout)")
    }

    /// A kilometre around Barking in 2019-01: the archive never holds the Metropolitan Police, but
    /// a few of Durham's rows put crimes there. The harvest stored them as the Met's month (three
    /// crimes, claimed as the whole month). Now the source's answers say the Met is missing, no
    /// force of the area it holds could have recorded them, and they are left out and counted
    /// (by brute force over the rows); BTP's are kept. A month the source holds for neither the
    /// Met nor BTP is refused before any request. Belfast, in no force area the harvest knows:
    /// every crime is left out, and said so (it was silent). A mile around Bank in 2020-06 is two
    /// thirds the Met's: the City's crimes that the generalised boundaries place in the Met's area
    /// are stored under the City, so the harvested circle equals the source's.
    @Test func aForceTheSourceSaysItLacksIsNotStored() throws {
        let served = try ServedMirror(mirror: TestData.realMirrorPath)
        let barking = TestData.temporaryDirectory("harvest-partial")
        let run = try Self.harvest(barking, served.api, ["--lat", "51.5556", "--lng", "0.1656", "--radius", "1km", "--date", "2019-01"])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = RadiusQueryTests.bruteForce(lat: 51.5556, lng: 0.1656, metres: 1000, from: "2019-01", to: "2019-01", categories: [], forces: [], excludeBTP: false)
        #expect(rows.total > rows.btp && !rows.forces.contains("metropolitan"), "\(rows)")
        #expect(run.stderr.contains("says it holds no data for metropolitan in 2019-01 (its X-GeoQuery-Coverage header): nothing was stored for it\n"), "\(run.stderr)")
        #expect(run.stderr.contains("\(rows.total - rows.btp) crime(s) of 2019-01 inside the area were left out: no force of the area the API holds for 2019-01 could have recorded them"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: barking + "/mirror.geoquery") || !((try? CrimeMirror.open(.directory(barking)).forces.contains("metropolitan")) ?? true))
        let unheld = try Self.harvest(TestData.temporaryDirectory("harvest-unheld-met"), served.api, ["--lat", "51.5556", "--lng", "0.1656", "--radius", "1km", "--date", "2020-06"])
        #expect(unheld.status == 1 && unheld.stderr.contains("holds no data for 2020-06 for metropolitan, btp"), "\(unheld.stderr)")

        let belfast = try PolygonReader.poly("54.58,-5.95:54.61,-5.95:54.61,-5.91:54.58,-5.91")
        let inBelfast = TestData.referenceRows.filter { $0.month == "2019-01" && $0.lat != nil && ReferencePolygon.contains(belfast, lat: $0.lat!, lng: $0.lng!) }.count
        let ni = try Self.harvest(TestData.temporaryDirectory("harvest-belfast"), served.api, ["--poly", "54.58,-5.95:54.61,-5.95:54.61,-5.91:54.58,-5.91", "--date", "2019-01"])
        #expect(ni.status == 0 && inBelfast > 100, "\(ni.stderr)")
        #expect(ni.stderr.contains("\(Format.grouped(inBelfast)) crime(s) of 2019-01 inside the area were left out: they lie in no force area the harvest can store them under"), "\(inBelfast) by brute force: \(ni.stderr)")

        let bank = TestData.temporaryDirectory("harvest-bank")
        let circle = ["--lat", "51.5155", "--lng", "-0.0922", "--radius", "1mi", "--date", "2020-06"]
        let second = try Self.harvest(bank, served.api, circle)
        #expect(second.status == 0 && second.stderr.contains("crimes its answers place in its area are stored under city-of-london"), "\(second.stderr)")
        let q = CrimeQuery.radius(lat: 51.5155, lng: -0.0922, Distance(metres: 1609.344), from: Month("2020-06"), to: Month("2020-06"))
        let harvested = try CrimeMirror.open(.directory(bank))
        #expect(!harvested.forces.contains("metropolitan"))
        let a = try harvested.query(q), b = try TestData.realMirror.query(q)
        #expect(a.total == b.total && a.total > 200 && a.byCategory == b.byCategory, "\(a.total) harvested, \(b.total) at the source")

        #expect(APIClient.missingForces("partial; missing=metropolitan:2019-01,btp:2019-02,durham:2019-01", month: "2019-01") == ["metropolitan", "durham"])
        #expect(APIClient.missingForces("complete", month: "2019-01").isEmpty && APIClient.missingForces(nil, month: "2019-01").isEmpty)
    }

    /// Two force harvests of one month into one mirror: the second (the City) fetches no
    /// Leicestershire crime, so Leicestershire's month keeps its own harvest's provenance, and
    /// `status` offers the force's own harvest to update it (it offered the City's).
    @Test func aSecondAreaLeavesTheFirstForcesProvenance() throws {
        let served = try ServedMirror(mirror: TestData.realMirrorPath)
        let dir = TestData.temporaryDirectory("harvest-two-forces")
        for force in ["leicestershire", "city-of-london"] {
            let run = try Self.harvest(dir, served.api, ["--force", force, "--date", "2019-02"])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let info = try CLIRun.run(["info", "--mirror", dir])
        // BTP's month holds both harvests' BTP crimes, so it names both areas; Leicestershire's its own.
        let line = { (force: String) in info.stdout.split(separator: "\n").first { $0.hasPrefix("  \(force) 2019-02: ") }.map(String.init) ?? "" }
        #expect(line("leicestershire").hasSuffix("for the force's own area (--force leicestershire): the crimes it placed outside that area are not held"), "\(info.stdout)")
        #expect(line("btp").hasSuffix("for an area only (--force city-of-london; --force leicestershire), not the whole force"), "\(info.stdout)")
        let status = try CLIRun.run(["status", "--mirror", dir, "--api", served.api])
        #expect(status.status == 0, "\(status.stderr)")
        // Each force's own newer months at the source: Leicestershire's from 2019-12, the City's 2020.
        #expect(status.stdout.contains("leicestershire: newest here 2019-02, 35 newer month(s) listed there\n  geoquery harvest --mirror \(dir) --api \(served.api) --force leicestershire --from 2019-12 --to 2022-10\n"), "\(status.stdout)")
        #expect(status.stdout.contains("city-of-london: newest here 2019-02, 12 newer month(s) listed there\n  geoquery harvest --mirror \(dir) --api \(served.api) --force city-of-london --from 2020-01 --to 2020-12\n"), "\(status.stdout)")
        #expect(!status.stdout.contains("btp: newest here"), "\(status.stdout)")
        // A harvest without dates asks only for the months the source lists for the area's
        // forces (it asked for all 41, and journalled the 24 without the City as harvested).
        let plan = try Self.harvest(TestData.temporaryDirectory("harvest-city-months"), served.api, ["--force", "city-of-london", "--dry-run"])
        let planned = plan.stdout.split(separator: "\n").compactMap { Month(String($0.prefix(7))) }
        let sourceMonths = (TestData.realMirror.firstMonth!...TestData.realMirror.lastMonth!).months.filter { TestData.realMirror.holds(force: "city-of-london", month: $0) }
        #expect(planned == sourceMonths && planned.count == 17, "\(planned)")
    }

    /// status offers one harvest per run of months the source holds for the force (a range over
    /// the City's 2019-03..2019-12, which the source lacks, would be refused), and for BTP, which
    /// has no force area, a sentence instead of a `--force btp` that always fails.
    @Test func statusOffersHarvestsThatRun() throws {
        let served = try ServedMirror(mirror: TestData.realMirrorPath)
        let dir = TestData.temporaryDirectory("status-runs")
        let archive = TestData.shared.appendingPathComponent("crime-archive/2019-01").path
        let ingest = try CLIRun.run(["ingest", "--mirror", dir, archive + "/2019-01-city-of-london-street.csv", archive + "/2019-01-btp-street.csv"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let status = try CLIRun.run(["status", "--mirror", dir, "--api", served.api])
        #expect(status.status == 0, "\(status.stderr)")
        let harvest = "geoquery harvest --mirror \(dir) --api \(served.api) --force city-of-london"
        #expect(status.stdout.contains("city-of-london: newest here 2019-01, 13 newer month(s) listed there\n  \(harvest) --date 2019-02\n  \(harvest) --from 2020-01 --to 2020-12\n"), "\(status.stdout)")
        #expect(status.stdout.contains("btp: newest here 2019-01, 1 newer month(s) listed there\n  btp has no force area to harvest with --force"), "\(status.stdout)")
        // Each offered command runs (the range over the whole gap is refused), and then the
        // mirror is up to date for the City.
        let whole = try Self.harvest(dir, served.api, ["--force", "city-of-london", "--from", "2019-02", "--to", "2020-12"])
        #expect(whole.status == 1 && whole.stderr.contains("holds no data for 2019-03..2019-12 for city-of-london"), "\(whole.stderr)")
        for range in [["--date", "2019-02"], ["--from", "2020-01", "--to", "2020-12"]] {
            let run = try Self.harvest(dir, served.api, ["--force", "city-of-london"] + range)
            #expect(run.status == 0, "\(range): \(run.stderr)")
        }
        let after = try CLIRun.run(["status", "--mirror", dir, "--api", served.api])
        #expect(!after.stdout.contains("city-of-london: newest here"), "\(after.stdout)")
    }

    /// A harvest of a polygon is offered again by status as a command that runs from any folder:
    /// a poly read from a file relative to where the harvest ran is named by its absolute path,
    /// and a mirror folder with a space is quoted. A polygon given inline too long to repeat is
    /// named in a sentence, not in a command that cannot run.
    @Test func statusOffersAPolygonHarvestAsACommandThatRuns() throws {
        let served = try ServedMirror(mirror: TestData.realMirrorPath)
        let work = TestData.temporaryDirectory("status-poly")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try "52.630,-1.140:52.640,-1.140:52.640,-1.125:52.630,-1.125".write(toFile: work + "/area.txt", atomically: true, encoding: .utf8)
        let dir = work + "/my mirror"
        let first = try CLIRun.run(["harvest", "--mirror", dir, "--api", served.api, "--poly", "@area.txt", "--date", "2019-01"], in: work)
        #expect(first.status == 0, "\(first.stderr)")
        let status = try CLIRun.run(["status", "--mirror", dir, "--api", served.api])
        let command = "geoquery harvest --mirror '\(dir)' --api \(served.api) --poly @\(work)/area.txt --date 2019-02"
        #expect(status.stdout.contains("leicestershire: newest here 2019-01, 36 newer month(s) listed there\n  \(command)\n"), "\(status.stdout)")
        // Run as offered, by a shell in another folder.
        let shell = try CLIRun.run(["-c", command.replacingOccurrences(of: "geoquery ", with: "\(TestData.binary) ", options: .anchored)], in: "/", shell: true)
        #expect(shell.status == 0, "\(shell.stderr)")
        let after = try CLIRun.run(["status", "--mirror", dir, "--api", served.api])
        #expect(after.stdout.contains("leicestershire: newest here 2019-02, 35 newer month(s) listed there\n"), "\(after.stdout)")

        // 60 vertices around Leicester's centre, given inline: over 400 characters.
        let ring = (0..<60).map { k -> String in
            let a = Double(k) * 2 * .pi / 60
            return "\(Format.decimal(52.6344 + 0.004 * cos(a), places: 7)),\(Format.decimal(-1.1313 + 0.0065 * sin(a), places: 7))"
        }.joined(separator: ":")
        let inline = work + "/inline"
        let long = try CLIRun.run(["harvest", "--mirror", inline, "--api", served.api, "--poly", ring, "--date", "2019-01"])
        #expect(long.status == 0, "\(long.stderr)")
        let offered = try CLIRun.run(["status", "--mirror", inline, "--api", served.api])
        #expect(offered.stdout.contains("leicestershire: newest here 2019-01, 36 newer month(s) listed there\n  leicestershire was harvested for a polygon given inline (--poly (60 vertices)), too long to repeat here: run geoquery harvest --mirror \(inline) --api \(served.api) with the same polygon and --date 2019-02, then --from 2019-12 --to 2022-10\n"), "\(offered.stdout)")
        #expect(!offered.stdout.contains("geoquery harvest --mirror \(inline) --api \(served.api) --poly"), "\(offered.stdout)")
    }

    @Test func twoHarvestsAtOnceAreAnswered429AndWaitAsTold() throws {
        // Two harvests from one address share the server's 15/s: each keeps its own bucket, so
        // together they go over, get 429 with Retry-After, wait, and still end exact.
        let served = try ServedMirror(mirror: TestData.realMirrorPath)
        let leicestershire = ForceAreas.builtIn.polygon(of: "leicestershire")!
        let dirs = [TestData.temporaryDirectory("harvest-c"), TestData.temporaryDirectory("harvest-d")]
        let outputs = dirs.map { $0 + ".out" }
        let processes = try zip(dirs, outputs).map { dir, out -> Process in
            _ = FileManager.default.createFile(atPath: out, contents: nil)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: TestData.binary)
            p.arguments = ["harvest", "--mirror", dir, "--api", served.api, "--force", "leicestershire", "--from", "2019-01", "--to", "2019-02", "--limit", "200"]
            p.standardOutput = FileHandle(forWritingAtPath: out)
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        for p in processes { p.waitUntilExit(); #expect(p.terminationStatus == 0) }
        // Under a sanitizer the harvesters cannot send 15 requests a second between them, so the
        // server has no reason to answer 429; what is checked then is that both still end exact.
        if !Sanitizer.active {
            #expect(served.log.contains { $0.1.contains(" 429 ") }, "the server never answered 429")
            let summaries = try outputs.map { try String(contentsOfFile: $0, encoding: .utf8) }
            #expect(summaries.contains { !$0.contains(" 0 answered 429") }, "\(summaries)")
        }
        for dir in dirs { try Self.expectSame(dir, leicestershire, months: Self.months, force: "leicestershire") }
    }

    /// One map point holding more crimes than the server's cap: splitting ends at a cell around
    /// that point alone, which the harvester asks for with crimes-at-location instead of failing.
    @Test func aMapPointOverTheCapIsFetchedWithCrimesAtLocation() throws {
        // The busiest map point near Leicester's centre in 2019-01, found in the source mirror.
        let month = Month("2019-01")!
        let near = try TestData.realMirror.crimes(.radius(lat: 52.6344, lng: -1.1313, try Distance(parsing: "300m"), from: month, to: month))
        var byPoint: [[Int32]: Int] = [:]
        for c in near where c.located { byPoint[[c.mapPoint.latE6, c.mapPoint.lngE6], default: 0] += 1 }
        let (busiest, most) = try #require(byPoint.max { $0.value < $1.value })
        try #require(most >= 3, "no map point with several crimes")
        let p = busiest.map { MicroDegrees.degrees($0) }
        // A small square around it, and a server cap one below its crimes.
        let d = 0.0015
        let square = Polygon(parts: [[[.init(lat: p[0] - d, lng: p[1] - d), .init(lat: p[0] - d, lng: p[1] + d),
                                       .init(lat: p[0] + d, lng: p[1] + d), .init(lat: p[0] + d, lng: p[1] - d)]]])
        let poly = square.parts[0][0].map { "\($0.lat),\($0.lng)" }.joined(separator: ":")
        let served = try ServedMirror(mirror: TestData.realMirrorPath, ["--limit", "\(most - 1)"])
        let dir = TestData.temporaryDirectory("harvest-point")
        let run = try Self.harvest(dir, served.api, ["--poly", poly, "--date", "2019-01"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(served.log.contains { $0.1.contains("/api/crimes-street/all-crime 503") }, "no 503: \(served.log.map(\.1).prefix(5))")
        #expect(served.log.contains { $0.1.hasPrefix("GET /api/crimes-at-location 200") }, "\(served.log.map(\.1).suffix(5))")
        try Self.expectSame(dir, square, months: [month], force: "leicestershire")
        // The busy point's crimes are all there.
        let q = CrimeQuery.radius(lat: p[0], lng: p[1], Distance(metres: 1), from: month, to: month)
        #expect(try CrimeMirror.open(.directory(dir)).query(q).total == most)
    }

    /// `--outcomes`: the City of London's outcome events of two months (the outcomes CSVs in
    /// ../shared/data/outcomes), harvested from `geoquery serve --api-limits` over a mirror of
    /// the City's street and outcomes files, equal the CSVs' events for the City's located crimes,
    /// crime by crime; tiles planned at --limit 150 make crimes on shared edges come back twice.
    @Test func outcomesAreHarvestedEventForEvent() throws {
        let served = try ServedMirror(mirror: OutcomeData.mirrorPath)
        let city = try #require(ForceAreas.builtIn.polygon(of: "city-of-london"))
        let dir = TestData.temporaryDirectory("harvest-outcomes")
        let run = try Self.harvest(dir, served.api, ["--force", "city-of-london", "--from", "2019-01", "--to", "2019-02", "--limit", "150", "--outcomes"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("outcome events"), "\(run.stdout)")
        #expect(served.log.contains { $0.1.hasPrefix("GET /api/outcomes-at-location 200") || $0.1.hasPrefix("POST /api/outcomes-at-location 200") })
        let harvested = try CrimeMirror.open(.directory(dir))
        let membership = try AreaMembership(.polygon(city))
        var total = 0
        for month in ["2019-01", "2019-02"] {
            // Independently: the CSVs' events of the month whose crime's CSV point is inside the area.
            let expected = OutcomeData.outcomes(in: month) { lat, lng in
                membership.contains(latE6: Int32((lat * 1e6).rounded()), lngE6: Int32((lng * 1e6).rounded()))
            }
            #expect(expected.count > 50, "\(month): \(expected.count)")
            var got: [String] = []
            for id in Set(expected.map { String($0.prefix(64)) }) {
                for o in try harvested.outcomeHistory(persistentID: id) where o.month.description == month { got.append("\(id) \(o.name)") }
            }
            #expect(got.sorted() == expected, "\(month): \(got.count) harvested, \(expected.count) in the CSVs")
            total += expected.count
        }
        // No more than that: every event the harvested mirror holds is one of them.
        #expect(harvested.snapshot.meta.outcomeEvents == total)
        // The crimes came too, as without --outcomes.
        try Self.expectSameAs(OutcomeData.mirror, dir, city, months: Self.months)
    }
}

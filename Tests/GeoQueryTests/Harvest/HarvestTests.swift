import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import GeoQuery
@testable import GeoQueryHarvest

extension Dictionary where Key == String, Value == Int {
    func mapKeys(_ f: (String) -> String) -> [String: Int] { reduce(into: [:]) { $0[f($1.key), default: 0] += $1.value } }
}

/// The harvester's pieces on the real data, against `MirrorAPI` (the real mirror answering as the
/// API does, in-process): conversion, planning and splitting, exactness, resuming, politeness.
@Suite(.serialized) struct HarvestTests {
    static let leicestershire = ForceAreas.builtIn.polygon(of: "leicestershire")!
    static let months = [Month("2019-01")!, Month("2019-02")!]

    /// Crimes of the area by brute force over the archive's rows (reference point-in-polygon).
    static func reference(_ area: Polygon, months: [Month]) -> (total: Int, byCategory: [String: Int], byOutcome: [String: Int]) {
        let wanted = Set(months.map(\.description))
        var total = 0, byCategory: [String: Int] = [:], byOutcome: [String: Int] = [:]
        for r in TestData.referenceRows where wanted.contains(r.month) {
            guard let la = r.lat, let lo = r.lng, ReferencePolygon.contains(area, lat: la, lng: lo) else { continue }
            total += 1
            byCategory[r.category, default: 0] += 1
            byOutcome[r.outcome, default: 0] += 1
        }
        return (total, byCategory, byOutcome)
    }

    static func options(_ area: Polygon, label: String = "--force leicestershire", limit: Int = 1000) -> HarvestOptions {
        options(area: .polygon(area), label: label, limit: limit)
    }

    static func options(area: Area, label: String, limit: Int = 1000) -> HarvestOptions {
        var o = HarvestOptions(area: area, areaLabel: label)
        o.api = URL(string: "http://mirror-api.test/api/")!
        o.months = months
        o.limit = limit
        return o
    }

    /// data.police.uk lists its months for all forces together; status says so then, and not when
    /// the API names each month's forces (geoquery serve).
    @Test func statusSaysWhenTheAPIListsMonthsForAllForcesTogether() {
        let gap = Freshness.ForceGap(force: "kent", newestHere: Month("2019-01")!, missing: [Month("2019-02")!], commands: ["geoquery harvest --force kent --date 2019-02"])
        var f = Freshness(lastUpdated: "2019-03-01", newestThere: Month("2019-02"), monthsThere: 5, forces: [gap])
        #expect(f.text.contains("kent: newest here 2019-01, 1 newer month(s) listed there\n  geoquery harvest --force kent --date 2019-02\nThe API lists its months for all forces together"), "\(f.text)")
        f.monthsByForce = true
        #expect(!f.text.contains("The API lists"), "\(f.text)")
    }

    @Test func apiCrimesWrittenAsCSVReadBackEqual() throws {
        // A dense square of central Leicester: the API's JSON for it, written as street CSV rows,
        // ingested, and read back as crimes again.
        let square = try PolygonReader.poly("52.640,-1.145:52.640,-1.120:52.625,-1.120:52.625,-1.145")
        let source = try TestData.realMirror.crimes(.polygon(square, from: Month("2019-01"), to: Month("2019-01")))
        let api = try APICrime.decode(Data(source.policeJSON().utf8))
        #expect(api.count == source.count && api.count > 500)
        let dir = TestData.temporaryDirectory("csv")
        let file = dir + "/" + StreetCSVRows.fileName(force: "leicestershire", month: Month("2019-01")!)
        try StreetCSVRows.csv(api, force: "leicestershire").write(toFile: file, atomically: true, encoding: .utf8)
        _ = try Ingest.run(paths: [file], mirror: .directory(dir + "/m"))
        let back = try CrimeMirror.open(.directory(dir + "/m")).crimes(.polygon(square))
        func key(_ c: APICrime) -> String {
            "\(c.persistent_id ?? "")|\(c.category)|\(c.month)|\(c.location?.latitude ?? "")|\(c.location?.longitude ?? "")|\(c.location?.street.name ?? "")|\(c.outcome_status?.category ?? "")|\(c.context ?? "")"
        }
        let again = try APICrime.decode(Data(back.policeJSON().utf8))
        #expect(api.map(key).sorted() == again.map(key).sorted())
    }

    /// A month harvested while the source lacked BTP (its coverage header and its month's forces
    /// say so) is fetched again once the source lists BTP for it, and BTP's crimes of the area
    /// are then stored (by brute force over the rows); before, the month stayed "already
    /// harvested" for good.
    @Test func aMonthIsFetchedAgainOnceTheSourceListsAForceItLacked() async throws {
        let city = ForceAreas.builtIn.polygon(of: "city-of-london")!
        let api = MirrorAPI(mirror: TestData.realMirror)
        api.forcesListed = ["2019-01": ["city-of-london"]]
        api.coverage = "partial; missing=btp:2019-01"
        api.lacking = ["btp"]
        let dir = TestData.temporaryDirectory("harvest-later")
        var options = Self.options(city, label: "--force city-of-london")
        options.months = [Month("2019-01")!]
        let first = try await Harvester(options, mirror: .directory(dir), transport: api).run()
        #expect(first.stored.map(\.force) == ["city-of-london"], "\(first.stored)")
        let btpRows = TestData.referenceRows.filter { $0.force == "btp" && $0.month == "2019-01" && $0.lat != nil && ReferencePolygon.contains(city, lat: $0.lat!, lng: $0.lng!) }.count
        #expect(btpRows > 0)
        // Unchanged source: the month is finished.
        let again = try await Harvester(options, mirror: .directory(dir), transport: api).run()
        #expect(again.months.first?.skipped?.hasPrefix("already harvested") == true, "\(again.months)")
        // The source now has BTP for the month.
        api.forcesListed = ["2019-01": ["city-of-london", "btp"]]
        api.coverage = "complete"
        api.lacking = []
        let later = try await Harvester(options, mirror: .directory(dir), transport: api).run()
        #expect(later.months.first?.skipped == nil && later.stored.contains { $0.force == "btp" && $0.crimes == btpRows }, "\(later.stored)")
        let harvested = try CrimeMirror.open(.directory(dir))
        #expect(try harvested.query(.polygon(city, from: Month("2019-01"), to: Month("2019-01"), forces: ["btp"])).total == btpRows)
    }

    /// A month neither the area's force nor BTP is listed for, from an API that names each
    /// month's forces: the refusal gives each one's own months (it gave their union, as if
    /// Leicestershire were listed for BTP's months too).
    @Test func theRefusalOfAnUnlistedMonthGivesEachForcesOwnMonths() async throws {
        let api = MirrorAPI(mirror: TestData.realMirror)
        api.forcesListed = ["2018-12": ["btp"], "2019-01": ["leicestershire", "btp"], "2019-02": ["btp"], "2020-06": ["leicestershire"]]
        var options = Self.options(Self.box, label: "box")
        options.months = [Month("2021-06")!]
        do {
            _ = try await Harvester(options, mirror: .directory(TestData.temporaryDirectory("unlisted")), transport: api).run()
            Issue.record("harvested a month listed for neither force")
        } catch let e as GeoQueryError {
            #expect(e.description.contains("holds no data for 2021-06 for leicestershire, btp (it lists \(Month.runs([Month("2019-01")!, Month("2020-06")!])) for leicestershire; 2018-12..2019-02 for btp)"), "\(e.description)")
        }
    }

    @Test func wholeForceTwoMonthsEqualsTheSource() async throws {
        let api = MirrorAPI(mirror: TestData.realMirror, cap: 1000)
        api.serverErrors = 2
        let dir = TestData.temporaryDirectory("harvest")
        let harvester = try Harvester(Self.options(Self.leicestershire), mirror: .directory(dir), transport: api)
        let summary = try await harvester.run()
        let c = summary.counters
        #expect(c.splits >= 1, "an empty mirror starts from the whole area, over the cap of 1000")
        #expect(c.retries >= 2)
        #expect(summary.stored.contains { $0.force == "leicestershire" && $0.month == Month("2019-02")! })
        // The second month is planned from the first month's counts: the tile planner's tiles.
        #expect(summary.months.count == 2 && summary.months[1].plannedFrom == Month("2019-01")! && (summary.months[1].expectedCrimes ?? 0) > 0)
        // The harvested mirror answers the area's queries exactly as the source does.
        let harvested = try CrimeMirror.open(.directory(dir))
        let q = CrimeQuery.polygon(Self.leicestershire, from: Self.months[0], to: Self.months[1])
        let a = try harvested.query(q), b = try TestData.realMirror.query(q)
        let ref = Self.reference(Self.leicestershire, months: Self.months)
        #expect(a.total == b.total && a.total == ref.total)
        #expect(a.byCategory == b.byCategory)
        #expect(a.byMonth == b.byMonth)
        #expect(a.byOutcome == b.byOutcome)
        #expect(a.byOutcome.mapKeys { $0.isEmpty ? "none" : $0 } == ref.byOutcome)
        // Leicestershire's crimes with no location were fetched too.
        let noLocation = TestData.referenceRows.filter { $0.force == "leicestershire" && $0.lat == nil && Self.months.map(\.description).contains($0.month) }.count
        #expect(try harvested.query(.polygon(Self.leicestershire, from: Self.months[0], to: Self.months[1], forces: ["leicestershire"])).noLocation == noLocation)
        // Politeness, measured where the requests arrive: never more than 30 + 15·t in any span t.
        let times = api.arrivals.sorted()
        for i in times.indices {
            for j in times.indices where j > i {
                let allowed = 30 + 15 * times[j].timeIntervalSince(times[i]) + 1
                #expect(Double(j - i + 1) <= allowed, "requests \(i)...\(j) within \(times[j].timeIntervalSince(times[i])) s")
                if Double(j - i + 1) > allowed { return }
            }
        }
        // Repeating the finished harvest asks nothing and changes nothing.
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/mirror.geoquery"))
        let sent = api.answered.count
        let again = try await Harvester(Self.options(Self.leicestershire), mirror: .directory(dir), transport: api).run()
        #expect(api.answered.count == sent && again.counters.done == 0 && again.stored.isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/mirror.geoquery")) == before)
        // The provenance says which (force, month) came from the API, for which area.
        let lines = try HarvestProvenance.load(folder: dir).describe(mirror: harvested)
        #expect(lines.contains { $0.hasPrefix("leicestershire 2019-01:") && $0.contains("--force leicestershire") })
    }

    @Test func interruptedHarvestResumesToTheSameMirror() async throws {
        // One run dies part-way (the API starts answering 404); the same harvest run again
        // continues from the journal and ends with what an uninterrupted run stores.
        let area = try PolygonReader.poly("52.66,-1.19:52.66,-1.08:52.60,-1.08:52.60,-1.19")
        let dir = TestData.temporaryDirectory("resume")
        let dying = MirrorAPI(mirror: TestData.realMirror, cap: 1000)
        dying.failAfter = 7
        await #expect(throws: GeoQueryError.self) {
            _ = try await Harvester(Self.options(area, label: "box"), mirror: .directory(dir), transport: dying).run()
        }
        let healthy = MirrorAPI(mirror: TestData.realMirror, cap: 1000)
        let resumed = try await Harvester(Self.options(area, label: "box"), mirror: .directory(dir), transport: healthy).run()
        // Nothing journalled before the failure was asked again: only the requests in flight
        // when it came (at most the concurrency less the one that failed) are asked twice.
        // (Each run first asks crimes-street-dates whether the API holds the months: not a fetch.)
        func fetches(_ api: MirrorAPI) -> [String] { api.answered.filter { !$0.contains("crimes-street-dates") } }
        let askedTwice = Set(fetches(dying)).intersection(Set(fetches(healthy))).count
        #expect(askedTwice < 4)
        let whole = TestData.temporaryDirectory("whole")
        let fresh = MirrorAPI(mirror: TestData.realMirror, cap: 1000)
        let uninterrupted = try await Harvester(Self.options(area, label: "box"), mirror: .directory(whole), transport: fresh).run()
        // The resumed run's summary counts what it took from the journal apart from what it received:
        // together they are what one run received (so "stored" is explained).
        #expect(resumed.fromJournal.requests > 0)
        #expect(resumed.counters.done + resumed.fromJournal.requests == uninterrupted.counters.done)
        #expect(resumed.counters.crimes + resumed.fromJournal.crimes == uninterrupted.counters.crimes)
        #expect(fetches(dying).count + fetches(healthy).count - askedTwice == fetches(fresh).count)
        let q = CrimeQuery.polygon(area, from: Self.months[0], to: Self.months[1])
        let a = try CrimeMirror.open(.directory(dir)).query(q), b = try CrimeMirror.open(.directory(whole)).query(q)
        #expect(a.total == b.total && a.byCategory == b.byCategory && a.byMonth == b.byMonth)
        #expect(a.total == Self.reference(area, months: Self.months).total)
        #expect(resumed.counters.done > 0)
    }

    @Test func archiveMonthsAreNotReplacedByAPartialHarvest() async throws {
        let dir = TestData.temporaryDirectory("archive")
        _ = try Ingest.run(paths: [TestData.archive + "/2019-01/2019-01-leicestershire-street.csv"], mirror: .directory(dir))
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/mirror.geoquery"))
        var o = Self.options(Self.box, label: "box")
        o.months = [Month("2019-01")!]
        let api = MirrorAPI(mirror: TestData.realMirror)
        let s = try await Harvester(o, mirror: .directory(dir), transport: api).run()
        #expect(s.months.first?.skipped?.contains("from the archive") == true)
        #expect(api.answered.isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/mirror.geoquery")) == before)
    }

    /// `--refresh` does not make an area's harvest replace a month the archive gave the mirror:
    /// all the area's forces held so is skipped all the same, and BTP's archive month (the whole
    /// country's) keeps every crime when the area's other force is stored. Only `--force X
    /// --refresh` replaces X's archive month, with its whole area.
    @Test func refreshReplacesAnArchiveMonthOnlyForTheForcesWholeArea() async throws {
        let street = { (force: String) in TestData.archive + "/2019-01/2019-01-\(force)-street.csv" }
        let all = CrimeQuery.polygon(try PolygonReader.poly("49.8,-6.5:56,-6.5:56,2:49.8,2"), from: Month("2019-01"), to: Month("2019-01"))
        // Leicestershire's month from the archive, the box refreshed: skipped, nothing asked or written.
        let held = TestData.temporaryDirectory("refresh-archive")
        _ = try Ingest.run(paths: [street("leicestershire")], mirror: .directory(held))
        let before = try Data(contentsOf: URL(fileURLWithPath: held + "/mirror.geoquery"))
        var o = Self.options(Self.box, label: "box")
        o.months = [Month("2019-01")!]
        o.refresh = true
        let api = MirrorAPI(mirror: TestData.realMirror)
        let skipped = try await Harvester(o, mirror: .directory(held), transport: api).run()
        #expect(skipped.months.first?.skipped?.contains("holds only part of that force's month") == true, "\(skipped.months)")
        #expect(api.answered.isEmpty && skipped.stored.isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: held + "/mirror.geoquery")) == before)
        #expect(!FileManager.default.fileExists(atPath: held + "/harvest"), "a harvest that fetched nothing wrote its folder")

        // BTP's month from the archive, the box refreshed: Leicestershire's crimes in the box are
        // stored, BTP's national month is kept whole (it had been cut to the box's BTP crimes).
        let btp = TestData.temporaryDirectory("refresh-btp")
        _ = try Ingest.run(paths: [street("btp")], mirror: .directory(btp))
        let national = try CrimeMirror.open(.directory(btp)).query(all).total
        let boxQuery = CrimeQuery.polygon(Self.box, from: o.months![0], to: o.months![0])
        let inBox = try TestData.realMirror.query(CrimeQuery(area: boxQuery.area, from: boxQuery.from, to: boxQuery.to, forces: [Force.btp])).total
        #expect(inBox > 0 && inBox < national, "BTP: \(inBox) in the box, \(national) in all")
        let s = try await Harvester(o, mirror: .directory(btp), transport: MirrorAPI(mirror: TestData.realMirror)).run()
        #expect(s.stored.map(\.force) == ["leicestershire"] && s.keptFromArchive.map(\.force) == [Force.btp], "\(s.stored) \(s.keptFromArchive)")
        let after = try CrimeMirror.open(.directory(btp))
        #expect(try after.query(CrimeQuery(area: all.area, from: all.from, to: all.to, forces: [Force.btp])).total == national)
        #expect(try after.query(CrimeQuery(area: boxQuery.area, from: boxQuery.from, to: boxQuery.to, forces: ["leicestershire"])).total
                == TestData.realMirror.query(CrimeQuery(area: boxQuery.area, from: boxQuery.from, to: boxQuery.to, forces: ["leicestershire"])).total)

        // --force leicestershire --refresh --category burglary: one category of the month, so
        // skipped (it had replaced the whole month with its burglaries); without --category the
        // archive month is replaced by the force's whole area.
        var whole = Self.options(Self.leicestershire, limit: 10_000)
        whole.months = [Month("2019-01")!]
        whole.category = "burglary"
        whole.force = "leicestershire"
        whole.refresh = true
        let oneCategory = try await Harvester(whole, mirror: .directory(held), transport: MirrorAPI(mirror: TestData.realMirror)).run()
        #expect(oneCategory.months.first?.skipped?.contains("a --category harvest holds only burglary of it") == true, "\(oneCategory.months)")
        let unchanged = try Data(contentsOf: URL(fileURLWithPath: held + "/mirror.geoquery"))
        #expect(oneCategory.stored.isEmpty && unchanged == before)
        whole.category = "all-crime"
        let replaced = try await Harvester(whole, mirror: .directory(held), transport: MirrorAPI(mirror: TestData.realMirror)).run()
        // (BTP's crimes in the area too: this mirror held none of BTP's month.)
        #expect(replaced.stored.map(\.force) == [Force.btp, "leicestershire"] && replaced.keptFromArchive.isEmpty, "\(replaced.stored)")
        // Every crime in the area as the source holds it (other forces' at points inside it are
        // stored under the area's force, as README says).
        let month = CrimeQuery.polygon(Self.leicestershire, from: whole.months![0], to: whole.months![0])
        #expect(try CrimeMirror.open(.directory(held)).query(month).total == TestData.realMirror.query(month).total)
        let changed = try Data(contentsOf: URL(fileURLWithPath: held + "/mirror.geoquery"))
        #expect(changed != before)
    }

    /// A force's month harvested beside its neighbours' archive months: the crimes the neighbours
    /// recorded at map points inside the force's boundary come back with its area, and were
    /// stored under it as well, counted twice (a whole-country query of the mirror came to 32
    /// more than the archive's). Now they are left with the force that recorded them, and the
    /// mirror answers the area as the whole archive does, by category and by force.
    @Test func neighboursCrimesInTheAreaAreNotStoredTwice() async throws {
        let month = Month("2019-01")!
        let forces = ["leicestershire", "derbyshire", "nottinghamshire", "lincolnshire", "northamptonshire", "warwickshire"]
        let dir = TestData.temporaryDirectory("neighbours")
        _ = try Ingest.run(paths: forces.dropFirst().map { TestData.archive + "/2019-01/2019-01-\($0)-street.csv" }, mirror: .directory(dir))
        var o = Self.options(Self.leicestershire, limit: 10_000)
        o.months = [month]
        o.force = "leicestershire"
        let s = try await Harvester(o, mirror: .directory(dir), transport: MirrorAPI(mirror: TestData.realMirror)).run()
        #expect(s.stored.map(\.force).contains("leicestershire"), "\(s.stored)")
        // What the neighbours recorded inside the area, by the archive's rows.
        let inside = TestData.referenceRows.filter { r in
            r.month == "2019-01" && forces.dropFirst().contains(r.force) && r.lat != nil
                && ReferencePolygon.contains(Self.leicestershire, lat: r.lat!, lng: r.lng!)
        }
        #expect(inside.count > 10, "\(inside.count) neighbours' crimes inside")
        #expect(s.notes.contains { $0.hasPrefix("\(inside.count) crime(s) of 2019-01 the API placed in leicestershire's area were not stored under it") }, "\(s.notes)")
        let harvested = try CrimeMirror.open(.directory(dir))
        let area = CrimeQuery.polygon(Self.leicestershire, from: month, to: month)
        let (got, truth) = (try harvested.query(area), try TestData.realMirror.query(area))
        #expect(got.total == truth.total && got.byCategory == truth.byCategory, "\(got.total) vs \(truth.total)")
        for f in forces.dropFirst() {
            let one = CrimeQuery(area: area.area, from: month, to: month, forces: [f])
            #expect(try harvested.query(one).total == TestData.realMirror.query(one).total, "\(f)")
        }
    }

    /// West Midlands' area beside its neighbours' archive months (the archive has no West
    /// Midlands). An API that answers the area without saying it lacks the force: the crimes the
    /// neighbours hold are not stored under west-midlands. One that says so (geoquery serve's
    /// coverage header): the area's crimes are left out, and those the mirror already holds are
    /// said to be held, not counted as lost (the note said 79 left out, 65 of them held).
    @Test func crimesTheMirrorHoldsAreNeitherStoredAgainNorCountedAsLeftOut() async throws {
        let month = Month("2019-01")!
        let neighbours = ["staffordshire", "warwickshire", "west-mercia"]
        let area = ForceAreas.builtIn.polygon(of: "west-midlands")!
        var held: [String: Int] = [:]
        for r in TestData.referenceRows where r.month == "2019-01" && neighbours.contains(r.force) && r.lat != nil
            && ReferencePolygon.contains(area, lat: r.lat!, lng: r.lng!) { held[r.force, default: 0] += 1 }
        let all = held.values.reduce(0, +)
        #expect(all > 10, "\(held)")
        let listed = held.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        for coverage in [nil, "partial; missing=west-midlands:2019-01"] {
            let dir = TestData.temporaryDirectory("held-\(coverage == nil)")
            _ = try Ingest.run(paths: neighbours.map { TestData.archive + "/2019-01/2019-01-\($0)-street.csv" }, mirror: .directory(dir))
            var o = Self.options(area, label: "--force west-midlands", limit: 10_000)
            o.months = [month]
            o.force = "west-midlands"
            let api = MirrorAPI(mirror: TestData.realMirror)
            api.coverage = coverage
            let s = try await Harvester(o, mirror: .directory(dir), transport: api).run()
            let expected = coverage == nil
                ? { (n: String) in n.hasPrefix("\(all) crime(s) of 2019-01 the API placed in west-midlands's area were not stored under it: the mirror already holds them under the force that recorded them (\(listed))") }
                : { (n: String) in n.contains("inside the area were left out") && n.hasSuffix("(\(all) more the mirror already holds under the force that recorded them: \(listed))") }
            #expect(s.notes.contains(where: expected), "\(s.notes)")
            for f in neighbours {
                let q = CrimeQuery(area: .polygon(area), from: month, to: month, forces: [f])
                #expect(try CrimeMirror.open(.directory(dir)).query(q).total == TestData.realMirror.query(q).total, "\(f)")
            }
            let whole = CrimeQuery.polygon(area, from: month, to: month)
            let got = try CrimeMirror.open(.directory(dir)).query(whole).total, truth = try TestData.realMirror.query(whole).total
            #expect(coverage == nil ? got == truth : got < truth, "\(got) vs \(truth)")
        }
    }

    /// The other order: Leicestershire's month harvested first (Derbyshire's crimes in its area
    /// stored under it, nothing else holding them), Derbyshire's archive month ingested after.
    /// They are then counted twice, and `ingest` says so (`doubleCounted`), naming the harvest
    /// that mends it; after that harvest the area answers as the archive does.
    @Test func aNeighbourIngestedAfterAHarvestIsFoundCountedTwice() async throws {
        let month = Month("2019-01")!
        let dir = TestData.temporaryDirectory("ingested-after")
        var o = Self.options(Self.leicestershire, limit: 10_000)
        o.months = [month]
        o.force = "leicestershire"
        _ = try await Harvester(o, mirror: .directory(dir), transport: MirrorAPI(mirror: TestData.realMirror)).run()
        #expect(try Harvester.doubleCounted(in: CrimeMirror.open(.directory(dir)), folder: dir, months: [month]).isEmpty)
        _ = try Ingest.run(paths: [TestData.archive + "/2019-01/2019-01-derbyshire-street.csv"], mirror: .directory(dir))
        let inside = TestData.referenceRows.filter { r in
            r.month == "2019-01" && r.force == "derbyshire" && r.lat != nil && ReferencePolygon.contains(Self.leicestershire, lat: r.lat!, lng: r.lng!)
        }.count
        #expect(inside > 5)
        let area = CrimeQuery.polygon(Self.leicestershire, from: month, to: month)
        #expect(try CrimeMirror.open(.directory(dir)).query(area).total == TestData.realMirror.query(area).total + inside)
        let notes = try Harvester.doubleCounted(in: CrimeMirror.open(.directory(dir)), folder: dir, months: [month])
        #expect(notes == ["leicestershire's 2019-01 is a harvest by area (--force leicestershire) and holds \(inside) crime(s) the archive's data for 2019-01 holds under the force that recorded them (derbyshire \(inside)): they are counted twice until geoquery harvest --force leicestershire --date 2019-01 --refresh stores it again without them"], "\(notes)")
        o.refresh = true
        _ = try await Harvester(o, mirror: .directory(dir), transport: MirrorAPI(mirror: TestData.realMirror)).run()
        #expect(try CrimeMirror.open(.directory(dir)).query(area).total == TestData.realMirror.query(area).total)
        #expect(try Harvester.doubleCounted(in: CrimeMirror.open(.directory(dir)), folder: dir, months: [month]).isEmpty)
    }

    /// An API answering 503 to every crimes request (overloaded, not "too many crimes"): the
    /// harvest splits a bounded number of times, then stops with one line saying so; it had split
    /// down to micro-degree cells, thousands of requests, without end.
    @Test func endless503sStopTheHarvest() async throws {
        final class Overloaded: APITransport, @unchecked Sendable {
            let lock = NSLock()
            var asked = 0
            func data(for request: URLRequest) async throws -> (Data, URLResponse) {
                let url = request.url!
                let listing = url.path.hasSuffix("crimes-street-dates")
                if !listing { lock.withLock { asked += 1 } }
                let body = listing ? Data(#"[{"date":"2019-01"}]"#.utf8) : Data()
                return (body, HTTPURLResponse(url: url, statusCode: listing ? 200 : 503, httpVersion: nil, headerFields: nil)!)
            }
        }
        let dir = TestData.temporaryDirectory("endless-503")
        var o = Self.options(Self.box, label: "box")
        o.months = [Month("2019-01")!]
        (o.rate, o.burst) = (100_000, 100_000)
        let api = Overloaded()
        do {
            _ = try await Harvester(o, mirror: .directory(dir), transport: api).run()
            Issue.record("the harvest finished")
        } catch let e as GeoQueryError {
            #expect(e.description.contains("looks overloaded or is refusing them; try again later"), "\(e.description)")
        }
        // The budget: 256 splits and 4 per planned request (the box: a few), each split asking 2-4 more.
        #expect(api.asked > 256 && api.asked < 2_000, "\(api.asked) requests")
    }

    /// The month listing waits out 429s as its `Retry-After` says, as the crimes requests do, and
    /// they are not failed tries: seven of them in a row (more than the five tries) still end in
    /// the listing, with no retry counted. It used to count each 429 as a failure and give up.
    /// The bucket starts empty: 30 requests at once take a second's worth of tokens at 30/s, not
    /// none (a resumed run opened with a burst of 30 and met 429s from the API's emptied bucket).
    @Test func theRateBucketStartsEmpty() async {
        let bucket = TokenBucket(rate: 30, burst: 30)
        var last = Duration.zero
        for _ in 0..<30 { last = await bucket.reserve() }
        #expect(last >= .milliseconds(900), "the 30th request waits \(last)")
    }

    /// A request cancelled (a sibling failed, or the harvest stops) is not a failed try: it is not
    /// announced as asked again (it was, before the real error line).
    @Test func aCancelledRequestIsNotRetried() async throws {
        struct Slow: APITransport {
            func data(for request: URLRequest) async throws -> (Data, URLResponse) {
                try await Task.sleep(for: .seconds(30))
                throw URLError(.timedOut)
            }
        }
        let notices = LogLines()
        var client = APIClient(base: URL(string: "http://127.0.0.1:9/api/")!, bucket: TokenBucket(rate: 1000, burst: 1000), transport: Slow())
        client.retryNotice = { notices.append($0) }
        let ready = client
        let request = HarvestRequest(key: "k", kind: .noLocation, month: "2019-01", category: "all-crime", force: "durham")
        let task = Task { try await ready.send(request) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(notices.lines.isEmpty, "\(notices.lines)")
    }

    @Test func theMonthListingWaitsOutRateLimits() async throws {
        let api = ScriptedAPI(Array(repeating: (429, ""), count: 7) + [(200, #"[{"date":"2019-02"},{"date":"2019-01"}]"#)],
                              headers: ["Retry-After": "0"])
        var client = APIClient(base: URL(string: "http://127.0.0.1:9/api/")!, transport: api)
        client.backoff = 0.001
        #expect(try await client.months() == [Month("2019-01")!, Month("2019-02")!])
        #expect(api.asked == 8)
        let counted = client.counters.snapshot
        #expect(counted.rateLimited == 7 && counted.retries == 0, "\(counted)")
    }

    /// A request answered with JSON cut short (a 200), then a 502, then whole, is asked again
    /// each time, and each wait is told with its reason; so is the month listing's after a 503.
    /// Those waits were silent: only a request that got no answer at all was told.
    @Test func failedAnswersAreToldWithTheirReasonAsTheyAreAskedAgain() async throws {
        let request = HarvestRequest(key: "2019-01/n", kind: .noLocation, month: "2019-01", category: "all-crime", force: "leicestershire")
        let cut = #"[{"category":"burglary","location_type":"Fo"#
        for (answers, what, reasons) in [
            ([(200, cut), (502, "Bad Gateway"), (200, "[]")], request.summary,
             ["the answer was cut short or is not JSON (\(cut.utf8.count) bytes)", "the API answered 502"]),
            ([(503, ""), (200, #"[{"date":"2019-01"}]"#)], "crimes-street-dates", ["the API answered 503"]),
        ] {
            let api = ScriptedAPI(answers)
            var client = APIClient(base: URL(string: "http://127.0.0.1:9/api/")!, transport: api)
            client.backoff = 0.001
            let told = NoticeLines()
            client.retryNotice = { told.add($0) }
            if what == request.summary {
                guard case .crimes(let crimes, _) = try await client.send(request) else { Issue.record("not crimes"); continue }
                #expect(crimes.isEmpty)
            } else {
                #expect(try await client.months() == [Month("2019-01")!])
            }
            #expect(told.lines.count == reasons.count, "\(told.lines)")
            for (i, (line, reason)) in zip(told.lines, reasons).enumerated() {
                #expect(line.hasPrefix("\(what): \(reason); asking again in ") && line.hasSuffix("(try \(i + 2) of 5)"), "\(line)")
            }
            #expect(client.counters.snapshot.retries == reasons.count)
        }
    }

    /// A request that gets no answer is asked again, and each wait is told (a harvest on a
    /// non-terminal printed nothing for the ~5 minutes five 60 s timeouts take); then one error
    /// naming the request and the timeout, not "NSURLErrorDomain error -1001".
    @Test func requestsWithoutAnAnswerAreToldAsTheyAreAskedAgain() async throws {
        /// Lists 2019-01 (or, not `listing`, times that out too) and answers nothing else.
        struct Silent: APITransport {
            let listing: Bool
            func data(for request: URLRequest) async throws -> (Data, URLResponse) {
                let url = request.url!
                guard listing, url.path.hasSuffix("crimes-street-dates") else { throw URLError(.timedOut) }
                return (Data(#"[{"date":"2019-01"}]"#.utf8), HTTPURLResponse(url: url, statusCode: 200, httpVersion: nil, headerFields: nil)!)
            }
        }
        let dir = TestData.temporaryDirectory("silent")
        var o = Self.options(Self.box, label: "box")
        o.months = [Month("2019-01")!]
        o.concurrency = 1
        for (listing, request) in [(true, "crimes-street 2019-01"), (false, "crimes-street-dates")] {
            var harvester = try Harvester(o, mirror: .directory(dir), transport: Silent(listing: listing))
            harvester.client.backoff = 0.001
            let told = NoticeLines()
            harvester.retryNotice = { told.add($0) }
            do {
                _ = try await harvester.run()
                Issue.record("the harvest finished")
            } catch let e as GeoQueryError {
                #expect(e.description.hasPrefix(request) || e.description.hasPrefix("cannot reach "), "\(e.description)")
                #expect(e.description.contains("no answer within 60 s"), "\(e.description)")
            }
            #expect(told.lines.count == 4, "\(told.lines)")
            for (i, line) in told.lines.enumerated() {
                #expect(line.hasPrefix(request + (listing ? "/" : ":")) && line.contains(": no answer within 60 s; asking again in ")
                        && line.hasSuffix("(try \(i + 2) of 5)"), "\(line)")
            }
            #expect(!FileManager.default.fileExists(atPath: dir + "/mirror.geoquery"))
        }
    }

    /// `--force X` fetches the force's area, and the API answers by area: crimes the force placed
    /// at map points outside its boundary cannot be harvested. The summary counts them from the
    /// mirror's archive month that plans the harvest, as a brute force over the rows does.
    @Test func aForceHarvestSaysHowManyOfItsCrimesLieOutsideItsArea() async throws {
        let dir = TestData.temporaryDirectory("outside")
        _ = try Ingest.run(paths: [TestData.archive + "/2019-01/2019-01-leicestershire-street.csv"], mirror: .directory(dir))
        let rows = TestData.referenceRows.filter { $0.force == "leicestershire" && $0.month == "2019-01" && $0.lat != nil }
        let outside = rows.filter { !ReferencePolygon.contains(Self.leicestershire, lat: $0.lat!, lng: $0.lng!) }.count
        #expect(outside > 0 && outside < rows.count / 100, "\(outside) of \(rows.count)")
        var o = Self.options(Self.leicestershire)
        o.months = [Month("2019-02")!]
        o.force = "leicestershire"
        let s = try await Harvester(o, mirror: .directory(dir), transport: MirrorAPI(mirror: TestData.realMirror)).run(dryRun: true)
        #expect(s.months.first?.plannedFrom == Month("2019-01")! && s.months.first?.expectedCrimes == rows.count - outside)
        let expected = "leicestershire's own data for 2019-01 (from the archive) places \(Format.grouped(outside)) of its \(Format.grouped(rows.count)) located crimes"
        #expect(s.notes.contains { $0.hasPrefix(expected) && $0.contains("at map points outside its area (--force leicestershire)") }, "\(s.notes)")
        // The same area given as a shape is not a force's harvest: no such note.
        o.force = nil
        let shape = try await Harvester(o, mirror: .directory(dir), transport: MirrorAPI(mirror: TestData.realMirror)).run(dryRun: true)
        #expect(!shape.notes.contains { $0.contains("outside its area") })
    }

    /// A square of central Leicester.
    static let box = try! PolygonReader.poly("52.64,-1.14:52.64,-1.12:52.63,-1.12:52.63,-1.14")

    /// Months asked with --date/--from/--to that the API does not list: one error naming them and
    /// what it holds, no crime fetched (not even the months it does hold), nothing written.
    @Test func monthsTheAPIDoesNotHoldAreRefused() async throws {
        let listed = Month.runs((TestData.realMirror.firstMonth!...TestData.realMirror.lastMonth!).months.filter { TestData.realMirror.holds(month: $0.ordinal) })
        for asked in [[Month("2030-01")!], [Month("2019-01")!, Month("2030-01")!, Month("2030-02")!]] {
            let dir = TestData.temporaryDirectory("unheld")
            var o = Self.options(Self.box, label: "box")
            o.months = asked
            let api = MirrorAPI(mirror: TestData.realMirror)
            do {
                _ = try await Harvester(o, mirror: .directory(dir), transport: api).run()
                Issue.record("\(asked): harvested months the API does not hold")
            } catch let e as GeoQueryError {
                #expect(e.description.contains("holds no data for 2030-01\(asked.count > 1 ? "..2030-02" : "") (it lists \(listed))"), "\(e.description)")
            }
            #expect(api.answered.allSatisfy { $0.contains("crimes-street-dates") }, "\(api.answered)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        }
    }

    /// A square inside the City of London.
    static let cityBox = try! PolygonReader.poly("51.518,-0.095:51.518,-0.085:51.512,-0.085:51.512,-0.095")

    /// Totals, categories and months of `q` equal in the harvested folder and the source, and not zero.
    static func expectSame(_ q: CrimeQuery, _ dir: String, _ source: CrimeMirror = TestData.realMirror) throws {
        let a = try CrimeMirror.open(.directory(dir)).query(q), b = try source.query(q)
        #expect(a.total == b.total && a.total > 0, "total \(a.total) harvested, \(b.total) at the source")
        #expect(a.byCategory == b.byCategory && a.byMonth == b.byMonth)
    }

    @Test func refreshFetchesAgainAndReplaces() async throws {
        // The first harvest's answers each lack their first crime; repeated, the month is skipped;
        // with --refresh it is fetched again and the new answers replace the old (not add to them).
        let dir = TestData.temporaryDirectory("refresh")
        var o = Self.options(Self.box, label: "box")
        o.months = [Month("2019-01")!]
        let q = CrimeQuery.polygon(Self.box, from: o.months![0], to: o.months![0])
        let short = MirrorAPI(mirror: TestData.realMirror)
        short.body = { Array($0.dropFirst()).policeJSON() }
        _ = try await Harvester(o, mirror: .directory(dir), transport: short).run()
        let source = try TestData.realMirror.query(q).total
        #expect(try CrimeMirror.open(.directory(dir)).query(q).total == source - 1)
        let api = MirrorAPI(mirror: TestData.realMirror)
        let repeated = try await Harvester(o, mirror: .directory(dir), transport: api).run()
        #expect(repeated.months.first?.skipped?.contains("already harvested") == true && api.answered.isEmpty)
        o.refresh = true
        let refreshed = try await Harvester(o, mirror: .directory(dir), transport: api).run()
        #expect(refreshed.counters.done > 0 && !refreshed.stored.isEmpty)
        try Self.expectSame(q, dir)
    }

    /// A refresh whose answers hold far fewer crimes than the month harvested before (an API
    /// answering short) still replaces it, and the harvest passes on the ingest's warning, naming
    /// the force, the month and both counts; the first, whole harvest warns of nothing.
    @Test func aRefreshStoringFarFewerCrimesIsWarnedOf() async throws {
        let dir = TestData.temporaryDirectory("refresh-shrunk")
        var o = Self.options(Self.box, label: "box")
        o.months = [Month("2019-01")!]
        let first = try await Harvester(o, mirror: .directory(dir), transport: MirrorAPI(mirror: TestData.realMirror)).run()
        #expect(first.warnings.isEmpty, "\(first.warnings)")
        let thin = MirrorAPI(mirror: TestData.realMirror)
        thin.body = { Array($0.prefix($0.count / 5)).policeJSON() }
        o.refresh = true
        let refreshed = try await Harvester(o, mirror: .directory(dir), transport: thin).run()
        let before = Dictionary(uniqueKeysWithValues: first.stored.map { ($0.force, $0.crimes) })
        let expected = refreshed.stored.compactMap { s -> String? in
            guard let held = before[s.force], held >= 20, s.crimes * 2 < held else { return nil }
            return "\(s.force) 2019-01: the harvest stored \(Format.grouped(s.crimes)) street-level crimes where the mirror held \(Format.grouped(held)) "
        }
        #expect(!expected.isEmpty, "the box's month should shrink: \(first.stored) then \(refreshed.stored)")
        #expect(refreshed.warnings.count == expected.count, "\(refreshed.warnings)")
        for (w, e) in zip(refreshed.warnings.sorted(), expected.sorted()) { #expect(w.hasPrefix(e), "\(w)") }
    }

    /// A crime the API answers that the ingest refuses (no category) is not held: the summary
    /// and the provenance count what the mirror holds, so the month stays the harvest's (a re-run
    /// says it is harvested, not that the archive holds it); the ingest's line naming the row is
    /// passed on as it is stored, through ``Harvester/warningNotice`` too.
    @Test func rowsTheIngestRefusesAreNotCountedAsStored() async throws {
        let dir = TestData.temporaryDirectory("refused-row")
        var o = Self.options(Self.box, label: "box")
        o.months = [Month("2019-01")!]
        let api = MirrorAPI(mirror: TestData.realMirror)
        api.body = { crimes in
            var answer = crimes
            if !answer.isEmpty { answer[0].category = "" }
            return answer.policeJSON()
        }
        var harvester = try Harvester(o, mirror: .directory(dir), transport: api)
        let heard = NoticeLines()
        harvester.warningNotice = { heard.add($0) }
        let stored = NoticeLines()
        harvester.storedNotice = { force, month, crimes in stored.add("\(month) \(force) \(crimes)") }
        let s = try await harvester.run()
        #expect(stored.lines == s.stored.map { "\($0.month) \($0.force) \($0.crimes)" })
        let mirror = try CrimeMirror.open(.directory(dir))
        let month = o.months![0]
        #expect(!s.stored.isEmpty)
        for stored in s.stored {
            #expect(stored.crimes == mirror.partitionCrimes(force: stored.force, month: month), "\(stored)")
            #expect(!(try HarvestProvenance.load(folder: dir)).current(force: stored.force, month: month, in: mirror).isEmpty, "\(stored.force)")
        }
        #expect(s.warnings.contains { $0.hasSuffix(": empty Crime type") }, "\(s.warnings)")
        #expect(heard.lines == s.warnings)
        let again = try await Harvester(o, mirror: .directory(dir), transport: MirrorAPI(mirror: TestData.realMirror)).run()
        #expect(again.months.first?.skipped?.contains("already harvested") == true, "\(again.months.first?.skipped ?? "not skipped")")
    }

    /// The same area harvested from another API supersedes the first API's answers (not a union
    /// with them, which would keep crimes the new API no longer gives); harvested from the first
    /// API again, its answers are fetched anew and supersede the second's.
    @Test func anotherAPIsHarvestOfTheAreaSupersedesTheFirst() async throws {
        let dir = TestData.temporaryDirectory("two-apis")
        var o = Self.options(Self.box, label: "box")
        o.months = [Month("2019-01")!]
        let q = CrimeQuery.polygon(Self.box, from: o.months![0], to: o.months![0])
        let source = try TestData.realMirror.query(q).total
        let first = MirrorAPI(mirror: TestData.realMirror)
        _ = try await Harvester(o, mirror: .directory(dir), transport: first).run()
        #expect(try CrimeMirror.open(.directory(dir)).query(q).total == source)
        // The second API gives each answer but its first crime.
        o.api = URL(string: "http://other-api.test/api/")!
        let short = MirrorAPI(mirror: TestData.realMirror)
        short.body = { Array($0.dropFirst()).policeJSON() }
        let second = try await Harvester(o, mirror: .directory(dir), transport: short).run()
        #expect(!short.answered.isEmpty && !second.stored.isEmpty)
        // As the second API alone gives it: harvested into a folder of its own.
        let alone = TestData.temporaryDirectory("other-api-alone")
        let fresh = MirrorAPI(mirror: TestData.realMirror)
        fresh.body = { Array($0.dropFirst()).policeJSON() }
        _ = try await Harvester(o, mirror: .directory(alone), transport: fresh).run()
        let fewer = try CrimeMirror.open(.directory(dir)).query(q).total, reference = try CrimeMirror.open(.directory(alone)).query(q).total
        #expect(fewer < source && fewer == reference, "\(fewer) of \(source); \(reference) harvested alone")
        // Back to the first API: fetched again (its earlier answers were superseded), whole again.
        o.api = URL(string: "http://mirror-api.test/api/")!
        let again = MirrorAPI(mirror: TestData.realMirror)
        _ = try await Harvester(o, mirror: .directory(dir), transport: again).run()
        #expect(!again.answered.isEmpty)
        #expect(try CrimeMirror.open(.directory(dir)).query(q).total == source)
    }

    /// A harvest that stops at a later month returns no summary, but has stored the months
    /// before: each (force, month) is told as it is stored (``Harvester/storedNotice``), with
    /// the crimes the mirror then holds.
    @Test func monthsStoredBeforeAFailureAreTold() async throws {
        let dir = TestData.temporaryDirectory("stops-later")
        var o = Self.options(Self.box, label: "box")
        o.months = [Month("2019-01")!, Month("2019-02")!]
        let api = MirrorAPI(mirror: TestData.realMirror)
        let february = Month("2019-02")!
        api.body = { crimes in crimes.contains { $0.month == february } ? "<html>Service maintenance</html>" : crimes.policeJSON() }
        var harvester = try Harvester(o, mirror: .directory(dir), transport: api)
        harvester.client.backoff = 0.001
        let heard = NoticeLines()
        harvester.storedNotice = { force, month, crimes in heard.add("\(month) \(force) \(crimes)") }
        await #expect(throws: GeoQueryError.self) { _ = try await harvester.run() }
        let mirror = try CrimeMirror.open(.directory(dir))
        let told = heard.lines
        #expect(!told.isEmpty && told.allSatisfy { $0.hasPrefix("2019-01 ") }, "\(told)")
        for line in told {
            let parts = line.split(separator: " ")
            #expect(Int(parts[2]) == mirror.partitionCrimes(force: String(parts[1]), month: Month("2019-01")!), "\(line)")
        }
        #expect(mirror.partitionCrimes(force: "leicestershire", month: february) == 0)
    }

    @Test func withoutMonthsTheListedMonthsTheMirrorLacksAreFetched() async throws {
        // The City's street files but two ingested; the API (the City's mirror) lists every one.
        let dir = TestData.temporaryDirectory("lacking")
        let files = OutcomeData.streetFiles
        let lacking = [files[1], files[files.count - 2]]
        _ = try Ingest.run(paths: files.filter { !lacking.contains($0) }, mirror: .directory(dir))
        var o = Self.options(Self.cityBox, label: "box", limit: 10_000)
        o.months = nil
        let s = try await Harvester(o, mirror: .directory(dir), transport: MirrorAPI(mirror: OutcomeData.mirror)).run()
        let expected = lacking.map { Month(String(($0 as NSString).lastPathComponent.prefix(7)))! }
        #expect(s.months.map(\.month) == expected && s.months.allSatisfy { $0.skipped == nil }, "\(s.months.map(\.month))")
        #expect(s.stored.map(\.month) == expected)
        let source = OutcomeData.mirror
        try Self.expectSame(.polygon(Self.cityBox, from: source.firstMonth, to: source.lastMonth), dir, source)
    }

    @Test func oneCategoryIsHarvested() async throws {
        let dir = TestData.temporaryDirectory("category")
        var o = Self.options(Self.leicestershire, limit: 10_000)
        o.months = [Month("2019-01")!]
        o.category = "burglary"
        _ = try await Harvester(o, mirror: .directory(dir), transport: MirrorAPI(mirror: TestData.realMirror)).run()
        let q = CrimeQuery.polygon(Self.leicestershire, from: o.months![0], to: o.months![0], categories: ["burglary"])
        try Self.expectSame(q, dir)
        let harvested = try CrimeMirror.open(.directory(dir))
        #expect(try harvested.query(.polygon(Self.leicestershire)).byCategory.filter { $0.value > 0 }.keys.sorted() == ["burglary"])
        let noLocation = CrimeQuery.polygon(Self.leicestershire, from: o.months![0], to: o.months![0], categories: ["burglary"], forces: ["leicestershire"])
        #expect(try harvested.query(noLocation).noLocation == TestData.realMirror.query(noLocation).noLocation)
        // The other categories are missing there, not zero, and every answer that counts them
        // says so (an independent check found only the area note: "burglary 100%"); one asking
        // for burglary alone needs no such note. `info` names the category too.
        let oneOnly = "leicestershire 2019-01 holds one category only from the API (burglary for --force leicestershire, a --category harvest)"
        let all = try harvested.query(.radius(lat: 52.6297, lng: -1.1316, Distance(metres: Distance.metresPerMile), from: o.months![0], to: o.months![0]))
        #expect(all.notes.contains { $0.hasPrefix(oneOnly) }, "\(all.notes)")
        let robbery = try harvested.query(.radius(lat: 52.6297, lng: -1.1316, Distance(metres: Distance.metresPerMile), from: o.months![0], to: o.months![0], categories: ["robbery"]))
        #expect(robbery.notes.contains { $0.hasPrefix(oneOnly) })
        let burglary = try harvested.query(.radius(lat: 52.6297, lng: -1.1316, Distance(metres: Distance.metresPerMile), from: o.months![0], to: o.months![0], categories: ["burglary"]))
        #expect(!burglary.notes.contains { $0.contains("one category only") } && burglary.notes.contains { $0.contains("came from the API for an area only") }, "\(burglary.notes)")
        #expect(try HarvestProvenance.load(folder: dir).describe(mirror: harvested).contains { $0.hasSuffix("; one category only: burglary for --force leicestershire") })
        // The same area harvested for every category: the month is whole again, the note goes.
        o.category = "all-crime"
        _ = try await Harvester(o, mirror: .directory(dir), transport: MirrorAPI(mirror: TestData.realMirror)).run()
        let whole = try CrimeMirror.open(.directory(dir)).query(.radius(lat: 52.6297, lng: -1.1316, Distance(metres: Distance.metresPerMile), from: o.months![0], to: o.months![0]))
        #expect(!whole.notes.contains { $0.contains("one category only") } && whole.byCategory.filter { $0.value > 0 }.count > 5, "\(whole.notes)")
    }

    @Test func aRadiusIsHarvestedExactly() async throws {
        // A mile around Leicester's Clock Tower: over the cap of 1,000, so the circle is split.
        let circle = Circle(lat: 52.6344, lng: -1.1313, radius: try Distance(parsing: "1mi"))
        let dir = TestData.temporaryDirectory("radius")
        var o = Self.options(area: .circle(circle), label: "--lat 52.6344 --lng -1.1313 --radius 1mi")
        o.months = [Month("2019-01")!]
        let s = try await Harvester(o, mirror: .directory(dir), transport: MirrorAPI(mirror: TestData.realMirror, cap: 1000)).run()
        #expect(s.counters.splits >= 1)
        try Self.expectSame(.radius(lat: circle.lat, lng: circle.lng, circle.radius, from: o.months![0], to: o.months![0]), dir)
    }

    @Test func anAnswerThatIsNotCrimeJSONStopsNamingTheRequest() async throws {
        let dir = TestData.temporaryDirectory("garbled")
        var o = Self.options(Self.box, label: "box")
        o.months = [Month("2019-01")!]
        _ = try await Harvester(o, mirror: .directory(dir), transport: MirrorAPI(mirror: TestData.realMirror)).run()
        let snapshot = try Data(contentsOf: URL(fileURLWithPath: dir + "/mirror.geoquery"))
        o.months = [Month("2019-02")!]
        let answers: [@Sendable ([Crime]) -> String] = [{ String($0.policeJSON().prefix(200)) }, { _ in "<html><body>Service maintenance</body></html>" }]
        for body in answers {
            let api = MirrorAPI(mirror: TestData.realMirror)
            api.body = body
            var harvester = try Harvester(o, mirror: .directory(dir), transport: api)
            harvester.client.backoff = 0.001
            do {
                _ = try await harvester.run()
                Issue.record("a garbled answer was taken")
            } catch let e as GeoQueryError {
                #expect(e.description.hasPrefix("crimes-street 2019-02/") && e.description.contains("the answer is not the API's crime JSON"), "\(e.description)")
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/mirror.geoquery")) == snapshot)
        }
    }

    @Test func anArchiveIngestAfterAHarvestReplacesIt() async throws {
        // The square's crimes of 2019-01 harvested, then Leicestershire's archive file of the
        // month ingested: the force's month is the archive's, once, and no longer "harvested".
        let dir = TestData.temporaryDirectory("then-archive")
        var o = Self.options(Self.box, label: "box")
        o.months = [Month("2019-01")!]
        _ = try await Harvester(o, mirror: .directory(dir), transport: MirrorAPI(mirror: TestData.realMirror)).run()
        func harvested() throws -> [String] { try HarvestProvenance.load(folder: dir).describe(mirror: CrimeMirror.open(.directory(dir))) }
        // (The square holds a railway station: British Transport Police's month is harvested too.)
        #expect(try harvested().contains { $0.hasPrefix("leicestershire 2019-01: ") })
        _ = try Ingest.run(paths: [TestData.archive + "/2019-01/2019-01-leicestershire-street.csv"], mirror: .directory(dir))
        let m = o.months![0]
        try Self.expectSame(.polygon(Self.box, from: m, to: m), dir)
        try Self.expectSame(.polygon(Self.leicestershire, from: m, to: m, forces: ["leicestershire"]), dir)
        #expect(try !harvested().contains { $0.hasPrefix("leicestershire ") })
    }

    @Test func splitCellsCoverTheAreaAndNothingOfItIsLost() throws {
        // Every map point of the area lies in some quadrant's ring, and every ring point used
        // is in the area's cell: the split loses no crime.
        let area = Area.polygon(Self.leicestershire)
        let cell = try AreaCover.cell(of: area)
        let quarters = cell.quadrants
        #expect(quarters.count == 4)
        let rings = try quarters.flatMap { try AreaCover.rings(of: area, in: $0) }
        let points = try TestData.realMirror.mapPoints(in: area)
        #expect(points.count > 5000)
        let prepared = try rings.map { try PreparedPolygon(Polygon(parts: [[$0]])) }
        let missed = points.filter { p in !prepared.contains { $0.contains(latitude: p.latitude, longitude: p.longitude) } }
        #expect(missed.isEmpty, "\(missed.count) map points outside every quadrant ring")
    }
}

/// An API that gives its answers (status, body) in turn to whatever is asked, the last one again
/// once they run out, and counts the requests.
final class ScriptedAPI: APITransport, @unchecked Sendable {
    let answers: [(status: Int, body: String)]
    let headers: [String: String]
    private let lock = NSLock()
    private var count = 0
    init(_ answers: [(Int, String)], headers: [String: String] = [:]) {
        self.answers = answers.map { (status: $0.0, body: $0.1) }
        self.headers = headers
    }
    var asked: Int { lock.withLock { count } }
    func data(for request: URLRequest) async throws -> (Data, URLResponse) {
        let n = lock.withLock { count += 1; return count }
        let a = answers[min(n, answers.count) - 1]
        return (Data(a.body.utf8), HTTPURLResponse(url: request.url!, statusCode: a.status, httpVersion: nil, headerFields: headers)!)
    }
}

import Foundation
import Testing
@testable import GeoQuery

/// Radius answers on the real archive against a brute-force scan of independently parsed rows.
@Suite struct RadiusQueryTests {
    static func bruteForce(lat: Double, lng: Double, metres: Double, from: String, to: String,
                           categories: Set<String>, forces: Set<String>, excludeBTP: Bool) -> Expected {
        let dLat = metres / 110_000 + 0.001, dLng = metres / (111_320 * cos(lat * .pi / 180) * 0.98) + 0.001
        return Expected.bruteForce(inside: { Geodesic.wgs84.distance(lat1: lat, lng1: lng, lat2: $0, lng2: $1) <= metres },
                                   near: { abs($0 - lat) <= dLat && abs($1 - lng) <= dLng },
                                   from: from, to: to, categories: categories, forces: forces, excludeBTP: excludeBTP)
    }

    func check(_ q: CrimeQuery, _ label: String) throws {
        guard case .circle(let c) = q.area else { return }
        let mirror = TestData.realMirror
        let result = try mirror.query(q)
        let from = (q.from ?? mirror.firstMonth!).description, to = (q.to ?? mirror.lastMonth!).description
        let expected = RadiusQueryTests.bruteForce(lat: c.lat, lng: c.lng, metres: c.radius.metres, from: from, to: to,
                                                   categories: Set(q.categories), forces: Set(q.forces), excludeBTP: q.excludeBTP)
        #expect(Expected.observed(result) == expected, "\(label): \(q)")
        // Every standard slug is present, and the parts add up.
        #expect(Category.standard.allSatisfy { result.byCategory[$0] != nil })
        #expect(result.byMonth.values.reduce(0, +) == result.total)
    }

    @Test func randomCentresRadiiAndMonthRanges() throws {
        let seed = SeededRandom.seed(20_261_122)
        var rng = SeededRandom(seed: seed)
        let located = TestData.referenceRows.filter { $0.lat != nil }
        let months = (Month("2018-10")!...Month("2022-10")!).months
        let slugs = Category.standard
        for i in 0..<60 {
            let anchor = located[Int.random(in: 0..<located.count, using: &rng)]
            // Centres near real data, up to ~2 km off a map point.
            let lat = anchor.lat! + Double.random(in: -0.02...0.02, using: &rng)
            let lng = anchor.lng! + Double.random(in: -0.03...0.03, using: &rng)
            let miles = Double.random(in: 0.05...3, using: &rng)
            var a = months[Int.random(in: 0..<months.count, using: &rng)], b = months[Int.random(in: 0..<months.count, using: &rng)]
            if a > b { swap(&a, &b) }
            let allMonths = i % 5 == 0
            let categories = i % 3 == 0 ? [slugs[Int.random(in: 0..<slugs.count, using: &rng)], slugs[Int.random(in: 0..<slugs.count, using: &rng)]] : []
            let forces = i % 7 == 3 ? [anchor.force] : []
            let q = CrimeQuery.radius(lat: lat, lng: lng, Distance(metres: miles * Distance.metresPerMile),
                                      from: allMonths ? nil : a, to: allMonths ? nil : b,
                                      categories: Array(Set(categories)), forces: forces, excludeBTP: i % 11 == 5)
            try check(q, "random query \(i) (seed \(seed))")
        }
    }

    @Test func denseLeicesterAllMonths() throws {
        try check(.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 804.672)), "Leicester clock tower 0.5 mi")
        try check(.radius(lat: 52.6297, lng: -1.1316, Distance(metres: 3 * 1609.344), from: Month("2020-01"), to: Month("2020-12"),
                          categories: ["burglary", "shoplifting"]), "Leicester 3 mi, 2020, two categories")
    }

    @Test func cityOfLondonMixesForceAndBTP() throws {
        let q = CrimeQuery.radius(lat: 51.5155, lng: -0.0922, Distance(metres: 1200), from: Month("2018-10"), to: Month("2019-02"))
        try check(q, "City of London 1.2 km")
        let r = try TestData.realMirror.query(q)
        #expect(r.btp > 0 && r.forces.contains("btp"))
        let noBTP = try TestData.realMirror.query(CrimeQuery.radius(lat: 51.5155, lng: -0.0922, Distance(metres: 1200), from: Month("2018-10"), to: Month("2019-02"), excludeBTP: true))
        #expect(noBTP.total == r.total - r.btp && noBTP.btp == 0)
        let onlyBTP = try TestData.realMirror.query(CrimeQuery.radius(lat: 51.5155, lng: -0.0922, Distance(metres: 1200), from: Month("2018-10"), to: Month("2019-02"), forces: ["btp"]))
        #expect(onlyBTP.total == r.btp)
    }

    @Test func placeOutsideCoverageAnswersZeroWithANote() throws {
        // Lerwick, Shetland: no Police UK force data, no railway for BTP.
        let r = try TestData.realMirror.query(.radius(lat: 60.1546, lng: -1.1494, Distance(metres: 800)))
        #expect(r.total == 0 && r.mapPoints == 0)
        #expect(r.notes.contains { $0.contains("outside the mirror's coverage") })
        #expect(r.nearestMapPoint != nil)
    }

    /// One end given beyond the mirror's months (`--to` before its first, `--from` after its
    /// last) asks for that month alone, as the same range given whole does: zero, with the note.
    @Test func oneEndBeyondTheMirrorIsThatMonthNotAReversedRange() throws {
        let mirror = TestData.realMirror
        let (first, last) = (try #require(mirror.firstMonth), try #require(mirror.lastMonth))
        for (from, to) in [(nil, first.adding(-6)), (last.adding(3), nil)] as [(Month?, Month?)] {
            let one = try mirror.query(.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 500), from: from, to: to))
            let m = (from ?? to)!
            let whole = try mirror.query(.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 500), from: m, to: m))
            #expect(one == whole)
            #expect(one.total == 0 && one.notes.contains { $0.contains("no data at all for \(m)") }, "\(one.notes)")
        }
        // The live-API requests for such a range are that month's (this crashed: a reversed range).
        let plan = try TilePlanner.apiRequests(.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 500), to: first.adding(-6)), mirror: mirror)
        #expect(plan.urls.contains("date=\(first.adding(-6))") && !plan.urls.contains("date=\(first)"), "\(plan.urls.prefix(300))")
        #expect(throws: GeoQueryError.self) { try TilePlanner.apiRequests(.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 500), from: last, to: first), mirror: mirror) }
        // Within the mirror an open end is still the mirror's own.
        let open = try mirror.query(.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 500), to: last))
        #expect(open == (try mirror.query(.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 500), from: first, to: last))))
    }

    @Test func monthsMissingFromAForceAreNoted() throws {
        // City of London holds 2018-10..2019-02 and 2020; no force holds 2019-03..2019-11 and
        // Leicestershire alone holds 2019-12.
        let r = try TestData.realMirror.query(.radius(lat: 51.5155, lng: -0.0922, Distance(metres: 500), from: Month("2019-01"), to: Month("2020-03")))
        #expect(r.notes.contains { $0.contains("no data at all for 2019-03..2019-11") })
        #expect(r.notes.contains { $0.contains("'city-of-london'") && $0.contains("none of its data for 2019-12 (1 of the 15 months asked)") })
        #expect(r.coverage.missing.first { $0.force == "city-of-london" }?.months.map(\.description) == ["2019-03", "2019-04", "2019-05", "2019-06", "2019-07", "2019-08", "2019-09", "2019-10", "2019-11", "2019-12"])
    }

    @Test func policeJSONListsExactlyTheCountedCrimes() throws {
        let q = CrimeQuery.radius(lat: 51.5155, lng: -0.0922, Distance(metres: 400), from: Month("2019-01"), to: Month("2019-01"))
        let crimes = try TestData.realMirror.crimes(q)
        let result = try TestData.realMirror.query(q)
        #expect(crimes.count == result.total)
        let json = try JSONSerialization.jsonObject(with: Data(crimes.policeJSON().utf8)) as! [[String: Any]]
        // Same keys as a real data.police.uk crimes-street answer.
        let real = try JSONSerialization.jsonObject(with: Data(contentsOf: TestData.shared.appendingPathComponent(
            "api-json/mozfest-2014-08/crimes-street_all-crime_lat51.5017355_lng0.0055388_2014-08.json"))) as! [[String: Any]]
        #expect(Set(json[0].keys) == Set(real[0].keys))
        #expect(Set((json[0]["location"] as! [String: Any]).keys) == Set((real[0]["location"] as! [String: Any]).keys))
        #expect(json.contains { $0["location_type"] as? String == "BTP" })
    }
}

/// The same 2,000 random queries answered by PostGIS, shapely and DuckDB (Benchmarks/peers):
/// geoquery must give the very same totals and categories.
@Suite struct PeerAgreementTests {
    @Test func totalsAndCategoriesEqualPostGISShapelyAndDuckDB() throws {
        let peers = TestData.packageRoot.appendingPathComponent("Benchmarks/peers")
        let queries = try String(contentsOf: peers.appendingPathComponent("queries.jsonl"), encoding: .utf8).split(separator: "\n")
        for engine in ["postgis", "shapely", "duckdb"] {
            let totals = try String(contentsOf: peers.appendingPathComponent("results-\(engine).jsonl"), encoding: .utf8).split(separator: "\n")
            let categories = try String(contentsOf: peers.appendingPathComponent("categories-\(engine).jsonl"), encoding: .utf8).split(separator: "\n")
            #expect(totals.count == queries.count && categories.count == queries.count)
            var mismatches = 0
            for (i, line) in queries.enumerated() {
                let r = try TestData.realMirror.query(try QueryInput(jsonLine: String(line)).query())
                let total = (try JSONSerialization.jsonObject(with: Data(totals[i].utf8)) as! [String: Int])["total"]!
                let byType = try JSONSerialization.jsonObject(with: Data(categories[i].utf8)) as! [String: Int]
                let theirs = Dictionary(uniqueKeysWithValues: byType.map { (ReferenceRows.slug($0.key), $0.value) })
                if r.total != total || r.byCategory.filter({ $0.value > 0 }) != theirs { mismatches += 1 }
            }
            #expect(mismatches == 0, "\(engine): \(mismatches) of \(queries.count) queries differ")
        }
    }
}

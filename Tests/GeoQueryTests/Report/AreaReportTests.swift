import Foundation
import Testing
@testable import GeoQuery

/// The centres the report tests use: 20 real map points of the real mirror, picked with a seeded
/// generator. One function, so that real postcodes can replace them in one place.
func reportCentres() -> [(lat: Double, lng: Double)] {
    reportPostcodes().map { let c = try! TestData.realMirror.postcodes().resolve($0); return (c.lat, c.lng) }
}

/// 20 real postcodes where the archive has crime: 15 from Leicestershire's LE area, 5 from the
/// City of London's EC area (OS Code-Point Open), drawn with a seeded generator.
func reportPostcodes() -> [String] {
    var rng = SeededRandom(seed: SeededRandom.seed(20_261_123))
    func units(_ area: String) -> [String] {
        let text = try! String(contentsOfFile: TestData.codePoint + "/\(area).csv", encoding: .utf8)
        return text.split(separator: "\n").compactMap { $0.split(separator: ",").first.map { $0.replacingOccurrences(of: "\"", with: "") } }
    }
    let le = units("le"), ec = units("ec")
    return (0..<15).map { _ in le[Int.random(in: 0..<le.count, using: &rng)] } + (0..<5).map { _ in ec[Int.random(in: 0..<ec.count, using: &rng)] }
}

/// A report's figures recomputed from the CSV rows alone: which rows fall inside (geodesic
/// distance), which force-months the archive holds, and the report's rules written out again.
struct ReferenceReport {
    var byCategory: [String: Int] = [:]
    var totals: [Int] = []
    var movingAverage: [Double?] = []
    var rolling12: [Int?] = []
    var yoyNow: [String: Int] = [:], yoyBefore: [String: Int]? = nil
    /// Whether each month of the report is held, and each category's crimes in those months.
    var heldInRange: [Bool] = []
    var heldByCategory: [String: Int] = [:]

    /// Force-months the archive holds ("force|YYYY-MM"), and months any force holds.
    static let held: Set<String> = Set(TestData.referenceRows.map { "\($0.force)|\($0.month)" })
    static let heldMonths: Set<String> = Set(TestData.referenceRows.map(\.month))

    /// True when a force's sampled share of the circle lies near the 1% line, where sampling
    /// cannot say which side the library's exact share falls: the windows are then not compared.
    var ambiguous = false

    init(lat: Double, lng: Double, metres: Double, from: Month, to: Month) {
        let start = from.adding(-12)
        let span = (start...to).months.map(\.description)
        var counts = [String: [String: Int]](), byForceMonth = [String: [String: Int]]()
        let dLat = metres / 110_000 + 0.001, dLng = metres / (111_320 * cos(lat * .pi / 180) * 0.98) + 0.001
        let spanSet = Set(span)
        for r in TestData.referenceRows {
            guard let la = r.lat, let lo = r.lng, abs(la - lat) <= dLat, abs(lo - lng) <= dLng,
                  Geodesic.wgs84.distance(lat1: lat, lng1: lng, lat2: la, lng2: lo) <= metres else { continue }
            byForceMonth[r.force, default: [:]][r.month, default: 0] += 1
            if spanSet.contains(r.month) { counts[r.month, default: [:]][r.category, default: 0] += 1 }
        }
        // The coverage rules written out again. Responsible: a force area covering at least 1% of
        // the circle (sampled against the ONS file). Material: another force with at least 1% of
        // the crimes here in the months the archive holds for it, and at least 3 of them.
        let shares = CoverageReference.shares(lat: lat, lng: lng, metres: metres)
        ambiguous = shares.values.contains { $0 >= 0.005 && $0 < 0.02 }
        let responsible = Set(shares.filter { $0.value >= 0.01 }.map { CoverageTests.slug($0.key) })
        var monthTotal = [String: Int]()
        for (_, months) in byForceMonth { for (m, k) in months { monthTotal[m, default: 0] += k } }
        let material = Set(byForceMonth.keys.filter { f in
            guard !responsible.contains(f) else { return false }
            let own = byForceMonth[f]!.values.reduce(0, +)
            let heldTotal = monthTotal.filter { ReferenceReport.held.contains("\(f)|\($0.key)") }.values.reduce(0, +)
            return own >= 3 && own * 100 >= heldTotal
        })
        // Held, per range (the year before, then the report's months): every responsible force,
        // and every material force the archive holds in some month of that range.
        func heldIn(_ range: ArraySlice<String>) -> [Bool] {
            let stepping = responsible.union(material.filter { f in range.contains { ReferenceReport.held.contains("\(f)|\($0)") } })
            return range.map { m in ReferenceReport.heldMonths.contains(m) && stepping.allSatisfy { ReferenceReport.held.contains("\($0)|\(m)") } }
        }
        let held = heldIn(span[0..<12]) + heldIn(span[12...])
        func complete(_ w: [String]) -> Bool { w.allSatisfy { held[span.firstIndex(of: $0)!] } }
        let all = span.map { (counts[$0] ?? [:]).values.reduce(0, +) }
        let n = span.count - 12
        heldInRange = Array(held[12...])
        for (m, isHeld) in zip(span[12...], heldInRange) where isHeld { for (c, k) in counts[m] ?? [:] { heldByCategory[c, default: 0] += k } }
        for i in 0..<n {
            let s = i + 12
            totals.append(all[s])
            for (c, k) in counts[span[s]] ?? [:] { byCategory[c, default: 0] += k }
            movingAverage.append(i == 0 || i == n - 1 || !complete(Array(span[(s - 1)...(s + 1)])) ? nil
                                 : ((Double(all[s - 1] + all[s] + all[s + 1]) / 3) * 10).rounded() / 10)
            rolling12.append(complete(Array(span[(s - 11)...s])) ? all[(s - 11)...s].reduce(0, +) : nil)
        }
        let length = min(12, n)
        let now = span[(span.count - length)...], before = span[(span.count - length - 12)..<(span.count - 12)]
        for m in now { for (c, k) in counts[m] ?? [:] { yoyNow[c, default: 0] += k } }
        if complete(Array(before) + Array(now)) {
            var b = [String: Int]()
            for m in before { for (c, k) in counts[m] ?? [:] { b[c, default: 0] += k } }
            yoyBefore = b
        }
    }
}

@Suite struct AreaReportTests {
    static let ranges: [(String, String)] = [("2019-11", "2022-10"), ("2019-01", "2020-06"), ("2020-01", "2020-12"), ("2021-06", "2021-08")]

    @Test func figuresEqualABruteForceRecomputationFromTheCSVRows() throws {
        let mirror = TestData.realMirror
        var ambiguousSkipped = 20
        defer { #expect(ambiguousSkipped <= 3, "too many centres near a force boundary's 1% line") }
        for (i, (postcode, c)) in zip(reportPostcodes(), reportCentres()).enumerated() {
            let (from, to) = AreaReportTests.ranges[i % AreaReportTests.ranges.count]
            let metres = [402.336, 804.672, 1609.344, 250][i % 4]
            // Through --postcode's path: the centre the report uses is the postcode's centroid.
            var input = QueryInput()
            input.postcode = postcode; input.radius = "\(metres)m"; input.from = from; input.to = to
            let q = try input.query(in: mirror)
            #expect(q.centre?.postcode == (try Postcode(parsing: postcode)))
            let report = try mirror.report(ReportRequest(query: q))
            let ref = ReferenceReport(lat: c.lat, lng: c.lng, metres: metres, from: Month(from)!, to: Month(to)!)
            let label = "centre \(i) (\(c.lat), \(c.lng)) \(metres) m \(from)..\(to)"
            let counts = Dictionary(uniqueKeysWithValues: zip(report.categories, report.categoryCounts)).filter { $0.value > 0 }
            #expect(counts == ref.byCategory, "\(label): by category")
            #expect(report.trend.map(\.total) == ref.totals, "\(label): by month")
            #expect(report.result.total == ref.totals.reduce(0, +))
            if ref.ambiguous { continue }
            ambiguousSkipped -= 1
            #expect(report.trend.map(\.movingAverage) == ref.movingAverage, "\(label): moving average")
            #expect(report.trend.map(\.rolling12) == ref.rolling12, "\(label): rolling totals")
            let y = report.yearOnYear
            #expect(y.byCategory.mapValues(\.now).filter { $0.value > 0 } == ref.yoyNow, "\(label): year-on-year now")
            if let before = ref.yoyBefore {
                #expect(y.unavailable == nil, "\(label): year on year should be available")
                #expect(y.byCategory.compactMapValues(\.before).filter { $0.value > 0 } == before, "\(label): year-on-year before")
                let b = before.values.reduce(0, +), n = ref.yoyNow.values.reduce(0, +)
                #expect(y.total.percent == (b > 0 ? ((Double(n - b) * 100 / Double(b)) * 10).rounded() / 10 : nil), "\(label): percent")
            } else {
                #expect(y.unavailable != nil && y.total.before == nil, "\(label): year on year should be n/a")
            }
            // The exact test beside each change, in the JSON, equals the library function on the
            // brute-force counts.
            let json = try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as! [String: Any]
            let yoy = json["year_on_year"] as! [String: Any]
            let byCategory = yoy["by_category"] as! [String: [String: Any]]
            for slug in report.categories {
                let expected = ref.yoyBefore.map { PoissonChange(ref.yoyNow[slug] ?? 0, $0[slug] ?? 0) }
                expectChangeTest(byCategory[slug]!, expected, "\(label): \(slug)")
            }
            let total = ref.yoyBefore.map { PoissonChange(ref.yoyNow.values.reduce(0, +), $0.values.reduce(0, +)) }
            expectChangeTest(yoy["total"] as! [String: Any], total, "\(label): total")
        }
    }

    /// Rates count the crimes of the months held only, over those months: near Leicester station
    /// BTP lacks 2019-12..2020-06, whose Leicestershire crimes were counted in the rates anyway
    /// (790.4 a month, 3,952 over the 5 months held, which hold 1,948; an independent check).
    @Test func ratesCountTheCrimesOfTheHeldMonthsOnly() throws {
        let cases: [(Double, Double, Double, String, String)] = [(52.6297, -1.1316, 600, "2018-10", "2020-06"), (52.77732, -1.20816, 1740, "2019-01", "2022-03")]
        for (lat, lng, metres, from, to) in cases {
            let q = CrimeQuery.radius(lat: lat, lng: lng, Distance(metres: metres), from: Month(from), to: Month(to))
            let report = try TestData.realMirror.report(ReportRequest(query: q))
            let ref = ReferenceReport(lat: lat, lng: lng, metres: metres, from: Month(from)!, to: Month(to)!)
            let label = "\(lat), \(lng) \(metres) m \(from)..\(to)"
            let heldCount = ref.heldInRange.filter { $0 }.count, heldTotal = ref.heldByCategory.values.reduce(0, +)
            #expect(!ref.ambiguous && report.result.coverage.monthsHeld == heldCount, "\(label)")
            // Months not held hold crimes here, so the old rates (every month's crimes) differed.
            #expect(heldCount > 0 && heldTotal < report.result.total, "\(label): \(heldTotal) of \(report.result.total)")
            #expect(report.perMonth == (Double(heldTotal) / Double(heldCount) * 10).rounded() / 10, "\(label): \(String(describing: report.perMonth))")
            #expect(report.perKm2 == Format.roundedDensity(Double(heldTotal) / report.result.areaKm2, places: 1), "\(label)")
            for slug in report.categories {
                #expect(report.perKm2(slug) == Format.roundedDensity(Double(ref.heldByCategory[slug] ?? 0) / report.result.areaKm2, places: 1), "\(label): \(slug)")
            }
        }
        // Both carry the held months' rate into the JSON.
        let q = CrimeQuery.radius(lat: 52.6297, lng: -1.1316, Distance(metres: 600), from: Month("2018-10"), to: Month("2020-06"))
        let report = try TestData.realMirror.report(ReportRequest(query: q))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        #expect((json["per_month"] as? Double) == report.perMonth && report.summary.contains("over the 5 months held (\(Format.grouped(report.perMonth!, places: 1)) a month)"), "\(report.summary)")
    }

    /// One crime of another force is no force of the area, however few crimes the area has: one
    /// Nottinghamshire crime of 69 in central Leicester (1.4%) made 4 of 5 months "not held".
    @Test func aStrayCrimeOfANeighbourIsNotMaterial() throws {
        let q = CrimeQuery.radius(lat: 52.627835, lng: -1.134795, Distance(metres: 300), from: Month("2018-10"), to: Month("2019-02"))
        let result = try TestData.realMirror.query(q)
        #expect(result.forces.contains("nottinghamshire"), "\(result.forces)")  // it did record one here
        #expect(result.coverage.monthsHeld == 5 && result.coverage.missing.isEmpty, "\(result.coverage.missing.map(\.force))")
    }

    /// The summary calls the year-on-year total a rise or fall only when the exact test on the
    /// brute-force counts gives p < 0.05, and otherwise says it is within normal variation; the
    /// largest rise it names is the largest among categories with p < 0.05. The places are real
    /// Leicester cases with both outcomes (checked: the test needs one of each).
    @Test func summaryCallsAChangeOnlyWhenItIsUnlikelyToBeChance() throws {
        let places: [(lat: Double, lng: Double, metres: Double)] = [
            (52.63, -1.12, 150), (52.6205, -1.1245, 150), (52.64, -1.14, 200), (52.6344, -1.1313, 100), (52.6344, -1.1313, 50), (52.63, -1.12, 200),
        ]
        var seen = Set<String>()
        for p in places {
            let report = try TestData.realMirror.report(ReportRequest(query: .radius(lat: p.lat, lng: p.lng, Distance(metres: p.metres), from: Month("2021-01"), to: Month("2021-12"))))
            let ref = ReferenceReport(lat: p.lat, lng: p.lng, metres: p.metres, from: Month("2021-01")!, to: Month("2021-12")!)
            let before = try #require(ref.yoyBefore)
            let now = ref.yoyNow.values.reduce(0, +), then = before.values.reduce(0, +)
            let test = PoissonChange(now, then)
            let label = "\(p): \(then) → \(now), p = \(test.pValue)"
            if test.pValue < 0.05 {
                #expect(report.summary.contains("recorded crime \(now > then ? "rose" : "fell") by"), "\(label): \(report.summary)")
                #expect(!report.summary.contains("recorded crime went from"), "\(label)")
                seen.insert(now > then ? "rose" : "fell")
            } else {
                #expect(report.summary.contains("recorded crime went from \(then) to \(now)") && report.summary.contains("within normal year-to-year variation"), "\(label): \(report.summary)")
                #expect(!report.summary.contains("recorded crime rose") && !report.summary.contains("recorded crime fell"), "\(label)")
                seen.insert("normal")
            }
            let rises = ref.yoyNow.keys.compactMap { slug -> (String, Int)? in
                let n = ref.yoyNow[slug]!, b = before[slug] ?? 0
                return n > b && PoissonChange(n, b).pValue < 0.05 ? (slug, n - b) : nil
            }
            if let top = rises.max(by: { ($0.1, $1.0) < ($1.1, $0.0) }) {
                #expect(report.summary.contains("largest rise was in \(Category.name(forSlug: top.0).lowercased()) (up \(top.1),"), "\(label): \(report.summary)")
            } else {
                #expect(!report.summary.contains("largest rise"), "\(label): \(report.summary)")
            }
        }
        #expect(seen.contains("rose") && seen.contains("normal"), "the places should show both wordings: \(seen)")
    }

    /// Far outside the mirror's coverage (New York) the summary says its zeros are no data, no
    /// year-on-year change is tested (a test of two zeros read as "unchanged"), and there are no
    /// catchment bounds of zero map points to quote. Inside coverage, a place with no crime in
    /// two held years says "no crimes", not "unchanged (0)".
    @Test func summaryOutsideCoverageSaysItsZerosAreNoData() throws {
        let mirror = TestData.realMirror
        let none = CatchmentBounds(certain: 0, reported: 0, possible: 0, expansionRatio: 0)
        let far = try mirror.report(ReportRequest(query: .radius(lat: 40.7128, lng: -74.006, Distance(metres: 1000), from: Month("2020-01"), to: Month("2022-10")), catchment: none))
        #expect(far.result.isOutsideCoverage && far.result.total == 0)
        #expect(far.summary.contains("which lies outside the mirror's coverage: no map point is near it, so these zeros say nothing about crime there."), "\(far.summary)")
        #expect(far.yearOnYear.unavailable == "the area is outside the mirror's coverage (no map point near it)" && far.yearOnYear.total.test == nil)
        #expect(!far.summary.contains("unchanged") && !far.summary.contains("times the area"), "\(far.summary)")
        let json = try JSONSerialization.jsonObject(with: Data(far.json().utf8)) as! [String: Any]
        #expect((json["year_on_year"] as? [String: Any])?["available"] as? Bool == false)
        // A 1 m circle in Leicester with no map point: inside coverage, both years held, plain words.
        let near = try mirror.report(ReportRequest(query: .radius(lat: 52.6344, lng: -1.1313, Distance(metres: 1), from: Month("2021-01"), to: Month("2022-10"))))
        #expect(!near.result.isOutsideCoverage && near.result.total == 0 && near.yearOnYear.unavailable == nil, "\(near.summary)")
        #expect(near.summary.contains("as in the same months a year earlier, no crimes were recorded.") && !near.summary.contains("outside the mirror's coverage"), "\(near.summary)")
    }

    /// Every number the summary states is a number (or part of a text such as a month or the
    /// radius) that the rest of the JSON carries; for reports and for comparisons.
    @Test func summaryStatesOnlyNumbersTheJSONHolds() throws {
        let mirror = TestData.realMirror
        var requests = reportCentres().prefix(8).enumerated().map { i, c in
            ReportRequest(query: .radius(lat: c.lat, lng: c.lng, Distance(metres: 804.672), from: Month(AreaReportTests.ranges[i % 4].0), to: Month(AreaReportTests.ranges[i % 4].1)))
        }
        requests.append(ReportRequest(query: .radius(lat: 52.6344, lng: -1.1313, Distance(metres: 804.672), from: Month("2020-01"), to: Month("2022-10")),
                                      label: "LE1 5WW postcode centroid", catchment: CatchmentBounds(certain: 18_211, reported: 22_550, possible: 27_903, expansionRatio: 1.37)))
        requests.append(ReportRequest(query: .polygon(try PolygonReader.poly("52.64,-1.15:52.64,-1.11:52.62,-1.11:52.62,-1.15"), from: Month("2012-01"), to: Month("2019-02"))))
        var documents = try requests.map { try mirror.report($0).json() }
        // Comparisons: two circles of one radius, and two of different radii (unequal exposures).
        for (x, y) in [(requests[0], requests[1]), (requests[2], requests[3])] {
            var second = x
            second.query.area = y.query.area
            if case .circle(let c) = y.query.area, documents.count > requests.count { second.query.area = .circle(Circle(lat: c.lat, lng: c.lng, radius: Distance(metres: 300))) }
            documents.append(try mirror.compare(x, second).json())
        }
        var statedPValues = 0
        for json in documents {
            var obj = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            var summary = try #require(obj.removeValue(forKey: "summary") as? String)
            // A p-value is stated to two significant digits ("p = 0.47"): it must be a `p_value` of
            // the JSON rounded to the digits shown. Checked here, then left out of the check below.
            var pValues: [Double] = []
            func collectP(_ v: Any) {
                if let d = v as? [String: Any] { for (k, x) in d { if k == "p_value", let p = x as? Double { pValues.append(p) } else { collectP(x) } } }
                else if let a = v as? [Any] { a.forEach(collectP) }
            }
            collectP(obj)
            let stated = try NSRegularExpression(pattern: "p = (\\d+)\\.(\\d+)")
            for m in stated.matches(in: summary, range: NSRange(summary.startIndex..., in: summary)) {
                let text = String(summary[Range(m.range, in: summary)!].dropFirst(4)), places = Double(String(summary[Range(m.range(at: 2), in: summary)!]).count)
                let scale = pow(10, places)
                statedPValues += 1
                #expect(pValues.contains { ($0 * scale).rounded() == (Double(text)! * scale).rounded() }, "summary states p = \(text), which no p_value of the JSON rounds to")
            }
            summary = stated.stringByReplacingMatches(in: summary, range: NSRange(summary.startIndex..., in: summary), withTemplate: "p = ")
            var allowed = Set<Double>()
            func collect(_ v: Any) {
                if let d = v as? [String: Any] { for (k, x) in d { numbers(in: k).forEach { allowed.insert($0) }; collect(x) } }
                else if let a = v as? [Any] { a.forEach(collect) }
                else if let s = v as? String { numbers(in: s).forEach { allowed.insert($0) } }
                else if let n = v as? NSNumber, !(v is Bool) { allowed.insert(abs(n.doubleValue)) }
            }
            collect(obj)
            let statedNumbers = numbers(in: summary)
            #expect(!statedNumbers.isEmpty)
            for n in statedNumbers { #expect(allowed.contains(n), "summary states \(n), which the JSON lacks: \(summary)") }
        }
        #expect(statedPValues > 0, "no summary stated a p-value to check")
    }

    /// A change object's `p_value` and `ratio_ci95` carry `expected`'s figures (all null for nil).
    /// The JSON writes every digit, but Foundation's JSON parser on Linux may read the last one a
    /// unit off, hence "equal" to 1e-15.
    func expectChangeTest(_ change: [String: Any], _ expected: PoissonChange?, _ label: String) {
        guard let t = expected else {
            #expect(change["p_value"] is NSNull && change["ratio_ci95"] is NSNull, "\(label): no test expected")
            return
        }
        func same(_ v: Any?, _ x: Double) -> Bool { (v as? Double).map { $0 == x || abs($0 - x) <= 1e-15 * abs(x) } ?? false }
        #expect(same(change["p_value"], t.pValue), "\(label): p_value \(String(describing: change["p_value"])) against \(t.pValue)")
        let ci = change["ratio_ci95"] as? [Any]
        #expect(ci?.count == 2 && same(ci?[0], t.ratioInterval.lowerBound)
                && (t.ratioInterval.upperBound.isInfinite ? ci?[1] is NSNull : same(ci?[1], t.ratioInterval.upperBound)),
                "\(label): ratio_ci95 \(String(describing: ci)) against \(t.ratioInterval)")
    }

    /// Decimal numbers in a text, thousands separators removed ("22,550" → 22550, "54.0%" → 54).
    func numbers(in text: String) -> [Double] {
        let regex = try! NSRegularExpression(pattern: "\\d{1,3}(?:,\\d{3})+(?:\\.\\d+)?|\\d+(?:\\.\\d+)?")
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Double(String(text[Range($0.range, in: text)!]).replacingOccurrences(of: ",", with: ""))
        }
    }

    @Test func catchmentBoundsGoIntoTheJSONAndTheCaveats() throws {
        let bounds = CatchmentBounds(certain: 10, reported: 12, possible: 15, expansionRatio: 1.25)
        let report = try TestData.realMirror.report(ReportRequest(query: .radius(lat: 52.6344, lng: -1.1313, Distance(metres: 500), from: Month("2021-01"), to: Month("2021-12")), catchment: bounds))
        let obj = try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as! [String: Any]
        let c = try #require(obj["catchment"] as? [String: Any])
        #expect(c["certain"] as? Int == 10 && c["possible"] as? Int == 15 && c["expansion_ratio"] as? Double == 1.25)
        #expect(report.summary.contains("1.25 times the area") && report.summary.contains("as low as 10") && report.summary.contains("as high as 15"))
        let plain = try TestData.realMirror.report(ReportRequest(query: .radius(lat: 52.6344, lng: -1.1313, Distance(metres: 500), from: Month("2021-01"), to: Month("2021-12"))))
        #expect((try JSONSerialization.jsonObject(with: Data(plain.json().utf8)) as! [String: Any])["catchment"] is NSNull)
    }

    @Test func flagsCategoryChangesAndMissingMonths() throws {
        let q = CrimeQuery.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 804.672), from: Month("2013-01"), to: Month("2019-12"))
        let report = try TestData.realMirror.report(ReportRequest(query: q))
        #expect(report.flags.contains { $0.kind == .categoryChange && $0.months == "2013-05" })
        #expect(report.flags.contains { $0.kind == .missingData && $0.force == nil && $0.months.contains("2019-03..2019-11") })
        #expect(report.summary.contains("May 2013"))
        #expect(report.trend.first { $0.month == Month("2019-06") }?.complete == false)
        #expect(report.yearOnYear.unavailable != nil)
        // The current window (2019-01..2019-12) lacks 2019-03..2019-11: its count falls short, and
        // the table's column and the JSON say so (check M saw an unmarked 2,927 over 4 held months).
        #expect(!report.yearOnYear.currentComplete && report.categoryTable.header.contains("2019-01..2019-12 *"))
        let yoy = (try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as! [String: Any])["year_on_year"] as! [String: Any]
        #expect((yoy["current"] as! [String: Any])["complete"] as? Bool == false)
        let whole = try TestData.realMirror.report(ReportRequest(query: .radius(lat: 52.6344, lng: -1.1313, Distance(metres: 500), from: Month("2021-01"), to: Month("2021-12"))))
        #expect(whole.yearOnYear.currentComplete && whole.yearOnYear.baselineComplete && !whole.categoryTable.header.contains { $0.hasSuffix("*") })
    }

    @Test func aPlaceWithNoCrimesIsAnHonestZeroReport() throws {
        let q = CrimeQuery.radius(lat: 55.95, lng: -3.19, Distance(metres: 500), from: Month("2021-01"), to: Month("2021-12"))  // Edinburgh
        let report = try TestData.realMirror.report(ReportRequest(query: q))
        #expect(report.result.total == 0)
        #expect(report.summary.contains("no crimes were recorded"))
        #expect(!report.result.notes.isEmpty)
    }

    @Test func monthsOutsideTheMirrorAreRefused() throws {
        let q = CrimeQuery.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 500), from: Month("2030-01"), to: Month("2030-12"))
        #expect(throws: GeoQueryError.self) { try TestData.realMirror.report(ReportRequest(query: q)) }
    }
}

@Suite struct AreaComparisonTests {
    /// Swapping the areas swaps the columns and negates every difference, in the figures and the JSON.
    @Test func compareIsSymmetric() throws {
        let mirror = TestData.realMirror
        let centres = reportCentres()
        for i in stride(from: 0, to: 10, by: 2) {
            let a = ReportRequest(query: .radius(lat: centres[i].lat, lng: centres[i].lng, Distance(metres: 804.672), from: Month("2020-01"), to: Month("2021-12")))
            var b = a
            b.query.area = .circle(Circle(lat: centres[i + 1].lat, lng: centres[i + 1].lng, radius: Distance(metres: 804.672)))
            let ab = try mirror.compare(a, b), ba = try mirror.compare(b, a)
            #expect(ab.rows.map(\.slug) == ba.rows.map(\.slug))
            for (x, y) in zip(ab.rows + [ab.total], ba.rows + [ba.total]) {
                #expect(x.a == y.b && x.b == y.a && x.difference == -y.difference && x.differencePerKm2 == -y.differencePerKm2 && x.aPerKm2 == y.bPerKm2)
            }
            let jab = try JSONSerialization.jsonObject(with: Data(ab.json().utf8)) as! [String: Any]
            let jba = try JSONSerialization.jsonObject(with: Data(ba.json().utf8)) as! [String: Any]
            #expect((jab["a"] as! NSDictionary) == (jba["b"] as! NSDictionary) && (jab["b"] as! NSDictionary) == (jba["a"] as! NSDictionary))
            for (x, y) in zip(jab["by_category"] as! [[String: Any]], jba["by_category"] as! [[String: Any]]) {
                #expect(x["a"] as? Int == y["b"] as? Int && x["b"] as? Int == y["a"] as? Int)
                #expect(x["difference"] as? Int == (y["difference"] as? Int).map { -$0 })
                #expect(x["difference_per_km2"] as? Double == (y["difference_per_km2"] as? Double).map { $0 == 0 ? 0 : -$0 })
            }
        }
    }

    /// Each row's `p_value` and `ratio_ci95` are the exact test of the brute-force counts with the
    /// areas' km² as exposures; two circles of one radius reduce to equal exposures (p0 = 0.5).
    @Test func compareCarriesTheExactTestOfTheBruteForceCounts() throws {
        let pairs: [((Double, Double, Double), (Double, Double, Double))] = [
            ((52.6344, -1.1313, 804.672), (52.6205, -1.1245, 804.672)), ((52.63, -1.12, 150), (52.6205, -1.1245, 400)), ((52.64, -1.14, 200), (52.63, -1.12, 200)),
        ]
        for (x, y) in pairs {
            func request(_ c: (Double, Double, Double)) -> ReportRequest {
                ReportRequest(query: .radius(lat: c.0, lng: c.1, Distance(metres: c.2), from: Month("2021-01"), to: Month("2021-12")))
            }
            let comparison = try TestData.realMirror.compare(request(x), request(y))
            let json = try JSONSerialization.jsonObject(with: Data(comparison.json().utf8)) as! [String: Any]
            let ra = ReferenceReport(lat: x.0, lng: x.1, metres: x.2, from: Month("2021-01")!, to: Month("2021-12")!)
            let rb = ReferenceReport(lat: y.0, lng: y.1, metres: y.2, from: Month("2021-01")!, to: Month("2021-12")!)
            func test(_ a: Int, _ b: Int) -> PoissonChange {
                x.2 == y.2 ? PoissonChange(a, b) : PoissonChange(a, b, exposureA: .pi * x.2 * x.2 / 1e6, exposureB: .pi * y.2 * y.2 / 1e6)
            }
            let label = "\(x) against \(y)"
            for row in json["by_category"] as! [[String: Any]] {
                let slug = row["slug"] as! String
                AreaReportTests().expectChangeTest(row, test(ra.byCategory[slug] ?? 0, rb.byCategory[slug] ?? 0), "\(label): \(slug)")
            }
            AreaReportTests().expectChangeTest(json["total"] as! [String: Any], test(ra.byCategory.values.reduce(0, +), rb.byCategory.values.reduce(0, +)), "\(label): total")
            #expect(json["shared_map_points"] as? Int == 0, "\(label)")
        }
    }

    /// Overlapping areas share map points, counted against the CSV rows' distinct positions within
    /// both circles (geodesic): then no difference is tested, and the summary says why.
    @Test func overlappingAreasShareMapPointsAndAreNotTested() throws {
        func request(_ lat: Double, _ lng: Double) -> ReportRequest {
            ReportRequest(query: .radius(lat: lat, lng: lng, Distance(metres: 500), from: Month("2021-01"), to: Month("2021-12")))
        }
        func positions(within metres: Double, of centres: [(Double, Double)]) -> Int {
            var seen = Set<String>()
            for r in TestData.referenceRows {
                guard let la = r.lat, let lo = r.lng, abs(la - centres[0].0) < 0.02, abs(lo - centres[0].1) < 0.03,
                      centres.allSatisfy({ Geodesic.wgs84.distance(lat1: $0.0, lng1: $0.1, lat2: la, lng2: lo) <= metres }) else { continue }
                seen.insert("\(la),\(lo)")
            }
            return seen.count
        }
        let a = request(52.6344, -1.1313), b = request(52.6380, -1.1270)
        for (x, y, centres) in [(a, b, [(52.6344, -1.1313), (52.6380, -1.1270)]), (a, a, [(52.6344, -1.1313)])] {
            let comparison = try TestData.realMirror.compare(x, y)
            let shared = positions(within: 500, of: centres)
            #expect(shared > 20, "\(centres): \(shared)")
            #expect(comparison.sharedMapPoints == shared, "\(centres): \(comparison.sharedMapPoints) against \(shared)")
            #expect(comparison.total.test == nil && comparison.rows.allSatisfy { $0.test == nil })
            let json = try JSONSerialization.jsonObject(with: Data(comparison.json().utf8)) as! [String: Any]
            #expect(json["shared_map_points"] as? Int == shared && (json["total"] as! [String: Any])["p_value"] is NSNull)
            #expect(comparison.summary.contains("The areas overlap: \(Format.grouped(shared)) map points lie in both, so their crimes count on both sides; the two counts are not independent, and no difference is tested for chance."), "\(comparison.summary)")
        }
    }

    @Test func compareRefusesDifferentMonths() throws {
        let a = ReportRequest(query: .radius(lat: 52.6344, lng: -1.1313, Distance(metres: 500), from: Month("2020-01"), to: Month("2020-12")))
        var b = a
        b.query.to = Month("2021-12")
        #expect(throws: GeoQueryError.self) { try TestData.realMirror.compare(a, b) }
    }
}

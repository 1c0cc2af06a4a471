import Foundation
import Testing
@testable import GeoQuery

/// A mirror that takes street files through its delta answers exactly as one rebuilt whole from
/// the same ingests, on the real archive: new months (with map points new to the mirror), a
/// restated base force-month that leaves some map points without a crime, a restated delta
/// force-month, and the compaction that folds it all into one snapshot.
@Suite(.serialized) struct MirrorDeltaTests {
    static func files(_ months: [String]) -> [String] {
        months.flatMap { m in
            ((try? FileManager.default.contentsOfDirectory(atPath: TestData.archive + "/" + m)) ?? []).sorted()
                .filter { $0.hasSuffix("-street.csv") }.map { TestData.archive + "/" + m + "/" + $0 }
        }
    }

    /// A real street file with every other row dropped (a restatement that loses crimes).
    static func halved(_ month: String, _ force: String, into dir: String) -> String {
        let text = try! String(contentsOfFile: "\(TestData.archive)/\(month)/\(month)-\(force)-street.csv", encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let kept = [lines[0]] + lines.dropFirst().enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        let path = "\(dir)/\(month)-\(force)-street.csv"
        try! kept.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The ingests, in order: a base of five months (the 2019-01 folder's 41 forces among
    /// them), then three that a delta can hold.
    static let steps: [[String]] = {
        let derived = TestData.temporaryDirectory("halved")
        return [
            files(["2018-10", "2018-11", "2018-12", "2019-01", "2019-02"]),
            files(["2019-12", "2020-01"]),
            [halved("2019-01", "leicestershire", into: derived), TestData.archive + "/2019-02/2019-02-durham-street.csv"] + files(["2020-02"]),
            [halved("2020-01", "leicestershire", into: derived)] + files(["2020-03"]),
        ]
    }()

    /// Random queries like the fast path's: circles around crimes of every kind of place, LSOAs,
    /// month ranges past both ends, category and force filters, BTP left out or not.
    static func expectSame(_ a: CrimeMirror, _ b: CrimeMirror, seed: UInt64, count: Int = 300) throws {
        #expect(a.forces == b.forces && a.categories == b.categories && a.outcomes == b.outcomes)
        #expect(a.firstMonth == b.firstMonth && a.lastMonth == b.lastMonth)
        var rng = SeededRandom(seed: seed)
        let months = (Month("2018-07")!...Month("2020-06")!).months
        var withCrimes = 0
        // Also answered into one result, whose tallies (the delta's among them) come from the pool.
        var reused = try a.query(.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 100)))
        for i in 0..<count {
            let q = RandomQueries.query(i, using: &rng, months: months, forces: b.forces, shortest: 0.01)
            let expected = try b.query(q)
            #expect(try a.query(q) == expected, "query \(i) (seed \(seed)): \(q)")
            try a.query(q, fields: .all, into: &reused)
            #expect(reused == expected, "query \(i) (seed \(seed)), into one result: \(q)")
            #expect(try a.query(QueryPlan(q, mirror: a), path: .cellWalk) == expected, "query \(i) (seed \(seed)), cell walk: \(q)")
            if expected.total > 0 { withCrimes += 1 }
        }
        #expect(withCrimes > count / 3)
    }

    /// Crimes by map point (coordinates: point indices differ between a delta and a rebuild),
    /// each point's in the order listed.
    static func byPoint(_ crimes: [Crime]) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for c in crimes {
            out["\(c.located ? c.mapPoint.latE6 : -1),\(c.located ? c.mapPoint.lngE6 : -1)", default: []]
                .append("\(c.id) \(c.persistentID) \(c.category) \(c.month) \(c.force) \(c.locationName) \(c.context) \(c.outcome) \(c.outcomeMonth)")
        }
        return out
    }

    /// Listings, Crime ID look-ups, no-location crimes, catchment reports and the mirror's facts.
    static func expectSameRows(_ a: CrimeMirror, _ b: CrimeMirror, seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let located = TestData.referenceRows.filter { $0.lat != nil }
        var listed = 0
        for i in 0..<40 {
            let anchor = located[Int.random(in: 0..<located.count, using: &rng)]
            let metres = Double.random(in: 20...900, using: &rng)
            let q = CrimeQuery.radius(lat: anchor.lat!, lng: anchor.lng!, Distance(metres: metres),
                                      from: i % 2 == 0 ? nil : Month("2019-01"), to: i % 2 == 0 ? nil : Month("2020-01"))
            let (x, y) = (try a.crimes(q), try b.crimes(q))
            let (bx, by) = (Self.byPoint(x), Self.byPoint(y))
            let firstDiff = by.keys.sorted().first { bx[$0] != by[$0] }.map { k -> String in
                let (u, v) = (bx[k] ?? [], by[k]!)
                let j = (0..<min(u.count, v.count)).first { u[$0] != v[$0] } ?? min(u.count, v.count)
                return "\(k) at \(j) of \(u.count)/\(v.count): \(j < u.count ? u[j] : "-") vs \(j < v.count ? v[j] : "-")"
            } ?? ""
            #expect(x.count == y.count && bx == by, "listing \(i): \(q) \(firstDiff.prefix(1500))")
            // The listing in parts reads the delta's rows as the whole one does.
            if i % 4 == 1 { try PoliceJSONListingTests.expectWhole(a, q, "delta listing \(i)") }
            #expect(Set(try a.mapPoints(in: q.area).map { "\($0.latE6),\($0.lngE6)" }) == Set(try b.mapPoints(in: q.area).map { "\($0.latE6),\($0.lngE6)" }))
            listed += y.count
            for c in y.prefix(3) where !c.persistentID.isEmpty {
                #expect(Self.byPoint(try a.crimes(persistentID: c.persistentID)) == Self.byPoint(try b.crimes(persistentID: c.persistentID)), "\(c.persistentID)")
            }
            if i % 8 == 0 {
                // All months, and windows that start before the delta's first month (which once
                // trapped, the months shifted below zero), around the anchor and Leicester.
                let windows: [(String?, String?)] = [(nil, nil), ("2019-01", "2019-01"), ("2019-06", "2019-12"), ("2018-06", "2020-01")]
                for (from, to) in windows {
                    for (lat, lng, r) in [(anchor.lat!, anchor.lng!, metres), (52.63, -1.13, 804.672)] {
                        let w = CrimeQuery.radius(lat: lat, lng: lng, Distance(metres: r), from: from.flatMap(Month.init), to: to.flatMap(Month.init))
                        let (r, s) = (try a.catchmentReport(w), try b.catchmentReport(w))
                        #expect(r.bounds.certain == s.bounds.certain && r.bounds.reported == s.bounds.reported && r.bounds.possible == s.bounds.possible, "catchments \(i): \(w)")
                        #expect(r.mapPointsInside == s.mapPointsInside && abs(r.unionAreaKm2 - s.unionAreaKm2) <= 1e-6 * max(1, s.unionAreaKm2), "catchments \(i): \(w)")
                    }
                }
            }
            if let n = a.nearestMapPoint(lat: anchor.lat!, lng: anchor.lng!), let m = b.nearestMapPoint(lat: anchor.lat!, lng: anchor.lng!) {
                #expect(a.mapPoint(n.index).latE6 == b.mapPoint(m.index).latE6 && a.mapPoint(n.index).lngE6 == b.mapPoint(m.index).lngE6)
            }
        }
        #expect(listed > 1000)
        // City of London's 2020-01 holds two rows identical but for their outcome (one Crime ID):
        // their ids follow one rebuilt snapshot's order, not the delta's own outcome numbering.
        if a.lastMonth.map({ $0 >= Month("2020-01")! }) == true {
            let city = CrimeQuery.radius(lat: 51.515, lng: -0.09, Distance(metres: 3000), from: Month("2020-01"), to: Month("2020-01"), forces: ["city-of-london"])
            let (x, y) = (try a.crimes(city), try b.crimes(city))
            #expect(x.count == y.count && x.count > 300 && Self.byPoint(x) == Self.byPoint(y))
        }
        for force in b.forces {
            #expect(try a.crimesWithoutLocation(force: force) == b.crimesWithoutLocation(force: force), "no location: \(force)")
            let parts = try PoliceJSONListingTests.parts(try a.policeJSONListingWithoutLocation(force: force), minimumBytes: 1)
            #expect(parts.joined().elementsEqual(Array(try b.crimesWithoutLocation(force: force).policeJSON().utf8)), "no location in parts: \(force)")
        }
        let (x, y) = (a.info, b.info)
        #expect(x.crimes == y.crimes && x.noLocation == y.noLocation && x.mapPoints == y.mapPoints && x.firstMonth == y.firstMonth && x.lastMonth == y.lastMonth)
        #expect(x.forces.map { "\($0.force) \($0.first) \($0.last) \($0.months) \($0.gaps) \($0.crimes)" } == y.forces.map { "\($0.force) \($0.first) \($0.last) \($0.months) \($0.gaps) \($0.crimes)" })
    }

    /// Tile plans of a force area (requests, their URLs and expected counts) are the rebuild's,
    /// for a month of the base and a month of the delta: the planner reads a delta's new map
    /// points through the mirror, not the snapshot's arrays (it read past them, planning
    /// requests at 52.67,-1.22 as ones at -0.97,-0.00, ~250 times too many).
    static func expectSamePlans(_ a: CrimeMirror, _ b: CrimeMirror, months: [String], label: String) throws {
        for month in months {
            // Leicestershire's map points span the base and the delta.
            let area = Area.polygon(try #require(TestData.forceArea("Leicestershire")))
            let x = try TilePlanner.plan(area, month: Month(month)!, limit: 500, mirror: a), y = try TilePlanner.plan(area, month: Month(month)!, limit: 500, mirror: b)
            #expect(x.total == y.total && x.mapPoints == y.mapPoints && x.total > 0, "\(label) \(month): \(x.total) vs \(y.total)")
            #expect(x.tiles.map(\.url) == y.tiles.map(\.url) && x.tiles.map(\.expected) == y.tiles.map(\.expected),
                    "\(label) \(month): \(x.tiles.count) requests vs \(y.tiles.count)")
        }
    }

    @Test func deltasAnswerAsTheWholeRebuild() throws {
        let dir = TestData.temporaryDirectory("delta"), whole = TestData.temporaryDirectory("whole")
        let deltaPath = dir + "/" + MirrorDelta.fileName
        for (i, step) in Self.steps.enumerated() {
            let s = try Ingest.run(paths: step, mirror: .directory(dir))
            let w = try Ingest.run(paths: step, mirror: .directory(whole), compact: true)
            #expect((s.deltaBytes != nil) == (i > 0), "step \(i) went to the delta")
            #expect(w.deltaBytes == nil && !FileManager.default.fileExists(atPath: whole + "/" + MirrorDelta.fileName))
            #expect(s.crimesInMirror == w.crimesInMirror && s.mapPointsInMirror == w.mapPointsInMirror, "step \(i)")
            #expect(s.partitionsWritten == w.partitionsWritten && s.partitionsReplaced == w.partitionsReplaced, "step \(i)")
            if i == 0 { continue }
            let a = try CrimeMirror.open(.directory(dir)), b = try CrimeMirror.open(.directory(whole))
            let delta = try #require(a.delta)
            if i >= 2 {
                // The halved 2019-01 leaves some base map points without a crime, and a 2020
                // month brings points new to the mirror.
                #expect(delta.emptied.count > 0 && delta.newBefore.last! > 0 && !delta.superseded.isEmpty)
            }
            try Self.expectSame(a, b, seed: SeededRandom.seed(UInt64(2026_1204 + i)), count: i == Self.steps.count - 1 ? 300 : 100)
            try Self.expectSameRows(a, b, seed: SeededRandom.seed(UInt64(41 + i)))
            try Self.expectSamePlans(a, b, months: ["2019-01", ["", "2020-01", "2020-02", "2020-03"][i]], label: "step \(i)")
        }
        // Compaction folds the delta in and removes it; the answers stay the same.
        #expect(FileManager.default.fileExists(atPath: deltaPath))
        let c = try Ingest.run(paths: [], mirror: .directory(dir), compact: true)
        #expect(c.deltaBytes == nil && !FileManager.default.fileExists(atPath: deltaPath))
        let a = try CrimeMirror.open(.directory(dir)), b = try CrimeMirror.open(.directory(whole))
        #expect(a.delta == nil && a.snapshot.meta.crimes == b.snapshot.meta.crimes)
        try Self.expectSame(a, b, seed: SeededRandom.seed(99), count: 60)
    }
}

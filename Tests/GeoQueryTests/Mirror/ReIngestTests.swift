import Foundation
import Testing
@testable import GeoQuery

/// Re-ingest on a small generated national archive (every force of England and Wales and BTP,
/// three months): a mirror extended with a new month and a restated one, whether it started as v3
/// or as v2, answers exactly as one from-scratch ingest of the same files.
@Suite(.serialized) struct ReIngestTests {
    static let months = ["2021-01", "2021-02", "2021-03"]

    /// `geoquery sample --national`, 3 months of 20,000 rows at 100,000 map points, patterned on
    /// the archive's 2019-01 folder (linked, not copied).
    static let national: String = {
        let archive = TestData.temporaryDirectory("archive")
        try? FileManager.default.createSymbolicLink(atPath: archive + "/2019-01", withDestinationPath: TestData.archive + "/2019-01")
        let folder = TestData.temporaryDirectory("national")
        let args = ["sample", "--national", "--months", "3", "--start", months[0], "--seed", "3", "--rows-per-month", "20000",
                    "--map-points", "100000", "--archive", archive, "--write", folder]
        guard let run = try? CLIRun.run(args), run.status == 0 else { fatalError("sample --national failed") }
        return folder
    }()

    static func files(_ month: String) -> [String] {
        let dir = national + "/" + month
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted().map { dir + "/" + $0 }
    }

    /// Radius queries over several forces, all months and one month, with and without a filter.
    static let queries: [CrimeQuery] = {
        var out: [CrimeQuery] = []
        for (lat, lng) in [(51.5074, -0.1278), (53.4808, -2.2426), (52.6344, -1.1313), (54.9783, -1.6178), (51.4816, -3.1791)] {
            for metres in [300.0, 2000, 12000] {
                out.append(.radius(lat: lat, lng: lng, Distance(metres: metres)))
                out.append(.radius(lat: lat, lng: lng, Distance(metres: metres), from: Month("2021-02"), to: Month("2021-02")))
                out.append(.radius(lat: lat, lng: lng, Distance(metres: metres), categories: ["burglary"], excludeBTP: true))
            }
        }
        return out
    }()

    func expectSame(_ dir: String, _ reference: String) throws {
        let a = try CrimeMirror.open(.directory(dir)), b = try CrimeMirror.open(.directory(reference))
        #expect(a.snapshot.meta.crimes == b.snapshot.meta.crimes && a.mapPointCount == b.mapPointCount)
        var total = 0
        for q in Self.queries {
            let (x, y) = (try a.query(q), try b.query(q))
            #expect(x == y)
            total += y.total
        }
        #expect(total > 1000)  // the queries do reach crimes
        let small = CrimeQuery.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 2000))
        #expect(try a.crimes(small) == b.crimes(small))
    }

    @Test func extendingAndRestatingEqualsAFromScratchIngest() throws {
        let reference = TestData.temporaryDirectory("scratch")
        _ = try Ingest.run(paths: Self.months.flatMap(Self.files), mirror: .directory(reference))

        let dir = TestData.temporaryDirectory("extended")
        _ = try Ingest.run(paths: Self.files("2021-01") + Self.files("2021-02"), mirror: .directory(dir))
        let summary = try Ingest.run(paths: Self.files("2021-03") + Self.files("2021-02"), mirror: .directory(dir))
        #expect(summary.partitionsReplaced == Self.files("2021-02").count)
        try expectSame(dir, reference)
    }

    @Test func aV2NationalMirrorExtendsToTheSameAnswers() throws {
        let reference = TestData.temporaryDirectory("scratch")
        _ = try Ingest.run(paths: Self.months.flatMap(Self.files), mirror: .directory(reference))

        let v3 = TestData.temporaryDirectory("v3")
        _ = try Ingest.run(paths: Self.files("2021-01") + Self.files("2021-02"), mirror: .directory(v3))
        let table = try CrimeMirror.open(.directory(v3)).snapshot.crimeTable()
        let v2 = TestData.temporaryDirectory("v2")
        _ = try MirrorLocation.directory(v2).write(SnapshotBuilder(table: table, synthetic: false, formatVersion: 2).build())
        _ = try Ingest.run(paths: Self.files("2021-03"), mirror: .directory(v2))
        try expectSame(v2, reference)
    }

    /// A force-month restated with under half its rows (a download cut short at the end of a row)
    /// is warned about, naming the force, the month and both counts, whether the rows go to the
    /// delta or the whole mirror is rebuilt; the new rows are what the mirror then holds. A month
    /// restated whole, or at 90%, is not warned about.
    @Test func aRestatementWithUnderHalfTheRowsIsWarnedAbout() throws {
        let london = TestData.archive + "/2019-01/2019-01-city-of-london-street.csv"
        let lines = try String(contentsOfFile: london, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true)
        let held = lines.count - 1
        #expect(held >= 600)
        func cut(_ rows: Int) -> String {
            let dir = TestData.temporaryDirectory("cut")
            let path = dir + "/2019-01-city-of-london-street.csv"
            FileManager.default.createFile(atPath: path, contents: Data((lines.prefix(rows + 1).joined(separator: "\n") + "\n").utf8))
            return path
        }
        let leicestershire = TestData.archive + "/2019-01/2019-01-leicestershire-street.csv"
        for compact in [false, true] {
            let dir = TestData.temporaryDirectory("shrunk")
            _ = try Ingest.run(paths: [london, leicestershire], mirror: .directory(dir))
            let short = try Ingest.run(paths: [cut(200)], mirror: .directory(dir), compact: compact)
            #expect((short.deltaBytes != nil) == !compact)  // both ways of writing
            #expect(short.shrunk == [ShrunkMonth(force: "city-of-london", month: Month("2019-01")!, held: held, now: 200)] && short.warnings.isEmpty,
                    "compact \(compact): \(short.shrunk) \(short.warnings)")
            #expect(short.shrunk.map(\.warning) == ["city-of-london 2019-01: restated with 200 street-level crimes where the mirror held \(held) "
                + "(\(Double(200_000 / held) / 10)% of them). Police UK's restatements change a few rows: "
                + "check the file is whole (a download cut short at the end of a row reads as a smaller month). The mirror now holds the 200."])
            let meta = try CrimeMirror.open(.directory(dir)).snapshot.meta
            // With a delta, the base still lists the month as it was: the query answers from the delta.
            let total = try CrimeMirror.open(.directory(dir)).query(.radius(lat: 51.5155, lng: -0.0922, Distance(metres: 5000))).total
            #expect(total <= 200 && total > 0, "\(total)")
            if compact { #expect(meta.street.first { $0.force == "city-of-london" }?.crimes == 200) }
            // Whole again, then at 90%: no warning.
            #expect(try Ingest.run(paths: [london], mirror: .directory(dir), compact: compact).shrunk.isEmpty)
            #expect(try Ingest.run(paths: [cut(held * 9 / 10)], mirror: .directory(dir), compact: compact).shrunk.isEmpty)
        }
    }

    /// A category and an outcome named only by rows a restatement takes away are not kept: the
    /// mirror answers as one built from the real file alone (it kept `cyber-fraud`, a zero in
    /// every `by_category`, and accepted `--category cyber-fraud`). In one ingest, and in a
    /// second one rebuilt whole (`compact`).
    @Test func namesOnlyRestatedRowsUsedAreDropped() throws {
        let real = TestData.archive + "/2019-01/2019-01-city-of-london-street.csv"
        let lines = try String(contentsOfFile: real, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Rows 1-39 typed "Cyber fraud", rows 40-59 given a made-up outcome (column 11).
        var changed = lines
        for i in 1..<60 {
            var f = changed[i].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if i < 40 { f[9] = "Cyber fraud" } else { f[10] = "Referred to the moon" }
            changed[i] = f.joined(separator: ",")
        }
        let weird = TestData.temporaryDirectory("weird") + "/2019-01-city-of-london-street.csv"
        try changed.joined(separator: "\n").write(toFile: weird, atomically: true, encoding: .utf8)

        let plain = TestData.temporaryDirectory("plain"), once = TestData.temporaryDirectory("once"), twice = TestData.temporaryDirectory("twice")
        _ = try Ingest.run(paths: [real], mirror: .directory(plain))
        _ = try Ingest.run(paths: [weird, real], mirror: .directory(once))
        _ = try Ingest.run(paths: [weird], mirror: .directory(twice))
        #expect(try CrimeMirror.open(.directory(twice)).categories.contains("cyber-fraud"))
        _ = try Ingest.run(paths: [real], mirror: .directory(twice), compact: true)
        let expected = try CrimeMirror.open(.directory(plain))
        let q = CrimeQuery.radius(lat: 51.515, lng: -0.092, Distance(metres: 1609.344))
        for dir in [once, twice] {
            let m = try CrimeMirror.open(.directory(dir))
            #expect(m.categories == expected.categories && m.outcomes == expected.outcomes, "\(dir)")
            #expect(try m.query(q).json(area: q.area) == expected.query(q).json(area: q.area))
            #expect(throws: GeoQueryError.self) { try m.query(.radius(lat: 51.515, lng: -0.092, Distance(metres: 500), categories: ["cyber-fraud"])) }
            #expect(try m.crimes(q).policeJSON() == expected.crimes(q).policeJSON())
        }
    }
}

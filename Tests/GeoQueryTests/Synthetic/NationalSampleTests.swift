import Foundation
import Testing
@testable import GeoQuery
@testable import GeoQuerySynthetic

/// `geoquery sample --national`, scaled down (20,000 rows, 250,000 map points, one month,
/// patterned on the archive's 2019-01 folder, which holds every force it has): the same seed gives
/// the same bytes in another process, another seed other bytes; the files ingest with every force
/// of England and Wales and BTP; points lie in their force's area; the category, outcome and
/// "No Location" mix is the archive's (read by the tests' own CSV reader).
@Suite(.serialized) struct NationalSampleTests {
    static let month = Month(year: 2021, month: 3)
    static let rows = 20_000, points = 250_000, seed: UInt64 = 7
    static let archiveMonth = "2019-01"

    /// An archive of the one month, linked to the real folder (half the rows to read in a debug build).
    static let archive: String = {
        let folder = TestData.temporaryDirectory("archive")
        do {
            try FileManager.default.createSymbolicLink(atPath: folder + "/" + archiveMonth, withDestinationPath: TestData.archive + "/" + archiveMonth)
        } catch { fatalError("\(error)") }
        return folder
    }()

    /// One CLI run shared by the tests.
    static let written: (folder: String, run: CLIRun) = {
        let folder = TestData.temporaryDirectory("national")
        let args = ["sample", "--national", "--months", "1", "--start", month.description, "--seed", String(seed),
                    "--rows-per-month", String(rows), "--map-points", String(points), "--archive", archive, "--write", folder]
        guard let run = try? CLIRun.run(args) else { fatalError("could not run \(TestData.binary)") }
        return (folder, run)
    }()

    /// The archive read once in this process, for in-process samples.
    static let pattern: ArchivePattern = {
        do { return try ArchivePattern.read(archive: archive, slugs: NationalModel.forceSlugs) } catch { fatalError("\(error)") }
    }()

    static func sample(seed: UInt64) throws -> NationalSample {
        try NationalSample(pattern: pattern, archive: archive, rowsPerMonth: rows, mapPoints: points, seed: seed)
    }

    /// Every force of England and Wales and BTP, written out here rather than taken from the generator.
    static var expectedForces: Set<String> {
        Set(GeoQuery.Force.all.map(\.slug)).subtracting(["northern-ireland"])
    }

    static func file(_ folder: String, _ force: String) -> String { "\(folder)/\(month)/\(month)-\(force)-street.csv" }

    /// The written files' rows, by force, split by the tests' own CSV reader.
    static let writtenRows: [String: [[String]]] = {
        var out: [String: [[String]]] = [:]
        for force in expectedForces {
            let text = (try? String(contentsOfFile: file(written.folder, force), encoding: .utf8)) ?? ""
            out[force] = text.split(separator: "\n").dropFirst().map { ReferenceRows.split(String($0)) }
        }
        return out
    }()

    @Test func sameSeedSameBytesInAnotherProcess() throws {
        let r = Self.written.run
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("SYNTHETIC"))
        let readme = try String(contentsOfFile: Self.written.folder + "/README.md", encoding: .utf8)
        #expect(readme.contains("SYNTHETIC") && readme.contains("seed 7"))
        let sample = try Self.sample(seed: Self.seed)
        #expect(Set(sample.forces) == Self.expectedForces)
        for force in sample.forces {
            let onDisk = try Data(contentsOf: URL(fileURLWithPath: Self.file(Self.written.folder, force)))
            let again = try #require(sample.streetCSV(force: force, month: Self.month))
            #expect(onDisk == Data(again.csv), "\(force): the CLI's file differs from the library's for the same seed")
        }
    }

    @Test func aDifferentSeedGivesOtherBytes() throws {
        let a = try Self.sample(seed: Self.seed), b = try Self.sample(seed: Self.seed + 1)
        var differing = 0, differentCounts = 0
        for force in a.forces {
            let x = try #require(a.streetCSV(force: force, month: Self.month)), y = try #require(b.streetCSV(force: force, month: Self.month))
            if x.csv != y.csv { differing += 1 }
            if x.rows != y.rows { differentCounts += 1 }
        }
        #expect(differing == a.forces.count, "only \(differing) of \(a.forces.count) force files changed with the seed")
        #expect(differentCounts > a.forces.count / 2, "monthly counts should vary with the seed")
    }

    @Test func ingestsWithEveryForceAndEveryRow() throws {
        let mirror = TestData.temporaryDirectory("national-mirror")
        let r = try CLIRun.run(["ingest", "--mirror", mirror, Self.written.folder])
        #expect(r.status == 0, "\(r.stderr)")
        let info = try CrimeMirror.open(.directory(mirror)).info
        #expect(Set(info.forces.map(\.force)) == Self.expectedForces)
        for coverage in info.forces {
            #expect(coverage.crimes == Self.writtenRows[coverage.force]?.count, "\(coverage.force): ingested \(coverage.crimes) rows")
            #expect(coverage.first == Self.month && coverage.last == Self.month)
        }
        let total = Self.writtenRows.values.reduce(0) { $0 + $1.count }
        #expect(info.crimes == total)
        // The scale asked for: 20,000 rows give or take the seasonal factor and ±6%.
        #expect(abs(total - Self.rows) < Self.rows / 5, "\(total) rows")
    }

    @Test func mapPointsLieInTheirForceArea() throws {
        var checked = 0
        var points = Set<String>()
        for (force, rows) in Self.writtenRows where force != GeoQuery.Force.btp {
            for f in rows where !f[4].isEmpty {
                let lng = try #require(Double(f[4])), lat = try #require(Double(f[5]))
                #expect(ForceAreas.builtIn.force(at: lat, lng) == force, "\(force) row at \(lat),\(lng)")
                checked += 1
                points.insert(f[4] + "," + f[5])
            }
            #expect(rows.contains { !$0[4].isEmpty }, "\(force) has no located rows")
        }
        #expect(checked > Self.rows * 9 / 10)
        // Forces the archive lacks are stood in for, with their LSOAs renamed.
        for force in ["metropolitan", "greater-manchester", "west-midlands", "west-yorkshire"] {
            let located = try #require(Self.writtenRows[force]).filter { !$0[4].isEmpty }
            #expect(!located.isEmpty && located.allSatisfy { $0[7].hasPrefix("E0198") }, "\(force)")
        }
    }

    /// Category and outcome shares nationally within 1 percentage point of the archive's rows of
    /// each force (a stood-in force: its donor's), weighted by the rows written for the force; the
    /// sampling error at 20,000 rows is about 0.3 points for a 30% share.
    @Test func categoryAndOutcomeMixFollowTheArchive() throws {
        let sample = try Self.sample(seed: Self.seed)
        let donor = Dictionary(uniqueKeysWithValues: sample.standIns.map { ($0.force, $0.donor) })
        var archiveRows: [String: [ReferenceRow]] = [:]
        for row in TestData.referenceRows where row.month == Self.archiveMonth { archiveRows[row.force, default: []].append(row) }

        func shares(_ key: (ReferenceRow) -> String, _ written: ([String]) -> String) -> (expected: [String: Double], got: [String: Double]) {
            var expected: [String: Double] = [:], got: [String: Double] = [:]
            var total = 0.0
            for (force, rows) in Self.writtenRows {
                let source = archiveRows[donor[force] ?? force] ?? []
                let weight = Double(rows.count) / Double(source.count)
                for r in source { expected[key(r), default: 0] += weight }
                for r in rows { got[written(r), default: 0] += 1 }
                total += Double(rows.count)
            }
            return (expected.mapValues { $0 / total }, got.mapValues { $0 / total })
        }
        let categories = shares({ $0.category }, { ReferenceRows.slug($0[9]) })
        let outcomes = shares({ $0.outcome }, { $0[10].isEmpty ? "none" : $0[10] })
        let located = shares({ $0.lat == nil ? "no location" : "located" }, { $0[4].isEmpty ? "no location" : "located" })
        for (name, mix) in [("category", categories), ("outcome", outcomes), ("location", located)] {
            #expect(Set(mix.got.keys).isSubset(of: Set(mix.expected.keys)), "\(name): values the archive never has")
            for (value, share) in mix.expected {
                let got = mix.got[value] ?? 0
                #expect(abs(got - share) < 0.01, "\(name) \(value): \(got) written vs \(share) in the archive")
            }
        }
        #expect((located.got["no location"] ?? 0) > 0)
    }

    @Test func crimeIDsAsInTheArchive() throws {
        let hex = Set("0123456789abcdef")
        for (force, rows) in Self.writtenRows {
            for f in rows {
                if f[9] == "Anti-social behaviour" || force == GeoQuery.Force.btp {
                    #expect(f[0].isEmpty && f[10].isEmpty, "\(force): \(f[9]) with a Crime ID or outcome")
                } else if !f[0].isEmpty {
                    #expect(f[0].count == 64 && f[0].allSatisfy(hex.contains), "\(force): Crime ID \(f[0])")
                }
            }
        }
    }
}

/// Bad input to `sample`: one line and a non-zero exit, before any archive is read.
@Suite struct NationalSampleBadInputTests {
    let bad = BadInputTests()

    @Test func zeroMonths() throws {
        try bad.expectError(["sample", "--national", "--months", "0", "--write", TestData.temporaryDirectory()], "--months must be 1 to 1200 (got 0)", status: 2)
    }
    /// Numbers that would run for hours or past year 9999, an empty folder and a file as folder.
    @Test func outOfBoundsNumbersAndPaths() throws {
        let dir = TestData.temporaryDirectory()
        try bad.expectError(["sample", "--national", "--months", "99999999999", "--write", dir], "--months must be 1 to 1200", status: 2)
        try bad.expectError(["sample", "--national", "--months", "2", "--start", "9999-12", "--write", dir], "--start 9999-12 with --months 2 runs past 9999-12", status: 2)
        try bad.expectError(["sample", "--national", "--months", "1", "--rows-per-month", "99999999999999", "--write", dir], "--rows-per-month must be 1 to 10000000", status: 2)
        try bad.expectError(["sample", "--national", "--months", "1", "--map-points", "99999999999999", "--write", dir], "--map-points must be 0 to 15000000", status: 2)
        try bad.expectError(["sample", "--write", ""], "--write needs a folder", status: 2)
        let file = dir + "/a-file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        try bad.expectError(["sample", "--write", file], "--write \(file) is a file, not a folder", status: 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["a-file"])
    }
    @Test func monthsMissing() throws {
        try bad.expectError(["sample", "--national", "--write", TestData.temporaryDirectory()], "--national needs --months", status: 2)
    }
    @Test func nationalOptionsWithoutNational() throws {
        try bad.expectError(["sample", "--months", "3", "--write", TestData.temporaryDirectory()], "--months is an option of the national sample", status: 2)
        try bad.expectError(["sample", "--seed", "3", "--write", TestData.temporaryDirectory()], "--seed is an option of the national sample", status: 2)
    }
    @Test func badStart() throws {
        try bad.expectError(["sample", "--national", "--months", "1", "--start", "2020-13", "--write", TestData.temporaryDirectory()], "--start '2020-13' is not a month", status: 2)
    }
    @Test func folderThatCannotBeWritten() throws {
        let file = TestData.temporaryDirectory() + "/a-file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        try bad.expectError(["sample", "--national", "--months", "1", "--write", file + "/national"], "cannot create \(file)/national (the folder for the CSVs): \(file) is a file, not a folder")
    }
    @Test func missingArchive() throws {
        try bad.expectError(["sample", "--national", "--months", "1", "--archive", "/no/such/archive", "--write", TestData.temporaryDirectory()], "no crime archive at /no/such/archive")
    }
}

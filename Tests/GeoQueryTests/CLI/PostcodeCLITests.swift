import Foundation
import Testing
@testable import GeoQuery

/// `--postcode` through the built binary.
@Suite struct PostcodeCLITests {
    static var mirror: [String] { ["--mirror", TestData.postcodeMirrorPath] }
    let bad = BadInputTests()

    func json(_ args: [String]) throws -> [String: Any] {
        let r = try CLIRun.run(args + ["--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    }

    @Test(arguments: ["le15ww", "LE1 5", "EC2V", "DH1 3"])
    func aPostcodeQueryEqualsTheSameQueryAtItsCentroid(_ postcode: String) throws {
        let c = try PostcodeTable.open(.directory(TestData.postcodeMirrorPath)).resolve(postcode)
        var byPostcode = try json(Self.mirror + ["--postcode", postcode, "--radius", "800m"])
        var byCentre = try json(Self.mirror + ["--lat", "\(c.lat)", "--lng", "\(c.lng)", "--radius", "800m"])
        let centre = byPostcode.removeValue(forKey: "centre") as? [String: Any]
        #expect(centre?["postcode"] as? String == c.postcode.description)
        #expect(centre?["kind"] as? String == c.kind.rawValue && centre?["postcodes"] as? Int == c.postcodes)
        #expect((byPostcode["notes"] as? [String])?.first == c.description)
        byPostcode.removeValue(forKey: "notes"); byCentre.removeValue(forKey: "notes")
        #expect(NSDictionary(dictionary: byPostcode) == NSDictionary(dictionary: byCentre))
        #expect((byPostcode["total"] as? Int ?? 0) > 0)
    }

    @Test func everyFormatNamesTheCentre() throws {
        let table = try CLIRun.run(Self.mirror + ["--postcode", "LE1 5"])
        #expect(table.stdout.contains("! centre: LE1 5 sector centroid of"))
        for format in ["csv", "police-json"] {
            let r = try CLIRun.run(Self.mirror + ["--postcode", "LE1 5WW", "--radius", "200m", "--format", format])
            #expect(r.status == 0 && r.stderr.hasPrefix("geoquery: note: centre: LE1 5WW postcode centroid (52.6"), "\(r.stderr)")
        }
    }

    @Test func batchLinesTakeAPostcode() throws {
        let r = try CLIRun.run(["batch"] + Self.mirror, stdin: "{\"postcode\":\"le1 5ww\",\"radius\":\"300m\",\"id\":\"a\"}\n{\"postcode\":\"LE1 9ZZ\"}\n")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines[0].contains("\"centre\":{\"postcode\":\"LE1 5WW\",\"kind\":\"unit\",\"postcodes\":1"))
        #expect(lines[1].contains("postcode not found: LE1 9ZZ; nearest known postcodes in sector LE1 9"))
    }

    @Test func badPostcodeInput() throws {
        try bad.expectError(Self.mirror + ["--postcode", "LE1-5WW"], "invalid postcode format: 'LE1-5WW'")
        try bad.expectError(Self.mirror + ["--postcode", "LE1 9ZZ"], "postcode not found: LE1 9ZZ; nearest known postcodes in sector LE1 9 (alphabetical neighbours): LE1 9")
        try bad.expectError(Self.mirror + ["--postcode", "LE1 5WW", "--lat", "52.6", "--lng", "-1.1"], "give one centre: --postcode or --lat/--lng")
        try bad.expectError(Self.mirror + ["--postcode", "LE1 5WW", "--poly", "52.6,-1.1:52.7,-1.1:52.6,-1.2"], "leave out --lat/--lng/--radius/--postcode")
        try bad.expectError(["--postcode", "LE1 5WW"], "this mirror (the embedded synthetic sample) holds no postcodes: load them with 'geoquery ingest --mirror DIR --postcodes FILE'")
        try bad.expectError(["--postcode", "nowhere"], "invalid postcode format")
    }

    @Test func aWrongShapeFileIsOneClearError() throws {
        let file = TestData.temporaryDirectory("bad") + "/people.csv"
        try "name,age\nbob,3\n".write(toFile: file, atomically: true, encoding: .utf8)
        try bad.expectError(["ingest", "--mirror", TestData.temporaryDirectory(), "--postcodes", file],
                            "people.csv is not a postcode file: expected an ONS Postcode Directory CSV (a header row with a pcds, pcd, pcd7, pcd8 or postcode column and lat and long")
        try "pcds,oseast1m\nLE1 5WW,1\n".write(toFile: file, atomically: true, encoding: .utf8)
        try bad.expectError(["ingest", "--mirror", TestData.temporaryDirectory(), "--postcodes", file], "Postcode, Positional_quality_indicator, Eastings, Northings")
    }

    /// The Code-Point Open folder as published (its data CSVs and its column-headers CSV) reads
    /// whole; crime files written after `--postcodes` are named, and nothing is written.
    @Test func aCodePointFolderReadsWholeAndCrimeFilesAfterPostcodesAreNamed() throws {
        let dir = TestData.temporaryDirectory("postcode-folder") + "/m"
        let r = try CLIRun.run(["ingest", "--mirror", dir, "--postcodes", TestData.codePoint])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Code-Point_Open_Column_Headers.csv: skipped, read 0"), "\(r.stdout)")
        for area in ["le", "ec", "dh"] { #expect(r.stdout.contains("\(area).csv: Code-Point Open, read "), "\(r.stdout)") }
        #expect(try PostcodeTable.open(.directory(dir)).count == (try PostcodeTable.open(.directory(TestData.postcodeMirrorPath)).count))

        let fresh = TestData.temporaryDirectory("postcodes-order") + "/m"
        try bad.expectError(["ingest", "--mirror", fresh, "--postcodes", TestData.codePoint, TestData.archive + "/2019-01/2019-01-city-of-london-street.csv"],
                            "2019-01-city-of-london-street.csv is a Police UK crime CSV, not a postcode file: give crime files before --postcodes, which takes every path up to the next option")
        #expect(!FileManager.default.fileExists(atPath: fresh + "/" + SnapshotFormat.fileName))
        #expect(!FileManager.default.fileExists(atPath: fresh + "/" + PostcodeTable.fileName))
    }

    @Test func infoSaysWhichTransformation() throws {
        let r = try CLIRun.run(["info"] + Self.mirror)
        #expect(r.stdout.contains("Postcodes: 34,735 (Code-Point Open; BNG→WGS84 by "))
        #expect(r.stdout.contains("OSTN15 grid, 1 m)"))
        let sample = try CLIRun.run(["info"])
        #expect(sample.stdout.contains("Postcodes: this mirror (the embedded synthetic sample) holds no postcodes"))
    }
}

import Foundation
import Testing
@testable import GeoQuery

/// The built `geoquery` binary: bad input gets one clear line on stderr and a non-zero exit.
@Suite struct BadInputTests {
    static let centre = ["--lat", "52.6297", "--lng", "-1.1316"]

    func expectError(_ args: [String], _ phrase: String, status: Int32 = 1, stdin: String? = nil) throws {
        let r = try CLIRun.run(args, stdin: stdin)
        #expect(r.status == status, "\(args): exit \(r.status), stderr: \(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(args): expected one line, got: \(r.stderr)")
        #expect(r.stderr.hasPrefix("geoquery: error: ") && r.stderr.contains(phrase), "\(args): \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"))
    }

    /// Errors stay one line whatever they echo: GEOS's messages that end in a line break, a
    /// polygon file of binary bytes or one point per line, a very long postcode.
    @Test func anErrorIsOneLineWhateverItEchoes() throws {
        try expectError(["--mirror", TestData.realMirrorPath, "--wkt", "POLYGON((0 0))"], "invalid WKT")
        let dir = TestData.temporaryDirectory("one-line")
        var generator = SeededRandom(seed: SeededRandom.seed(2026_1207))  // GEOQUERY_TEST_SEED to try others
        let garbage = Data((0..<3_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        FileManager.default.createFile(atPath: dir + "/garbage.bin", contents: garbage)
        FileManager.default.createFile(atPath: dir + "/lines.poly", contents: Data("52.64,-1.15\n52.64,-1.11\n52.62,-1.11\n52.62,-1.15\n52.64,-1.15\n".utf8))
        for file in ["garbage.bin", "lines.poly"] {
            let r = try CLIRun.run(["--mirror", TestData.realMirrorPath, "--poly", "@" + dir + "/" + file])
            #expect(r.status != 0 && r.stderr.split(separator: "\n").count == 1 && r.stderr.hasPrefix("geoquery: error: "), "\(file): \(r.stderr)")
            #expect(!r.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(file)")
        }
        let r = try CLIRun.run(["--mirror", TestData.realMirrorPath, "--postcode", String(repeating: "X", count: 10_000)])
        #expect(r.status != 0 && r.stderr.split(separator: "\n").count == 1 && r.stderr.count < 1_200, "\(r.stderr.prefix(200))")
    }

    @Test func emptyMirrorPath() throws {
        try expectError(["--mirror", "", "--lat", "52.63", "--lng", "-1.13", "--radius", "100m"], "--mirror needs a folder (got an empty path", status: 2)
        try expectError(["info", "--mirror", ""], "--mirror needs a folder", status: 2)
    }

    @Test func hexadecimalDegreesAndDistances() throws {
        try expectError(["--mirror", TestData.realMirrorPath, "--lat", "0x34", "--lng", "-1.13", "--radius", "100m"], "'0x34' is not a number of degrees", status: 2)
        try expectError(["--mirror", TestData.realMirrorPath, "--lat", "52.63", "--lng", "-1.13", "--radius", "0x10m"], "'0x10m' is not a distance")
    }
    @Test func unknownCategory() throws { try expectError(Self.centre + ["--category", "burglry"], "unknown category 'burglry'") }
    @Test func unknownForce() throws { try expectError(Self.centre + ["--force", "atlantis"], "unknown force 'atlantis'") }
    @Test func malformedMonth() throws { try expectError(Self.centre + ["--from", "2019-13"], "--from '2019-13' is not a month") }
    @Test func malformedDate() throws { try expectError(Self.centre + ["--date", "Jan 2020"], "--date 'Jan 2020' is not a month: did you mean 2020-01? use YYYY-MM") }
    /// The month meant is named for the spellings people use (a new user's check).
    @Test func theMonthMeantIsSuggested() throws {
        try expectError(Self.centre + ["--date", "2019-1"], "did you mean 2019-01?")
        try expectError(Self.centre + ["--from", "03/2020"], "did you mean 2020-03?")
        try expectError(Self.centre + ["--to", "September 2021"], "did you mean 2021-09?")
        let r = try CLIRun.run(Self.centre + ["--from", "2019-13"])
        #expect(r.status == 1 && !r.stderr.contains("did you mean"), "\(r.stderr)")
    }
    @Test func reversedMonths() throws { try expectError(Self.centre + ["--from", "2024-05", "--to", "2024-01"], "reversed") }
    @Test func dateWithRange() throws { try expectError(Self.centre + ["--date", "2024-01", "--to", "2024-02"], "either --date or --from/--to") }
    @Test func zeroRadius() throws { try expectError(Self.centre + ["--radius", "0"], "greater than zero") }
    @Test func negativeRadius() throws { try expectError(Self.centre + ["--radius", "-2km"], "greater than zero") }
    /// Below the ~0.1 m spacing of map points a circle holds at most its centre's point, and its
    /// outline collapsed once projected (catchment and report failed on a polygon error).
    @Test func radiusBelowATenthOfAMetre() throws {
        for text in ["1e-9m", "5e-324m", "0.05m"] {
            for command in [[], ["catchment"], ["report"]] {
                try expectError(command + Self.centre + ["--radius", text], "radius must be at least 0.1 m")
            }
        }
        let r = try CLIRun.run(Self.centre + ["--radius", "0.1m", "--mirror", TestData.realMirrorPath])
        #expect(r.status == 0, "\(r.stderr)")
    }
    @Test func unparseableRadius() throws { try expectError(Self.centre + ["--radius", "near"], "'near' is not a distance") }
    @Test func absurdRadius() throws { try expectError(Self.centre + ["--radius", "500mi"], "cap of 10 mi") }
    @Test func latitudeOutOfRange() throws { try expectError(["--lat", "95", "--lng", "-1.1"], "latitude 95.0 is out of range") }
    @Test func longitudeOutOfRange() throws { try expectError(["--lat", "52", "--lng", "-191"], "longitude -191.0 is out of range") }
    @Test func swappedCoordinates() throws { try expectError(["--lat", "-1.1316", "--lng", "52.6297"], "looks swapped") }
    @Test func halfACentre() throws { try expectError(["--lat", "52.6"], "give both --lat and --lng") }
    @Test func notANumber() throws { try expectError(["--lat", "north", "--lng", "1"], "north", status: 2) }

    @Test func missingMirror() throws { try expectError(Self.centre + ["--mirror", "/nonexistent/geoquery"], "no mirror at /nonexistent/geoquery") }
    @Test func emptyMirrorFolder() throws { try expectError(Self.centre + ["--mirror", TestData.temporaryDirectory()], "holds no mirror") }
    @Test func corruptMirror() throws {
        let dir = TestData.temporaryDirectory()
        try Data("not a snapshot at all".utf8).write(to: URL(fileURLWithPath: dir + "/" + SnapshotFormat.fileName))
        try expectError(Self.centre + ["--mirror", dir], "not a valid geoquery snapshot")
    }
    @Test func snapshotThatIsAFolder() throws {
        let dir = TestData.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/" + SnapshotFormat.fileName, withIntermediateDirectories: true)
        try expectError(Self.centre + ["--mirror", dir], "\(SnapshotFormat.fileName) is a folder, not a snapshot")
    }
    @Test func mirrorFromTheEnvironment() throws {
        let r = try CLIRun.run(Self.centre, environment: ["GEOQUERY_MIRROR": "/nonexistent/env-mirror"])
        #expect(r.status == 1 && r.stderr.contains("/nonexistent/env-mirror"))
    }

    @Test func ingestOfANonPoliceCSVChangesNothing() throws {
        let dir = TestData.temporaryDirectory()
        _ = try Ingest.run(paths: [TestData.archive + "/2019-01/2019-01-cumbria-street.csv"], mirror: .directory(dir))
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + SnapshotFormat.fileName))
        let bad = TestData.temporaryDirectory("bad") + "/people.csv"
        try "name,age\nbob,3\n".write(toFile: bad, atomically: true, encoding: .utf8)
        try expectError(["ingest", "--mirror", dir, TestData.archive + "/2019-01/2019-01-durham-street.csv", bad], "not a Police UK street or outcomes CSV")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + SnapshotFormat.fileName)) == before)
    }
    /// A street CSV with its header and no rows restates nothing (a month is held through its
    /// rows): ingest says so in a warning, and the force-month it names stays as it was. Its
    /// closing line names the boundaries the mirror holds (it said "no force boundaries loaded").
    @Test func aHeaderOnlyFileIsSaidToChangeNothing() throws {
        let dir = TestData.temporaryDirectory(), durham = TestData.archive + "/2019-01/2019-01-durham-street.csv"
        _ = try Ingest.run(paths: [durham], boundaries: [TestData.forceBoundaries], mirror: .directory(dir))
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + SnapshotFormat.fileName))
        let empty = TestData.temporaryDirectory("header-only") + "/2019-01-durham-street.csv"
        let header = try String(contentsOfFile: durham, encoding: .utf8).prefix { $0 != "\n" && $0 != "\r\n" }
        try (header + "\n").write(toFile: empty, atomically: true, encoding: .utf8)
        let r = try CLIRun.run(["ingest", "--mirror", dir, empty])
        #expect(r.status == 0 && r.stderr.contains("2019-01-durham-street.csv: a header and no rows, so it changes nothing"), "\(r.stderr)")
        #expect(r.stdout.contains("(catchments clipped to 43 force boundaries; unchanged)"), "\(r.stdout)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + SnapshotFormat.fileName)) == before)
        // A file with rows says nothing of the kind.
        let full = try CLIRun.run(["ingest", "--mirror", TestData.temporaryDirectory(), durham])
        #expect(full.status == 0 && !full.stderr.contains("no rows"), "\(full.stderr)")
    }
    @Test func ingestOfAMissingFile() throws { try expectError(["ingest", "--mirror", TestData.temporaryDirectory(), "/no/such.csv"], "no such file or folder: /no/such.csv") }
    /// The reasons in plain words (Foundation's read "The operation could not be completed. (NSCocoaErrorDomain error 512.)").
    @Test func ingestIntoAPathThatCannotBeAFolderOrWithAMissingBoundaryFile() throws {
        let dir = TestData.temporaryDirectory("not-a-folder"), file = dir + "/a-file", csv = TestData.archive + "/2019-01/2019-01-city-of-london-street.csv"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        try expectError(["ingest", "--mirror", file + "/m", csv], "cannot create \(file)/m (the mirror folder): \(file) is a file, not a folder")
        try expectError(["ingest", "--mirror", "/proc/geoquery-none", csv], "cannot create /proc/geoquery-none (the mirror folder): the folder /proc takes no new folders (No such file or directory)")
        try expectError(["ingest", "--mirror", dir + "/m", csv, "--boundaries", "/no/such.geojson"], "cannot read /no/such.geojson (a boundary file): No such file or directory")
        // A file of other areas (LSOAs) is not force boundaries: each became a "force" holding no data.
        let lsoas = TestData.shared.appendingPathComponent("boundaries/lsoa-2011-by-lad/E09000001.json").path
        try expectError(["ingest", "--mirror", dir + "/m", csv, "--boundaries", lsoas], "\(lsoas): none of its 6 feature(s) names a police force (the first is 'E01")
        #expect(!FileManager.default.fileExists(atPath: dir + "/m/" + SnapshotFormat.fileName))
        // A boundary file among the crime files: said to be JSON, and where it goes.
        try expectError(["ingest", "--mirror", dir + "/m", TestData.forceBoundaries], "not a Police UK CSV but JSON; a GeoJSON of force boundaries goes after --boundaries")
        // The same JSON behind a byte-order mark and a blank line (as some Windows tools save it).
        let marked = dir + "/marked.geojson"
        try Data([0xEF, 0xBB, 0xBF, 0x0D, 0x0A] + Array(try String(contentsOfFile: TestData.forceBoundaries, encoding: .utf8).prefix(4000).utf8)).write(to: URL(fileURLWithPath: marked))
        try expectError(["ingest", "--mirror", dir + "/m", marked], "not a Police UK CSV but JSON; a GeoJSON of force boundaries goes after --boundaries")
    }
    @Test func ingestIntoTheSample() throws { try expectError(["ingest", TestData.archive + "/2019-01/2019-01-cumbria-street.csv"], "give --mirror DIR") }
    @Test func ingestWithNothing() throws { try expectError(["ingest", "--mirror", "/tmp/x"], "give at least one CSV", status: 2) }
}

/// Golden-shape checks of each output format and of batch mode.
@Suite struct OutputTests {
    @Test func defaultQueryOnTheSampleSaysItIsSynthetic() throws {
        let r = try CLIRun.run(["--lat", "52.6297", "--lng", "-1.1316", "--radius", "0.5mi"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("SYNTHETIC SAMPLE"))
        #expect(r.stdout.contains("Violence and sexual offences"))
        #expect(r.stdout.contains("Recorded crime, not experienced crime"))
    }

    @Test func jsonHasTheContractKeys() throws {
        let r = try CLIRun.run(["--mirror", TestData.realMirrorPath, "--lat", "52.6344", "--lng", "-1.1313", "--radius", "800m", "--format", "json"])
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        for key in ["total", "btp", "by_category", "by_month", "by_month_category", "by_outcome", "map_points", "months", "forces", "no_location"] {
            #expect(obj[key] != nil, "missing \(key)")
        }
        #expect((obj["by_category"] as! [String: Int]).count == 14)
        #expect((obj["months"] as! [String: Any])["from"] as? String == "2018-10")
        #expect(obj["synthetic"] as? Bool == false)
    }

    @Test func csvHasAMonthRowEachAndATotal() throws {
        let r = try CLIRun.run(["--lat", "52.6297", "--lng", "-1.1316", "--from", "2024-01", "--to", "2024-03", "--format", "csv"])
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines[0].hasPrefix("month,anti-social-behaviour,") && lines[0].hasSuffix(",total"))
        #expect(lines[4].hasPrefix("all,"))
        // The notes follow as rows of their own, and on stderr.
        #expect(lines[5].hasPrefix("note,\"SYNTHETIC SAMPLE") && r.stderr.contains("geoquery: note: SYNTHETIC SAMPLE"))
    }

    @Test func batchAnswersInOrderAndReportsBadLines() throws {
        let input = """
        {"lat":52.6344,"lng":-1.1313,"radius":"0.5mi","from":"2020-01","to":"2020-12","category":["burglary"]}
        {"lat":52.6344,"lng":-1.1313,"radius":"bogus"}
        not json
        {"lat":51.5155,"lng":-0.0922,"radius":0.3,"date":"2019-01","force":"btp"}
        """
        let r = try CLIRun.run(["batch", "--mirror", TestData.realMirrorPath], stdin: input)
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.count == 4)
        let expected = try TestData.realMirror.query(.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 804.672), from: Month("2020-01"), to: Month("2020-12"), categories: ["burglary"]))
        #expect(lines[0]["total"] as? Int == expected.total)
        #expect((lines[1]["error"] as? String)?.contains("not a distance") == true && lines[1]["line"] as? Int == 2)
        #expect(lines[2]["error"] != nil && lines[2]["line"] as? Int == 3)
        #expect(lines[3]["btp"] as? Int == lines[3]["total"] as? Int)
    }

    @Test func infoListsForcesMonthsAndGaps() throws {
        let r = try CLIRun.run(["info", "--mirror", TestData.realMirrorPath])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Crimes: 748,630"))
        #expect(r.stdout.contains("city-of-london") && r.stdout.contains("gaps: 2019-03..2019-12"))
        #expect(r.stdout.contains("bytes per crime"))
    }

    @Test func policeJSONFromTheCLIParses() throws {
        let r = try CLIRun.run(["--mirror", TestData.realMirrorPath, "--lat", "51.5155", "--lng", "-0.0922", "--radius", "300m", "--date", "2019-01", "--format", "police-json"])
        let arr = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [[String: Any]]
        #expect(!arr.isEmpty && arr.allSatisfy { $0["month"] as? String == "2019-01" })
    }
}

/// data/sample is exactly what the generator writes, and the sample builds.
@Suite struct SampleTests {
    @Test func committedSampleMatchesTheGenerator() throws {
        for file in SampleGenerator.streetFiles() {
            let path = TestData.packageRoot.appendingPathComponent("data/sample/\(file.name)").path
            let committed = try String(contentsOfFile: path, encoding: .utf8)
            #expect(committed == file.contents, "\(file.name) differs: regenerate with 'geoquery sample --write data/sample'")
        }
    }

    @Test func theSampleIngestsWithoutRejections() throws {
        let m = try CrimeMirror.open(.sample)
        #expect(m.synthetic)
        let total = SampleGenerator.streetFiles().reduce(0) { $0 + $1.contents.split(separator: "\n").count - 1 }
        #expect(m.info.crimes == total)
    }
}

/// Polygon inputs: bad ones get one clear line and a non-zero exit; an empty area is not an error.
@Suite struct PolygonBadInputTests {
    let bad = BadInputTests()

    @Test func tooFewPoints() throws { try bad.expectError(["--poly", "52.6,-1.1:52.7,-1.1"], "at least 3 distinct points") }
    @Test func repeatedPointsOnly() throws { try bad.expectError(["--poly", "52.6,-1.1:52.7,-1.1:52.6,-1.1"], "at least 3 distinct points") }
    @Test func nonNumeric() throws { try bad.expectError(["--poly", "52.6,-1.1:north,-1.1:52.6,-1.2"], "poly point 2 'north,-1.1' is not 'latitude,longitude'") }
    @Test func outOfRange() throws { try bad.expectError(["--poly", "52.6,-1.1:95,-1.1:52.6,-1.2"], "out of range") }
    @Test func swapped() throws { try bad.expectError(["--poly", "-1.1,52.6:-1.1,52.7:-1.2,52.6"], "latitude and longitude look swapped") }
    @Test func selfIntersecting() throws {
        try bad.expectError(["--poly", "52.63,-1.14:52.64,-1.12:52.62,-1.14:52.64,-1.14"], "Self-intersection at or near")
    }
    @Test func repairedWithAWarning() throws {
        let r = try CLIRun.run(["--poly", "52.63,-1.14:52.64,-1.12:52.62,-1.14:52.64,-1.14", "--repair", "--format", "json"])
        #expect(r.status == 0 && r.stdout.contains("repaired the polygon with GEOS MakeValid"))
    }
    @Test func geojsonWithoutAPolygon() throws {
        let f = TestData.temporaryDirectory("gj") + "/point.geojson"
        try #"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[-1.1,52.6]}}"#.write(toFile: f, atomically: true, encoding: .utf8)
        try bad.expectError(["--geojson", f], "holds no Polygon or MultiPolygon")
    }
    /// `--geojson` takes the GeoJSON itself, as batch lines do, and answers as for the same text in
    /// a file; text that is neither a file nor an object is still "no such file", quoted in full only when short.
    @Test func geojsonInline() throws {
        let text = #"{"type":"Polygon","coordinates":[[[-1.15,52.64],[-1.11,52.64],[-1.11,52.62],[-1.15,52.62],[-1.15,52.64]]]}"#
        let f = TestData.temporaryDirectory("gj") + "/rect.geojson"
        try text.write(toFile: f, atomically: true, encoding: .utf8)
        let inline = try CLIRun.run(["--mirror", TestData.realMirrorPath, "--geojson", " " + text, "--format", "json"])
        let file = try CLIRun.run(["--mirror", TestData.realMirrorPath, "--geojson", f, "--format", "json"])
        #expect(inline.status == 0 && file.status == 0, "\(inline.stderr)")
        let total = { (r: CLIRun) in (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["total"] as? Int }
        #expect(total(inline) != nil && total(inline) == total(file) && total(file)! > 0)
        try bad.expectError(["--geojson", #"{"type":"Polygon","coordinates":[[[-1.15,52.64],[-1.11,52.64]]]}"#], "GeoJSON")
        try bad.expectError(["--geojson", "ward.geojson"], "cannot read the GeoJSON file ward.geojson: no such file")
        try bad.expectError(["--geojson", "[1,2]"], "the GeoJSON is JSON but not an object")
    }
    @Test func kmlWithoutCoordinates() throws {
        let f = TestData.temporaryDirectory("kml") + "/empty.kml"
        try "<kml><Placemark><name>x</name></Placemark></kml>".write(toFile: f, atomically: true, encoding: .utf8)
        try bad.expectError(["--kml", f], "no <Polygon> with <coordinates>")
    }
    @Test func unclosableRingInWKT() throws { try bad.expectError(["--wkt", "POLYGON((-1.1 52.6, -1.2 52.7))"], "invalid WKT") }
    @Test func areaAndCentreTogether() throws { try bad.expectError(["--poly", "52.6,-1.1:52.7,-1.1:52.6,-1.2", "--lat", "52.6", "--lng", "-1.1"], "leave out --lat/--lng/--radius") }
    @Test func twoAreas() throws { try bad.expectError(["--poly", "52.6,-1.1:52.7,-1.1:52.6,-1.2", "--wkt", "POLYGON((0 0,1 0,1 1,0 0))"], "give one area") }

    @Test func anAreaOutsideCoverageAnswersZeroWithANote() throws {
        let r = try CLIRun.run(["--mirror", TestData.realMirrorPath, "--poly", "60.1,-1.2:60.2,-1.2:60.2,-1.1", "--format", "json"])
        #expect(r.status == 0)
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(obj["total"] as? Int == 0)
        #expect((obj["notes"] as! [String]).contains { $0.contains("outside the mirror's coverage") })
    }

    @Test func perFeatureGivesOneResultPerLSOA() throws {
        let path = TestData.shared.appendingPathComponent("boundaries/lsoa-2011-by-lad/E09000001.json").path
        let r = try CLIRun.run(["--mirror", TestData.realMirrorPath, "--geojson", path, "--per-feature", "--format", "json", "--repair"])
        let lines = r.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.count == 6 && lines[0]["feature"] as? String == "E01000001")
        #expect(lines.allSatisfy { ($0["area_km2"] as? Double ?? 0) > 0 })
    }

    @Test func batchTakesPolygonLines() throws {
        let input = #"{"poly":"52.64,-1.15:52.64,-1.11:52.62,-1.11:52.62,-1.15","date":"2020-06"}"# + "\n"
            + #"{"wkt":"POLYGON((-1.15 52.64, -1.11 52.64, -1.11 52.62, -1.15 52.62, -1.15 52.64))","date":"2020-06"}"# + "\n"
            + #"{"geojson":{"type":"Polygon","coordinates":[[[-1.15,52.64],[-1.11,52.64],[-1.11,52.62],[-1.15,52.62],[-1.15,52.64]]]},"date":"2020-06"}"# + "\n"
        let r = try CLIRun.run(["batch", "--mirror", TestData.realMirrorPath], stdin: input)
        let totals = r.stdout.split(separator: "\n").map { (try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["total"] as! Int }
        #expect(totals.count == 3 && Set(totals).count == 1 && totals[0] > 0)
    }
}

/// Fixes from a new-user review: per-feature CSV, batch ids, contradictions, BTP-only answers.
@Suite struct ReviewFixTests {
    @Test func perFeatureCSVHasAValueUnderEveryHeading() throws {
        let path = TestData.shared.appendingPathComponent("boundaries/lsoa-2011-by-lad/E09000001.json").path
        let r = try CLIRun.run(["--mirror", TestData.realMirrorPath, "--geojson", path, "--per-feature", "--format", "csv", "--date", "2019-01"])
        let rows = r.stdout.split(separator: "\n").map { RoughEdgesCLITests.csvFields(String($0)).count }
        #expect(rows.count == 7 && Set(rows).count == 1)
    }
    /// A feature name with a line break or tab keeps the table one row a feature (CSV quotes it).
    @Test func perFeatureTableRowsStayOneLine() throws {
        let square = #"{"type":"Polygon","coordinates":[[[-1.14,52.63],[-1.12,52.63],[-1.12,52.64],[-1.14,52.64],[-1.14,52.63]]]}"#
        let collection = #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"two\nlines\tand a tab"},"geometry":"# + square + "}]}"
        let r = try CLIRun.run(["--mirror", TestData.realMirrorPath, "--geojson", collection, "--per-feature", "--date", "2019-01"])
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(r.status == 0 && lines.count == 2 && lines[1].hasPrefix("two lines and a tab "), "\(r.stdout)")
    }
    @Test func perFeaturePoliceJSONIsRefused() throws {
        let path = TestData.shared.appendingPathComponent("boundaries/lsoa-2011-by-lad/E09000001.json").path
        try BadInputTests().expectError(["--geojson", path, "--per-feature", "--format", "police-json"], "leave out --per-feature")
    }
    @Test func unknownFeatureKeyIsRefused() throws {
        let path = TestData.shared.appendingPathComponent("boundaries/lsoa-2011-by-lad/E09000001.json").path
        try BadInputTests().expectError(["--geojson", path, "--per-feature", "--feature-key", "nosuch"], "'nosuch'")
    }
    @Test func btpBothWays() throws { try BadInputTests().expectError(BadInputTests.centre + ["--force", "btp", "--exclude-btp"], "contradict") }
    @Test func batchEchoesIDs() throws {
        let r = try CLIRun.run(["batch"], stdin: #"{"id":"a-1","lat":52.6344,"lng":-1.1313}"# + "\n")
        #expect(r.stdout.hasPrefix(#"{"id":"a-1","#))
    }
    @Test func aBTPOnlyAnswerNamesTheMissingLocalForce() throws {
        // Westminster: the Metropolitan Police is not in this mirror, BTP is.
        let r = try TestData.realMirror.query(.radius(lat: 51.5007, lng: -0.1246, Distance(metres: 1000), from: Month("2019-01"), to: Month("2019-01")))
        #expect(r.forces == ["btp"] && r.notes.contains { $0.contains("'metropolitan' (Metropolitan Police Service, 100% of the area) is responsible here") })
        #expect(r.coverage.forces.map(\.force) == ["metropolitan"] && r.coverage.monthsHeld == 0)
    }
}

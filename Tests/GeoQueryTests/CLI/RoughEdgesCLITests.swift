import Foundation
import Testing
@testable import GeoQuery

/// The rough edges a new user hits on the command line (issue 14, part 6), each through the built binary.
@Suite struct RoughEdgesCLITests {
    let bad = BadInputTests()
    static let real = ["--mirror", TestData.realMirrorPath]
    static let clockTower = ["--lat", "52.6344", "--lng", "-1.1313"]

    /// `status` 1 for a batch whose every line fails (its error objects are still the output).
    func json(_ args: [String], stdin: String? = nil, status: Int32 = 0) throws -> [String: Any] {
        let r = try CLIRun.run(args, stdin: stdin)
        #expect(r.status == status, "\(args): \(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(args): \(r.stdout.prefix(300))")
    }

    func file(_ name: String, _ text: String) throws -> String {
        let path = TestData.temporaryDirectory("input") + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `--radius 0.5 mile` (the unit as a word of its own) says to join them, in the unit's spelling.
    @Test func aUnitTypedApartFromItsNumberIsJoined() throws {
        for (unit, joined) in [("mile", "0.5mi"), ("km", "0.5km"), ("metres", "0.5m")] {
            try bad.expectError(Self.real + Self.clockTower + ["--radius", "0.5", unit],
                                "'\(unit)' after --radius 0.5 looks like its unit: write it joined to the number (--radius \(joined))", status: 2)
        }
    }

    /// `--geojson @FILE` (as --poly and --wkt take a file) reads FILE, with the same answer.
    @Test func geojsonTakesAnAtFileAsPolyAndWktDo() throws {
        let path = try file("square.geojson", #"{"type":"Polygon","coordinates":[[[-1.14,52.63],[-1.12,52.63],[-1.12,52.64],[-1.14,52.64],[-1.14,52.63]]]}"#)
        let plain = try json(Self.real + ["--geojson", path, "--format", "json"])
        let at = try json(Self.real + ["--geojson", "@" + path, "--format", "json"])
        #expect((plain["total"] as? Int ?? 0) > 0 && plain["total"] as? Int == at["total"] as? Int)
        try bad.expectError(Self.real + ["--geojson", "@" + path + ".missing"], "cannot read the GeoJSON file \(path).missing: no such file")
        try bad.expectError(Self.real + ["--geojson", TestData.temporaryDirectory("a-folder")], ": it is a folder; give the file")
    }

    // MARK: 1. --mirror naming a file; ingest into a new folder

    @Test func mirrorNamingTheSnapshotSuggestsItsFolder() throws {
        let snapshot = TestData.realMirrorPath + "/" + SnapshotFormat.fileName
        for args in [["info", "--mirror", snapshot], ["--mirror", snapshot] + Self.clockTower] {
            try bad.expectError(args, "\(snapshot) is the mirror.geoquery file inside a mirror folder, not the folder: give --mirror \(TestData.realMirrorPath);")
            let r = try CLIRun.run(args)
            #expect(!r.stderr.contains("ingest --mirror \(snapshot)"))
        }
    }

    @Test func mirrorNamingAnyFileSaysWhatAMirrorIs() throws {
        let path = try file("notes.txt", "not a mirror\n")
        try bad.expectError(["info", "--mirror", path], "\(path) is a file, not a mirror folder: a mirror is the folder that 'geoquery ingest --mirror DIR FILES...' fills")
        // ingest refuses it too, and leaves the file alone.
        try bad.expectError(["ingest", "--mirror", path, TestData.archive + "/2019-01/2019-01-city-of-london-street.csv"], "is a file, not a mirror folder")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "not a mirror\n")
    }

    @Test func ingestSaysWhenItCreatesAMirrorFolder() throws {
        let dir = TestData.temporaryDirectory("parent") + "/new-mirror"
        let csv = TestData.archive + "/2019-01/2019-01-city-of-london-street.csv"
        let first = try CLIRun.run(["ingest", "--mirror", dir, csv])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("geoquery: note: created a new mirror folder \(dir)"))
        let again = try CLIRun.run(["ingest", "--mirror", dir, csv])
        #expect(again.status == 0 && !again.stderr.contains("created a new mirror folder"))
    }

    /// `--boundaries` takes paths up to the next option: crime inputs written after it are named, not read as GeoJSON.
    @Test func crimeInputsAfterBoundariesAreNamed() throws {
        let dir = TestData.temporaryDirectory("boundaries-order") + "/m"
        let forces = TestData.forceBoundaries
        let csv = TestData.archive + "/2019-01/2019-01-city-of-london-street.csv"
        for input in [TestData.archive + "/2019-01", csv] {
            let what = input == csv ? "a crime file, not GeoJSON" : "a folder"
            try bad.expectError(["ingest", "--mirror", dir, "--boundaries", forces, input],
                                "--boundaries \(input) is \(what): --boundaries takes every path up to the next option, so give the crime files first (geoquery ingest --mirror DIR FILES... --boundaries FILE)", status: 2)
        }
        #expect(!FileManager.default.fileExists(atPath: dir))
    }

    // MARK: 2. did you mean …?

    @Test func bareRadiusOverTheCapSuggestsMetres() throws {
        try bad.expectError(Self.clockTower + ["--radius", "800"], "a bare number is miles; did you mean 800m?")
        // In batch too, where a number is a radius in miles.
        let line = try json(["batch"], stdin: #"{"id":3,"lat":52.6344,"lng":-1.1313,"radius":800}"# + "\n", status: 1)
        #expect((line["error"] as? String)?.contains("did you mean 800m?") == true && line["id"] as? Int == 3)
        // Under the cap a bare number still means miles.
        let bare = try json(Self.real + Self.clockTower + ["--radius", "0.3", "--date", "2019-01", "--format", "json"])
        let miles = try TestData.realMirror.query(.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 0.3 * Distance.metresPerMile), from: Month("2019-01"), to: Month("2019-01")))
        #expect(bare["total"] as? Int == miles.total && miles.total > 0)
    }

    /// `--format JSON` is `--format json` (capitals were refused), for each command's formats.
    @Test func formatsAreReadWhateverTheirCase() throws {
        let base = Self.real + Self.clockTower + ["--radius", "0.3mi", "--date", "2019-01"]
        for (command, format) in [([String](), "JSON"), (["report"], "Markdown"), (["catchment"], "GeoJSON"), (["point"], "Json")] {
            let args = command + (command == ["point"] ? Self.real + Self.clockTower + ["--date", "2019-01"] : base)
            let upper = try CLIRun.run(args + ["--format", format]), lower = try CLIRun.run(args + ["--format", format.lowercased()])
            #expect(upper.status == 0 && upper.stdout == lower.stdout && !upper.stdout.isEmpty, "\(command) \(format): \(upper.stderr)")
        }
    }

    @Test func misspeltSlugsGetTheClosestMatch() throws {
        try bad.expectError(Self.clockTower + ["--category", "burgalry"], "unknown category 'burgalry': did you mean burglary?")
        try bad.expectError(Self.clockTower + ["--category", "violent-crim"], "did you mean violent-crime?")
        try bad.expectError(Self.real + Self.clockTower + ["--force", "leicestershir"], "unknown force 'leicestershir': did you mean leicestershire?")
        // A force by its short name or its own name is named by its slug.
        try bad.expectError(Self.real + Self.clockTower + ["--force", "leics"], "unknown force 'leics': did you mean leicestershire (Leicestershire Police)?")
        try bad.expectError(Self.real + Self.clockTower + ["--force", "Leicestershire Police"], "did you mean leicestershire (Leicestershire Police)?")
        try bad.expectError(Self.real + Self.clockTower + ["--force", "met"], "did you mean metropolitan (Metropolitan Police Service)?")
        // The same for a feature of a file of force areas.
        for name in ["leics", "Leicestershire Police"] {
            try bad.expectError(Self.real + ["--geojson", TestData.forceBoundaries, "--feature", name], "no feature named '\(name)' given to --feature: did you mean Leicestershire?")
        }
        try bad.expectError(["tile"] + Self.real + Self.clockTower + ["--date", "2019-01", "--category", "burgalry"], "did you mean burglary?")
        // A CSV "Crime type", as written or slugified, is named by its API slug (an independent
        // check typed these and was offered nothing).
        try bad.expectError(Self.clockTower + ["--category", "criminal-damage-and-arson"], "unknown category 'criminal-damage-and-arson': did you mean criminal-damage-arson (Criminal damage and arson)?")
        try bad.expectError(Self.clockTower + ["--category", "Violence and sexual offences"], "did you mean violent-crime (Violence and sexual offences)?")
        try bad.expectError(["harvest", "--mirror", TestData.temporaryDirectory(), "--force", "durham", "--date", "2019-01", "--category", "violence-and-sexual-offences"], "did you mean violent-crime (Violence and sexual offences)?")
        // A month before 1900 is a month, just before the earliest geoquery reads; a NaN closing a WKT ring is a NaN, not an open ring.
        try bad.expectError(Self.clockTower + ["--from", "1800-01"], "--from '1800-01' is before 1900, the earliest month geoquery reads (Police UK's street-level data starts in 2010-12)")
        try bad.expectError(["--wkt", "POLYGON((NaN 52.64,-1.11 52.60,-1.11 52.62,NaN 52.64))"], "invalid WKT: a coordinate is NaN (not a number)")
        // Hexadecimal, which GEOS's strtod reads (0x1.a51eb851eb852p+5 is 52.64): refused, not read as another number.
        try bad.expectError(["--wkt", "POLYGON((-1.15 0x1.a51eb851eb852p+5, -1.11 52.64, -1.11 52.62, -1.15 52.62, -1.15 0x1.a51eb851eb852p+5))"],
                            "invalid WKT: '0x1.a51eb851eb852p+5' is a hexadecimal number: give coordinates as decimal numbers")
        try bad.expectError(["--wkt", "POLYGON((-1.15 0X34,-1.11 52.64,-1.11 52.62,-1.15 0X34))"], "invalid WKT: '0X34' is a hexadecimal number")
        // A comma list of known names: one at a time (the option is repeated, not split).
        try bad.expectError(Self.clockTower + ["--category", "burglary,drugs"],
                            "unknown category 'burglary,drugs': give them one at a time, repeating the option or parameter (burglary; drugs).")
        try bad.expectError(Self.real + Self.clockTower + ["--force", "leicestershire, city-of-london"],
                            "give them one at a time, repeating the option or parameter (leicestershire; city-of-london).")
        let listed = try json(["batch"], stdin: #"{"lat":52.6344,"lng":-1.1313,"radius":"0.5mi","category":"burglary,drugs"}"# + "\n", status: 1)
        #expect((listed["error"] as? String)?.contains("give them one at a time") == true, "\(listed)")
        // Nothing close: no guess.
        let r = try CLIRun.run(Self.clockTower + ["--category", "zzzzzz"])
        #expect(r.status == 1 && !r.stderr.contains("did you mean"))
    }

    @Test func misspeltSubcommandGetsTheClosestName() throws {
        try bad.expectError(["reprot"] + Self.clockTower, "unknown subcommand 'reprot': did you mean 'report'?", status: 2)
        try bad.expectError(Self.real + ["catchmnet"] + Self.clockTower, "did you mean 'catchment'?", status: 2)
        try bad.expectError(["frobnicate"], "'frobnicate' is not a subcommand", status: 2)
    }

    @Test func mirrorBeforeTheSubcommandNameWorks() throws {
        let tail = Self.clockTower + ["--radius", "0.5mi", "--from", "2021-01", "--to", "2021-12", "--format", "json"]
        let before = try CLIRun.run(Self.real + ["report"] + tail)
        let after = try CLIRun.run(["report"] + Self.real + tail)
        #expect(before.status == 0 && after.status == 0, "\(before.stderr)")
        #expect(before.stdout == after.stdout && before.stdout.contains("\"report\":\"area\""))
        let eq = try CLIRun.run(["--mirror=\(TestData.realMirrorPath)", "info"])
        #expect(eq.status == 0 && eq.stdout.contains("Crimes: 748,630"))
        // Other options before the name: the error says where the name goes.
        try bad.expectError(Self.clockTower + ["report"], "'report' is a subcommand name: put it first and the options after it", status: 2)
    }

    // MARK: 3. GEOS and Foundation errors in plain words

    @Test func unclosedRingsAreNamedAndRepairClosesThem() throws {
        let open = "POLYGON((-1.15 52.64, -1.11 52.64, -1.11 52.62, -1.15 52.62))"
        let closed = "POLYGON((-1.15 52.64, -1.11 52.64, -1.11 52.62, -1.15 52.62, -1.15 52.64))"
        try bad.expectError(["--wkt", open], "invalid WKT: a ring's first and last points differ: close it (repeat the first point at the end), or pass --repair")
        let ring = "[[-1.15,52.64],[-1.11,52.64],[-1.11,52.62],[-1.15,52.62]]"
        let gj = try file("open.geojson", #"{"type":"Feature","properties":{"name":"box"},"geometry":{"type":"Polygon","coordinates":["# + ring + "]}}")
        try bad.expectError(["--geojson", gj], "invalid GeoJSON feature box: a ring's first and last points differ")
        // --repair closes them, with a note, and answers as the closed ring does.
        let expected = try TestData.realMirror.query(.polygon(try PolygonReader.wkt(closed), from: Month("2020-06"), to: Month("2020-06")))
        for args in [["--wkt", open], ["--geojson", gj]] {
            let j = try json(Self.real + args + ["--repair", "--date", "2020-06", "--format", "json"])
            #expect(j["total"] as? Int == expected.total && expected.total > 0)
            #expect((j["notes"] as? [String])?.contains { $0.contains("closed a ring whose last point was not its first") } == true)
        }
    }

    @Test func xmlThatIsNotKML() throws {
        try bad.expectError(["--kml", try file("track.gpx", #"<?xml version="1.0"?><gpx version="1.1"><trk><name>run</name></trk></gpx>"#)],
                            "not a KML document: its outer element is <gpx>, not <kml>")
        try bad.expectError(["--kml", try file("area.kml", #"{"type":"Polygon","coordinates":[]}"#)], "not a KML document: it is not XML")
        try bad.expectError(["--kml", try file("broken.kml", "<kml><Placemark>\n<Polygon><coordinates>-1.1,52.6 -1.2,52.6 -1.2,52.7</coordinates></Polygon>\n</Placemarks></kml>")],
                            "cannot read the KML: the XML is malformed at line")
    }

    /// Findings of the bad-input sweep: each is one line and a non-zero exit, before any work.
    @Test func outputFilesHolesOnlyKMLAndUnknownHelp() throws {
        let holes = try file("holes.kml", #"<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><Polygon><innerBoundaryIs><LinearRing><coordinates>-1.14,52.62 -1.12,52.62 -1.12,52.64 -1.14,52.64 -1.14,52.62</coordinates></LinearRing></innerBoundaryIs></Polygon></Placemark></kml>"#)
        let phrase = "a KML <Polygon> has holes (<innerBoundaryIs>) but no <outerBoundaryIs> ring with coordinates"
        try bad.expectError(Self.real + ["--kml", holes], phrase)
        try bad.expectError(Self.real + ["--kml", try file("empty-outer.kml", holes.isEmpty ? "" : try String(contentsOfFile: holes, encoding: .utf8).replacingOccurrences(of: "<Polygon>", with: "<Polygon><outerBoundaryIs/>"))], phrase)
        // GEOS's reader said "[json.exception.out_of_range.403] key 'coordinates' not found".
        let noCoordinates = try CLIRun.run(["batch"] + Self.real, stdin: #"{"geojson":{"type":"Polygon"}}"# + "\n")
        #expect(noCoordinates.stdout.contains(#"invalid GeoJSON geometry: it has no \"coordinates\" member"#) && !noCoordinates.stdout.contains("json.exception"), "\(noCoordinates.stdout)")
        // A batch line's errors name its keys, not the CLI's flags.
        let keys = try CLIRun.run(["batch"] + Self.real, stdin: #"{"lat":52.63,"lng":-1.13,"from":"2019-13"}"# + "\n" + #"{"lat":-1.13,"lng":52.63}"# + "\n")
        #expect(keys.stdout.contains(#"from '2019-13' is not a month"#) && keys.stdout.contains(#"(try {\"lat\": 52.63, \"lng\": -1.13})"#) && !keys.stdout.contains("--"), "\(keys.stdout)")
        // Poly strings are decimal, as --lat/--lng: strtod had read 0x34 as 52, and took inf and nan.
        for pair in ["0x34,-1.14", "52.63,0x1p0", "inf,-1.14", "nan,-1.14", "52.63,-1.14e"] {
            try bad.expectError(Self.real + ["--poly", "\(pair):52.62,-1.12:52.64,-1.12"], "poly point 1 '\(pair)' is not 'latitude,longitude'")
        }
        try bad.expectError(["help", "nosuch"], "no subcommand 'nosuch'", status: 2)
        try bad.expectError(["help", "repot"], "(did you mean report?)", status: 2)
        let missing = "/nonexistent-\(UUID().uuidString)/x.svg"
        for (args, phrase) in [(["tile"] + Self.real + Self.clockTower + ["--radius", "3mi", "--date", "2020-06", "--svg", missing], "the folder /nonexistent-"),
                               (["tile"] + Self.real + Self.clockTower + ["--radius", "3mi", "--date", "2020-06", "--svg", NSTemporaryDirectory()], "is a folder"),
                               (["report"] + Self.real + Self.clockTower + ["--output", ""], "--output needs a file path"),
                               (["catchment"] + Self.real + Self.clockTower + ["--svg", missing], "does not exist"),
                               (Self.real + Self.clockTower + ["--svg", missing], "does not exist")] {
            let r = try CLIRun.run(args)
            #expect(r.status == 2 && r.stdout.isEmpty, "\(args): exit \(r.status), printed \(r.stdout.prefix(200))")
            #expect(r.stderr.hasPrefix("geoquery: error: ") && r.stderr.contains(phrase) && r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
        }
        let trailing = "/nonexistent-\(UUID().uuidString)/"
        let slash = try CLIRun.run(["tile"] + Self.real + Self.clockTower + ["--radius", "3mi", "--date", "2020-06", "--svg", trailing])
        #expect(slash.status == 2 && slash.stdout.isEmpty && slash.stderr.contains("is a folder"), "\(slash.stderr)")
        // A folder that exists but takes no files is not called missing.
        try bad.expectError(["report"] + Self.real + Self.clockTower + ["--output", "/proc/geoquery-report.txt"], "the folder /proc takes no new files")
    }

    /// Output files: a one-character name (Foundation's path functions trapped on it), a link
    /// (its target is replaced, not the link), a device (written into, not replaced by a regular
    /// file: /dev/null had become one), /dev/full (its error), and "-" for standard output.
    @Test func outputFilesOfEveryKind() throws {
        let dir = TestData.temporaryDirectory("outputs")
        let report = ["report"] + Self.real + Self.clockTower + ["--date", "2020-06"]
        let expected = try CLIRun.run(report)
        #expect(expected.status == 0 && !expected.stdout.isEmpty)
        let a = try CLIRun.run(report + ["--output", "a"], in: dir)
        #expect(a.status == 0 && a.stdout.isEmpty, "\(a.stderr)")
        #expect(try String(contentsOfFile: dir + "/a", encoding: .utf8) == expected.stdout)
        try "old".write(toFile: dir + "/real.txt", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.txt", withDestinationPath: "real.txt")
        #expect(try CLIRun.run(report + ["--output", dir + "/link.txt"]).status == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/link.txt") == "real.txt")
        #expect(try String(contentsOfFile: dir + "/real.txt", encoding: .utf8) == expected.stdout)
        #expect(try CLIRun.run(report + ["--output", "/dev/null"]).status == 0)
        let null = try FileManager.default.attributesOfItem(atPath: "/dev/null")
        #expect(null[.type] as? FileAttributeType == .typeCharacterSpecial)
        if FileManager.default.fileExists(atPath: "/dev/full") {
            try bad.expectError(report + ["--output", "/dev/full"], "writing /dev/full (the picture or export) failed: No space left on device")
            #expect((try FileManager.default.attributesOfItem(atPath: "/dev/full"))[.type] as? FileAttributeType == .typeCharacterSpecial)
        }
        let dash = try CLIRun.run(report + ["--output", "-"], in: dir)
        #expect(dash.status == 0 && dash.stdout == expected.stdout && !FileManager.default.fileExists(atPath: dir + "/-"))
    }

    @Test func geojsonPointsAndLinesGetAdvice() throws {
        let point = try file("point.geojson", #"{"type":"Point","coordinates":[-1.1313,52.6344]}"#)
        try bad.expectError(["--geojson", point], "for a point use --lat/--lng --radius, e.g. --lat 52.6344 --lng -1.1313 --radius 0.5mi")
        let feature = try file("pointfeature.geojson", #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[-1.1313,52.6344]}}]}"#)
        try bad.expectError(["--geojson", feature], "use --lat/--lng --radius")
        let line = try file("line.geojson", #"{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[-1.15,52.64],[-1.11,52.62]]}}"#)
        try bad.expectError(["--geojson", line], "(it holds a LineString): a line is not an area")
    }

    @Test func jsonSyntaxErrorsNameTheLineAndColumn() throws {
        let text = "{\"type\": \"Polygon\",\n  \"coordinates\" [[[-1.15,52.64],[-1.11,52.64],[-1.11,52.62],[-1.15,52.64]]]\n}"
        // Where Foundation stops: the first byte after `"coordinates" ` on the second line.
        let column = Array("  \"coordinates\" ".utf8).count + 1
        try bad.expectError(["--geojson", try file("typo.geojson", text)], "the GeoJSON is not valid JSON: unexpected '[[[-1.15,52.64],[-1.' at line 2, column \(column)")
        let r = try json(["batch"], stdin: #"{"id":1,"lat":52.63 "lng":-1.13}"# + "\n", status: 1)
        #expect((r["error"] as? String)?.contains("the line is not valid JSON: unexpected '\"lng\":-1.13}' at line 1, column 21") == true, "\(r)")
        // A word Foundation took for true, false or null is quoted from its start, not from where it diverged.
        for (line, words) in [("not json", "unexpected 'not json' at line 1, column 1"), (#"{"lat": nul, "lng": 1}"#, "unexpected 'nul, \"lng\": 1}' at line 1, column 9")] {
            let e = try json(["batch"], stdin: line + "\n", status: 1)
            #expect((e["error"] as? String)?.contains(words) == true, "\(e)")
        }
    }

    // MARK: 4. batch ids, per-feature output, picking features

    @Test func batchIDsKeepTheirJSONTypeAndErrorLinesEchoThem() throws {
        let input = [#"{"id":42,"lat":52.6344,"lng":-1.1313,"radius":"0.5mi","date":"2020-06"}"#,
                     #"{"id":"42","lat":52.6344,"lng":-1.1313,"radius":"0.5mi","date":"2020-06"}"#,
                     #"{"id":7.5,"lat":52.6344,"lng":-1.1313,"radius":"bogus"}"#,
                     #"{"id":"x-1","lat":52.6344,"lng":-1.1313,"category":"burgalry"}"#,
                     #"{"lat":52.6344,"lng":-1.1313,"radius":"bogus"}"#].joined(separator: "\n") + "\n"
        let r = try CLIRun.run(["batch"] + Self.real, stdin: input)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(lines[0].hasPrefix(#"{"id":42,"#) && lines[1].hasPrefix(#"{"id":"42","#))
        #expect(lines[2].hasPrefix(#"{"id":7.5,"error":"#) && lines[3].hasPrefix(#"{"id":"x-1","error":"unknown category 'burgalry': did you mean burglary?"#))
        #expect(lines[4].hasPrefix(#"{"error":"#) && lines[4].hasSuffix(#""line":5}"#))
        let objects = lines.map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let expected = try TestData.realMirror.query(.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 804.672), from: Month("2020-06"), to: Month("2020-06")))
        #expect(objects[0]["total"] as? Int == expected.total && objects[1]["total"] as? Int == expected.total)
        #expect(objects[2]["line"] as? Int == 3 && objects[3]["line"] as? Int == 4)
    }

    /// One `--per-feature --format json` object per line (JSON Lines), each the feature's own query.
    @Test func perFeatureJSONIsJSONLines() throws {
        let path = TestData.shared.appendingPathComponent("boundaries/lsoa-2011-by-lad/E09000001.json").path
        let r = try CLIRun.run(Self.real + ["--geojson", path, "--per-feature", "--format", "json", "--repair", "--date", "2019-01"])
        let features = try PolygonReader.geojsonFeatures(try String(contentsOfFile: path, encoding: .utf8), key: nil, repair: true)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == features.count && r.stdout.hasSuffix("}\n"))
        for (line, f) in zip(lines, features) {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(obj["feature"] as? String == f.key)
            #expect(obj["total"] as? Int == (try TestData.realMirror.query(.polygon(f.polygon, from: Month("2019-01"), to: Month("2019-01")))).total)
        }
    }

    @Test func perFeatureCSVKeepsTheNotes() throws {
        let path = TestData.shared.appendingPathComponent("boundaries/lsoa-2011-by-lad/E09000001.json").path
        // City of London lacks 2019-03..2019-12: every LSOA has a note.
        let r = try CLIRun.run(Self.real + ["--geojson", path, "--per-feature", "--format", "csv", "--repair", "--from", "2019-01", "--to", "2019-12"])
        let rows = r.stdout.split(separator: "\n").map { Self.csvFields(String($0)) }
        #expect(rows.first?.last == "notes")
        let features = try PolygonReader.geojsonFeatures(try String(contentsOfFile: path, encoding: .utf8), key: nil, repair: true)
        #expect(rows.count == features.count + 1 && Set(rows.map(\.count)).count == 1)
        for (row, f) in zip(rows.dropFirst(), features) {
            let result = try TestData.realMirror.query(.polygon(f.polygon, from: Month("2019-01"), to: Month("2019-12")))
            #expect(row.first == f.key && row[row.count - 3] == String(result.total))
            #expect(!result.notes.isEmpty && row.last == result.notes.joined(separator: " | "))
        }
    }

    /// RFC 4180 fields of one line (quoted fields may hold commas and doubled quotes).
    static func csvFields(_ line: String) -> [String] {
        var fields: [String] = [], field = "", quoted = false
        var chars = Array(line)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" { if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false } } else { field.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { fields.append(field); field = "" } else { field.append(c) }
        }
        return fields + [field]
    }

    /// `--feature` and `--where` take one force out of the 43-force file; the count is the brute-force scan's.
    @Test func featureAndWherePickOneForce() throws {
        let forces = TestData.forceBoundaries
        let months = ["--from", "2020-01", "--to", "2020-12", "--format", "json", "--repair"]
        let byName = try json(Self.real + ["--geojson", forces, "--feature", "leicestershire"] + months)
        let byProperty = try json(Self.real + ["--geojson", forces, "--where", "PFA20NM=Leicestershire"] + months)
        let p = try #require(TestData.forceArea("Leicestershire"))
        let box = p.boxE6
        let expected = Expected.bruteForce(inside: { ReferencePolygon.contains(p, lat: $0, lng: $1) },
                                           near: { $0 * 1e6 >= Double(box.minLat) && $0 * 1e6 <= Double(box.maxLat) && $1 * 1e6 >= Double(box.minLng) && $1 * 1e6 <= Double(box.maxLng) },
                                           from: "2020-01", to: "2020-12", categories: [], forces: [], excludeBTP: false)
        #expect(byName["total"] as? Int == expected.total && expected.total > 10_000)
        #expect(byProperty["total"] as? Int == expected.total)
        // Per feature, two forces by name: two lines, in file order.
        let two = try CLIRun.run(Self.real + ["--geojson", forces, "--per-feature", "--feature", "Durham", "--feature", "Leicestershire", "--date", "2019-01", "--format", "csv", "--repair"])
        #expect(two.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").first.map(String.init) } == ["Durham", "Leicestershire"])
    }

    @Test func aFeatureNameThatMatchesNothingListsCloseNames() throws {
        let forces = TestData.forceBoundaries
        try bad.expectError(["--geojson", forces, "--feature", "Leicestershre"], "no feature named 'Leicestershre' given to --feature: did you mean Leicestershire?")
        // The same words in ONS's order (found by a new user's check: no suggestion came).
        try bad.expectError(["--geojson", forces, "--feature", "City of London"], "no feature named 'City of London' given to --feature: did you mean London, City of?")
        try bad.expectError(["--geojson", forces, "--where", "PFA20NM=Durhm"], "no feature has PFA20NM=Durhm: did you mean Durham?")
        try bad.expectError(["--geojson", forces, "--where", "PFA20N=Durham"], "no feature has the property 'PFA20N' given to --where: did you mean PFA20NM")
        try bad.expectError(["--geojson", forces, "--feature", "Atlantis Constabulary"], "43 to choose from: Avon and Somerset, Bedfordshire")
        try bad.expectError(["--geojson", forces, "--where", "Leicestershire"], "--where takes KEY=VALUE")
        try bad.expectError(Self.clockTower + ["--feature", "Durham"], "give --geojson FILE")
    }

    // MARK: 5. densities under 1 per km²

    /// Bicycle theft over a whole rural force in one month is far under 1 per km²: never printed as 0.
    @Test func sparseDensitiesKeepADecimal() throws {
        let area = ["--geojson", TestData.forceBoundaries, "--feature", "Dyfed-Powys", "--repair", "--date", "2019-01", "--category", "bicycle-theft"]
        let j = try json(Self.real + area + ["--format", "json"])
        let total = try #require(j["total"] as? Int), km2 = try #require(j["area_km2"] as? Double)
        let density = Double(total) / km2
        #expect(total > 0 && density < 0.1)
        // JSON keeps one significant digit (or more), whatever the magnitude.
        let printed = try #require(j["density_per_km2"] as? Double)
        #expect(printed > 0 && abs(printed - density) <= density * 0.5)
        let table = try CLIRun.run(Self.real + area)
        let line = try #require(table.stdout.split(separator: "\n").first { $0.hasPrefix("Crimes per km²") })
        let shown = try #require(Double(line.split(separator: " ").last.map(String.init) ?? ""))
        #expect(shown > 0 && abs(shown - density) <= density * 0.5, "\(line)")
        let perFeature = try CLIRun.run(Self.real + area + ["--per-feature"])
        let row = try #require(perFeature.stdout.split(separator: "\n").first { $0.hasPrefix("Dyfed-Powys") })
        // Columns: feature, crimes, km², per km², months held.
        let columns = row.split(separator: " ")
        let rowDensity = try #require(Double(String(columns[columns.count - 2])))
        #expect(rowDensity > 0 && abs(rowDensity - density) <= density * 0.5, "\(row)")
        // Reports: the JSON rate and the summary's sentence agree, and neither is 0.
        let report = try json(["report"] + Self.real + area + ["--format", "json"])
        let rate = try #require(report["per_km2"] as? Double)
        #expect(rate > 0 && abs(rate - density) <= density * 0.5)
        #expect((report["summary"] as? String)?.replacingOccurrences(of: "\n", with: " ").contains(", \(rate) per km²") == true, "\(report["summary"] ?? "")")
    }

    // MARK: 6. version and completions

    @Test func versionEverywhere() throws {
        let v = try CLIRun.run(["--version"])
        #expect(v.status == 0 && v.stdout == GeoQuery.version + "\n")
        let info = try CLIRun.run(["info"] + Self.real)
        #expect(info.stdout.contains("read by geoquery \(GeoQuery.version)"))
        let months = ["--from", "2021-01", "--to", "2021-03"]
        let answers = [
            try json(Self.real + Self.clockTower + ["--format", "json"] + months),
            try json(["report"] + Self.real + Self.clockTower + ["--format", "json"] + months),
            try json(["point"] + Self.real + Self.clockTower + ["--format", "json"]),
            try json(["tile"] + Self.real + Self.clockTower + ["--date", "2021-01", "--format", "json"]),
            try json(["compare"] + Self.real + Self.clockTower + ["--lat2", "52.6205", "--lng2", "-1.1245", "--format", "json"] + months),
            try json(["batch"] + Self.real, stdin: #"{"lat":52.6344,"lng":-1.1313}"# + "\n"),
        ]
        for a in answers { #expect(a["geoquery_version"] as? String == GeoQuery.version) }
        #expect(GeoQuery.version.split(separator: ".").count == 3 && GeoQuery.version.hasPrefix("0."))
    }

    /// tile's warning that --force/--exclude-btp change nothing is in its JSON's `warnings` too,
    /// as every other warning of a plan is (it went to stderr alone).
    @Test func tilesForceWarningIsInItsJSON() throws {
        let r = try CLIRun.run(["tile"] + Self.real + Self.clockTower + ["--radius", "1km", "--date", "2019-01", "--exclude-btp", "--format", "json"])
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let warnings = plan["warnings"] as? [String] ?? []
        #expect(r.status == 0 && warnings.contains { $0.hasPrefix("the live API cannot filter by force") }, "\(warnings)")
        #expect(r.stderr.contains("the live API cannot filter by force"))
    }

    @Test func shellCompletionScripts() throws {
        for (shell, marker) in [("bash", "complete -o filenames -F _geoquery geoquery"), ("zsh", "#compdef geoquery"), ("fish", "complete -c 'geoquery'")] {
            let r = try CLIRun.run(["--generate-completion-script", shell])
            #expect(r.status == 0 && r.stdout.contains(marker), "\(shell): \(r.stdout.prefix(200))")
            #expect(r.stdout.contains("report") && r.stdout.contains("catchment"))
        }
    }

    /// `--repair` beside a radius is refused (a circle has nothing to mend); `compare` with a
    /// circle and a polygon still takes one `--repair` for the polygon.
    @Test func repairOfACircleIsRefusedOnTheCommandLine() throws {
        try bad.expectError(Self.real + Self.clockTower + ["--radius", "500m", "--repair"], "--repair mends a polygon given by --poly, --wkt, --geojson, --kml: a circle needs no repair, leave it out")
        let r = try CLIRun.run(["compare"] + Self.real + ["--lat", "52.6344", "--lng", "-1.1313", "--poly2", "52.63,-1.14:52.64,-1.12:52.62,-1.14:52.64,-1.14", "--repair", "--date", "2019-01"])
        #expect(r.status == 0, "\(r.stderr)")
        // Two circles: nothing to mend on either side.
        try bad.expectError(["compare"] + Self.real + ["--lat", "52.6344", "--lng", "-1.1313", "--lat2", "52.6205", "--lng2", "-1.1245", "--radius", "500m", "--date", "2021-01", "--repair"],
                            "--repair mends a polygon given by --poly, --wkt, --geojson, --kml: a circle needs no repair, leave it out")
    }

    /// With `--exclude-btp` the table has no "of which British Transport Police" row (always 0
    /// then); without it the row stays. Leicester station's BTP crimes of 2019-01 in the real mirror.
    @Test func btpRowLeftOutWithExcludeBTP() throws {
        let station = Self.real + ["--lat", "52.6313", "--lng", "-1.1250", "--radius", "300m", "--date", "2019-01"]
        let all = try CLIRun.run(station), without = try CLIRun.run(station + ["--exclude-btp"])
        #expect(all.status == 0 && without.status == 0)
        let row = all.stdout.split(separator: "\n").first { $0.hasPrefix("  of which British Transport Police") }
        #expect(row.map { !$0.hasSuffix(" 0") } == true, "\(all.stdout)")
        #expect(!without.stdout.contains("of which British Transport Police") && without.stdout.contains("Total"))
    }

    /// A `--feature-key` no feature has is refused with the properties they do have, whether it
    /// names `--feature`s (it was ignored: Leicestershire was found by PFA20NM) or `--per-feature`
    /// rows; a near miss gets "did you mean". Case and surrounding spaces aside, as `--where`
    /// reads keys, the key is the file's.
    @Test func aFeatureKeyNoFeatureHasIsRefused() throws {
        let forces = ["--geojson", TestData.forceBoundaries, "--date", "2019-01"]
        for extra in [["--feature", "Leicestershire"], ["--per-feature"]] {
            try bad.expectError(Self.real + forces + extra + ["--feature-key", "NOPE"], "no feature of the GeoJSON has the property 'NOPE' given to --feature-key")
            try bad.expectError(Self.real + forces + extra + ["--feature-key", "PFA20N"], "given to --feature-key: did you mean PFA20NM")
        }
        let r = try CLIRun.run(Self.real + forces + ["--feature", "Leicestershire", "--feature-key", "PFA20NM", "--format", "json"])
        #expect(r.status == 0 && r.stdout.contains("\"total\":8280"), "\(r.stderr)")
        for spelt in ["pfa20nm", " PFA20NM "] {
            let same = try CLIRun.run(Self.real + forces + ["--feature", "Leicestershire", "--feature-key", spelt, "--format", "json"])
            #expect(same.status == 0 && same.stdout == r.stdout, "\(spelt): \(same.stderr)")
            let rows = try CLIRun.run(Self.real + forces + ["--per-feature", "--repair", "--feature-key", spelt, "--format", "csv"])
            #expect(rows.status == 0 && rows.stdout.split(separator: "\n").contains { $0.hasPrefix("Leicestershire,") && $0.contains(",8280,") }, "\(spelt): \(rows.stderr) \(rows.stdout.prefix(300))")
        }
    }

    /// A FeatureCollection given whole whose feature fails validity says it was read as one area
    /// and how to pick one; `--per-feature` (each feature alone) does not.
    @Test func aWholeCollectionsInvalidFeatureSaysItWasReadAsOneArea() throws {
        let hint = "(every feature of the FeatureCollection is read, together as one area: --feature NAME picks one, --per-feature answers each)"
        try bad.expectError(Self.real + ["--geojson", TestData.forceBoundaries, "--date", "2019-01"], "invalid GeoJSON feature Hampshire: Ring Self-intersection")
        try bad.expectError(Self.real + ["--geojson", TestData.forceBoundaries, "--date", "2019-01"], hint)
        let each = try CLIRun.run(Self.real + ["--geojson", TestData.forceBoundaries, "--per-feature", "--date", "2019-01"])
        #expect(each.status != 0 && each.stderr.contains("invalid GeoJSON feature") && !each.stderr.contains(hint), "\(each.stderr)")
    }

    /// `--per-feature` notes name the features they were said of: none for a single feature,
    /// "every feature" when all, else the names. In 2019-01 the real mirror lacks the
    /// Metropolitan Police; in 2019-05 (not held at all) every feature lacks data.
    @Test func perFeatureNotesNameTheirFeatures() throws {
        let forces = Self.real + ["--geojson", TestData.forceBoundaries, "--per-feature", "--repair"]
        func notes(_ args: [String]) throws -> [Substring] {
            let r = try CLIRun.run(forces + args)
            #expect(r.status == 0, "\(r.stderr)")
            return r.stdout.split(separator: "\n").filter { $0.hasPrefix("! ") }
        }
        let two = try notes(["--feature", "Metropolitan Police", "--feature", "Leicestershire", "--date", "2019-01"])
        #expect(!two.isEmpty && two.allSatisfy { $0.hasPrefix("! [Metropolitan Police] ") }, "\(two)")
        let unheld = try notes(["--feature", "Metropolitan Police", "--feature", "Leicestershire", "--date", "2019-05"])
        #expect(unheld.contains { $0.hasPrefix("! [every feature] The mirror holds no data at all for 2019-05") }, "\(unheld)")
        let one = try notes(["--feature", "Metropolitan Police", "--date", "2019-01"])
        #expect(!one.isEmpty && !one.contains { $0.hasPrefix("! [") }, "\(one)")
    }
}

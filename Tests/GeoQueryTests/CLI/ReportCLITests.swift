import Foundation
import Testing
@testable import GeoQuery

/// `geoquery report` and `geoquery compare` through the built binary: formats, and bad input as
/// one `geoquery: error:` line with a non-zero exit.
@Suite struct ReportCLITests {
    static let leicester = ["--mirror", TestData.realMirrorPath, "--lat", "52.6344", "--lng", "-1.1313", "--radius", "0.5mi"]

    func expectError(_ args: [String], _ phrase: String, status: Int32 = 1) throws {
        let r = try CLIRun.run(args)
        #expect(r.status == status, "\(args): exit \(r.status), stderr: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.hasPrefix("geoquery: error: ") && r.stderr.contains(phrase), "\(args): \(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func monthsOutsideTheMirror() throws { try expectError(["report"] + Self.leicester + ["--from", "2030-01", "--to", "2030-12"], "holds no data for 2030-01..2030-12") }
    /// A gap between the months held is named as such: the months held as runs, not first..last.
    @Test func aMonthInAGapOfTheMirror() throws {
        let m = TestData.realMirror
        let held = Month.runs((m.firstMonth!.ordinal...m.lastMonth!.ordinal).filter { m.holds(month: $0) }.map(Month.init(ordinal:)))
        #expect(held.contains(", ") && held.hasPrefix("2018-10.."))
        try expectError(["report"] + Self.leicester + ["--date", "2019-05"], "the mirror holds no data for 2019-05 (it holds \(held)): choose months it holds")
    }
    @Test func reversedMonths() throws { try expectError(["report"] + Self.leicester + ["--from", "2022-01", "--to", "2021-01"], "reversed") }
    @Test func badRadius() throws { try expectError(["report"] + Self.leicester + ["--radius", "-1km"], "greater than zero") }
    @Test func badCentre() throws { try expectError(["report", "--mirror", TestData.realMirrorPath, "--lat", "95", "--lng", "-1.1"], "out of range") }
    @Test func badPolygon() throws { try expectError(["report", "--mirror", TestData.realMirrorPath, "--poly", "52.6,-1.1:52.7,-1.2"], "at least 3 distinct points") }
    @Test func badFormat() throws { try expectError(["report"] + Self.leicester + ["--format", "pdf"], "Please provide one of 'table', 'json', 'markdown' or 'html'", status: 2) }
    @Test func compareTakesTwoPostcodes() throws {
        let common = ["compare", "--mirror", TestData.realMirrorPath, "--radius", "0.5mi", "--from", "2021-01", "--to", "2021-12", "--format", "json"]
        let twice = try CLIRun.run(common + ["--postcode", "LE1 5WW", "--postcode", "le2 1te"])
        let second = try CLIRun.run(common + ["--postcode", "LE1 5WW", "--postcode2", "LE2 1TE"])
        #expect(twice.status == 0 && second.status == 0, "\(twice.stderr) \(second.stderr)")
        #expect(twice.stdout == second.stdout && twice.stdout.contains("LE2 1TE postcode centroid"))
        // Each side's JSON names its centre, as every answer does (the report's had no `centre`).
        let object = try JSONSerialization.jsonObject(with: Data(twice.stdout.utf8)) as? [String: Any]
        let centres = ["a", "b"].map { ((object?[$0] as? [String: Any])?["centre"] as? [String: Any])?["postcode"] as? String }
        #expect(centres == ["LE1 5WW", "LE2 1TE"], "\(centres)")
        let report = try CLIRun.run(["report", "--mirror", TestData.realMirrorPath, "--postcode", "LE1 5WW", "--date", "2021-01", "--format", "json"])
        let centre = (try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])?["centre"] as? [String: Any]
        #expect(centre?["postcode"] as? String == "LE1 5WW" && centre?["kind"] as? String == "unit" && centre?["lat"] is Double, "\(report.stdout.prefix(300))")
        try expectError(["--lat", "52.63", "--lng", "-1.13", "--postcode", "LE1 5WW", "--postcode", "LE2 1TE"], "give --postcode once")
    }

    /// The shared --radius is the circle's: a polygon on the other side leaves it out (it was refused
    /// as if --radius were given with the polygon). Each side equals its own query.
    @Test func compareACircleWithAPolygon() throws {
        let poly = "52.64,-1.15:52.62,-1.11:52.64,-1.11"
        let circle = ["--lat", "52.63", "--lng", "-1.13", "--radius", "0.5mi"], month = ["--date", "2019-01", "--format", "json"]
        let mirror = ["--mirror", TestData.realMirrorPath]
        func total(_ args: [String]) throws -> Int? {
            let r = try CLIRun.run(args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["total"] as? Int
        }
        for (args, sides) in [(circle + ["--poly2", poly], ("a", "b")), (["--poly", poly, "--radius", "0.5mi", "--lat2", "52.63", "--lng2", "-1.13"], ("b", "a"))] {
            let r = try CLIRun.run(["compare"] + mirror + args + month)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            let (c, p) = ((object?[sides.0] as? [String: Any])?["total"] as? Int, (object?[sides.1] as? [String: Any])?["total"] as? Int)
            let (circleTotal, polygonTotal) = (try total(["query"] + mirror + circle + month), try total(["query"] + mirror + ["--poly", poly] + month))
            #expect(c != nil && c == circleTotal, "\(args)")
            #expect(p != nil && p == polygonTotal && c != p, "\(args)")
        }
    }

    /// Features of the second area's file are picked with --feature2: two --feature options both
    /// picked from the first file (Leicestershire and Durham against every force together).
    @Test func compareTwoFeaturesOfOneFile() throws {
        let file = TestData.forceBoundaries, month = ["--date", "2019-01", "--format", "json", "--repair"], mirror = ["--mirror", TestData.realMirrorPath]
        let r = try CLIRun.run(["compare"] + mirror + ["--geojson", file, "--feature", "Leicestershire", "--geojson2", file, "--feature2", "Durham"] + month)
        #expect(r.status == 0, "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let (a, b) = ((object?["a"] as? [String: Any])?["total"] as? Int, (object?["b"] as? [String: Any])?["total"] as? Int)
        let expected = try ["Leicestershire", "Durham"].map { name in
            try TestData.realMirror.query(.polygon(#require(TestData.forceArea(name)), from: Month("2019-01"), to: Month("2019-01"))).total
        }
        #expect(a == expected[0] && b == expected[1] && expected[1] > 1000, "\(String(describing: a)), \(String(describing: b)) against \(expected)")
        try expectError(["compare"] + Self.leicester + ["--lat2", "52.62", "--lng2", "-1.12", "--feature2", "Durham"], "give --geojson2 FILE")
    }

    @Test func compareWithoutASecondArea() throws { try expectError(["compare"] + Self.leicester, "give the second area") }
    /// Errors about the second area name its own options (they named the first area's).
    @Test func compareWithHalfASecondCentre() throws {
        try expectError(["compare"] + Self.leicester + ["--lat2", "52.62"], "give both --lat2 and --lng2")
        try expectError(["compare"] + Self.leicester + ["--lat2", "52.62", "--lng2", "-1.12", "--poly2", "52.64,-1.15:52.62,-1.11:52.64,-1.11"], "give the second area once: --lat2/--lng2")
    }

    @Test func emptyPlaceIsAnHonestZeroReport() throws {
        let r = try CLIRun.run(["report", "--mirror", TestData.realMirrorPath, "--lat", "54.5", "--lng", "2.0", "--from", "2021-01", "--to", "2021-12"])  // the North Sea
        #expect(r.status == 0 && r.stdout.contains("no crimes were recorded") && r.stdout.contains("No map point lies"))
    }

    @Test func everyFormatCarriesTheFigures() throws {
        let args = ["report"] + Self.leicester + ["--from", "2021-01", "--to", "2021-12"]
        let report = try TestData.realMirror.report(ReportRequest(query: .radius(lat: 52.6344, lng: -1.1313, Distance(metres: 804.672), from: Month("2021-01"), to: Month("2021-12"))))
        let total = Format.grouped(report.result.total)
        for format in ["table", "markdown", "html"] {
            let r = try CLIRun.run(args + ["--format", format])
            #expect(r.status == 0 && r.stdout.contains(total), "\(format)")
            // The p column's legend under the category table.
            #expect(r.stdout.contains("more than normal variation"), "\(format): no p legend")
        }
        let json = try CLIRun.run(args + ["--format", "json"])
        let obj = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        #expect(obj["total"] as? Int == report.result.total && obj["report"] as? String == "area")
        let compare = try CLIRun.run(["compare"] + Self.leicester + ["--lat2", "52.6205", "--lng2", "-1.1245", "--from", "2021-01", "--to", "2021-12", "--format", "json"])
        let c = try JSONSerialization.jsonObject(with: Data(compare.stdout.utf8)) as! [String: Any]
        #expect((c["total"] as? [String: Any])?["a"] as? Int == report.result.total)
        // Each change carries its exact test.
        let yoy = try #require((obj["year_on_year"] as? [String: Any])?["total"] as? [String: Any])
        let p = try #require(yoy["p_value"] as? Double), expected = try #require(report.yearOnYear.total.test).pValue
        #expect(abs(p - expected) <= 1e-15 * expected && (yoy["ratio_ci95"] as? [Any])?.count == 2)
        #expect((c["total"] as? [String: Any])?["p_value"] is Double && ((c["by_category"] as? [[String: Any]])?.allSatisfy { $0["ratio_ci95"] is [Any] } ?? false))
    }
}

/// The HTML page rendered by a real browser (headless Chromium, which scripts/setup installs).
@Suite struct ReportHTMLTests {
    static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func browser(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(Self.chromium, "Chromium is missing: run ./scripts/setup"))
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + TestData.temporaryDirectory("chromium")] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func pageRendersInChromiumWithItsFigures() throws {
        let request = ReportRequest(query: .radius(lat: 52.6344, lng: -1.1313, Distance(metres: 804.672), from: Month("2020-01"), to: Month("2022-10")))
        let report = try TestData.realMirror.report(request)
        let dir = TestData.temporaryDirectory("html")
        let page = dir + "/report.html", png = dir + "/report.png"
        try report.html().write(toFile: page, atomically: true, encoding: .utf8)
        let dom = try browser(["--dump-dom", "file://" + page])
        #expect(dom.contains("<svg") && dom.contains("<polyline") && dom.contains("id=\"summary\""))
        #expect(dom.contains(Format.grouped(report.result.total)))
        for (slug, n) in zip(report.categories, report.categoryCounts) where n > 0 {
            #expect(dom.contains(Category.name(forSlug: slug)) && dom.contains(Format.grouped(n)))
        }
        _ = try browser(["--screenshot=" + png, "--window-size=1200,1800", "file://" + page])
        let image = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(image.count > 20_000 && image.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }
}

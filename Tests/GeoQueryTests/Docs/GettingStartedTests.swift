import Foundation
import Testing
import GeoQuery

/// The DocC getting-started article's code, compiled and run (public API only) on the real data;
/// a second test checks that every line of the article's Swift blocks is here, so the article
/// cannot drift from code that compiles.
@Suite struct GettingStartedTests {
    static let article = TestData.packageRoot.appendingPathComponent("Sources/GeoQuery/GeoQuery.docc/GettingStarted.md")

    @Test func theArticlesIngestRuns() throws {
        let downloads = TestData.archive + "/2019-01/2019-01-city-of-london-street.csv"
        let folder = TestData.temporaryDirectory()
        let summary = try Ingest.run(paths: [downloads], mirror: .directory(folder))
        print(summary.stored, summary.crimesInMirror)
        #expect(summary.stored > 0 && summary.crimesInMirror == summary.stored)
    }

    @Test func theArticlesQueriesRun() throws {
        let folder = TestData.realMirrorPath
        let mirror = try CrimeMirror.open(.directory(folder))
        let result = try mirror.query(.radius(lat: 52.6344, lng: -1.1313, try Distance(parsing: "0.5mi"),
                                              from: Month("2020-01"), to: Month("2020-12")))
        print(result.total, result.byCategory["burglary"] ?? 0, result.notes)
        let crimes = try mirror.crimes(.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 200)))
        #expect(result.total > 0 && !crimes.isEmpty)

        let city = try PolygonReader.poly("52.64,-1.15:52.64,-1.11:52.62,-1.11:52.62,-1.15")
        let inCity = try mirror.query(.polygon(city, from: Month("2019-01"), to: Month("2019-01")))
        print(inCity.total, city.areaKm2)
        #expect(inCity.total > 0 && city.areaKm2 > 5)

        let q = CrimeQuery.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 805))
        let catchment = try mirror.catchmentReport(q)
        print(catchment.bounds.certain, catchment.bounds.reported, catchment.bounds.possible, catchment.bounds.expansionRatio)
        let svg = catchment.svg(), geojson = catchment.geojson
        #expect(svg.hasPrefix("<svg") && geojson.contains("FeatureCollection"))

        let centre = try mirror.postcodes().resolve("le1 5ww")
        let nearPostcode = try mirror.query(.radius(lat: centre.lat, lng: centre.lng, Distance(metres: 400)))
        print(centre.label, nearPostcode.total)
        #expect(nearPostcode.total > 0)

        let report = try mirror.report(ReportRequest(query: q, label: "LE1 5WW postcode centroid", catchmentReport: catchment))
        let html = report.rendered(.html)
        #expect(html.contains("<svg"))
    }

    @Test func everyLineOfTheArticlesCodeIsTestedHere() throws {
        let text = try String(contentsOf: Self.article, encoding: .utf8)
        let here = try String(contentsOfFile: #filePath, encoding: .utf8)
        var blocks: [[String]] = [], current: [String]? = nil
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                if let c = current { blocks.append(c); current = nil } else if line == "```swift" { current = [] }
            } else {
                current?.append(line.trimmingCharacters(in: .whitespaces))
            }
        }
        // The first block is the Package.swift dependency line, not code to run.
        let code = blocks.filter { !$0.contains { $0.hasPrefix(".package(") } }.flatMap { $0 }.filter { !$0.isEmpty }
        #expect(code.count > 15)
        for line in code { #expect(here.contains(line), "the article's line is not in GettingStartedTests: \(line)") }
    }
}

import Foundation
import Testing
import GeoQuery

/// The README's library example, compiled and run (public API only) on the real mirror.
@Suite struct LibraryExampleTests {
    @Test func theReadmeExampleRuns() throws {
        let mirror = TestData.realMirror
        let q = CrimeQuery.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 805))
        let catchment = try mirror.catchmentReport(q)
        #expect(catchment.bounds.certain <= catchment.bounds.reported && catchment.bounds.reported <= catchment.bounds.possible)
        let svg = catchment.svg(), geojson = catchment.geojson
        #expect(svg.hasPrefix("<svg") && geojson.contains("FeatureCollection"))
        let centre = try mirror.postcodes().resolve("le1 5ww")
        #expect(centre.postcode.description == "LE1 5WW")
        let report = try mirror.report(ReportRequest(query: q, label: "LE1 5WW postcode centroid", catchmentReport: catchment))
        #expect(report.rendered(.html).contains("<svg"))
    }
}

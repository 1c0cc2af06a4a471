import XCTest
@testable import GeoQuery

final class BritishNationalGridTests: XCTestCase {
    /// Without a grid PROJ falls back to a Helmert; with ../shared/data/proj it uses OSTN15.
    func testPicksOSTN15WhenTheGridIsThere() throws {
        let helmert = try BritishNationalGrid(gridDirectories: [])
        let grid = try BritishNationalGrid(gridDirectories: [TestData.shared.appendingPathComponent("proj").path])
        XCTAssertTrue(grid.usesOSTN15, grid.summary)
        // OS's published worked example area: Leicester clock tower is near E 458,900 N 304,600.
        let a = grid.toWGS84(easting: 458_900, northing: 304_600)
        let b = helmert.toWGS84(easting: 458_900, northing: 304_600)
        XCTAssertEqual(a.lat, 52.6357, accuracy: 0.01)
        XCTAssertEqual(a.lng, -1.1340, accuracy: 0.01)
        let metres = Geodesic.wgs84.distance(lat1: a.lat, lng1: a.lng, lat2: b.lat, lng2: b.lng)
        XCTAssertLessThan(metres, 6, "Helmert and OSTN15 differ by a few metres at most")
        // Round trip.
        let back = grid.toBNG(lat: a.lat, lng: a.lng)
        XCTAssertEqual(back.easting, 458_900, accuracy: 0.01)
        XCTAssertEqual(back.northing, 304_600, accuracy: 0.01)
        print(grid.summary, "|", helmert.summary, "|", metres)
    }
}

extension BritishNationalGridTests {
    /// Transverse Mercator's scale is k0 = 0.9996012717 on the central meridian (2°W).
    func testArealScaleOnTheCentralMeridian() throws {
        let grid = try BritishNationalGrid()
        XCTAssertEqual(grid.arealScale(lat: 52, lng: -2), 0.9996012717 * 0.9996012717, accuracy: 1e-6)
        XCTAssertGreaterThan(grid.arealScale(lat: 52, lng: 1.5), grid.arealScale(lat: 52, lng: -2))
    }
}

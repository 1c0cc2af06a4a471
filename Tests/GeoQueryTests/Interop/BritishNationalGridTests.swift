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

extension BritishNationalGridTests {
    /// Each thread has its own PROJ context and operation: many threads converting at once give
    /// exactly (bit for bit) the answers of one thread, for the shared grid and an OSTN15 one.
    func testConcurrentThreadsGiveTheSingleThreadedAnswers() throws {
        var random = SeededRandom(seed: SeededRandom.seed(27700))
        let n = 2_000
        let lats = (0..<n).map { _ in 50.0 + Double(random.next() % 5_000_000) / 1e6 }
        let lngs = (0..<n).map { _ in -4.0 + Double(random.next() % 5_000_000) / 1e6 }
        for grid in [try BritishNationalGrid.shared(), try BritishNationalGrid(gridDirectories: [TestData.projGrids])] {
            // One thread: batch and single-point conversions, both ways, and the areal scale.
            @Sendable func answers() -> [Double] {
                var x = lngs, y = lats
                grid.toBNG(longitudes: &x, latitudes: &y)
                var out = x + y
                var e = x, nn = y
                grid.toWGS84(eastings: &e, northings: &nn)
                out += e + nn
                for i in stride(from: 0, to: n, by: 97) {
                    let p = grid.toBNG(lat: lats[i], lng: lngs[i]), q = grid.toWGS84(easting: x[i], northing: y[i])
                    out += [p.easting, p.northing, q.lat, q.lng, grid.arealScale(lat: lats[i], lng: lngs[i]),
                            Geodesic.wgs84.distance(lat1: lats[i], lng1: lngs[i], lat2: lats[(i + 1) % n], lng2: lngs[(i + 1) % n])]
                }
                return out
            }
            let expected = answers()
            XCTAssertTrue(expected.allSatisfy(\.isFinite), grid.summary)
            let threads = 8
            let lock = NSLock()
            nonisolated(unsafe) var mismatches = 0
            // Threads of their own (a dispatch pool may run on as few threads as cores), each
            // converting several times while the others do.
            let group = DispatchGroup()
            for _ in 0..<threads {
                group.enter()
                Thread.detachNewThread {
                    for _ in 0..<4 {
                        let got = answers()
                        let bad = zip(got, expected).filter { $0.0.bitPattern != $0.1.bitPattern }.count + abs(got.count - expected.count)
                        lock.withLock { mismatches += bad }
                    }
                    group.leave()
                }
            }
            group.wait()
            XCTAssertEqual(mismatches, 0, "\(grid.summary): concurrent answers differ from the single-threaded ones")
        }
    }
}

import Foundation
import Testing
@testable import GeoQuery

/// Force shares settled without clipping (an area whose boundary no force edge comes near lies
/// wholly inside or outside that force) against the plain computation that clips every circle and
/// intersects every polygon with each force whose boundary crosses its box.
///
/// The two agree bit for bit except where the plain computation's rounding shows: a polygon wholly
/// inside a force can come back from GEOS as 0.9999999999999999 (settled: exactly 1), and a clip of a
/// force ring that passes near a circle without entering it can leave a sliver of ~1e-31 (settled:
/// no share). `agree` allows exactly those and counts them.
@Suite struct SettledSharesTests {
    /// Same forces in the same order with bit-identical shares, except measured shares within 1e-12
    /// of a settled 1 and measured shares under 1e-12 that settled leaves out; returns false on
    /// any other difference, and counts the rounding-only ones in `rounding`.
    static func agree(_ settled: [(slug: String, share: Double)], _ measured: [(slug: String, share: Double)], rounding: inout Int) -> Bool {
        let kept = measured.filter { m in m.share >= 1e-12 || settled.contains { $0.slug == m.slug } }
        guard kept.map(\.slug) == settled.map(\.slug) else { return false }
        var exact = kept.count == measured.count
        for (s, m) in zip(settled, kept) where s.share != m.share {
            guard s.share == 1 && abs(1 - m.share) < 1e-12 else { return false }
            exact = false
        }
        if !exact { rounding += 1 }
        return true
    }

    static let lsoas: [Polygon] = {
        let lads = ["E06000016", "E06000017", "E07000129", "E07000130", "E07000131", "E07000132", "E07000133", "E07000134",
                    "E07000135", "E06000005", "E06000047", "E09000001"]
        return lads.flatMap { code in
            try! PolygonReader.geojsonFeatures(String(contentsOfFile: TestData.shared.appendingPathComponent("boundaries/lsoa-2011-by-lad/\(code).json").path, encoding: .utf8),
                                               key: "LSOA11CD", repair: true).map(\.polygon)
        }
    }()

    /// Every real LSOA, with the loaded ONS boundaries and with the built-in areas: the same
    /// forces and bit-identical shares.
    @Test func everyLSOASharesTheSame() throws {
        let loaded = try ForceAreas.loaded(try TestData.realMirror.snapshot.boundaries())
        #expect(Self.lsoas.count == 1006)
        var rounding = 0, single = 0
        for areas in [loaded, ForceAreas.builtIn] {
            for p in Self.lsoas {
                let settled = areas.shares(of: .polygon(p)), measured = areas.shares(of: .polygon(p), method: .measured)
                #expect(Self.agree(settled, measured, rounding: &rounding), "\(settled) vs \(measured)")
                if settled.count == 1 { single += 1 }
            }
        }
        // Nearly all LSOAs lie in one force; the rounding-only differences are a handful.
        #expect(single > 1500 && rounding < 40, "\(single) in one force, \(rounding) differing by rounding")
    }

    /// Random circles (10 m to 5 km) over England and Wales and near the mirror's forces' borders,
    /// and the random circles' own boxes as polygons: the same forces and bit-identical shares.
    @Test func randomAreasShareTheSame() throws {
        let loaded = try ForceAreas.loaded(try TestData.realMirror.snapshot.boundaries())
        var rng = SeededRandom(seed: SeededRandom.seed(1_010_2))
        var crossing = 0, rounding = 0
        for i in 0..<3000 {
            let (lat, lng) = i % 2 == 0
                ? (Double.random(in: 50.3...55.5, using: &rng), Double.random(in: -5.3...1.7, using: &rng))
                : (Double.random(in: 52.3...52.9, using: &rng), Double.random(in: -1.6...(-0.6), using: &rng))
            let metres = exp(Double.random(in: log(10)...log(5000), using: &rng))
            let circle = Circle(lat: lat, lng: lng, radius: Distance(metres: metres))
            let dLat = metres / 111_132, dLng = dLat / cos(lat * .pi / 180)
            let square = Polygon(parts: [[[.init(lat: lat - dLat, lng: lng - dLng), .init(lat: lat - dLat, lng: lng + dLng),
                                           .init(lat: lat + dLat, lng: lng + dLng), .init(lat: lat + dLat, lng: lng - dLng)]]])
            for areas in [loaded, ForceAreas.builtIn] {
                for area in [Area.circle(circle), .polygon(square)] {
                    let settled = areas.shares(of: area), measured = areas.shares(of: area, method: .measured)
                    #expect(Self.agree(settled, measured, rounding: &rounding), "\(area): \(settled) vs \(measured)")
                    if measured.count > 1 { crossing += 1 }
                }
            }
        }
        // Some of them really do straddle a border (those are still measured).
        #expect(crossing > 50 && rounding < 60, "\(crossing) straddling, \(rounding) differing by rounding")
    }
}

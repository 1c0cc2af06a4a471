import Foundation
@testable import GeoQuery

/// Random queries over the real archive for the suites that compare two ways of answering:
/// circles around real crimes (a tenth of them 3–10 miles wide), LSOAs, month ranges, category and
/// force filters, BTP left out or not.
enum RandomQueries {
    /// The real LSOAs of Leicester, the City of London and County Durham.
    static let lsoas: [Polygon] = {
        (try? ["E06000016", "E09000001", "E06000047"].flatMap { code in
            try PolygonReader.geojsonFeatures(String(contentsOfFile: TestData.shared.appendingPathComponent("boundaries/lsoa-2011-by-lad/\(code).json").path, encoding: .utf8),
                                              key: "LSOA11CD", repair: true).map(\.polygon)
        }) ?? []
    }()

    static let located = TestData.referenceRows.filter { $0.lat != nil }

    /// Query `i` of a run: every third an LSOA, the others circles at least `shortest` miles wide;
    /// months from `months` (every fourth query all months), a category every fifth, a force of
    /// `forces` every seventh, BTP left out every eleventh (unless a force is asked).
    static func query(_ i: Int, using rng: inout SeededRandom, months: [Month], forces: [String], shortest: Double = 0.05) -> CrimeQuery {
        let area: Area
        if i % 3 == 2 {
            area = .polygon(lsoas[Int.random(in: 0..<lsoas.count, using: &rng)])
        } else {
            let anchor = located[Int.random(in: 0..<located.count, using: &rng)]
            let miles = i % 10 == 0 ? Double.random(in: 3...10, using: &rng) : Double.random(in: shortest...3, using: &rng)
            area = .circle(Circle(lat: anchor.lat! + Double.random(in: -0.02...0.02, using: &rng),
                                  lng: anchor.lng! + Double.random(in: -0.03...0.03, using: &rng), radius: Distance(metres: miles * Distance.metresPerMile)))
        }
        var a = months[Int.random(in: 0..<months.count, using: &rng)], b = months[Int.random(in: 0..<months.count, using: &rng)]
        if a > b { swap(&a, &b) }
        let whole = i % 4 == 0
        let categories = i % 5 == 1 ? [Category.standard[Int.random(in: 0..<Category.standard.count, using: &rng)]] : []
        let force = i % 7 == 3 ? [forces[Int.random(in: 0..<forces.count, using: &rng)]] : []
        return CrimeQuery(area: area, from: whole ? nil : a, to: whole ? nil : b, categories: categories, forces: force,
                          excludeBTP: i % 11 == 5 && force.isEmpty)
    }
}

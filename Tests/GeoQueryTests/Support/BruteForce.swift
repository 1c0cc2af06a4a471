import Foundation
@testable import GeoQuery

/// What a query should answer, computed by scanning every reference row: no index, no aggregates.
struct Expected: Equatable, CustomStringConvertible {
    var total = 0, btp = 0, mapPoints = 0, noLocation = 0
    var byCategory: [String: Int] = [:]
    var byMonth: [String: Int] = [:]
    var byMonthCategory: [String: Int] = [:]
    var byOutcome: [String: Int] = [:]
    var forces: [String] = []
    var description: String { "total \(total) btp \(btp) points \(mapPoints) noloc \(noLocation) forces \(forces)" }

    /// `inside` decides membership of a located row; `near` is a cheap prefilter that must be
    /// true for every row `inside` accepts.
    static func bruteForce(inside: (Double, Double) -> Bool, near: (Double, Double) -> Bool, from: String, to: String,
                           categories: Set<String>, forces: Set<String>, excludeBTP: Bool) -> Expected {
        var e = Expected()
        var points = Set<String>()
        var answered = Set<String>()
        for r in TestData.referenceRows {
            guard let la = r.lat, let lo = r.lng, near(la, lo), inside(la, lo) else { continue }
            points.insert("\(la),\(lo)")
            guard r.month >= from, r.month <= to, categories.isEmpty || categories.contains(r.category),
                  forces.isEmpty || forces.contains(r.force), !(excludeBTP && r.force == "btp") else { continue }
            e.total += 1
            if r.force == "btp" { e.btp += 1 }
            e.byCategory[r.category, default: 0] += 1
            e.byMonth[r.month, default: 0] += 1
            e.byMonthCategory["\(r.month)/\(r.category)", default: 0] += 1
            e.byOutcome[r.outcome, default: 0] += 1
            answered.insert(r.force)
        }
        for r in TestData.referenceRows where r.lat == nil && answered.contains(r.force) {
            if r.month >= from, r.month <= to, categories.isEmpty || categories.contains(r.category) { e.noLocation += 1 }
        }
        e.mapPoints = points.count
        e.forces = answered.sorted()
        return e
    }

    static func observed(_ r: QueryResult) -> Expected {
        var e = Expected(total: r.total, btp: r.btp, mapPoints: r.mapPoints, noLocation: r.noLocation)
        e.byCategory = r.byCategory.filter { $0.value > 0 }
        e.byMonth = Dictionary(uniqueKeysWithValues: r.byMonth.filter { $0.value > 0 }.map { ($0.key.description, $0.value) })
        for (m, row) in r.byMonthCategory { for (c, n) in row where n > 0 { e.byMonthCategory["\(m)/\(c)"] = n } }
        e.byOutcome = r.byOutcome
        e.forces = r.forces
        return e
    }
}

/// An independent point-in-polygon: even-odd ray crossing over every ring, with points on an
/// edge counted inside (the query's rule).
enum ReferencePolygon {
    static func contains(_ p: Polygon, lat: Double, lng: Double) -> Bool {
        var inside = false
        for rings in p.parts {
            var inPart = false
            for ring in rings {
                for i in 0..<(ring.count - 1) {
                    let a = ring[i], b = ring[i + 1]
                    if onSegment(a, b, lat, lng) { return true }
                    if (a.lat > lat) != (b.lat > lat) {
                        let x = a.lng + (lat - a.lat) * (b.lng - a.lng) / (b.lat - a.lat)
                        if lng < x { inPart.toggle() }
                    }
                }
            }
            if inPart { inside = true }
        }
        return inside
    }

    static func onSegment(_ a: Polygon.Coordinate, _ b: Polygon.Coordinate, _ lat: Double, _ lng: Double) -> Bool {
        let cross = (b.lng - a.lng) * (lat - a.lat) - (b.lat - a.lat) * (lng - a.lng)
        return cross == 0 && lng >= min(a.lng, b.lng) && lng <= max(a.lng, b.lng) && lat >= min(a.lat, b.lat) && lat <= max(a.lat, b.lat)
    }
}

import Foundation
import Testing
@testable import GeoQuery

/// `query(_:fields:into:)`, which answers into one result line after line (its arrays and the
/// mirror's tallies reused), gives each time exactly what a fresh `query(_:fields:)` gives: on
/// random real queries whose month ranges, filters, areas and asked keys change from one to the
/// next, so every array is resized, refilled and emptied in turn.
@Suite struct ReusedResultTests {
    static let fieldSets: [QueryResult.Fields] = [
        .all,
        QueryResult.Fields(["total", "by_category"]),
        QueryResult.Fields(["total", "btp", "by_category", "by_month", "by_month_category", "by_outcome", "map_points", "months", "forces", "no_location"]),
        QueryResult.Fields(["notes"]),
        QueryResult.Fields(["coverage", "area_km2"]),
    ]

    @Test func answersIntoOneResultEqualFreshAnswers() throws {
        let m = TestData.realMirror
        var rng = SeededRandom(seed: SeededRandom.seed(2026_1206))
        let months = (Month("2018-06")!...Month("2023-03")!).months
        var reused = try m.query(.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 400)))
        var sizes = Set<Int>(), withNotes = 0
        for i in 0..<400 {
            let q = RandomQueries.query(i, using: &rng, months: months, forces: m.forces)
            let fields = Self.fieldSets[i % Self.fieldSets.count]
            let fresh = try m.query(q, fields: fields)
            try m.query(q, fields: fields, into: &reused)
            #expect(reused == fresh, "query \(i), fields \(i % Self.fieldSets.count): \(q)")
            sizes.insert(fresh.monthCategory.count)
            if !fresh.notes.isEmpty { withNotes += 1 }
        }
        // The answers changed size often and carried notes, so reuse was tried every way.
        #expect(sizes.count > 20 && withNotes > 50)
    }

    @Test func aCopyTakenBeforeKeepsItsAnswer() throws {
        let m = TestData.realMirror
        let wide = CrimeQuery.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 800))
        let narrow = CrimeQuery.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 100), from: Month("2019-01"), to: Month("2019-01"))
        var reused = try m.query(wide)
        let copy = reused
        try m.query(narrow, fields: .all, into: &reused)
        let wideAnswer = try m.query(wide), narrowAnswer = try m.query(narrow)
        #expect(copy == wideAnswer && copy.total > reused.total && reused == narrowAnswer)
        // Same sizes: the copy still shares nothing the answer overwrote.
        let sameSize = CrimeQuery.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 50))
        let before = reused
        try m.query(CrimeQuery(area: sameSize.area, from: narrow.from, to: narrow.to), fields: .all, into: &reused)
        #expect(before == narrowAnswer && before.monthCategory.count == reused.monthCategory.count)
    }

    @Test func aQueryThatFailsLeavesTheResultAsItWas() throws {
        let m = TestData.realMirror
        let q = CrimeQuery.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 400))
        var reused = try m.query(q)
        let bad = CrimeQuery.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 400), categories: ["burglery"])
        #expect(throws: GeoQueryError.self) { try m.query(bad, fields: .all, into: &reused) }
        let again = try m.query(q)
        #expect(reused == again)
    }
}

import Foundation
import Testing
@testable import GeoQuery

/// A listing written a part at a time is, joined, the whole listing byte for byte, whatever the
/// part size; each part but the last is at least the size asked.
@Suite struct PoliceJSONListingTests {
    /// The parts of `listing` at `minimumBytes`, checked for size, and nil after the last.
    static func parts(_ listing: PoliceJSONListing, minimumBytes: Int) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        while let part = try listing.next(minimumBytes: minimumBytes) { out.append(part) }
        #expect(try listing.isFinished && listing.next(minimumBytes: minimumBytes) == nil)
        #expect(out.dropLast().allSatisfy { $0.count >= minimumBytes })
        return out
    }

    /// `q`'s listing in parts of several sizes equals `crimes(q).policeJSON()`.
    static func expectWhole(_ m: CrimeMirror, _ q: CrimeQuery, _ label: String) throws {
        let whole = Array(try m.crimes(q).policeJSON().utf8)
        for size in [1, 3_000, 256 << 10] {
            let parts = try Self.parts(try m.policeJSONListing(q), minimumBytes: size)
            #expect(parts.joined().elementsEqual(whole), "\(label), parts of \(size) bytes: \(parts.count) parts")
            // A part ends after a whole map point's crimes: at most one point's worth past the size.
            if size == 1 && whole.count > 2 { #expect(parts.count > 1, "\(label)") }
        }
    }

    @Test func randomQueriesOnTheRealArchive() throws {
        let m = TestData.realMirror
        var rng = SeededRandom(seed: SeededRandom.seed(2026_1207))
        let months = (Month("2018-07")!...Month("2021-06")!).months
        var listed = 0
        for i in 0..<60 {
            let q = RandomQueries.query(i, using: &rng, months: months, forces: m.forces, shortest: 0.02)
            try Self.expectWhole(m, q, "query \(i): \(q)")
            listed += try m.query(q).total
        }
        #expect(listed > 10_000)
        // Empty: an area with no map point, and a month range the mirror does not hold.
        try Self.expectWhole(m, .radius(lat: 50.0, lng: -4.0, Distance(metres: 500)), "at sea")
        #expect(try Self.parts(try m.policeJSONListing(.radius(lat: 50.0, lng: -4.0, Distance(metres: 500))), minimumBytes: 1) == [Array("[]".utf8)])
    }

    @Test func crimesWithoutALocation() throws {
        let m = TestData.realMirror
        for force in m.forces {
            for (from, to) in [(nil, nil), (Month("2019-01"), Month("2019-01")), (Month("2020-03"), Month("2020-06"))] as [(Month?, Month?)] {
                let whole = Array(try m.crimesWithoutLocation(force: force, from: from, to: to).policeJSON().utf8)
                let parts = try Self.parts(try m.policeJSONListingWithoutLocation(force: force, from: from, to: to), minimumBytes: 1)
                #expect(parts.joined().elementsEqual(whole), "\(force) \(String(describing: from))")
            }
        }
        // A force the mirror does not hold (the Met) lists nothing (its mask must not mean "every force").
        #expect(try Self.parts(try m.policeJSONListingWithoutLocation(force: "metropolitan"), minimumBytes: 1) == [Array("[]".utf8)])
    }

    /// What is wrong with a query is thrown when the listing is made, before any part.
    @Test func badQueriesThrowBeforeThePartsBegin() throws {
        let m = TestData.realMirror
        #expect(throws: GeoQueryError.self) { try m.policeJSONListing(.radius(lat: 52.63, lng: -1.13, Distance(metres: 500), categories: ["no-such-category"])) }
        #expect(throws: GeoQueryError.self) { try m.policeJSONListing(.radius(lat: 95, lng: -1.13, Distance(metres: 500))) }
    }
}

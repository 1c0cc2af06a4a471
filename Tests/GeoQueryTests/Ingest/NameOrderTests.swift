import Foundation
import Testing
@testable import GeoQuery

/// A snapshot numbers forces, categories and outcomes by name, so the same files give the same
/// listing whatever order they were ingested in.
@Suite struct NameOrderTests {
    /// Derbyshire and Leicestershire share map points in 2019-01. Numbered in the order the mirror
    /// first met them, a shared point listed its crimes Leicestershire first in one mirror and
    /// Derbyshire first in another (an independent check found this of two other forces); a mirror
    /// whose delta adds Derbyshire lists them as its rebuild will.
    @Test func theSameFilesInAnotherOrderListTheSameCrimes() throws {
        let derby = [TestData.archive + "/2019-01/2019-01-derbyshire-street.csv"]
        // Five months of Leicestershire, so a month of Derbyshire added to them goes to the delta
        // (it holds at most a quarter of the snapshot's rows).
        let leics = ["2018-10", "2018-11", "2018-12", "2019-01", "2019-02"].map { TestData.archive + "/\($0)/\($0)-leicestershire-street.csv" }
        let first = TestData.temporaryDirectory("derby-first"), second = TestData.temporaryDirectory("leics-first"), delta = TestData.temporaryDirectory("leics-delta")
        _ = try Ingest.run(paths: derby, mirror: .directory(first))
        _ = try Ingest.run(paths: leics, mirror: .directory(first), compact: true)
        _ = try Ingest.run(paths: leics, mirror: .directory(second))
        _ = try Ingest.run(paths: derby, mirror: .directory(second), compact: true)
        _ = try Ingest.run(paths: leics, mirror: .directory(delta))
        #expect(try Ingest.run(paths: derby, mirror: .directory(delta)).deltaBytes != nil)
        let a = try CrimeMirror.open(.directory(first)), b = try CrimeMirror.open(.directory(second)), c = try CrimeMirror.open(.directory(delta))
        #expect(a.forces == ["derbyshire", "leicestershire"] && b.forces == a.forces)
        #expect(c.forces == ["leicestershire", "derbyshire"])  // a delta keeps the snapshot's numbering
        let q = CrimeQuery.radius(lat: 52.78, lng: -1.43, Distance(metres: 9 * Distance.metresPerMile))
        let listed = try a.crimes(q)
        // Both forces at one point in one month, so the order between them is the numbering's.
        let shared = Dictionary(grouping: listed) { "\($0.mapPoint.id) \($0.month)" }.values.filter { Set($0.map(\.force)).count == 2 }
        #expect(shared.count >= 3, "\(shared.count) shared points")
        #expect(try b.crimes(q) == listed)
        #expect(try PoliceJSONListingTests.parts(a.policeJSONListing(q), minimumBytes: 1 << 20) == PoliceJSONListingTests.parts(b.policeJSONListing(q), minimumBytes: 1 << 20))
        // A delta's new map points come after the snapshot's (in the listing and their street ids),
        // but each point's crimes are in the rebuilt order.
        func byPoint(_ crimes: [Crime]) -> [String: [Int]] {
            Dictionary(grouping: crimes) { "\($0.mapPoint.latE6),\($0.mapPoint.lngE6)" }.mapValues { $0.map(\.id) }
        }
        let rebuilt = byPoint(listed), withDelta = byPoint(try c.crimes(q))
        let differ = rebuilt.keys.filter { rebuilt[$0] != withDelta[$0] }
        #expect(withDelta.count == rebuilt.count && differ.isEmpty, "\(differ.count) of \(rebuilt.count) map points list their crimes in another order")
    }

    @Test func standardCategoriesKeepTheirPlacesAndTheRestGoByName() {
        let names = Category.standard + ["zeta-crime", "cyber-fraud"]
        let ranks = CrimeTable.categoryRanks(names.map { Array($0.utf8) })
        #expect(Array(ranks.prefix(Category.standard.count)) == Array(0..<Category.standard.count))
        #expect(Array(ranks.suffix(2)) == [Category.standard.count + 1, Category.standard.count])
        #expect(CrimeTable.outcomeRanks(["", "b", "a"].map { Array($0.utf8) }) == [0, 2, 1])
        #expect(CrimeTable.forceRanks(["kent", "btp", "essex"].map { Array($0.utf8) }) == [2, 0, 1])
    }
}

import Foundation
import Testing
@testable import GeoQuery

/// An ingest computes the catchments from the snapshot it is writing, while it writes it: they
/// must be exactly the ones the written snapshot gives when opened, and be kept when the map
/// points and boundaries have not changed.
@Suite struct CatchmentsAtIngestTests {
    static func street(_ month: String, _ force: String) -> String { TestData.archive + "/\(month)/\(month)-\(force)-street.csv" }

    /// The catchment file's sections but its meta (which says when it was made), checked as made
    /// for the folder's snapshot.
    /// - Parameter delta: the mirror has a delta, whose catchments another identity names.
    static func catchmentSections(_ dir: String, delta: Bool = false) throws -> [CatchmentFile.Section: [UInt8]] {
        let snapshot = try MirrorLocation.directory(dir).openSnapshot()
        let path = dir + "/" + CatchmentFile.fileName
        let bytes = try SnapshotBytes(mapping: path)
        let views = try CatchmentFile.sections(of: bytes, identity: delta ? nil : snapshot.catchmentIdentity, path: path)
        return withExtendedLifetime(bytes) { views.filter { $0.key != .meta }.mapValues { Array($0) } }
    }

    @Test func theCatchmentsComputedDuringTheWriteAreTheWrittenSnapshots() throws {
        let dir = TestData.temporaryDirectory("catchments-during-write")
        let summary = try Ingest.run(paths: [Self.street("2019-01", "leicestershire"), Self.street("2019-01", "city-of-london")],
                                     boundaries: [TestData.forceBoundaries], mirror: .directory(dir))
        #expect(summary.catchmentsComputed && summary.boundaries == 43)
        let duringWrite = try Self.catchmentSections(dir)
        #expect(duringWrite[.area]!.count == 8 * summary.mapPointsInMirror)

        // Computed again from the opened snapshot, as a query would: the same bytes.
        try FileManager.default.removeItem(atPath: dir + "/" + CatchmentFile.fileName)
        #expect(try CrimeMirror.open(.directory(dir)).prepareCatchments())
        #expect(try Self.catchmentSections(dir) == duringWrite)

        // The inputs read from the image before the write equal those read from the file.
        let snapshot = try MirrorLocation.directory(dir).openSnapshot()
        let image = SnapshotBuilder(table: try snapshot.crimeTable(), synthetic: false, boundaries: try snapshot.boundaries()).build()
        let (fromImage, fromFile) = (try CatchmentFile.Inputs(image), try CatchmentFile.Inputs(snapshot))
        #expect(fromImage.identity == fromFile.identity && fromImage.lat == fromFile.lat && fromImage.lng == fromFile.lng)
        #expect(fromImage.boundaries.map(\.wkb) == fromFile.boundaries.map(\.wkb) && fromImage.boundaries.map(\.name) == fromFile.boundaries.map(\.name))
    }

    @Test func theSameMapPointsKeepTheCatchmentsAndNewOnesRecomputeThem() throws {
        let dir = TestData.temporaryDirectory("catchments-kept")
        let first = try Ingest.run(paths: [Self.street("2019-01", "leicestershire")], boundaries: [TestData.forceBoundaries], mirror: .directory(dir))
        #expect(first.catchmentsComputed)
        let path = dir + "/" + CatchmentFile.fileName
        let made = try Data(contentsOf: URL(fileURLWithPath: path))

        // The same month again: same map points, same boundaries (kept from the mirror).
        let again = try Ingest.run(paths: [Self.street("2019-01", "leicestershire")], mirror: .directory(dir))
        #expect(!again.catchmentsComputed && again.mapPointsInMirror == first.mapPointsInMirror)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == made)

        // Another force: new map points (in the delta beside the snapshot), so new catchments,
        // made for the snapshot and its delta together.
        let more = try Ingest.run(paths: [Self.street("2019-01", "city-of-london")], mirror: .directory(dir))
        #expect(more.deltaBytes != nil && more.catchmentsComputed && more.mapPointsInMirror > first.mapPointsInMirror)
        let amended = try CrimeMirror.open(.directory(dir))
        #expect(try amended.catchments().stored && amended.catchments().area.count == more.mapPointsInMirror)
        // Only the groups (force boundaries) that gained points were computed; the file equals
        // one computed from nothing.
        let groups = try #require(more.catchmentGroups)
        #expect(groups.computed >= 1 && groups.computed < groups.of, "\(groups)")
        let kept = try Self.catchmentSections(dir, delta: true)
        try FileManager.default.removeItem(atPath: path)
        #expect(try CrimeMirror.open(.directory(dir)).prepareCatchments())
        #expect(try Self.catchmentSections(dir, delta: true) == kept)

        // Compacted: the same map points in one new snapshot, whose catchments are made for it.
        let compacted = try Ingest.run(paths: [], mirror: .directory(dir), compact: true)
        #expect(compacted.deltaBytes == nil && compacted.catchmentsComputed && compacted.mapPointsInMirror == more.mapPointsInMirror)
        #expect(try Self.catchmentSections(dir)[.area]!.count == 8 * more.mapPointsInMirror)
        // Its points in another order, every group's cells kept: the same as from nothing.
        #expect(compacted.catchmentGroups?.computed == 0)
        let compactedCells = try Self.catchmentSections(dir)
        try FileManager.default.removeItem(atPath: path)
        #expect(try CrimeMirror.open(.directory(dir)).prepareCatchments())
        #expect(try Self.catchmentSections(dir) == compactedCells)
    }
}

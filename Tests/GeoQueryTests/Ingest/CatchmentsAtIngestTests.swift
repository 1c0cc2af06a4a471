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
    static func catchmentSections(_ dir: String) throws -> [CatchmentFile.Section: [UInt8]] {
        let snapshot = try MirrorLocation.directory(dir).openSnapshot()
        let path = dir + "/" + CatchmentFile.fileName
        let bytes = try SnapshotBytes(mapping: path)
        let views = try CatchmentFile.sections(of: bytes, identity: snapshot.catchmentIdentity, path: path)
        return withExtendedLifetime(bytes) { views.filter { $0.key != .meta }.mapValues { Array($0) } }
    }

    /// The mirror's catchments as it opens them equal, point by point and bit for bit, those
    /// computed from its map points and boundaries with nothing kept from before.
    static func expectTheCatchmentsComputedFromNothing(_ dir: String) throws {
        let mirror = try CrimeMirror.open(.directory(dir))
        let cells = try mirror.catchments().cells
        let inputs = try mirror.delta.flatMap { $0.changesMapPoints ? $0 : nil }.map { try $0.catchmentInputs(base: mirror.snapshot) }
            ?? CatchmentFile.Inputs(mirror.snapshot)
        let (t, _) = try CatchmentFile.table(inputs)
        #expect(cells.count == t.area.count && t.groupsKept == 0)
        let differing = (0..<t.area.count).filter { p in
            cells.area[p].bitPattern != t.area[p].bitPattern || cells.clip[p] != t.clip[p]
                || (0..<4).contains { cells.box[4 * p + $0].bitPattern != t.box[4 * p + $0].bitPattern }
                || (0..<2).contains { cells.site![2 * p + $0].bitPattern != t.site[2 * p + $0].bitPattern }
                || Array(cells.wkb(p)) != Array(t.wkb[Int(t.start[p])..<Int(t.start[p + 1])])
        }
        #expect(differing.isEmpty, "\(differing.count) of \(t.area.count) cells differ, e.g. \(differing.prefix(5))")
        #expect(cells.groupKey == t.groupKey)
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
        // Only the groups (force boundaries) that gained points were computed, into the delta's
        // own catchment file; the snapshot's is untouched, and the two give what computing the
        // mirror's catchments from nothing gives.
        let groups = try #require(more.catchmentGroups)
        #expect(groups.computed >= 1 && groups.computed < groups.of, "\(groups)")
        #expect(more.catchmentGroupsComputed.count == groups.computed && more.catchmentGroupsComputed.contains { $0.contains("London") },
                "\(more.catchmentGroupsComputed)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == made)
        let deltaPath = dir + "/" + CatchmentFile.deltaFileName
        let deltaFile = try Data(contentsOf: URL(fileURLWithPath: deltaPath))
        #expect(deltaFile.count < made.count)
        try Self.expectTheCatchmentsComputedFromNothing(dir)
        let info = try CrimeMirror.open(.directory(dir)).info
        #expect(info.catchmentBytes == made.count + deltaFile.count && info.catchmentFiles == [CatchmentFile.fileName, CatchmentFile.deltaFileName])
        #expect(info.json.contains(#""catchment_files":["catchments.geoquery","catchments-delta.geoquery"]"#), "\(info.json)")

        // A second delta (the City's points of 2020-01 too): its file replaces the first, the
        // snapshot's is still untouched.
        let second = try Ingest.run(paths: [Self.street("2020-01", "city-of-london")], mirror: .directory(dir))
        #expect(second.deltaBytes != nil && second.catchmentsComputed && second.mapPointsInMirror > more.mapPointsInMirror)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == made)
        #expect(try Data(contentsOf: URL(fileURLWithPath: deltaPath)) != deltaFile)
        try Self.expectTheCatchmentsComputedFromNothing(dir)

        // Compacted: the same map points in one new snapshot, whose catchments are made for it.
        let compacted = try Ingest.run(paths: [], mirror: .directory(dir), compact: true)
        #expect(compacted.deltaBytes == nil && compacted.catchmentsComputed && compacted.mapPointsInMirror == second.mapPointsInMirror)
        #expect(try Self.catchmentSections(dir)[.area]!.count == 8 * second.mapPointsInMirror)
        // Its points in another order, every group's cells kept: the same as from nothing. The
        // delta's catchment file went with the delta.
        #expect(compacted.catchmentGroups?.computed == 0)
        #expect(!FileManager.default.fileExists(atPath: deltaPath))
        try Self.expectTheCatchmentsComputedFromNothing(dir)
    }

    /// When the delta's catchments cannot be written (here a folder holds their file's name, so
    /// the atomic rename fails), the ingest warns and does not say "computed now": it said so,
    /// exit 0 and no warning, under a file-size limit (an independent check). The crimes are in.
    @Test func catchmentsThatCannotBeWrittenAreSaidSo() throws {
        let dir = TestData.temporaryDirectory("catchments-unwritable")
        let first = try Ingest.run(paths: [Self.street("2019-01", "leicestershire")], mirror: .directory(dir))
        try FileManager.default.createDirectory(atPath: dir + "/" + CatchmentFile.deltaFileName, withIntermediateDirectories: false)
        let more = try Ingest.run(paths: [Self.street("2019-01", "city-of-london")], mirror: .directory(dir))
        #expect(more.deltaBytes != nil && !more.catchmentsComputed && more.catchmentsPostponed)
        #expect(more.warnings.contains { $0.hasPrefix("the catchments were computed but could not be written to the mirror folder (") }, "\(more.warnings)")
        #expect(try CrimeMirror.open(.directory(dir)).info.crimes == more.crimesInMirror && more.crimesInMirror == first.crimesInMirror + 617)
    }
}

import Foundation
import Testing
@testable import GeoQuery

@Suite struct SnapshotTests {
    /// A small mirror to damage.
    func smallMirror() throws -> String {
        let dir = TestData.temporaryDirectory()
        _ = try Ingest.run(paths: [TestData.archive + "/2019-01/2019-01-city-of-london-street.csv"], mirror: .directory(dir))
        return dir
    }

    func damage(_ dir: String, _ body: (inout [UInt8]) -> Void) throws {
        let path = dir + "/" + SnapshotFormat.fileName
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        body(&bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    func openError(_ dir: String) -> GeoQueryError? {
        do { _ = try CrimeMirror.open(.directory(dir)); return nil } catch let e as GeoQueryError { return e } catch { return nil }
    }

    @Test func aNewerFormatIsRefusedClearly() throws {
        let dir = try smallMirror()
        try damage(dir) { $0[8] = 99 }
        guard case .mirrorTooNew(let m)? = openError(dir) else { Issue.record("expected mirrorTooNew"); return }
        #expect(m.contains("format v99") && m.contains("upgrade geoquery"))
    }

    @Test func aFlippedByteInTheIndexIsCaughtAtOpen() throws {
        let dir = try smallMirror()
        let s = try SnapshotBytes(mapping: dir + "/" + SnapshotFormat.fileName)
        let off = try Snapshot(bytes: s, path: "x").raw(.nodeCells).baseAddress! - s.raw.baseAddress!
        try damage(dir) { $0[off + 3] ^= 0x40 }
        guard case .mirrorCorrupt? = openError(dir) else { Issue.record("expected mirrorCorrupt"); return }
    }

    /// The sections are checked on all cores at once: a flipped byte in any one of them, whichever
    /// thread sums it, fails the whole check.
    @Test func aFlippedByteInAnySectionFailsTheCheckOfAllSections() throws {
        let dir = try smallMirror()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + SnapshotFormat.fileName)))
        let entries = try bytes.withUnsafeBytes { Array(try SnapshotFormat.file.sections($0, path: "x").values) }
        #expect(bytes.withUnsafeBytes { SectionedFile.verify($0, entries) })
        for e in entries where e.length > 0 {
            let at = e.offset + e.length / 2
            bytes[at] ^= 0x10
            #expect(!bytes.withUnsafeBytes { SectionedFile.verify($0, entries) }, "a flipped byte at \(at) went unnoticed")
            bytes[at] ^= 0x10
        }
        #expect(bytes.withUnsafeBytes { SectionedFile.verify($0, entries) })
    }

    @Test func aFlippedByteInTheRowsIsCaughtWhenRowsAreRead() throws {
        let dir = try smallMirror()
        let s = try SnapshotBytes(mapping: dir + "/" + SnapshotFormat.fileName)
        let off = try Snapshot(bytes: s, path: "x").raw(.crimeMonth).baseAddress! - s.raw.baseAddress!
        try damage(dir) { $0[off] ^= 1 }
        let m = try CrimeMirror.open(.directory(dir))  // index intact: aggregate queries still answer
        _ = try m.query(.radius(lat: 51.5155, lng: -0.0922, Distance(metres: 500)))
        #expect(throws: GeoQueryError.self) { try m.crimes(.radius(lat: 51.5155, lng: -0.0922, Distance(metres: 500))) }
        // Re-ingest refuses to build on damaged rows rather than losing them silently.
        #expect(throws: GeoQueryError.self) { try Ingest.run(paths: [TestData.archive + "/2019-01/2019-01-cumbria-street.csv"], mirror: .directory(dir)) }
    }

    @Test func truncatedOrEmptyOrForeignFilesAreCorrupt() throws {
        let dir = try smallMirror()
        try damage(dir) { $0.removeLast($0.count / 2) }
        guard case .mirrorCorrupt? = openError(dir) else { Issue.record("expected mirrorCorrupt (truncated)"); return }
        try damage(dir) { $0 = Array("Crime ID,Month\n".utf8) }
        guard case .mirrorCorrupt? = openError(dir) else { Issue.record("expected mirrorCorrupt (foreign)"); return }
        try damage(dir) { $0 = [] }
        guard case .mirrorCorrupt? = openError(dir) else { Issue.record("expected mirrorCorrupt (empty)"); return }
    }

    @Test func aSnapshotRoundTripsToTheSameTable() throws {
        let dir = try smallMirror()
        let table = try CrimeMirror.open(.directory(dir)).snapshot.crimeTable()
        let rebuilt = SnapshotBuilder(table: table, synthetic: false).build()
        let again = try CrimeMirror(snapshot: Snapshot(bytes: SnapshotBytes(copying: rebuilt.serialized()), path: "memory"))
        let q = CrimeQuery.radius(lat: 51.5155, lng: -0.0922, Distance(metres: 3000))
        #expect(try again.query(q) == CrimeMirror.open(.directory(dir)).query(q))
        #expect(try again.crimes(q) == CrimeMirror.open(.directory(dir)).crimes(q))
    }
}

/// Killing `geoquery ingest` at any moment leaves the previous snapshot readable with the same answers.
@Suite struct AtomicWriteTests {
    @Test func killedIngestsLeaveThePreviousSnapshotIntact() throws {
        let dir = TestData.temporaryDirectory()
        _ = try Ingest.run(paths: [TestData.archive + "/2019-01"], mirror: .directory(dir))
        let queries = [CrimeQuery.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 2000)),
                       CrimeQuery.radius(lat: 51.5155, lng: -0.0922, Distance(metres: 800))]
        let before = try queries.map { try CrimeMirror.open(.directory(dir)).query($0) }
        let extra = (1...12).map { String(format: "%@/2020-%02d/2020-%02d-leicestershire-street.csv", TestData.archive, $0, $0) }

        // How long an uninterrupted ingest takes here until its rename (after it, ingest goes on
        // to build the catchments), measured on a copy.
        let copy = TestData.temporaryDirectory("copy")
        let saved = TestData.temporaryDirectory("saved") + "/" + SnapshotFormat.fileName
        try FileManager.default.copyItem(atPath: dir + "/" + SnapshotFormat.fileName, toPath: copy + "/" + SnapshotFormat.fileName)
        try FileManager.default.copyItem(atPath: dir + "/" + SnapshotFormat.fileName, toPath: saved)
        func inode(_ path: String) -> Int? { (try? FileManager.default.attributesOfItem(atPath: path))?[.systemFileNumber] as? Int }
        let original = inode(copy + "/" + SnapshotFormat.fileName)
        /// `geoquery ingest` of the extra months into `mirror`, started.
        func ingest(into mirror: String) throws -> Process {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: TestData.binary)
            p.arguments = ["ingest", "--mirror", mirror] + extra
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        let t0 = Date()
        let timing = try ingest(into: copy)
        var renamed: TimeInterval? = nil
        while timing.isRunning {
            if renamed == nil, inode(copy + "/" + SnapshotFormat.fileName) != original { renamed = Date().timeIntervalSince(t0) }
            Thread.sleep(forTimeInterval: 0.005)
        }
        #expect(timing.terminationStatus == 0)
        let duration = renamed ?? Date().timeIntervalSince(t0)
        let after = try queries.map { try CrimeMirror.open(.directory(copy)).query($0) }
        #expect(after[0] != before[0])

        var killedBeforeRename = 0
        for fraction in [0.05, 0.2, 0.4, 0.6, 0.75, 0.85, 0.92, 0.97, 0.995] {
            let p = try ingest(into: dir)
            Thread.sleep(forTimeInterval: duration * fraction)
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let m = try CrimeMirror.open(.directory(dir))  // must always open
            let now = try queries.map { try m.query($0) }
            #expect(now == before || now == after, "after a kill at \(fraction) of the ingest")
            if now == before { killedBeforeRename += 1 } else {
                // The ingest completed before the kill: restore the old snapshot for the next round.
                try FileManager.default.removeItem(atPath: dir + "/" + SnapshotFormat.fileName)
                try FileManager.default.copyItem(atPath: saved, toPath: dir + "/" + SnapshotFormat.fileName)
            }
        }
        // Most kills land before the rename (timing varies with load on 2 cores).
        #expect(killedBeforeRename >= 3)
    }
}

/// The checksum of a section written in pieces is the checksum of the whole section, wherever
/// the pieces are cut (sections are streamed so no column is ever held whole).
@Suite struct PieceChecksumTests {
    @Test func piecesGiveTheWholeChecksum() {
        var rng = SplitMix64(seed: 7)
        for length in [0, 1, 7, 8, 31, 32, 33, 63, 64, 65, 1000, 4099] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let whole = bytes.withUnsafeBytes { SnapshotFormat.checksum($0) }
            for _ in 0..<20 {
                var c = SnapshotFormat.Checksum(length: length)
                var at = 0
                while at < length {
                    let n = min(length - at, Int(rng.next() % 70))
                    bytes.withUnsafeBytes { c.update(UnsafeRawBufferPointer(rebasing: $0[at..<(at + n)])) }
                    at += n
                }
                #expect(c.finish() == whole, "\(length) bytes")
            }
        }
    }
}

import Foundation
import Testing
@testable import GeoQuery

/// The first catchment question on a mirror without its catchment file says what it is doing (on
/// stderr, in the CLI only); later questions read the stored file and say nothing.
@Suite struct CatchmentProgressTests {
    /// Durham 2019-01 in a fresh mirror whose catchment file is gone (as from an older geoquery,
    /// whose ingest left them to first use), and its map points counted from the parsed rows.
    static func freshMirror() throws -> (dir: String, mapPoints: Int) {
        let dir = TestData.temporaryDirectory()
        _ = try Ingest.run(paths: [TestData.archive + "/2019-01/2019-01-durham-street.csv"], mirror: .directory(dir))
        try FileManager.default.removeItem(atPath: dir + "/" + CatchmentFile.fileName)
        let points = Set(TestData.referenceRows.filter { $0.force == "durham" && $0.month == "2019-01" }
            .compactMap { r in r.lat.flatMap { la in r.lng.map { "\(la),\($0)" } } })
        return (dir, points.count)
    }

    @Test func cliSaysWhenItComputesCatchmentsAndOnlyThen() throws {
        let (dir, mapPoints) = try Self.freshMirror()
        let args = ["catchment", "--mirror", dir, "--lat", "54.7761", "--lng", "-1.5733", "--radius", "0.5mi", "--format", "json"]
        let first = try CLIRun.run(args)
        #expect(first.status == 0, "\(first.stderr)")
        let lines = first.stderr.split(separator: "\n").map(String.init)
        let file = dir + "/catchments.geoquery"
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.locale = Locale(identifier: "en_US")
        let grouped = formatter.string(from: NSNumber(value: mapPoints))!
        #expect(lines.contains("geoquery: note: computing catchments for \(grouped) map points (none stored for these points yet; kept in \(file))..."), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("geoquery: note: computed the catchments of \(grouped) map points in ") && $0.hasSuffix(" s") }, "\(lines)")
        #expect(FileManager.default.fileExists(atPath: file))
        let second = try CLIRun.run(args)
        #expect(second.status == 0 && !second.stderr.contains("catchments"), "\(second.stderr)")
        #expect(second.stdout == first.stdout)
    }

    /// Catchments that cannot be stored (here their file's name is taken by a folder; a full disk
    /// alike) leave the snapshot written, a warning, and a summary that says they were not built
    /// (it said "unchanged").
    @Test func anIngestWhoseCatchmentsFailSaysSoInItsSummary() throws {
        let dir = TestData.temporaryDirectory("nocatchments")
        try FileManager.default.createDirectory(atPath: dir + "/" + CatchmentFile.fileName, withIntermediateDirectories: true)
        let r = try CLIRun.run(["ingest", "--mirror", dir, TestData.archive + "/2019-01/2019-01-durham-street.csv"])
        #expect(r.status == 0 && r.stderr.contains("warning: the catchments were not built ("), "\(r.stderr)")
        #expect(r.stdout.contains("(catchments clipped at 20 km, no force boundaries loaded; not built: computed on first use)"), "\(r.stdout)")
        #expect(try CrimeMirror.open(.directory(dir)).mapPointCount > 0)
    }

    @Test func theLibraryStaysQuietAndReportsToACallback() throws {
        let (dir, mapPoints) = try Self.freshMirror()
        final class Events: @unchecked Sendable { let lock = NSLock(); var all: [CatchmentProgress] = [] }
        let events = Events()
        let mirror = try CrimeMirror.open(.directory(dir)) { e in events.lock.lock(); events.all.append(e); events.lock.unlock() }
        _ = try mirror.catchmentReport(.radius(lat: 54.7761, lng: -1.5733, Distance(metres: 800)))
        _ = try mirror.catchmentReport(.radius(lat: 54.7761, lng: -1.5733, Distance(metres: 400)))
        let file = dir + "/catchments.geoquery"
        #expect(events.all.count == 2)
        #expect(events.all.first == .computing(mapPoints: mapPoints, file: file))
        guard case .computed(let n, let seconds, file, true, nil)? = events.all.last else { Issue.record("\(events.all)"); return }
        #expect(n == mapPoints && seconds > 0)
        // A second opening reads the stored catchments: no events.
        events.all = []
        _ = try CrimeMirror.open(.directory(dir)) { e in events.all.append(e) }.catchmentReport(.radius(lat: 54.7761, lng: -1.5733, Distance(metres: 800)))
        #expect(events.all.isEmpty)
    }
}

import Foundation
import Testing
@testable import GeoQuery

/// One writer at a time: an ingest waits for another into the same mirror, so neither's rows are
/// lost (two at once each read the same mirror, and the later rename dropped the other's month).
@Suite(.serialized) struct MirrorLockTests {
    static func durham(_ month: String) -> String { TestData.archive + "/\(month)/\(month)-durham-street.csv" }

    static func months(_ dir: String) throws -> [String] {
        Set(try CrimeMirror.open(.directory(dir)).streetPartitions.map(\.month)).sorted()
    }

    @Test func anIngestWaitsForTheLockAndThenKeepsBothMonths() async throws {
        let dir = TestData.temporaryDirectory("locked")
        _ = try Ingest.run(paths: [Self.durham("2019-01")], mirror: .directory(dir))
        // Another writer holds the mirror.
        var holder: MirrorLock? = MirrorLock(.directory(dir))
        try holder!.acquire { _ in Issue.record("the first lock does not wait") }
        let said = LogLines()
        // On a thread of its own, started at once: in a full test run the cooperative pool can be
        // busy for minutes with other suites' blocking work (a detached task did not start in 60 s).
        let finished = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        Thread.detachNewThread {
            outcome.set(Result {
                try Ingest.run(paths: [Self.durham("2019-02")], mirror: .directory(dir)) { p in
                    if p.stage == IngestProgress.waiting { said.append(p.name) }
                }
            })
            finished.signal()
        }
        // Generous: only a guard against a hang.
        let deadline = Date().addingTimeInterval(600 * Sanitizer.slowdown)
        while said.lines.isEmpty && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(said.lines == ["waiting for another ingest into \(dir) to finish (one writes a mirror at a time)"])
        // Still waiting: the mirror is as it was.
        try await Task.sleep(for: .milliseconds(200))
        #expect(try Self.months(dir) == ["2019-01"])
        holder = nil  // released
        try await offThePool { finished.wait() }
        let summary = try #require(outcome.value).get()
        #expect(summary.crimesInMirror > 0)
        #expect(try Self.months(dir) == ["2019-01", "2019-02"])
    }

    /// The background ingest's result, handed from its thread to the test.
    final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Result<IngestSummary, Error>?
        func set(_ r: Result<IngestSummary, Error>) { lock.lock(); stored = r; lock.unlock() }
        var value: Result<IngestSummary, Error>? { lock.lock(); defer { lock.unlock() }; return stored }
    }

    @Test func concurrentIngestsKeepEveryMonth() async throws {
        for round in 0..<3 {
            let dir = TestData.temporaryDirectory("concurrent\(round)")
            _ = try Ingest.run(paths: [Self.durham("2019-01")], mirror: .directory(dir))
            async let a = offThePool { try Ingest.run(paths: [Self.durham("2019-02")], mirror: .directory(dir)) }
            async let b = offThePool { try Ingest.run(paths: [Self.durham("2018-12")], mirror: .directory(dir), compact: true) }
            _ = try await (a, b)
            #expect(try Self.months(dir) == ["2018-12", "2019-01", "2019-02"], "round \(round)")
        }
    }

    /// Ingests started at once into a folder that does not exist: both months kept, and only the
    /// ingest that made the folder says so (each said "created a new mirror folder").
    @Test func ofIngestsIntoANewFolderOneMadeIt() async throws {
        for round in 0..<3 {
            let dir = TestData.temporaryDirectory("new\(round)") + "/mirror"
            async let a = offThePool { try Ingest.run(paths: [Self.durham("2019-02")], mirror: .directory(dir)) }
            async let b = offThePool { try Ingest.run(paths: [Self.durham("2019-01")], mirror: .directory(dir)) }
            let (x, y) = try await (a, b)
            #expect([x.madeMirrorFolder, y.madeMirrorFolder].filter { $0 }.count == 1, "round \(round)")
            #expect(try Self.months(dir) == ["2019-01", "2019-02"], "round \(round)")
            #expect(!(try Ingest.run(paths: [Self.durham("2018-12")], mirror: .directory(dir))).madeMirrorFolder)
        }
    }

    /// A snapshot that cannot be looked at (here a link that loops; permission denied alike) is an
    /// error: it was taken for no mirror, and the ingest wrote a new one over the link.
    @Test func aSnapshotThatCannotBeLookedAtIsNotAFirstIngest() throws {
        let dir = TestData.temporaryDirectory("loop")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let snapshot = dir + "/" + SnapshotFormat.fileName
        try FileManager.default.createSymbolicLink(atPath: snapshot, withDestinationPath: SnapshotFormat.fileName)
        #expect {
            try Ingest.run(paths: [Self.durham("2019-01")], mirror: .directory(dir))
        } throws: { ($0 as? GeoQueryError)?.description.contains("cannot look at \(snapshot): Too many levels of symbolic links") == true }
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: snapshot) == SnapshotFormat.fileName)
        #expect(throws: GeoQueryError.self) { try CrimeMirror.open(.directory(dir)) }
        // The postcode table alike: a merge wrote a new table of its batch alone over the link.
        let postcodes = dir + "/" + PostcodeTable.fileName
        try FileManager.default.createSymbolicLink(atPath: postcodes, withDestinationPath: PostcodeTable.fileName)
        #expect {
            try Ingest.run(paths: [], postcodes: [TestData.codePoint + "/ec.csv"], mirror: .directory(dir))
        } throws: { ($0 as? GeoQueryError)?.description.contains("cannot look at \(postcodes)") == true }
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: postcodes) == PostcodeTable.fileName)
    }
}

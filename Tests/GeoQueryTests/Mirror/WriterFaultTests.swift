import Foundation
import Testing
@testable import GeoQuery
import GeoQueryHarvest

/// Every writer stopped at one write step after another by the test-only hook in ``AtomicFile``
/// (`GEOQUERY_FAULT_AFTER_WRITES=N`): SIGKILLed there, or failing there with ENOSPC as a full
/// disk would. After each fault the mirror answers exactly as before (or, for a kill after the
/// rename, exactly as after), a full disk says so and leaves no temporary file, and the command
/// run again completes.
@Suite(.serialized) struct WriterFaultTests {
    enum Fault: String, CaseIterable { case kill, nospace }

    /// Runs `arguments` with the fault after N steps for growing N (every step at first, then
    /// ever wider gaps) until a run completes (`done`); then finds by bisection the run's exact
    /// number of steps and stops at each of its last three (the final fsync, the rename, the
    /// folder's fsync), and ends with a run that completes. `reset` puts the files back before
    /// each run; `check` judges each faulted run.
    /// - Returns: the faults injected.
    @discardableResult
    static func sweep(_ arguments: [String], fault: Fault, reset: () throws -> Void,
                      done: (CLIRun) -> Bool = { $0.status == 0 }, check: (CLIRun, Int) throws -> Void) throws -> Int {
        var faulted = Set<Int>()
        func completes(_ n: Int) throws -> Bool {
            try reset()
            let run = try CLIRun.run(arguments, environment: ["GEOQUERY_FAULT_AFTER_WRITES": "\(n)", "GEOQUERY_FAULT": fault.rawValue])
            if done(run) { return true }
            faulted.insert(n)
            try check(run, n)
            return false
        }
        var n = 0, lastFault = -1
        while try !completes(n) {
            lastFault = n
            n += max(1, n / 3)
            guard n < 100_000 else { Issue.record("\(arguments) never completed"); return faulted.count }
        }
        var steps = n
        while steps - lastFault > 1 {
            let mid = (steps + lastFault) / 2
            if try completes(mid) { steps = mid } else { lastFault = mid }
        }
        for m in [steps - 3, steps - 2, steps - 1] where m >= 0 && !faulted.contains(m) {
            #expect(try !completes(m), "fewer steps than \(steps) completed")
        }
        #expect(try completes(steps), "\(steps) steps did not complete again")
        return faulted.count
    }

    /// Files the writers left half-made anywhere under `dir`.
    static func temporaryFiles(_ dir: String) -> [String] {
        (FileManager.default.subpaths(atPath: dir) ?? []).filter { $0.hasSuffix(".tmp") }
    }

    /// Replaces `dir` with a copy of `base`.
    static func restore(_ base: String, to dir: String) throws {
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.copyItem(atPath: base, toPath: dir)
    }

    static func expectFullDiskReported(_ run: CLIRun, _ n: Int, in dir: String) {
        #expect(run.status != 0, "a failed write exited 0 (fault after \(n) steps)")
        #expect(run.stderr.contains("no space left on device writing") && run.stderr.contains("free space"), "after \(n) steps: \(run.stderr)")
        #expect(!run.stderr.contains("Fatal error") && run.stderr.split(separator: "\n").count <= 3, "\(run.stderr)")
        #expect(temporaryFiles(dir).isEmpty, "left behind after \(n) steps: \(temporaryFiles(dir))")
    }

    /// Answers that differ between the City of London and the Leicestershire mirrors.
    static let queries = [CrimeQuery.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 2000)),
                          CrimeQuery.radius(lat: 51.5155, lng: -0.0922, Distance(metres: 800)),
                          CrimeQuery.radius(lat: 54.7761, lng: -1.5733, Distance(metres: 3000))]

    static func answers(_ dir: String) throws -> [QueryResult] {
        let m = try CrimeMirror.open(.directory(dir))
        return try queries.map { try m.query($0) }
    }

    static func street(_ force: String) -> String { TestData.archive + "/2019-01/2019-01-\(force)-street.csv" }

    /// The sweep for a command that adds crimes to the mirror in `base`: after each fault the
    /// mirror answers the fixed queries exactly as before (or, after a kill past the rename, as
    /// after), and the command run again completes with exactly the answers of a clean run.
    /// - Parameter storesBeforeItEnds: the command writes more after the snapshot (harvest: its
    ///   journal's `stored` line), so a full disk there leaves the new answers with the error.
    /// - Parameter complete: more to check after each re-run.
    static func sweepCrimeWriter(_ arguments: [String], base: String, dir: String, fault: Fault, storesBeforeItEnds: Bool = false,
                                 complete: () throws -> Void = {}) throws {
        let before = try answers(base)
        try restore(base, to: dir)
        let clean = try CLIRun.run(arguments)
        #expect(clean.status == 0, "\(clean.stderr)")
        let after = try answers(dir)
        #expect(after != before)

        let faults = try sweep(arguments, fault: fault, reset: { try restore(base, to: dir) }) { run, n in
            let now = try answers(dir)  // must always open
            switch fault {
            case .nospace:
                #expect(now == before || (storesBeforeItEnds && now == after), "after a full disk at step \(n)")
                expectFullDiskReported(run, n, in: dir)
            case .kill:
                #expect(now == before || now == after, "after a kill at step \(n)")
            }
            let again = try CLIRun.run(arguments)
            #expect(try again.status == 0 && answers(dir) == after, "re-run after a \(fault) at step \(n): \(again.stderr)")
            #expect(temporaryFiles(dir).isEmpty, "the re-run left \(temporaryFiles(dir))")
            try complete()
        }
        #expect(faults >= 10, "only \(faults) fault points")
        #expect(try answers(dir) == after && temporaryFiles(dir).isEmpty)
    }

    @Test(arguments: Fault.allCases) func ingest(_ fault: Fault) throws {
        let base = TestData.temporaryDirectory("base")
        _ = try Ingest.run(paths: [Self.street("city-of-london")], mirror: .directory(base))
        let dir = TestData.temporaryDirectory("faulted")
        try Self.sweepCrimeWriter(["ingest", "--mirror", dir, Self.street("leicestershire")], base: base, dir: dir, fault: fault)
    }

    /// What a postcode table answers: its size and the centroids of every 50th unit of the two
    /// Code-Point files (its bytes carry the time it was written, so they are not compared).
    static func postcodeAnswers(_ dir: String) throws -> [String] {
        let table = try PostcodeTable.open(.directory(dir))
        let units = try ["ec", "dh"].flatMap { area in
            try String(contentsOfFile: TestData.codePoint + "/\(area).csv", encoding: .utf8).split(separator: "\n")
                .enumerated().filter { $0.offset % 50 == 0 }.map { String($0.element.split(separator: ",")[0].dropFirst().dropLast()) }
        }
        return ["\(table.count)"] + units.map { u in table.centroid(of: u).map { "\(u) \($0.lat) \($0.lng)" } ?? "\(u) -" }
    }

    @Test(arguments: Fault.allCases) func postcodeIngest(_ fault: Fault) throws {
        let base = TestData.temporaryDirectory("base")
        _ = try Ingest.run(paths: [], postcodes: [TestData.codePoint + "/ec.csv"], mirror: .directory(base))
        let before = try Self.postcodeAnswers(base)
        let dir = TestData.temporaryDirectory("faulted")
        let arguments = ["ingest", "--mirror", dir, "--proj-grids", TestData.projGrids, "--postcodes", TestData.codePoint + "/dh.csv"]
        try Self.restore(base, to: dir)
        #expect(try CLIRun.run(arguments).status == 0)
        let after = try Self.postcodeAnswers(dir)
        #expect(Int(after[0])! > Int(before[0])! && after.filter { $0.hasSuffix(" -") }.isEmpty)

        let faults = try Self.sweep(arguments, fault: fault, reset: { try Self.restore(base, to: dir) }) { run, n in
            let now = try Self.postcodeAnswers(dir)
            switch fault {
            case .nospace:
                #expect(now == before, "after a full disk at step \(n)")
                Self.expectFullDiskReported(run, n, in: dir)
            case .kill:
                #expect(now == before || now == after, "after a kill at step \(n)")
            }
        }
        #expect(faults >= 10, "only \(faults) fault points")
        #expect(try Self.postcodeAnswers(dir) == after && Self.temporaryFiles(dir).isEmpty)
    }

    /// Catchments are a cache: a failed write still answers, from memory, and says the file could
    /// not be written; a killed one is computed again by the next run.
    @Test(arguments: Fault.allCases) func catchmentBuild(_ fault: Fault) throws {
        let base = TestData.temporaryDirectory("base")
        _ = try Ingest.run(paths: [Self.street("leicestershire")], mirror: .directory(base))
        // Ingest builds the catchments too: without its file the command must build and write them.
        try FileManager.default.removeItem(atPath: base + "/" + CatchmentFile.fileName)
        let dir = TestData.temporaryDirectory("faulted")
        let arguments = ["catchment", "--mirror", dir, "--lat", "52.6344", "--lng", "-1.1313", "--radius", "0.3mi"]
        let file = dir + "/" + CatchmentFile.fileName
        try Self.restore(base, to: dir)
        let reference = try CLIRun.run(arguments)
        #expect(reference.status == 0 && FileManager.default.fileExists(atPath: file), "\(reference.stderr)")
        /// A stored file is whole: the next run reads it instead of computing, and answers the same.
        func expectStoredFileWhole(_ n: Int) throws {
            let again = try CLIRun.run(arguments)
            #expect(again.status == 0 && again.stdout == reference.stdout, "after a fault at step \(n): \(again.stderr)")
            #expect(!again.stderr.contains("computing catchments"), "a stored file was not usable after a fault at step \(n)")
        }

        let faults = try Self.sweep(arguments, fault: fault, reset: { try Self.restore(base, to: dir) },
                                    done: { $0.status == 0 && FileManager.default.fileExists(atPath: file) }) { run, n in
            switch fault {
            case .nospace:
                #expect(run.status == 0 && run.stdout == reference.stdout, "after a full disk at step \(n): \(run.stderr)")
                // Says what happened, not only that it happened.
                #expect(run.stderr.contains("could not write \(file) (no space left on device"), "\(run.stderr)")
                #expect(!FileManager.default.fileExists(atPath: file) && Self.temporaryFiles(dir).isEmpty)
            case .kill:
                #expect(run.status != 0)
                if FileManager.default.fileExists(atPath: file) { try expectStoredFileWhole(n) }
                let again = try CLIRun.run(arguments)
                #expect(again.status == 0 && again.stdout == reference.stdout, "re-run after a kill at step \(n): \(again.stderr)")
                #expect(Self.temporaryFiles(dir).isEmpty)
            }
        }
        #expect(faults >= 6, "only \(faults) fault points")
        try expectStoredFileWhole(-1)
    }

    /// A picture written with --svg replaces the old file whole or not at all.
    @Test(arguments: Fault.allCases) func export(_ fault: Fault) throws {
        let dir = TestData.temporaryDirectory("base")
        _ = try Ingest.run(paths: [Self.street("city-of-london")], mirror: .directory(dir))
        _ = try CrimeMirror.open(.directory(dir)).catchments()
        let out = TestData.temporaryDirectory("pictures")
        let svg = out + "/area.svg"
        let arguments = ["catchment", "--mirror", dir, "--lat", "51.5155", "--lng", "-0.0922", "--radius", "0.3mi", "--svg", svg]
        #expect(try CLIRun.run(arguments).status == 0)
        let picture = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(picture.hasPrefix("<svg") || picture.hasPrefix("<?xml"))
        let old = "an earlier picture"

        let faults = try Self.sweep(arguments, fault: fault, reset: { try old.write(toFile: svg, atomically: false, encoding: .utf8) }) { run, n in
            let now = try String(contentsOfFile: svg, encoding: .utf8)
            switch fault {
            case .nospace:
                #expect(now == old, "after a full disk at step \(n)")
                Self.expectFullDiskReported(run, n, in: out)
            case .kill:
                #expect(now == old || now == picture, "after a kill at step \(n)")
            }
        }
        #expect(faults >= 3, "only \(faults) fault points")
        #expect(try String(contentsOfFile: svg, encoding: .utf8) == picture && Self.temporaryFiles(out).isEmpty)
    }

    /// `geoquery harvest` writes its journal, the month's CSV, the snapshot and its provenance:
    /// stopped at each of their steps, the mirror keeps its previous answers, and a re-run ends
    /// with exactly the answers of an uninterrupted harvest.
    @Test(arguments: Fault.allCases) func harvest(_ fault: Fault) throws {
        let served = try ServedMirror(mirror: TestData.realMirrorPath)
        let base = TestData.temporaryDirectory("base")
        _ = try Ingest.run(paths: [Self.street("durham")], mirror: .directory(base))
        let dir = TestData.temporaryDirectory("faulted")
        try Self.sweepCrimeWriter(["harvest", "--mirror", dir, "--api", served.api, "--force", "city-of-london", "--date", "2019-01", "--concurrency", "1"],
                                  base: base, dir: dir, fault: fault, storesBeforeItEnds: true) {
            // The provenance still says the month came from the API (else `info` and the coverage
            // notes would take it for the whole force's archive).
            let month = Month("2019-01")!
            let current = try HarvestProvenance.load(folder: dir).current(force: "city-of-london", month: month, in: CrimeMirror.open(.directory(dir)))
            #expect(!current.isEmpty, "the provenance lost the harvested month")
        }
    }
}

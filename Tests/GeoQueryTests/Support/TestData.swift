import Foundation
@testable import GeoQuery

/// Paths to the real Police UK data beside the checkout (../shared/data) and to the built CLI.
enum TestData {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var shared: URL {
        if let p = ProcessInfo.processInfo.environment["GEOQUERY_SHARED_DATA"] { return URL(fileURLWithPath: p) }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
    }

    static var archive: String { shared.appendingPathComponent("crime-archive").path }
    static var outcomes: String { shared.appendingPathComponent("outcomes").path }
    /// OS Code-Point Open (2014-08): le.csv, ec.csv, dh.csv.
    static var codePoint: String { shared.appendingPathComponent("postcodes/codepoint-open-2014-08").path }
    static var codePointFiles: [String] { ["le", "ec", "dh"].map { codePoint + "/\($0).csv" } }
    /// The OSTN15 grid.
    static var projGrids: String { shared.appendingPathComponent("proj").path }

    /// Leicestershire, City of London and Durham for 2019-01 with the three Code-Point Open files.
    static let postcodeMirrorPath: String = {
        let dir = temporaryDirectory("postcodes")
        let crimes = ["leicestershire", "city-of-london", "durham"].map { archive + "/2019-01/2019-01-\($0)-street.csv" }
        do { _ = try Ingest.run(paths: crimes, postcodes: codePointFiles, gridDirectories: [projGrids], mirror: .directory(dir)) } catch {
            fatalError("ingesting postcodes failed: \(error)")
        }
        return dir
    }()

    /// A fresh temporary folder under this process's root, which is removed when the process
    /// exits: tmp is not cleaned on every machine (a developer's filled with 22 GB of mirrors).
    static func temporaryDirectory(_ name: String = "mirror") -> String {
        let dir = testRoot + "/\(UUID().uuidString)/\(name)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// One folder per test process for every ``temporaryDirectory(_:)``, removed at exit (a
    /// crashed run leaves it, to be looked at).
    private static let testRoot: String = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("geoquery-tests-\(getpid())-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        removedAtExit = root
        atexit { if let root = removedAtExit { try? FileManager.default.removeItem(atPath: root) } }
        return root
    }()

    /// ONS police force areas (December 2020, generalised): the 43 forces of England and Wales.
    static var forceBoundaries: String {
        shared.appendingPathComponent("boundaries/police-force-areas/police_force_areas_dec2020_generalised.geojson").path
    }

    /// `forceBoundaries` read once (`PFA20NM` names, self-touching rings repaired).
    static let forceAreas: [PolygonReader.Feature] = {
        do { return try PolygonReader.geojsonFeatures(String(contentsOfFile: forceBoundaries, encoding: .utf8), key: "PFA20NM", repair: true) }
        catch { fatalError("reading \(forceBoundaries) failed: \(error)") }
    }()

    /// The force area named `name` (`PFA20NM`, e.g. "Leicestershire").
    static func forceArea(_ name: String) -> Polygon? { forceAreas.first { $0.key == name }?.polygon }

    /// Leicester's 192 LSOAs (`lsoa-2011-by-lad/E06000016.json`) as one area, read as the CLI
    /// reads `--geojson FILE --repair`: their generalised edges overlap, so the repaired union
    /// holds slivers and holes (a hard case for GEOS overlays).
    static func leicesterRepaired() throws -> Polygon {
        var input = QueryInput()
        input.geojson = try String(contentsOfFile: shared.appendingPathComponent("boundaries/lsoa-2011-by-lad/E06000016.json").path, encoding: .utf8)
        input.repair = true
        guard case .polygon(let p) = try input.query(fallbackCentre: nil, postcodes: { throw GeoQueryError.invalidQuery("no postcodes") }).area else {
            throw GeoQueryError.invalidQuery("E06000016.json did not read as a polygon")
        }
        return p
    }

    /// The real archive ingested once per test run (every crime-archive CSV, no outcomes), with
    /// catchments clipped to the force boundaries and the Code-Point Open postcodes.
    static let realMirrorPath: String = {
        let dir = temporaryDirectory("real")
        do { _ = try Ingest.run(paths: [archive], boundaries: [forceBoundaries], postcodes: codePointFiles, gridDirectories: [projGrids], mirror: .directory(dir)) } catch { fatalError("ingesting \(archive) failed: \(error)") }
        // Compute and store the catchments now, so the CLI tests' processes find them.
        do { _ = try CrimeMirror.open(.directory(dir)).catchments() } catch { fatalError("catchments of the real mirror failed: \(error)") }
        return dir
    }()

    static let realMirror: CrimeMirror = {
        do { return try CrimeMirror.open(.directory(realMirrorPath)) } catch { fatalError("opening the real mirror failed: \(error)") }
    }()

    /// Every CSV row of the archive, parsed independently of the library (see ``ReferenceRows``).
    static let referenceRows: [ReferenceRow] = ReferenceRows.load(archive)

    /// The built `geoquery` binary next to the test bundle.
    static var binary: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("geoquery").path,
            packageRoot.appendingPathComponent(".build/debug/geoquery").path,
        ] + ((try? FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent(".build").path)) ?? [])
            .map { packageRoot.appendingPathComponent(".build/\($0)/debug/geoquery").path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }
}

/// Runs the CLI and captures its output.
struct CLIRun {
    var status: Int32
    var stdout: String
    var stderr: String

    /// - Parameter folder: the working folder (nil: this process's).
    /// - Parameter shell: run `/bin/sh` with the arguments instead of geoquery.
    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], in folder: String? = nil, shell: Bool = false) throws -> CLIRun {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: shell ? "/bin/sh" : TestData.binary)
        p.arguments = arguments
        if let folder { p.currentDirectoryURL = URL(fileURLWithPath: folder) }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "GEOQUERY_MIRROR")
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes fully before waiting, so a large output cannot block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return CLIRun(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Seeded randomness for reproducible tests (the library's generator).
typealias SeededRandom = SplitMix64

extension SplitMix64 {
    /// GEOQUERY_TEST_SEED overrides the default, to try fresh random queries.
    static func seed(_ fallback: UInt64) -> UInt64 {
        ProcessInfo.processInfo.environment["GEOQUERY_TEST_SEED"].flatMap(UInt64.init) ?? fallback
    }
}

/// The test root ``TestData`` removes at exit (a C exit handler captures nothing, so it reads a global).
nonisolated(unsafe) private var removedAtExit: String?

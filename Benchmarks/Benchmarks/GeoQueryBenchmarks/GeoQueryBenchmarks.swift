import Benchmark
import Foundation
import GeoQuery

// Seeded, comparative benchmarks on the real Police UK data in ../shared/data (see BENCHMARKS.md).
// Run from Benchmarks/: swift package benchmark

/// ../shared/data beside the checkout (or $GEOQUERY_SHARED_DATA).
let sharedData: String = ProcessInfo.processInfo.environment["GEOQUERY_SHARED_DATA"]
    ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data").path

/// The whole real archive ingested once into a temporary mirror.
let realMirrorDirectory: String = {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("geoquery-bench-\(getpid())").path
    _ = try! Ingest.run(paths: [sharedData + "/crime-archive"], boundaries: [forceBoundaries], postcodes: codePointFiles,
                        gridDirectories: [sharedData + "/proj"], mirror: .directory(dir))
    return dir
}()
let realMirror: CrimeMirror = try! CrimeMirror.open(.directory(realMirrorDirectory))


/// Random radius queries as in the issue: centres at random map points, 0.05–3 miles, random month ranges.
func randomRadiusQueries(_ count: Int, seed: UInt64 = 42) -> [CrimeQuery] {
    var rng = SplitMix64(seed: seed)
    let first = realMirror.firstMonth!.ordinal, last = realMirror.lastMonth!.ordinal
    return (0..<count).map { _ in
        let p = realMirror.mapPoint(Int.random(in: 0..<realMirror.mapPointCount, using: &rng))
        var a = Int.random(in: first...last, using: &rng), b = Int.random(in: first...last, using: &rng)
        if a > b { swap(&a, &b) }
        return .radius(lat: p.latitude, lng: p.longitude, Distance(metres: Double.random(in: 0.05...3, using: &rng) * Distance.metresPerMile),
                       from: Month(ordinal: a), to: Month(ordinal: b))
    }
}

/// Leicester city centre (Clock Tower): the densest area of the real data.
let denseCentre = CrimeQuery.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 0.5 * Distance.metresPerMile))

/// Which query the next sample runs: global, because the benchmark closure runs once per sample,
/// and a counter inside it would start at zero each time (every sample the same query).
nonisolated(unsafe) var nextQuery = 0

/// The result the "answered into one result" benchmarks answer into, kept from sample to sample
/// (global, as `nextQuery`): a closure's local would start afresh, sized for one query, each sample.
nonisolated(unsafe) var reusedResult: QueryResult?

/// The counts of `queries` in turn, answered into ``reusedResult`` (moved out for the sample
/// and back, so its arrays stay unshared and are reused).
func answerIntoOneResult(_ benchmark: Benchmark, _ queries: [CrimeQuery]) throws {
    var result = try reusedResult.take() ?? realMirror.query(queries[0], fields: countFields)
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
        try realMirror.query(next(queries), fields: countFields, into: &result)
        blackHole(result.total)
    }
    benchmark.stopMeasurement()
    reusedResult = result
}

func next<T>(_ items: [T]) -> T {
    defer { nextQuery &+= 1 }
    return items[nextQuery % items.count]
}

let benchmarks: @Sendable () -> Void = {
    radiusBenchmarks()
    polygonBenchmarks()
    catchmentBenchmarks()
    postcodeBenchmarks()
    reportBenchmarks()
}

let radiusBenchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(3), maxIterations: 1_000_000)

    Benchmark("R-tree build, 1M map points", configuration: .init(metrics: [.wallClock, .peakMemoryResident], maxDuration: .seconds(10), maxIterations: 30)) { benchmark in
        var rng = SplitMix64(seed: 7)
        let lat = (0..<1_000_000).map { _ in Int32.random(in: 49_900_000...55_800_000, using: &rng) }
        let lng = (0..<1_000_000).map { _ in Int32.random(in: -5_700_000...1_760_000, using: &rng) }
        benchmark.startMeasurement()
        blackHole(PackedHilbertRTree.build(latE6: lat, lngE6: lng))
    }

    Benchmark("Radius 0.5 mi, densest area, all months") { benchmark in
        _ = realMirror
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try realMirror.query(denseCentre)) }
    }

    Benchmark("Random radius queries (0.05-3 mi, random months), per query",
              configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(3), maxIterations: 1_000_000)) { benchmark in
        let queries = randomRadiusQueries(4096)
        _ = realMirror
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try realMirror.query(next(queries))) }
    }

    Benchmark("Random radius queries as batch JSON lines, per line",
              configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(3), maxIterations: 1_000_000)) { benchmark in
        let queries = randomRadiusQueries(4096)
        _ = realMirror
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let q = next(queries)
            blackHole(try realMirror.query(q).json(area: q.area))
        }
    }

    Benchmark("Open the real mirror", configuration: .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(3), maxIterations: 10_000)) { benchmark in
        _ = realMirror
        benchmark.startMeasurement()
        blackHole(try CrimeMirror.open(.directory(realMirrorDirectory)))
    }

    Benchmark("Ingest the real archive (748,630 rows), end to end",
              configuration: .init(metrics: [.wallClock, .peakMemoryResident], maxDuration: .seconds(20), maxIterations: 10)) { benchmark in
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("geoquery-bench-ingest-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        benchmark.startMeasurement()
        blackHole(try Ingest.run(paths: [sharedData + "/crime-archive"], mirror: .directory(dir)))
        benchmark.stopMeasurement()
        try? FileManager.default.removeItem(atPath: dir)
    }
}

// MARK: polygons and the peers' query set

let boundaries = sharedData + "/boundaries"

func readText(_ path: String) -> String { try! String(contentsOfFile: path, encoding: .utf8) }

/// The 43 force areas (repaired where the generalised boundaries self-touch).
let forceAreas: [PolygonReader.Feature] = try! PolygonReader.geojsonFeatures(
    readText(boundaries + "/police-force-areas/police_force_areas_dec2020_generalised.geojson"), key: "PFA20NM", repair: true)
let leicestershire = forceAreas.first { $0.key == "Leicestershire" }!.polygon

let leicestershireLADs = ["E06000016", "E06000017", "E07000129", "E07000130", "E07000131", "E07000132", "E07000133", "E07000134", "E07000135"]
let allLADs = leicestershireLADs + ["E06000005", "E06000047", "E09000001"]
func lsoas(_ lads: [String]) -> [Polygon] {
    lads.flatMap { try! PolygonReader.geojsonFeatures(readText(boundaries + "/lsoa-2011-by-lad/\($0).json"), key: "LSOA11CD", repair: true).map(\.polygon) }
}

let allLSOAQueries = lsoas(allLADs).map { CrimeQuery.polygon($0) }
/// The result keys that hold counts (no coverage, notes or nearest point): the floor's answer.
let countFields = QueryResult.Fields(["total", "btp", "by_category", "by_month", "by_month_category", "by_outcome",
                                      "map_points", "months", "forces", "no_location"])
let leicestershireLSOAQueries = lsoas(leicestershireLADs).map { CrimeQuery.polygon($0) }

/// Benchmarks/peers/queries.jsonl: the same 2,000 queries PostGIS, shapely and DuckDB answered.
let peerQueries: [CrimeQuery] = readText(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("peers/queries.jsonl").path)
    .split(separator: "\n").map { try! QueryInput(jsonLine: String($0)).query() }

/// Map points passing `inside`, testing every one (the no-tree baseline).
func mapPointsInside(_ inside: (Double, Double) -> Bool) -> Int {
    (0..<realMirror.mapPointCount).reduce(0) { n, i in
        let p = realMirror.mapPoint(i)
        return inside(p.latitude, p.longitude) ? n + 1 : n
    }
}

let polygonBenchmarks: @Sendable () -> Void = {
    Benchmark("Peer query set (2,000 radius queries of Benchmarks/peers), per query",
              configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(3), maxIterations: 1_000_000)) { benchmark in
        let queries = peerQueries
        _ = realMirror
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try realMirror.query(next(queries))) }
    }

    // The per-query floor's path (QueryFloor's): the counts, answered into one result, which
    // allocates nothing per query (mallocCountTotal per iteration shows it).
    Benchmark("Peer query set, counts answered into one result, per query",
              configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(3), maxIterations: 1_000_000)) { benchmark in
        try answerIntoOneResult(benchmark, peerQueries)
    }

    Benchmark("Polygon: one LSOA (1,006 LSOAs in turn), all months, counts answered into one result, per query",
              configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(3), maxIterations: 1_000_000)) { benchmark in
        try answerIntoOneResult(benchmark, allLSOAQueries)
    }

    Benchmark("Peer query set, all 2,000 queries in one sample",
              configuration: .init(metrics: [.wallClock], maxDuration: .seconds(3), maxIterations: 1000)) { benchmark in
        let queries = peerQueries
        _ = realMirror
        benchmark.startMeasurement()
        for q in queries { blackHole(try realMirror.query(q)) }
    }

    Benchmark("Polygon: Leicestershire force area, all months",
              configuration: .init(metrics: [.wallClock], maxDuration: .seconds(3), maxIterations: 10_000)) { benchmark in
        _ = realMirror
        let q = CrimeQuery.polygon(leicestershire)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try realMirror.query(q)) }
    }

    Benchmark("Polygon: Leicestershire force area, every map point with GEOS prepared (no tree)",
              configuration: .init(metrics: [.wallClock], maxDuration: .seconds(5), maxIterations: 100)) { benchmark in
        _ = realMirror
        benchmark.startMeasurement()
        let prepared = try PreparedPolygon(leicestershire)
        blackHole(mapPointsInside { prepared.contains(latitude: $0, longitude: $1) })
    }

    Benchmark("Polygon: Leicestershire force area, every map point with the Swift edge index (no tree)",
              configuration: .init(metrics: [.wallClock], maxDuration: .seconds(5), maxIterations: 100)) { benchmark in
        _ = realMirror
        benchmark.startMeasurement()
        let index = PolygonEdgeIndex(leicestershire)
        blackHole(mapPointsInside { index.contains(latitude: $0, longitude: $1) ?? false })
    }

    Benchmark("Tiles: Leicestershire force area, 2019-01",
              configuration: .init(metrics: [.wallClock], maxDuration: .seconds(5), maxIterations: 200)) { benchmark in
        _ = realMirror
        benchmark.startMeasurement()
        blackHole(try TilePlanner.plan(.polygon(leicestershire), month: Month("2019-01")!, mirror: realMirror))
    }

    Benchmark("Tiles: every force area for 2019-01 (43 areas), total",
              configuration: .init(metrics: [.wallClock], maxDuration: .seconds(20), maxIterations: 10)) { benchmark in
        _ = realMirror
        benchmark.startMeasurement()
        for f in forceAreas { blackHole(try TilePlanner.plan(.polygon(f.polygon), month: Month("2019-01")!, mirror: realMirror)) }
    }

    Benchmark("Polygon: one LSOA (1,006 LSOAs in turn), all months, per query",
              configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(3), maxIterations: 1_000_000)) { benchmark in
        let polygons = allLSOAQueries
        _ = realMirror
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try realMirror.query(next(polygons))) }
    }

    Benchmark("Polygon: every LSOA of the Leicestershire area (per feature), all months, total",
              configuration: .init(metrics: [.wallClock], maxDuration: .seconds(5), maxIterations: 100)) { benchmark in
        let polygons = leicestershireLSOAQueries
        _ = realMirror
        benchmark.startMeasurement()
        for q in polygons { blackHole(try realMirror.query(q)) }
    }
}

/// The three OS Code-Point Open files (LE, EC, DH: 34,735 postcodes) and the OSTN15 grid.
let codePointFiles = ["le", "ec", "dh"].map { sharedData + "/postcodes/codepoint-open-2014-08/\($0).csv" }
let postcodeMirrorDirectory: String = {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("geoquery-bench-postcodes-\(getpid())").path
    _ = try! Ingest.run(paths: [], postcodes: codePointFiles, gridDirectories: [sharedData + "/proj"], mirror: .directory(dir))
    return dir
}()

let postcodeTable: PostcodeTable = try! PostcodeTable.open(.directory(postcodeMirrorDirectory))
/// Every LE postcode, typed as users type them (lower case, no space), in seeded random order.
let postcodeTexts: [String] = {
    var rng = SplitMix64(seed: 11)
    return try! String(contentsOfFile: codePointFiles[0], encoding: .utf8).split(separator: "\n").map {
        String($0.split(separator: ",")[0].dropFirst().dropLast()).lowercased().replacingOccurrences(of: " ", with: "")
    }.shuffled(using: &rng)
}()

let postcodeBenchmarks: @Sendable () -> Void = {
    // 1,000 lookups per sample (scalingFactor .kilo), so the figure is per lookup, not one cold lookup
    // plus the sample's overhead.
    Benchmark("Postcode: unit lookup (normalise + binary search), per lookup",
              configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo, maxDuration: .seconds(3), maxIterations: 100_000)) { benchmark in
        let table = postcodeTable, texts = postcodeTexts
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(table.centroid(of: next(texts))) }
    }

    Benchmark("Postcode: resolve a sector centroid (LE1 5, 108 postcodes)",
              configuration: .init(metrics: [.wallClock, .mallocCountTotal], scalingFactor: .kilo, maxDuration: .seconds(3), maxIterations: 100_000)) { benchmark in
        let table = postcodeTable
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try table.resolve("LE1 5")) }
    }

    Benchmark("Postcode: load the three Code-Point Open files (34,735 postcodes) into a mirror, OSTN15",
              configuration: .init(metrics: [.wallClock, .peakMemoryResident], maxDuration: .seconds(10), maxIterations: 30)) { benchmark in
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("geoquery-bench-pcload-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        benchmark.startMeasurement()
        blackHole(try Ingest.run(paths: [], postcodes: codePointFiles, gridDirectories: [sharedData + "/proj"], mirror: .directory(dir)))
        benchmark.stopMeasurement()
        try? FileManager.default.removeItem(atPath: dir)
    }
}

let reportBenchmarks: @Sendable () -> Void = {
    // End to end in the library: the report's queries and figures, then its JSON and HTML page.
    Benchmark("Report: Leicester Clock Tower 0.5 mi, 36 months, figures + JSON + HTML",
              configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(3), maxIterations: 100_000)) { benchmark in
        let request = ReportRequest(query: .radius(lat: 52.6344, lng: -1.1313, Distance(metres: 0.5 * Distance.metresPerMile),
                                                   from: Month("2019-11"), to: Month("2022-10")))
        _ = realMirror
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let report = try realMirror.report(request)
            blackHole(report.json())
            blackHole(report.html())
        }
    }

    // What `geoquery report --postcode LE1 5WW --format html` does after opening the mirror: resolve
    // the postcode, the catchment report (bounds and picture), the report, its JSON and HTML.
    Benchmark("Report: postcode LE1 5WW 0.5 mi, 36 months, with the catchment report, figures + JSON + HTML",
              configuration: .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(5), maxIterations: 100_000)) { benchmark in
        _ = try realMirror.catchmentReport(denseCentre)  // opens the stored catchments once
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var input = QueryInput()
            input.postcode = "LE1 5WW"; input.radius = "0.5mi"; input.from = "2019-11"; input.to = "2022-10"
            let q = try input.query(in: realMirror)
            let report = try realMirror.report(ReportRequest(query: q, label: q.centre?.label, catchmentReport: realMirror.catchmentReport(q)))
            blackHole(report.json())
            blackHole(report.html())
        }
    }
}

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
    _ = try! Ingest.run(paths: [sharedData + "/crime-archive"], mirror: .directory(dir))
    return dir
}()
let realMirror: CrimeMirror = try! CrimeMirror.open(.directory(realMirrorDirectory))

struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random radius queries as in the issue: centres at random map points, 0.05–3 miles, random month ranges.
func randomRadiusQueries(_ count: Int, seed: UInt64 = 42) -> [CrimeQuery] {
    var rng = SplitMix64(state: seed)
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

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(3), maxIterations: 1_000_000)

    Benchmark("R-tree build, 1M map points", configuration: .init(metrics: [.wallClock, .peakMemoryResident], maxDuration: .seconds(10), maxIterations: 30)) { benchmark in
        var rng = SplitMix64(state: 7)
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
        var i = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try realMirror.query(queries[i & 4095]))
            i += 1
        }
    }

    Benchmark("Random radius queries as batch JSON lines, per line",
              configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(3), maxIterations: 1_000_000)) { benchmark in
        let queries = randomRadiusQueries(4096)
        var i = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let q = queries[i & 4095]
            blackHole(try realMirror.query(q).json(area: q.area))
            i += 1
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

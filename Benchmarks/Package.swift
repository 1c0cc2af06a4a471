// swift-tools-version:6.1
// The benchmark suite lives in its own package so that `swift build` / `swift test` at the root
// never resolve or build the benchmark dependencies. Run: cd Benchmarks && swift package benchmark
import Foundation
import PackageDescription

// A path dependency's identity is its folder name, which depends on where the repo was cloned.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "GeoQueryBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "GeoQueryBenchmarks",
            dependencies: [
                .product(name: "GeoQuery", package: root),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/GeoQueryBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The per-query floor's query sets in one plain process, for callgrind (BENCHMARKS.md). Under
        // Tools/, not Benchmarks/: the benchmark plugin runs every executable target whose folder
        // sits in a folder named Benchmarks (this package's own folder), and this is no benchmark.
        .executableTarget(
            name: "QueryFloor",
            dependencies: [.product(name: "GeoQuery", package: root)],
            path: "Tools/QueryFloor"
        ),
    ],
    swiftLanguageModes: [.v6]
)

// swift-tools-version:6.1
// libFuzzer targets for every reader of outside input (FUZZING.md). A package of its own, so
// `swift build` / `swift test` at the root never build with the fuzzer runtime. Run: scripts/fuzz.
import Foundation
import PackageDescription

// A path dependency's identity is its folder name, which depends on where the repo was cloned.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "GeoQueryFuzz",
    dependencies: [
        .package(path: ".."),
        // Already in the root package's graph: the zip target builds its seed archive with it.
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // One binary holding every target, chosen by GEOQUERY_FUZZ_TARGET; libFuzzer supplies
        // `main`, so no file here is main.swift. Built with `--sanitize fuzzer --sanitize address`
        // and `-enable-testing`, so it reaches the readers through `@testable import`.
        .executableTarget(
            name: "GeoQueryFuzz",
            dependencies: [
                .product(name: "GeoQuery", package: root),
                .product(name: "GeoQueryServer", package: root),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

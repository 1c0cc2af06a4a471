// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "geoquery",
    products: [
        .library(name: "GeoQuery", targets: ["GeoQuery"]),
        .library(name: "GeoQuerySynthetic", targets: ["GeoQuerySynthetic"]),
        .library(name: "GeoQueryHarvest", targets: ["GeoQueryHarvest"]),
        .library(name: "GeoQueryServer", targets: ["GeoQueryServer"]),
        .executable(name: "geoquery", targets: ["GeoQueryCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // `swift package generate-documentation --target GeoQuery` (the DocC catalog in Sources/GeoQuery).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // `geoquery serve` only: the HTTP stack stays out of the GeoQuery library.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // NIOCore for one channel handler in the server (counting open connections); Hummingbird uses it already.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // NIOHTTPTypes: the HTTP parts one handler rewrites (a request NIO cannot parse gets a JSON error);
        // NIOHTTPTypesHTTP1: the conversion an HTTP/1.0 marker goes before (Hummingbird uses both already).
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        // `geoquery harvest`'s HTTP client (URLSession on Linux keeps a core busy while a request waits).
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // C libraries from Debian (libgeos-dev, libproj-dev), found through pkg-config.
        .systemLibrary(name: "CGEOS", pkgConfig: "geos", providers: [.apt(["libgeos-dev"])]),
        .systemLibrary(name: "CPROJ", pkgConfig: "proj", providers: [.apt(["libproj-dev"])]),
        // zlib's inflate for zip entries (zlib1g-dev): ZIPFoundation's Linux inflate loop hangs on a cut-short stream.
        .systemLibrary(name: "CZlibInflate", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // A cache-line prefetch hint (`__builtin_prefetch`) for the tree walk, which Swift lacks.
        .target(name: "CPrefetch"),
        .target(
            name: "GeoQuery",
            dependencies: ["CGEOS", "CPROJ", "CZlibInflate", "CPrefetch", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        // The national-scale SYNTHETIC generator for benchmarks (`geoquery sample --national`);
        // the library's Sample/ stays the small embedded demo.
        .target(name: "GeoQuerySynthetic", dependencies: ["GeoQuery"]),
        // `geoquery harvest`: fills the mirror from a data.police.uk-compatible API (AsyncHTTPClient).
        .target(
            name: "GeoQueryHarvest",
            dependencies: ["GeoQuery", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio")]
        ),
        // `geoquery serve`: the data.police.uk-compatible /api/ and geoquery's own /v1/ over HTTP.
        .target(
            name: "GeoQueryServer",
            dependencies: ["GeoQuery", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                           .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras")]
        ),
        .executableTarget(
            name: "GeoQueryCLI",
            dependencies: ["GeoQuery", "GeoQuerySynthetic", "GeoQueryHarvest", "GeoQueryServer", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "GeoQueryTests",
            dependencies: ["GeoQuery", "GeoQueryCLI", "GeoQuerySynthetic", "GeoQueryHarvest", "GeoQueryServer", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

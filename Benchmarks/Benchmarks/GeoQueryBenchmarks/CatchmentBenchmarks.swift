import Benchmark
import Foundation
import GeoQuery

/// ONS police force areas beside the checkout.
let forceBoundaries = sharedData + "/boundaries/police-force-areas/police_force_areas_dec2020_generalised.geojson"

let catchmentBenchmarks: @Sendable () -> Void = {
    Benchmark("Catchments: every map point of the real archive, clipped to the 43 force boundaries",
              configuration: .init(metrics: [.wallClock, .peakMemoryResident], maxDuration: .seconds(60), maxIterations: 5)) { benchmark in
        let points = (0..<realMirror.mapPointCount).map(realMirror.mapPoint)
        let lat = points.map(\.latitude), lng = points.map(\.longitude)
        benchmark.startMeasurement()
        blackHole(try CatchmentBuilder.areas(latitudes: lat, longitudes: lng, boundaryFiles: [forceBoundaries]))
    }

    Benchmark("Catchments: every map point of the real archive, no boundaries (20 km discs)",
              configuration: .init(metrics: [.wallClock, .peakMemoryResident], maxDuration: .seconds(60), maxIterations: 5)) { benchmark in
        let points = (0..<realMirror.mapPointCount).map(realMirror.mapPoint)
        let lat = points.map(\.latitude), lng = points.map(\.longitude)
        benchmark.startMeasurement()
        blackHole(try CatchmentBuilder.areas(latitudes: lat, longitudes: lng))
    }

    Benchmark("Catchment report: 0.5 mi radius, densest area, all months",
              configuration: .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(5), maxIterations: 10_000)) { benchmark in
        _ = try realMirror.catchmentReport(denseCentre)  // opens the stored catchments once
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try realMirror.catchmentReport(denseCentre)) }
    }

    Benchmark("Catchment report: random radius queries (0.05-3 mi), per query",
              configuration: .init(metrics: [.wallClock], maxDuration: .seconds(5), maxIterations: 10_000)) { benchmark in
        let queries = randomRadiusQueries(256)
        _ = try realMirror.catchmentReport(denseCentre)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try realMirror.catchmentReport(next(queries))) }
    }
}

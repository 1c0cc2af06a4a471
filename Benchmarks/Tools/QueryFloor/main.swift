import Foundation
import GeoQuery

// The per-query floor's three query sets, in one process, for `valgrind --tool=callgrind` (count
// instructions inside `answerSet` only) and for quick wall-clock medians. See BENCHMARKS.md,
// "Per-query floor (issue 10 part 2)".
//
//   QueryFloor ingest MIRROR                  the real archive with the 43 force boundaries
//   QueryFloor dense|peer|lsoa|FILE.jsonl MIRROR [ROUNDS] [counts]  answers the set (or batch lines of radius
//       queries) ROUNDS times (default 1);
//       `counts`: only the counts (`query(_:fields:)` without coverage, notes or the nearest point)

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write("usage: QueryFloor ingest|dense|peer|lsoa MIRROR [ROUNDS] [counts]\n".data(using: .utf8)!)
    exit(2)
}
// This file is Benchmarks/Tools/QueryFloor/main.swift: `here` is Benchmarks/.
let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let shared = ProcessInfo.processInfo.environment["GEOQUERY_SHARED_DATA"]
    ?? here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data").path
let mirrorPath = arguments[2], rounds = arguments.count > 3 ? Int(arguments[3])! : 1
/// `.all`: the whole answer, as `query(_:)`; else the result's keys that hold counts.
let fields: QueryResult.Fields = arguments.count > 4 && arguments[4] == "counts"
    ? QueryResult.Fields(["total", "btp", "by_category", "by_month", "by_month_category", "by_outcome", "map_points", "months", "forces", "no_location"]) : .all

func text(_ path: String) -> String { try! String(contentsOfFile: path, encoding: .utf8) }

if arguments[1] == "ingest" {
    let start = Date()
    let s = try Ingest.run(paths: [shared + "/crime-archive"],
                           boundaries: [shared + "/boundaries/police-force-areas/police_force_areas_dec2020_generalised.geojson"],
                           mirror: .directory(mirrorPath))
    print("ingested: \(s.crimesInMirror) crimes, \(s.mapPointsInMirror) map points, snapshot \(s.snapshotBytes) bytes, \(String(format: "%.2f", Date().timeIntervalSince(start))) s (\(s.phases.map { "\($0.0) \(String(format: "%.2f", $0.1))" }.joined(separator: ", ")))")
    exit(0)
}

let queries: [CrimeQuery]
switch arguments[1] {
case "dense":
    queries = [.radius(lat: 52.6344, lng: -1.1313, Distance(metres: 0.5 * Distance.metresPerMile))]
case "peer":
    queries = text(here.appendingPathComponent("peers/queries.jsonl").path).split(separator: "\n")
        .map { try! QueryInput(jsonLine: String($0)).query() }
case "lsoa":
    let lads = ["E06000016", "E06000017", "E07000129", "E07000130", "E07000131", "E07000132", "E07000133", "E07000134",
                "E07000135", "E06000005", "E06000047", "E09000001"]
    queries = lads.flatMap {
        try! PolygonReader.geojsonFeatures(text(shared + "/boundaries/lsoa-2011-by-lad/\($0).json"), key: "LSOA11CD", repair: true)
            .map { CrimeQuery.polygon($0.polygon) }
    }
case let file where file.hasSuffix(".jsonl"):
    queries = text(file).split(separator: "\n").map { try! QueryInput(jsonLine: String($0)).query() }
default:
    fatalError("unknown set \(arguments[1])")
}

let mirror = try CrimeMirror.open(.directory(mirrorPath))
// One query first, outside the measured function: the force areas are decoded on first use.
_ = try mirror.query(queries[0])

/// Answers every query `rounds` times; returns each answer's wall time in nanoseconds and a checksum.
@inline(never)
func answerSet(_ queries: [CrimeQuery], rounds: Int) throws -> (times: [UInt64], checksum: Int) {
    var times: [UInt64] = [], checksum = 0
    times.reserveCapacity(queries.count * rounds)
    // One result, answered into: the library's path that allocates nothing per query for the
    // answer (QUERYFLOOR_FRESH=1: a new result each time, as `query(_:fields:)` gives).
    let fresh = ProcessInfo.processInfo.environment["QUERYFLOOR_FRESH"] == "1"
    var r = try mirror.query(queries[0], fields: fields)
    for _ in 0..<rounds {
        for q in queries {
            let t0 = DispatchTime.now().uptimeNanoseconds
            if fresh { r = try mirror.query(q, fields: fields) } else { try mirror.query(q, fields: fields, into: &r) }
            times.append(DispatchTime.now().uptimeNanoseconds - t0)
            checksum &+= r.total &+ r.noLocation &+ r.coverage.monthsHeld &+ r.notes.count
        }
    }
    return (times, checksum)
}

let (times, checksum) = try answerSet(queries, rounds: rounds)
let sorted = times.sorted()
func p(_ q: Double) -> Double { Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]) / 1000 }
print("\(arguments[1]): \(times.count) answers, median \(String(format: "%.1f", p(0.5))) us, p90 \(String(format: "%.1f", p(0.9))) us, mean \(String(format: "%.1f", Double(times.reduce(0, +)) / Double(times.count) / 1000)) us, checksum \(checksum)")
// QUERYFLOOR_EACH=FILE: each query's fastest time over the rounds (ns), a line per query in set order.
if let each = ProcessInfo.processInfo.environment["QUERYFLOOR_EACH"] {
    let best = queries.indices.map { i in stride(from: i, to: times.count, by: queries.count).map { times[$0] }.min()! }
    try best.map(String.init).joined(separator: "\n").write(toFile: each, atomically: true, encoding: .utf8)
}

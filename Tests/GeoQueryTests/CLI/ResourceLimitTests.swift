import Foundation
import Testing
@testable import GeoQuery

/// The built CLI run under `/usr/bin/time -v`, for its peak memory.
struct MeasuredRun {
    var status: Int32
    var stdout: String
    var stderr: String
    /// Peak resident set size, bytes.
    var peak: Int
    /// Bytes `feed` got into stdin before the command stopped reading.
    var fed = 0

    /// Runs `geoquery arguments` with stdin from `stdinFile` or written by `feed` (which gets the
    /// pipe's write end and returns the bytes it wrote), stdout to a file.
    static func run(_ arguments: [String], stdinFile: String? = nil, feed: (@Sendable (Int32) -> Int)? = nil) throws -> MeasuredRun {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        p.arguments = ["-v", TestData.binary] + arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "GEOQUERY_MIRROR")
        p.environment = env
        let outPath = TestData.temporaryDirectory("out") + "/stdout"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: outPath)
        let err = Pipe()
        p.standardError = err
        let input = Pipe()
        if let stdinFile { p.standardInput = FileHandle(forReadingAtPath: stdinFile) } else { p.standardInput = input }
        try p.run()
        let group = DispatchGroup()
        nonisolated(unsafe) var fed = 0
        if let feed {
            let fd = input.fileHandleForWriting.fileDescriptor
            group.enter()
            DispatchQueue.global().async { fed = feed(fd); try? input.fileHandleForWriting.close(); group.leave() }
        } else if stdinFile == nil {
            try input.fileHandleForWriting.close()
        }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        group.wait()
        let stderr = String(decoding: errData, as: UTF8.self)
        let kb = stderr.split(separator: "\n").first { $0.contains("Maximum resident set size") }
            .flatMap { Int($0.split(separator: ":").last!.trimmingCharacters(in: .whitespaces)) } ?? -1
        return MeasuredRun(status: p.terminationStatus, stdout: try String(contentsOfFile: outPath, encoding: .utf8),
                           stderr: stderr, peak: kb * 1024, fed: fed)
    }

    /// The command's own stderr lines (time's report left out).
    var messages: [Substring] { stderr.split(separator: "\n").filter { $0.hasPrefix("geoquery") } }
}

/// Large but valid inputs finish with bounded memory; inputs built to blow up are refused with
/// a clear message before they exhaust it.
@Suite(.serialized) struct ResourceLimitTests {
    /// A star-shaped ring of `n` vertices at sorted angles around a centre, with the rows inside
    /// it found by an independent test: the edge spanning the point's angle, found by binary
    /// search, and the side of it the point lies on.
    struct Star {
        let lat: Double, lng: Double
        let ring: [(lat: Double, lng: Double)]
        let angles: [Double]

        init(lat: Double, lng: Double, vertices n: Int, radius: Double, seed: UInt64) {
            var rng = SeededRandom(seed: seed)
            self.lat = lat
            self.lng = lng
            var angles: [Double] = [], ring: [(lat: Double, lng: Double)] = []
            for k in 0..<n {
                let a = (Double(k) + Double.random(in: 0.1..<0.9, using: &rng)) * 2 * .pi / Double(n)
                // A smooth wavy edge: zig-zag rings cost GEOS far more per point than their size does.
                let r = radius * (0.8 + 0.15 * sin(7 * a) + Double.random(in: 0...0.01, using: &rng))
                // Rounded as written, so the file and the reference hold the same vertices.
                let v = ((lat + r * sin(a)) * 1e9).rounded() / 1e9, w = ((lng + r * cos(a) * 1.6) * 1e9).rounded() / 1e9
                angles.append(atan2(v - lat, (w - lng) / 1.6))
                ring.append((v, w))
            }
            // atan2 puts angles past π below zero: rotate so they ascend.
            let start = angles.firstIndex { $0 < 0 } ?? 0
            self.angles = Array(angles[start...] + angles[..<start])
            self.ring = Array(ring[start...] + ring[..<start])
        }

        func contains(lat y: Double, lng x: Double) -> Bool {
            let t = atan2(y - lat, (x - lng) / 1.6)
            var lo = 0, hi = angles.count  // first angle > t
            while lo < hi { let mid = (lo + hi) / 2; if angles[mid] <= t { lo = mid + 1 } else { hi = mid } }
            let a = ring[(lo - 1 + ring.count) % ring.count], b = ring[lo % ring.count]
            // Inside when the point is on the centre's side of edge a→b.
            func side(_ py: Double, _ px: Double) -> Double { (b.lng - a.lng) * (py - a.lat) - (b.lat - a.lat) * (px - a.lng) }
            return side(y, x) * side(lat, lng) > 0
        }

        var geojson: String {
            "{\"type\":\"Polygon\",\"coordinates\":[[" + (ring + [ring[0]]).map { "[\($0.lng),\($0.lat)]" }.joined(separator: ",") + "]]}"
        }
        var wkt: String { "POLYGON((" + (ring + [ring[0]]).map { "\($0.lng) \($0.lat)" }.joined(separator: ", ") + "))" }

        /// Located crimes of the real archive inside, every month.
        var expectedTotal: Int {
            let r = ring.map { abs($0.lat - lat) }.max()!, s = ring.map { abs($0.lng - lng) }.max()!
            return TestData.referenceRows.filter { row in
                guard let y = row.lat, let x = row.lng, abs(y - lat) <= r, abs(x - lng) <= s else { return false }
                return contains(lat: y, lng: x)
            }.count
        }
    }

    static func total(_ json: String) -> Int? {
        guard let o = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return nil }
        return o["total"] as? Int
    }

    @Test func aTenMegabyteGeoJSONAndAHundredThousandVertexPolygonAnswerExactly() throws {
        let dir = TestData.temporaryDirectory("areas")
        let big = Star(lat: 52.6344, lng: -1.1313, vertices: 370_000, radius: 0.03, seed: 31)
        let geojson = dir + "/big.geojson"
        try big.geojson.write(toFile: geojson, atomically: true, encoding: .utf8)
        let size = try FileManager.default.attributesOfItem(atPath: geojson)[.size] as! Int
        #expect(size >= 10_000_000, "\(size) bytes")
        let a = try MeasuredRun.run(["--mirror", TestData.realMirrorPath, "--geojson", geojson, "--format", "json"])
        #expect(a.status == 0, "\(a.messages)")
        #expect(Self.total(a.stdout) == big.expectedTotal)
        #expect(a.peak < 1 << 30 + Sanitizer.extraPeakBytes, "peak \(a.peak >> 20) MiB for a \(size >> 20) MB GeoJSON")

        let hundred = Star(lat: 51.5155, lng: -0.0922, vertices: 100_000, radius: 0.01, seed: 32)
        let wkt = dir + "/hundred.wkt"
        try hundred.wkt.write(toFile: wkt, atomically: true, encoding: .utf8)
        let b = try MeasuredRun.run(["--mirror", TestData.realMirrorPath, "--wkt", "@" + wkt, "--format", "json"])
        #expect(b.status == 0, "\(b.messages)")
        #expect(Self.total(b.stdout) == hundred.expectedTotal && hundred.expectedTotal > 0)
        #expect(b.peak < 1 << 30 + Sanitizer.extraPeakBytes, "peak \(b.peak >> 20) MiB for 100,000 vertices")
    }

    /// Batch memory does not grow with the number of lines: ten times the lines, about the same peak.
    @Test func batchMemoryDoesNotGrowWithItsLines() throws {
        let dir = TestData.temporaryDirectory("batch")
        let lines = (0..<10).map { i in "{\"id\":\(i),\"lat\":\(52.6 + Double(i) / 100),\"lng\":-1.13,\"radius\":\"300m\",\"date\":\"2019-01\"}" }
        var peaks: [Int] = []
        for count in [20_000, 200_000] {
            let path = dir + "/\(count).jsonl"
            try (0..<count).map { lines[$0 % 10] }.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            let run = try MeasuredRun.run(["batch", "--mirror", TestData.realMirrorPath, "--fields", "total"], stdinFile: path)
            #expect(run.status == 0, "\(run.messages)")
            let out = run.stdout.split(separator: "\n")
            #expect(out.count == count)
            // Each of the ten queries answered as the library answers it alone.
            for (i, line) in lines.enumerated() {
                let q = try QueryInput(batchLine: BatchLine(line)).query(in: TestData.realMirror)
                #expect(out[i] == "{\"id\":\(i),\"total\":\(try TestData.realMirror.query(q).total)}", "\(out[i])")
            }
            peaks.append(run.peak)
        }
        #expect(peaks[1] < peaks[0] + 64 << 20, "peak \(peaks.map { $0 >> 20 }) MiB for 20,000 and 200,000 lines")
    }

    /// A 10 GB line through a pipe: refused once it passes 64 MiB, long before 10 GB are read.
    @Test func aTenGigabyteLineIsRefusedAtTheCap() throws {
        signal(SIGPIPE, SIG_IGN)  // the feeder learns the reader stopped from EPIPE
        let run = try MeasuredRun.run(["batch", "--mirror", TestData.realMirrorPath]) { fd in
            let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
            var fed = 0
            while fed < 10 << 30 {
                let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
                if n <= 0 { break }
                fed += n
            }
            return fed
        }
        #expect(run.status == 1)
        #expect(run.messages == ["geoquery: error: line 1 is longer than 64 MiB, the most one batch line may hold: split it into several queries or simplify its polygon"], "\(run.stderr)")
        #expect(run.fed < 1 << 30, "\(run.fed >> 20) MiB read before refusing")
        #expect(run.peak < 512 << 20 + Sanitizer.extraPeakBytes, "peak \(run.peak >> 20) MiB")
    }

    /// Nesting 100,000 deep, in a batch line and in a GeoJSON file: a clear error, no crash.
    @Test func deepNestingIsRefused() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let mirror = TestData.temporaryDirectory("city")
        _ = try Ingest.run(paths: [TestData.archive + "/2019-01/2019-01-city-of-london-street.csv"], mirror: .directory(mirror))
        let batch = try CLIRun.run(["batch", "--mirror", mirror],
                                   stdin: "{\"id\":1,\"geojson\":{\"type\":\"Polygon\",\"coordinates\":\(deep)}}\n{\"id\":2,\"lat\":52.63,\"lng\":-1.13,\"radius\":\"100m\"}\n")
        let out = batch.stdout.split(separator: "\n")
        // Refused as JSON before its id is read: the error object names the line instead.
        #expect(out.count == 2 && out[0].hasPrefix("{\"error\":\"the line is not valid JSON: it nests arrays and objects deeper than 512, the most geoquery reads")
                && out[0].hasSuffix("\"line\":1}")
                && out[1].hasPrefix("{\"id\":2,") && !out[1].contains("error"), "\(batch.stdout.prefix(300)) \(batch.stderr)")
        let file = TestData.temporaryDirectory("deep") + "/deep.geojson"
        try "{\"type\":\"Polygon\",\"coordinates\":\(deep)}".write(toFile: file, atomically: true, encoding: .utf8)
        let single = try CLIRun.run(["--mirror", mirror, "--geojson", file])
        #expect(single.status == 1 && single.stderr.hasPrefix("geoquery: error: ") && single.stderr.split(separator: "\n").count == 1, "\(single.stderr)")
        #expect(single.stderr.contains("deeper than 512, the most geoquery reads"), "\(single.stderr)")
    }

    /// A zip whose one entry expands 1,000:1 to 300 MB is refused before it is expanded.
    @Test func aZipBombIsRefused() throws {
        let dir = TestData.temporaryDirectory("bomb")
        let zip = dir + "/2019-01.zip"
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", """
            import zipfile, sys
            with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
                with z.open("2019-01/2019-01-bomb-street.csv", "w", force_zip64=True) as f:
                    block = b"0" * (1 << 20)
                    for _ in range(300): f.write(block)
            """, zip]
        try python.run()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0)
        let size = try FileManager.default.attributesOfItem(atPath: zip)[.size] as! Int
        #expect(size < 1 << 20, "\(size) bytes")
        let mirror = TestData.temporaryDirectory("mirror")
        let run = try MeasuredRun.run(["ingest", "--mirror", mirror, zip])
        #expect(run.status == 1)
        #expect(run.messages.count == 1 && run.messages[0].contains("2019-01-bomb-street.csv expands") && run.messages[0].contains("a zip bomb, refused"), "\(run.messages)")
        #expect(run.peak < 256 << 20 + Sanitizer.extraPeakBytes, "peak \(run.peak >> 20) MiB")
        #expect(!FileManager.default.fileExists(atPath: mirror + "/" + SnapshotFormat.fileName))
    }

    /// Set GEOQUERY_BIG_INPUTS=1 for the inputs that take minutes: a million-line batch and a
    /// 2 GB CSV, generated into the temporary folder (figures in BENCHMARKS.md).
    static let bigInputs = ProcessInfo.processInfo.environment["GEOQUERY_BIG_INPUTS"] == "1"

    @Test(.enabled(if: bigInputs)) func aMillionLineBatchStreams() throws {
        let path = TestData.temporaryDirectory("batch") + "/million.jsonl"
        let line = "{\"lat\":52.6344,\"lng\":-1.1313,\"radius\":\"100m\",\"date\":\"2019-01\"}\n"
        try String(repeating: line, count: 1_000_000).write(toFile: path, atomically: true, encoding: .utf8)
        let started = Date()
        let run = try MeasuredRun.run(["batch", "--mirror", TestData.realMirrorPath, "--fields", "total"], stdinFile: path)
        let q = try QueryInput(batchLine: BatchLine(line)).query(in: TestData.realMirror)
        let expected = "{\"total\":\(try TestData.realMirror.query(q).total)}"
        let out = run.stdout.split(separator: "\n")
        #expect(run.status == 0 && out.count == 1_000_000 && out.allSatisfy { $0 == expected }, "\(run.messages)")
        print("a million batch lines: \(Date().timeIntervalSince(started)) s, peak \(run.peak >> 20) MiB")
    }

    @Test(.enabled(if: bigInputs)) func aTwoGigabyteCSVIngests() throws {
        // Real rows, repeated until the file passes 2 GB.
        let source = try String(contentsOfFile: TestData.archive + "/2019-01/2019-01-leicestershire-street.csv", encoding: .utf8)
        let lines = source.split(separator: "\n", omittingEmptySubsequences: true)
        let body = lines.dropFirst().joined(separator: "\n") + "\n"
        let repeats = (2_000_000_000 + body.utf8.count - 1) / body.utf8.count
        let dir = TestData.temporaryDirectory("big")
        let csv = dir + "/2019-01-leicestershire-street.csv"
        _ = FileManager.default.createFile(atPath: csv, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: csv))
        try handle.write(contentsOf: Data((lines[0] + "\n").utf8))
        let block = Data(body.utf8)
        for _ in 0..<repeats { try handle.write(contentsOf: block) }
        try handle.close()
        let started = Date()
        let run = try MeasuredRun.run(["ingest", "--mirror", dir + "/mirror", csv])
        #expect(run.status == 0, "\(run.messages)")
        let rows = (lines.count - 1) * repeats
        #expect(run.stdout.contains("read \(rows) rows"), "\(run.stdout)")
        print("a \((repeats * block.count) >> 20) MiB CSV (\(rows) rows): ingested in \(Date().timeIntervalSince(started)) s, peak \(run.peak >> 20) MiB")
    }
}

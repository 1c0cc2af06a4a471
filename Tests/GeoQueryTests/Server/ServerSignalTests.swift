import Foundation
import Testing
@testable import GeoQuery

/// `geoquery serve` stops cleanly on SIGTERM: an answer being sent still arrives whole, and the
/// process exits 0 (issue 11).
@Suite struct ServerSignalTests {
    /// One GET over a fresh connection with a small receive buffer, read slowly: `midway` runs
    /// once the answer's first bytes are in, while the rest of it is still to come (the server is
    /// then blocked writing it). Returns the whole reply as received until the server closed.
    static func get(port: Int, _ path: String, midway: () -> Void = {}) throws -> [UInt8] {
        let fd = try connectedSocket(port: port, receiveBuffer: 16_384)
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var told = false
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            reply += buffer[0..<n]
            if !told { told = true; midway(); Thread.sleep(forTimeInterval: 0.5) }
        }
        return reply
    }

    /// Long answers: the catchments of every map point within 8 miles of Leicester as GeoJSON
    /// (~6.8 MB, more than the 4 MB a loopback socket buffers, so the server is still writing), and
    /// a county's crimes of a month (~8 MB), a listing sent a part at a time as it is read.
    @Test(arguments: ["/v1/catchment?lat=52.6344&lng=-1.1313&radius=8mi&format=geojson",
                      "/api/crimes-street/all-crime?poly=\(ServerListingTests.county)&date=2019-01"])
    func sigtermLetsAnAnswerInFlightFinish(path: String) async throws {
        // A cap above the county's ~20,000 crimes (ServedMirror serves with the live API's limits).
        let served = try ServedMirror(mirror: TestData.realMirrorPath, ["--limit", "100000"])
        let port = try #require(Int(served.api.split(separator: ":").last?.split(separator: "/").first ?? ""))
        let undisturbed = try await offThePool { try Self.get(port: port, path) }
        #expect(undisturbed.starts(with: Array("HTTP/1.1 200".utf8)) && undisturbed.count > 5_000_000)

        // The same again, SIGTERM sent once its first bytes are in and megabytes are still to come.
        let pid = served.process.processIdentifier
        let answer = try await offThePool { try Self.get(port: port, path, midway: { kill(pid, SIGTERM) }) }
        try await offThePool { served.process.waitUntilExit() }
        // Headers carry a date, so compare the bodies (and the status line).
        func body(_ r: [UInt8]) -> ArraySlice<UInt8> {
            let end = Array("\r\n\r\n".utf8)
            let i = r.indices.first { r[$0...].starts(with: end) } ?? r.endIndex
            return r[min(r.endIndex, i + 4)...]
        }
        #expect(answer.starts(with: Array("HTTP/1.1 200".utf8)))
        // A Bool, not the arrays: Swift Testing would diff megabytes to describe a failure.
        let whole = body(answer) == body(undisturbed)
        #expect(whole, "the answer in flight arrived whole (\(answer.count) of ~\(undisturbed.count) bytes)")
        #expect(served.process.terminationReason == .exit && served.process.terminationStatus == 0)
    }

    /// A stop waits for answers in flight for at most `--stop-timeout` seconds: a client that
    /// stops reading a long answer held a stop for a minute or more (an independent check saw
    /// a server still running 20 s after SIGTERM, behind requests that never ended).
    @Test func aStopWaitsNoLongerThanItsTimeout() async throws {
        let served = try ServedMirror(mirror: TestData.realMirrorPath, ["--limit", "100000", "--stop-timeout", "2"])
        let port = try #require(Int(served.api.split(separator: ":").last?.split(separator: "/").first ?? ""))
        let fd = try connectedSocket(port: port, receiveBuffer: 16_384)
        defer { close(fd) }
        let request = Array("GET /api/crimes-street/all-crime?poly=\(ServerListingTests.county)&date=2019-01 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        // Its first bytes, then no more reading: the server is left writing megabytes.
        var first = [UInt8](repeating: 0, count: 4096)
        #expect(recv(fd, &first, first.count, 0) > 0)
        let pid = served.process.processIdentifier
        let stopped = Date()
        kill(pid, SIGTERM)
        // The exit as the kernel sees it (a zombie until reaped): Foundation's notice of it came
        // 20 s and more late in a loaded test run, while the server had exited after 2 s.
        let seconds = try await offThePool { () -> Double in
            func exited() -> Bool {
                guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let name = stat.lastIndex(of: ")") else { return true }
                return stat[stat.index(name, offsetBy: 2)] == "Z"  // the state, after the parenthesised name
            }
            while !exited() && Date().timeIntervalSince(stopped) < 90 { usleep(20_000) }
            return Date().timeIntervalSince(stopped)
        }
        try await offThePool { served.process.waitUntilExit() }
        #expect(seconds >= 1.5 && seconds < 15 * Sanitizer.slowdown, "stopped after \(seconds) s")
        #expect(served.process.terminationReason == .exit && served.process.terminationStatus == 0)
    }
}

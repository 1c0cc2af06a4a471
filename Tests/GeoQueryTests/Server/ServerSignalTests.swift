import Foundation
import FoundationNetworking
import Testing
@testable import GeoQuery

/// `geoquery serve` stops cleanly on SIGTERM: a request in flight still gets its whole answer,
/// and the process exits 0 (issue 11).
@Suite struct ServerSignalTests {
    static func fetch(_ url: URL) async throws -> (status: Int, body: Data, finished: Date) {
        var r = URLRequest(url: url)
        r.timeoutInterval = 120 * Sanitizer.slowdown
        let (data, response) = try await URLSession.shared.data(for: r)
        return ((response as! HTTPURLResponse).statusCode, data, Date())
    }

    @Test func sigtermLetsARequestInFlightFinish() async throws {
        let served = try ServedMirror(mirror: TestData.realMirrorPath)
        // A long answer: the catchments of every map point within 5 miles of Leicester, as SVG.
        let base = String(served.api.dropLast("api/".count))
        let url = try #require(URL(string: base + "v1/catchment?lat=52.6344&lng=-1.1313&radius=5mi&format=svg"))
        let started = Date()
        let undisturbed = try await Self.fetch(url)
        let took = undisturbed.finished.timeIntervalSince(started)
        #expect(undisturbed.status == 200 && undisturbed.body.count > 1_000_000)

        // The same request again, with SIGTERM sent a quarter of the way through it.
        let inFlight = Task { try await Self.fetch(url) }
        try await Task.sleep(for: .seconds(took / 4))
        let signalled = Date()
        kill(served.process.processIdentifier, SIGTERM)
        let answer = try await inFlight.value
        try await offThePool { served.process.waitUntilExit() }
        #expect(answer.finished > signalled, "the request was still being answered when the signal came")
        #expect(answer.status == 200 && answer.body == undisturbed.body, "the answer in flight arrived whole")
        #expect(served.process.terminationReason == .exit && served.process.terminationStatus == 0)
        // And it no longer listens.
        await #expect(throws: (any Error).self) { _ = try await Self.fetch(url) }
    }
}

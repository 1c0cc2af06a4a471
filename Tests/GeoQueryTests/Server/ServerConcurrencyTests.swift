import Foundation
import Testing
@testable import GeoQuery
import GeoQueryServer

/// The server under concurrent load (issue 13 part 3): many clients at once get, byte for byte,
/// the answers the same requests get one at a time. Run under `--sanitize=thread` it also shows
/// the request path shares no unsynchronised state.
@Suite struct ServerConcurrencyTests {
    /// Mixed requests over both APIs: radius and polygon crime lists, a map point, outcomes,
    /// aggregates, catchments, reports, tile plans and the listing endpoints.
    static let requests: [(path: String, form: String?)] = [
        ("/api/crimes-street/all-crime?lat=52.6344&lng=-1.1313&date=2019-01", nil),
        ("/api/crimes-street/burglary?lat=51.5155&lng=-0.0922&date=2019-03", nil),
        ("/api/crimes-street/all-crime", "poly=52.640,-1.145:52.640,-1.120:52.625,-1.120&date=2019-02"),
        ("/api/crimes-at-location?lat=52.6344&lng=-1.1313&date=2019-01", nil),
        ("/api/crimes-no-location?category=all-crime&force=leicestershire&date=2019-01", nil),
        ("/api/outcomes-at-location?lat=51.5155&lng=-0.0922&date=2019-01", nil),
        ("/api/crime-categories?date=2019-01", nil),
        ("/api/crimes-street-dates", nil),
        ("/api/forces", nil),
        ("/api/forces/city-of-london", nil),
        ("/v1/query?lat=52.6344&lng=-1.1313&radius=0.5mi&from=2019-01&to=2019-06", nil),
        ("/v1/query?poly=52.640,-1.145:52.640,-1.120:52.625,-1.120&category=burglary", nil),
        ("/v1/catchment?lat=52.6344&lng=-1.1313&radius=0.25mi&date=2019-01", nil),
        ("/v1/report?lat=51.5155&lng=-0.0922&radius=0.5mi", nil),
        ("/v1/tile?lat=52.6344&lng=-1.1313&radius=2mi&date=2019-01", nil),
        ("/v1/info", nil),
        ("/api/crimes-street/all-crime?lat=52.6344&lng=-1.1313&date=2019-13", nil),  // a 400
        ("/api/forces/nowhere", nil),  // a 404
    ]

    static func send(_ s: TestServer, _ r: (path: String, form: String?)) async throws -> String {
        let reply: TestServer.Reply
        if let form = r.form { reply = try await s.post(r.path, form: form) } else { reply = try await s.get(r.path) }
        return "\(reply.status) \(reply.body)"
    }

    @Test func manyClientsAtOnceGetTheAnswersOfOneAtATime() async throws {
        try await TestServer.with { s in
            var reference: [String] = []
            for r in Self.requests { reference.append(try await Self.send(s, r)) }
            #expect(reference.filter { $0.hasPrefix("200 ") }.count == Self.requests.count - 2, "\(reference.map { $0.prefix(80) })")
            // 12 rounds of every request in a shuffled order, 24 in flight at any moment. All 216 at
            // once queued behind URLSession's few connections to the host, and on a loaded CI
            // machine the last waited past their timeout (then 60 s) before being sent.
            var order = Array((0..<12).flatMap { _ in Self.requests.indices })
            var rng = SeededRandom(seed: 13)
            order.shuffle(using: &rng)
            let inFlight = 24
            let answers = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                var all: [(Int, String)] = [], next = 0
                func send() {
                    let i = order[next]
                    next += 1
                    group.addTask { (i, try await Self.send(s, Self.requests[i])) }
                }
                while next < min(inFlight, order.count) { send() }
                for try await a in group {
                    all.append(a)
                    if next < order.count { send() }
                }
                return all
            }
            #expect(answers.count == order.count)
            for (i, body) in answers where body != reference[i] {
                Issue.record("\(Self.requests[i].path): a concurrent answer differs: \(body.prefix(200))")
            }
        }
    }
}

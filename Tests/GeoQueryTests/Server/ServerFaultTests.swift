import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import GeoQuery
@testable import GeoQueryServer

/// What a hostile or broken client can send: a clear 4xx or a closed connection, never a crash or a 500.
@Suite(.serialized) struct ServerFaultTests {
    /// A raw TCP exchange (URLSession tidies paths and would not send these bytes).
    static func raw(_ port: Int, _ bytes: [UInt8], waitForClose: Bool = true) async throws -> String {
        try await offThePool { try rawBlocking(port, bytes, waitForClose: waitForClose) }
    }

    private static func rawBlocking(_ port: Int, _ bytes: [UInt8], waitForClose: Bool) throws -> String {
        let fd = try connectedSocket(port: port)
        defer { close(fd) }
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            out += buffer[0..<n]
            if !waitForClose { break }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func port(_ s: TestServer) -> Int { Int(s.base.split(separator: ":").last!)! }

    static func status(_ response: String) -> Int? {
        response.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
    }

    @Test func pathTricksAreNotFound() async throws {
        try await TestServer.with { s in
            for path in ["/api/../v1/info", "/api/forces/../../etc/passwd", "/api/forces/..%2F..%2Fetc%2Fpasswd", "/%00"] {
                let reply = try await Self.raw(Self.port(s), Array("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
                let status = Self.status(reply)
                #expect(status == 404 || status == 400, "\(path): \(reply.prefix(80))")
            }
        }
    }

    @Test func invalidUTF8AndBrokenRequestsAre400() async throws {
        try await TestServer.with { s in
            let port = Self.port(s)
            var bytes = Array("GET /api/crimes-street/all-crime?lat=52.63&lng=-1.13&date=".utf8) + [0xFF, 0xFE] + Array(" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
            let reply = try await Self.raw(port, bytes)
            #expect([400].contains(Self.status(reply) ?? 0), "\(reply.prefix(120))")
            bytes = Array("POST /api/crimes-street/all-crime HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 6\r\nConnection: close\r\n\r\npoly=".utf8) + [0xC3]
            let post = try await Self.raw(port, bytes)
            #expect(Self.status(post) == 400 && post.contains("not valid UTF-8"), "\(post.prefix(200))")
            let garbage = try await Self.raw(port, Array("NOT-HTTP at all\r\n\r\n".utf8))
            #expect(garbage.isEmpty || Self.status(garbage) == 400, "\(garbage.prefix(80))")
            // The server still answers afterwards.
            let after = try await s.get("/api/crime-last-updated")
            #expect(after.status == 200)
        }
    }

    /// What NIO's parser refuses (Hummingbird answers it with a bare 400) gets a JSON error line
    /// like every other refusal; the same URL under the limit is answered.
    @Test func aRequestTheParserRefusesGetsAJSONError() async throws {
        try await TestServer.with { s in
            let port = Self.port(s)
            func body(_ reply: String) -> String? {
                reply.range(of: "\r\n\r\n").map { String(reply[$0.upperBound...]) }
            }
            func header(_ reply: String, _ name: String) -> String? {
                reply.split(separator: "\r\n").first { $0.lowercased().hasPrefix(name + ":") }.map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
            }
            let long = "/api/forces?x=" + String(repeating: "a", count: 90_000)
            let cases: [(request: String, phrase: String)] = [
                ("GET \(long) HTTP/1.1\r\nHost: x\r\n\r\n", "exceed 80 KiB"),
                ("GET /api/forces HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "b", count: 90_000))\r\n\r\n", "exceed 80 KiB"),
                ("FOO /api/forces HTTP/1.1\r\nHost: x\r\n\r\n", "not one HTTP defines"),
                ("NOT-HTTP at all\r\n\r\n", "not"),
            ]
            for (request, phrase) in cases {
                let reply = try await Self.raw(port, Array(request.utf8))
                let text = try #require(body(reply), "\(reply.prefix(120))")
                let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                #expect(Self.status(reply) == 400, "\(request.prefix(40)): \(reply.prefix(120))")
                #expect(header(reply, "content-type") == "application/json; charset=utf-8")
                #expect(header(reply, "content-length") == String(text.utf8.count))
                #expect((json?["error"] as? String)?.contains(phrase) == true, "\(request.prefix(40)): \(text)")
            }
            // A bad chunk size, met while the body is read: 400, not a 500; the connection cannot
            // be read on, and the answer says it closes (the request asked to keep it).
            let chunked = "POST /v1/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"
            let reply = try await Self.raw(port, Array(chunked.utf8))
            #expect(Self.status(reply) == 400 && reply.contains("chunk size that is not a hexadecimal length"), "\(reply.prefix(300))")
            #expect(header(reply, "connection") == "close", "\(reply.prefix(300))")
            // Under the limit the same kind of URL is answered, and the server answers afterwards.
            let under = try await s.get("/api/forces?x=" + String(repeating: "a", count: 60_000))
            #expect(under.status == 200)
            let after = try await s.get("/api/crime-last-updated")
            #expect(after.status == 200)
        }
    }

    @Test func aHugeBodyIs413() async throws {
        try await TestServer.with { s in
            let r = try await s.post("/api/crimes-street/all-crime", form: "poly=" + String(repeating: "5", count: 9 << 20))
            #expect(r.status == 413 && r.error == "the request body is too large", "\(r.status) \(r.body.prefix(100))")
            let after = try await s.get("/api/crime-last-updated")
            #expect(after.status == 200)
        }
    }

    /// A client that stops half-way through its request is cut off after the idle timeout.
    @Test func aStalledClientIsTimedOut() async throws {
        var options = ServerOptions()
        options.idleTimeoutSeconds = 1
        try await TestServer.with(options: options) { s in
            let start = Date()
            let reply = try await Self.raw(Self.port(s), Array("GET /api/forces HTTP/1.1\r\nHost: x\r\n".utf8))
            let waited = Date().timeIntervalSince(start)
            #expect(reply.isEmpty || Self.status(reply) == 408 || Self.status(reply) == 400, "\(reply.prefix(80))")
            #expect(waited >= 0.9 && waited < 8 * Sanitizer.slowdown, "closed after \(waited) s")
        }
    }
}

/// A re-ingest renames a new snapshot over the served one: the server switches to it without a
/// restart, and no request fails meanwhile.
@Suite struct SnapshotSwitchTests {
    @Test func aReingestIsServedWithoutARestart() async throws {
        let dir = TestData.temporaryDirectory("switch")
        let csv = { (month: String) in TestData.archive + "/\(month)/\(month)-durham-street.csv" }
        _ = try Ingest.run(paths: [csv("2019-01")], mirror: .directory(dir))
        let mirror = try CrimeMirror.open(.directory(dir))
        try await TestServer.with(mirror) { s in
            let before = try await s.get("/api/crime-last-updated")
            #expect(before.body == "{\"date\":\"2019-01-01\"}")
            // Requests keep coming while the snapshot is replaced.
            let stop = LogLines()
            let traffic = Task {
                var statuses: [Int] = []
                while stop.lines.isEmpty {
                    statuses.append((try? await s.get("/api/crimes-street/all-crime?lat=54.7761&lng=-1.5733&date=2019-01").status) ?? -1)
                }
                return statuses
            }
            _ = try Ingest.run(paths: [csv("2019-02")], mirror: .directory(dir))
            try await Task.sleep(for: .milliseconds(500 * Int(Sanitizer.slowdown)))
            let after = try await s.get("/api/crime-last-updated")
            stop.append("stop")
            let statuses = await traffic.value
            #expect(after.body == "{\"date\":\"2019-02-01\"}")
            #expect(!statuses.isEmpty && statuses.allSatisfy { $0 == 200 }, "\(Set(statuses))")
            let dates = try await s.get("/api/crimes-street-dates").list.map { $0["date"] as! String }
            #expect(dates == ["2019-02", "2019-01"])
            #expect(s.log.lines.contains { $0.hasPrefix("snapshot replaced: now serving") })
        }
    }

    /// The mirror's folder deleted under a running server: each request still gets the answer it
    /// had (the snapshot and catchments stay mapped) or a clear 5xx, never a crash.
    @Test func aDeletedMirrorStillAnswersOrSays5xx() async throws {
        let dir = TestData.temporaryDirectory("deleted")
        _ = try Ingest.run(paths: [TestData.archive + "/2019-01/2019-01-durham-street.csv"], mirror: .directory(dir))
        let mirror = try CrimeMirror.open(.directory(dir))
        let durham = "lat=54.7761&lng=-1.5733"
        let paths = ["/api/crimes-street/all-crime?\(durham)&date=2019-01", "/api/crime-last-updated", "/api/crimes-street-dates",
                     "/api/crimes-no-location?force=durham&date=2019-01", "/v1/query?\(durham)&radius=0.5mi",
                     "/v1/catchment?\(durham)&radius=0.25mi", "/v1/point?\(durham)", "/v1/report?\(durham)&radius=0.25mi&format=html",
                     "/v1/tile?\(durham)&radius=1mi&date=2019-01", "/v1/info"]
        try await TestServer.with(mirror) { s in
            var before: [String] = []
            for path in paths {
                let r = try await s.get(path)
                #expect(r.status == 200, "\(path): \(r.body.prefix(200))")
                before.append(r.body)
            }
            try FileManager.default.removeItem(atPath: dir)
            // Past the server's next look at the snapshot file.
            try await Task.sleep(for: .milliseconds(400 * Int(Sanitizer.slowdown)))
            // /v1/info reads the catchment files' size from the folder when asked, so those fields
            // (bytes and files) now say the file is gone; the rest comes from the mapped snapshot.
            func snapshotPart(_ info: String) -> NSDictionary? {
                let json = (try? JSONSerialization.jsonObject(with: Data(info.utf8))) as? [String: Any]
                return json.map { $0.filter { !$0.key.hasPrefix("catchment_") } as NSDictionary }
            }
            for (path, body) in zip(paths, before) {
                let r = try await s.get(path)
                let same = path == "/v1/info" ? snapshotPart(r.body) == snapshotPart(body) && snapshotPart(body) != nil : r.body == body
                #expect((r.status == 200 && same) || (r.status >= 500 && r.error?.isEmpty == false),
                        "\(path): \(r.status) \(r.body.prefix(200))")
            }
            #expect(try await s.get("/api/forces").status == 200)
        }
    }
}

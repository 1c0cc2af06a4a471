import Foundation
import Synchronization
import Testing
@testable import GeoQuery
@testable import GeoQueryServer

/// Long listings (crimes-street over a county, a force's crimes without a location) are sent a
/// part at a time as the client reads them: the same bytes as the whole listing, and no more parts
/// made once the client has gone.
@Suite(.serialized) struct ServerListingTests {
    /// Leicestershire and Rutland's box, one month: ~20,000 crimes, ~8 MB of JSON.
    static let county = "52.39,-1.60:52.98,-1.60:52.98,-0.66:52.39,-0.66"

    /// One raw GET, read whole: the header block (lower-cased) and the body, chunks joined.
    static func get(port: Int, _ path: String, version: String = "1.1", extra: String = "") throws -> (headers: String, body: [UInt8]) {
        let fd = try connectedSocket(port: port)
        defer { close(fd) }
        // HTTP/1.0 closes after the answer by default (the server closes at its idle timeout).
        let request = Array("GET \(path) HTTP/\(version)\r\nHost: 127.0.0.1\r\n\(extra)Connection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var reply: [UInt8] = [], buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            reply += buffer[0..<n]
        }
        let end = try #require(reply.indices.first { reply[$0...].starts(with: Array("\r\n\r\n".utf8)) })
        let headers = String(decoding: reply[..<end], as: UTF8.self).lowercased()
        var rest = reply[(end + 4)...]
        guard headers.contains("transfer-encoding: chunked") else { return (headers, Array(rest)) }
        // Chunked: hex size, CRLF, data, CRLF, until a zero size.
        var body: [UInt8] = []
        while true {
            let line = try #require(rest.indices.first { rest[$0...].starts(with: Array("\r\n".utf8)) })
            let size = try #require(Int(String(decoding: rest[rest.startIndex..<line], as: UTF8.self), radix: 16))
            if size == 0 { break }
            body += rest[(line + 2)..<(line + 2 + size)]
            rest = rest[(line + 2 + size + 2)...]
        }
        return (headers, body)
    }

    @Test func aLongListingComesInPartsAndIsTheCLIsWholeListing() async throws {
        try await TestServer.with { s in
            let port = try #require(Int(s.base.split(separator: ":").last!))
            let path = "/api/crimes-street/all-crime?poly=\(Self.county)&date=2019-01"
            let (headers, body) = try await offThePool { try Self.get(port: port, path) }
            #expect(headers.hasPrefix("http/1.1 200") && headers.contains("transfer-encoding: chunked") && !headers.contains("content-length"), "\(headers)")
            let cli = try CLIRun.run(["--mirror", TestData.realMirrorPath, "--poly", Self.county, "--date", "2019-01", "--format", "police-json"])
            #expect(cli.status == 0)
            let same = body + Array("\n".utf8) == Array(cli.stdout.utf8)
            #expect(same && body.count > 4_000_000, "\(body.count) bytes")
            // Logged once it has all been sent, with its size (its headers left with the first part).
            let size = body.count
            #expect(await s.log.eventually { $0.hasPrefix("GET /api/crimes-street/all-crime 200 ") && $0.hasSuffix(" ms (streamed \(size) bytes)") }, "\(s.log.lines)")
            #expect(s.log.lines.filter { $0.hasPrefix("GET /api/crimes-street/all-crime 200 ") }.count == 1)
            let list = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]])
            let expected = try TestData.realMirror.query(.polygon(try PolygonReader.poly(Self.county), from: Month("2019-01"), to: Month("2019-01")))
            #expect(list.count == expected.total && list.count > 5_000)
            // The coverage header is sent before the list, from the counting query (the box
            // reaches into West Midlands, which the mirror lacks).
            #expect(headers.contains("x-geoquery-coverage: \(expected.coverage.headerValue.lowercased())\r\n") && expected.coverage.headerValue.hasPrefix("partial"), "\(headers)")

            // A short one is sent whole, with its length.
            let short = try await offThePool { try Self.get(port: port, "/api/crimes-street/all-crime?poly=52.6345,-1.1315:52.6345,-1.1311:52.6342,-1.1311&date=2019-01") }
            #expect(short.headers.contains("content-length: \(short.body.count)") && !short.headers.contains("chunked"), "\(short.headers)")
            // Crimes without a location, a force's months: the same as the library's whole list.
            let none = try await s.get("/api/crimes-no-location?force=leicestershire&date=2019-01")
            let unplaced = try TestData.realMirror.crimesWithoutLocation(force: "leicestershire", from: Month("2019-01"), to: Month("2019-01"))
            #expect(none.status == 200 && none.body == unplaced.policeJSON() && unplaced.count > 10)
        }
    }

    /// A client gone: the write fails, the parts stop, and the listing is left unfinished.
    @Test func noMorePartsAreMadeOnceAWriteFails() async throws {
        struct Gone: Error {}
        let listing = try TestData.realMirror.policeJSONListing(.polygon(try PolygonReader.poly(Self.county), from: Month("2019-01"), to: Month("2019-01")))
        let first = try #require(try listing.next(minimumBytes: Answer.listingPartBytes))
        var writes = 0
        await #expect(throws: Gone.self) {
            try await Answer.send(listing, first: first) { _ in
                writes += 1
                if writes == 3 { throw Gone() }
            }
        }
        #expect(writes == 3 && !listing.isFinished)
        // What was left is still whole if read on (nothing was made and lost in between).
        var rest: [UInt8] = []
        while let part = try listing.next() { rest += part }
        #expect(rest.last == UInt8(ascii: "]"))
    }

    /// A HEAD of a long listing has the GET's length (it said `Content-Length: 0`), and an HTTP/1.0
    /// request gets the listing whole with its length: such a client cannot read chunks (it got
    /// the chunk sizes as part of the JSON).
    @Test func headAndHTTP10GetTheWholeLength() async throws {
        try await TestServer.with { s in
            let port = try #require(Int(s.base.split(separator: ":").last!))
            let path = "/api/crimes-street/all-crime?poly=\(Self.county)&date=2019-01"
            let get = try await offThePool { try Self.get(port: port, path) }
            #expect(get.headers.contains("transfer-encoding: chunked"))
            let head = try await s.head(path)
            #expect(head.status == 200 && head.body.isEmpty && head.headers["content-length"] == String(get.body.count), "\(head.headers)")
            let old = try await offThePool { try Self.get(port: port, path, version: "1.0") }
            #expect(old.headers.hasPrefix("http/1.1 200") && old.headers.contains("content-length: \(get.body.count)") && !old.headers.contains("chunked"), "\(old.headers)")
            let same = old.body == get.body
            #expect(same)
            // The marker cannot be sent by a client to get a whole answer over HTTP/1.1.
            let spoofed = try await offThePool { try Self.get(port: port, path, extra: "X-GeoQuery-HTTP-1.0: 1\r\n") }
            #expect(spoofed.headers.contains("transfer-encoding: chunked"), "\(spoofed.headers)")
        }
    }

    /// An HTTP/1.0 request without `keep-alive` is answered and its connection closed at once, as
    /// such a client (ApacheBench) expects; it waited for the 30 s idle timeout. With
    /// `keep-alive` the connection takes a second request.
    @Test func http10WithoutKeepAliveIsClosedOnceAnswered() async throws {
        try await TestServer.with { s in
            let port = try #require(Int(s.base.split(separator: ":").last!))
            var start = Date()
            let reply = try await ServerFaultTests.raw(port, Array("GET /api/crime-last-updated HTTP/1.0\r\nHost: x\r\n\r\n".utf8))
            let elapsed = Date().timeIntervalSince(start)
            #expect(reply.contains(" 200 ") && reply.hasSuffix("\"}"), "\(reply)")
            #expect(elapsed < 10 * Sanitizer.slowdown, "closed after \(elapsed) s")
            let twice = try await offThePool { () -> Int in
                let fd = try connectedSocket(port: port)
                defer { close(fd) }
                var answers = 0, buffer = [UInt8](repeating: 0, count: 4096)
                for _ in 0..<2 {
                    let request = Array("GET /api/crime-last-updated HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n".utf8)
                    _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
                    let n = recv(fd, &buffer, buffer.count, 0)
                    if n > 0 && String(decoding: buffer[0..<n], as: UTF8.self).contains(" 200 ") { answers += 1 }
                }
                return answers
            }
            #expect(twice == 2)
            // A CONNECT's 404 has no body (NIO writes none): the connection closes after it, as
            // nothing else tells the client it ended (it waited for the idle timeout).
            start = Date()
            let connectReply = try await ServerFaultTests.raw(port, Array("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n".utf8))
            let connectTime = Date().timeIntervalSince(start)
            #expect(connectReply.hasPrefix("HTTP/1.1 4") && connectTime < 10 * Sanitizer.slowdown, "\(connectTime) s: \(connectReply)")
        }
    }

    /// A client that stops reading a listing is closed after the stall timeout (the idle
    /// timeout), and a server stopping meanwhile does not wait for it for ever (it did).
    @Test func aClientThatStopsReadingIsClosedAndDoesNotHoldShutdown() async throws {
        var options = ServerOptions()
        options.idleTimeoutSeconds = 3
        let ended = Mutex<Date?>(nil)
        try await TestServer.with(options: options) { s in
            let port = try #require(Int(s.base.split(separator: ":").last!))
            let path = "/api/crimes-street/all-crime?poly=\(Self.county)&date=2019-01"
            // Read 10 KB, stop for longer than the timeout, then read on: the server has closed
            // the connection, so the rest ends well short of the ~8 MB listing.
            let received = try await offThePool { () -> Int in
                let fd = try connectedSocket(port: port, receiveBuffer: 16_384)
                defer { close(fd) }
                let request = Array("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
                _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
                var buffer = [UInt8](repeating: 0, count: 10_240), total = 0
                total += max(0, recv(fd, &buffer, buffer.count, Int32(MSG_WAITALL)))
                Thread.sleep(forTimeInterval: 8)
                while true {
                    let n = recv(fd, &buffer, buffer.count, 0)
                    if n <= 0 { break }
                    total += n
                }
                return total
            }
            #expect(received > 10_000 && received < 4_000_000, "\(received) bytes")
            // Its log line says the connection closed, and how much had gone (a part past what
            // the client read, at most: the rest was never made).
            _ = await s.log.eventually { $0.hasPrefix("GET /api/crimes-street/all-crime 200 ") }
            let cut = s.log.lines.first { $0.hasPrefix("GET /api/crimes-street/all-crime 200 ") } ?? ""
            let sent = Int(cut.split(separator: " ").dropLast().last ?? "") ?? -1
            #expect(cut.contains(" ms (streamed; the connection closed after ") && sent >= 0 && sent < 4_000_000, "\(cut)")
            // A reader that is slow but steady, pausing for less than the timeout, is not cut:
            // 64 KB every 60 ms, three pauses of 1 s, ~8 s in all, the whole listing arrives.
            let paced = try await offThePool { () -> (Int, Bool) in
                let fd = try connectedSocket(port: port, receiveBuffer: 65_536)
                defer { close(fd) }
                let request = Array("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
                _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
                var buffer = [UInt8](repeating: 0, count: 65_536), reply: [UInt8] = [], steps = 0
                while true {
                    let n = recv(fd, &buffer, buffer.count, 0)
                    if n <= 0 { break }
                    reply += buffer[0..<n]
                    steps += 1
                    Thread.sleep(forTimeInterval: steps % 40 == 0 && steps <= 120 ? 1.0 : 0.06)
                }
                return (reply.count, reply.suffix(7).elementsEqual(Array("\r\n0\r\n\r\n".utf8)))
            }
            #expect(paced.1 && paced.0 > 7_000_000, "a paced reader got \(paced.0) bytes, ended by the last chunk: \(paced.1)")
            // A second one, left stalled when the server is asked to stop.
            let fd = try connectedSocket(port: port, receiveBuffer: 16_384)
            let request = Array("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
            _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            try await Task.sleep(for: .seconds(1))
            ended.withLock { $0 = Date() }
            // Closed once the server has stopped (the descriptor must outlive it).
            Thread.detachNewThread { Thread.sleep(forTimeInterval: 120); close(fd) }
        }
        let waited = Date().timeIntervalSince(try #require(ended.withLock { $0 }))
        #expect(waited < 30 * Sanitizer.slowdown, "the server stopped \(waited) s after it was asked")
    }
}

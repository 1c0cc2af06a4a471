import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import GeoQueryHarvest

/// The harvest's HTTP transport against a server that accepts connections and never answers:
/// a request cancelled in flight (as a failing sibling's task group cancels the rest) ends with
/// CancellationError, and one cancelled before it starts does too: neither waits for the
/// request's timeout.
@Suite struct HTTPTransportTests {
    /// A listening socket on 127.0.0.1 that never accepts: the kernel completes the connection,
    /// and the request then waits for an answer that never comes. Returns (fd, port).
    static func silentServer() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { close(fd); throw URLError(.cannotConnectToHost) }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    /// An answer that is not HTTP (bytes a server sent by mistake) is said so in words, not as
    /// "The operation could not be completed. (NIOHTTP1.HTTPParserError error 19.)".
    @Test func anAnswerThatIsNotHTTPIsSaidInWords() async throws {
        let (fd, port) = try Self.silentServer()
        defer { close(fd) }
        // Accepts one connection, sends garbage and closes it.
        let server = Thread {
            let c = accept(fd, nil, nil)
            guard c >= 0 else { return }
            var request = [UInt8](repeating: 0, count: 4096)
            _ = read(c, &request, request.count)
            let garbage: [UInt8] = [0, 1] + Array("GARBAGE\r\n\r\n".utf8)
            _ = write(c, garbage, garbage.count)
            close(c)
        }
        server.start()
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/crimes-street-dates")!)
        request.timeoutInterval = 30
        do {
            _ = try await HTTPTransport().data(for: request)
            Issue.record("garbage was taken for an answer")
        } catch {
            #expect(error.localizedDescription.hasPrefix("the answer from 127.0.0.1 port \(port) is not readable HTTP ("), "\(error.localizedDescription)")
        }
    }

    @Test func aCancelledRequestReturnsAtOnce() async throws {
        let (fd, port) = try Self.silentServer()
        defer { close(fd) }
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/crimes-street/all-crime?lat=52.6&lng=-1.1")!)
        // Not cancelled, the request would end in a timeout error after this long. (No timing is
        // asserted: a loaded test machine can be slow to run the task at all.)
        request.timeoutInterval = 120
        let transport = HTTPTransport()
        let inFlight = Task { try await transport.data(for: request) }
        try await Task.sleep(for: .milliseconds(300))
        inFlight.cancel()
        let result = await inFlight.result
        #expect(throws: CancellationError.self) { try result.get() }

        let before = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await transport.data(for: request)
        }
        let early = await before.result
        #expect(throws: CancellationError.self) { try early.get() }
    }
}

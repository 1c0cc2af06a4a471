import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import GeoQuery
import GeoQueryServer

/// A `MirrorServer` on a free port of 127.0.0.1 for the length of one test, with its log kept.
struct TestServer {
    let base: String
    let log: LogLines

    /// Starts a server over `mirror`, runs `body`, and stops the server whatever `body` does.
    static func with(_ mirror: CrimeMirror = TestData.realMirror, apiLimits: Bool = false, options given: ServerOptions = ServerOptions(),
                     _ body: (TestServer) async throws -> Void) async throws {
        var options = given
        options.port = 0
        options.apiLimits = apiLimits || given.apiLimits
        let log = LogLines()
        let server = MirrorServer(mirror: mirror, options: options, log: { log.append($0) })
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let stop = ServerStop()
        let task = Task { try await server.run(stopOnSignals: false, stop: stop) { listening.yield($0) } }
        var it = ports.makeAsyncIterator()
        guard let port = await it.next() else { throw GeoQueryError.invalidQuery("the test server did not start") }
        do {
            try await body(TestServer(base: "http://127.0.0.1:\(port)", log: log))
        } catch {
            await stop.stop(); _ = await task.result
            throw error
        }
        await stop.stop()
        _ = await task.result
    }

    struct Reply {
        var status: Int
        var body: String
        var headers: [String: String]
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed]) }
        var list: [[String: Any]] { json as? [[String: Any]] ?? [] }
        var error: String? { (json as? [String: Any])?["error"] as? String }
    }

    func get(_ pathAndQuery: String) async throws -> Reply {
        try await send(URLRequest(url: URL(string: base + pathAndQuery)!))
    }

    /// A HEAD request: the answer's status and headers, no body.
    func head(_ pathAndQuery: String) async throws -> Reply {
        var r = URLRequest(url: URL(string: base + pathAndQuery)!)
        r.httpMethod = "HEAD"
        return try await send(r)
    }

    /// A request with no body by any method (DELETE, PUT, ...).
    func request(_ method: String, _ pathAndQuery: String) async throws -> Reply {
        var r = URLRequest(url: URL(string: base + pathAndQuery)!)
        r.httpMethod = method
        return try await send(r)
    }

    /// A form POST, as police-api-client sends polygons.
    func post(_ path: String, form: String) async throws -> Reply {
        var r = URLRequest(url: URL(string: base + path)!)
        r.httpMethod = "POST"
        r.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        r.httpBody = Data(form.utf8)
        return try await send(r)
    }

    func send(_ request: URLRequest) async throws -> Reply {
        var request = request
        // Generous, as for raw sockets: the server shares this process with every other suite,
        // whose long synchronous tests (minutes each on a loaded CI machine) can hold the few
        // cooperative and Dispatch threads its I/O and queries need; at 60 s, three requests
        // of one full CI run gave up waiting (NSURLErrorDomain -1001).
        request.timeoutInterval = 300 * Sanitizer.slowdown
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields { headers[String(describing: k).lowercased()] = String(describing: v) }
        return Reply(status: http.statusCode, body: String(decoding: data, as: UTF8.self), headers: headers)
    }
}

/// Runs blocking work (a browser subprocess, a raw socket) off Swift's cooperative threads. There
/// are as many of those as cores (two here), and the in-process server needs one to answer what
/// the work is waiting for: two tests blocking them at once would deadlock the suite.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { done in
        Thread.detachNewThread { done.resume(with: Result { try body() }) }
    }
}

/// The server's request log, shared with the test that reads it.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.lock(); stored.append(line); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return stored }

    /// Whether a line matching `match` arrives within `seconds`: an answer in parts is logged
    /// after its last part is written, which the client may read first.
    func eventually(within seconds: Double = 10, _ match: (String) -> Bool) async -> Bool {
        let end = Date().addingTimeInterval(seconds * Sanitizer.slowdown)
        while !lines.contains(where: match) {
            if Date() > end { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }
}

/// A TCP socket connected to 127.0.0.1:`port` (raw exchanges URLSession would not make), its
/// receive timeout generous for a loaded machine; the caller closes it. `receiveBuffer` shrinks
/// the socket's buffer before connecting (a slow reader).
func connectedSocket(port: Int, receiveBuffer: Int32? = nil) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
    // Generous: with other tests computing catchments in this process, the pool may be busy a while.
    var timeout = timeval(tv_sec: Int(120 * Sanitizer.slowdown), tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard connected == 0 else { close(fd); throw GeoQueryError.invalidQuery("cannot connect to port \(port)") }
    return fd
}

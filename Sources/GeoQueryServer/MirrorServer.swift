import Foundation
import Synchronization
import GeoQuery
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import ServiceLifecycle

/// How `geoquery serve` listens and what it enforces.
public struct ServerOptions: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port (tests); the chosen one is passed to `onListening`.
    public var port = 8080
    /// Behave like the live data.police.uk service: 10,000-crime answers, 4,094-character GET URLs,
    /// 15 requests/s per address with bursts of 30.
    public var apiLimits = false
    /// With `apiLimits`: crimes-street (and outcomes) answers over this many crimes get 503. The
    /// live service's is 10,000; a small one lets tests reach the harvester's rarer paths.
    public var crimeLimit = 10_000
    /// Request bodies over this many bytes are refused with 413.
    public var maxBodyBytes = 8 << 20
    /// A connection silent this long (a client that stopped half-way through a request) is closed.
    public var idleTimeoutSeconds: Int64 = 30

    public init() {}
}

/// The HTTP face of one mirror: data.police.uk's API under `/api/`, geoquery's own under `/v1/`.
///
/// ```swift
/// let server = MirrorServer(mirror: try CrimeMirror.open(.directory("/data/police-uk")))
/// try await server.run { port in print("http://127.0.0.1:\(port)/") }
/// ```
public struct MirrorServer: Sendable {
    let mirror: CrimeMirror
    let options: ServerOptions
    let log: @Sendable (String) -> Void

    /// - FormParameters:
    ///   - log: told one line per request (method, path, status, milliseconds); stdout by default.
    public init(mirror: CrimeMirror, options: ServerOptions = ServerOptions(), log: @escaping @Sendable (String) -> Void = { line in
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }) {
        self.mirror = mirror
        self.options = options
        self.log = log
    }

    /// Serves until SIGINT/SIGTERM (when `stopOnSignals`) or until `stop` is told; requests in
    /// flight finish first. The mirror's catchments are built (``CrimeMirror/prepareCatchments()``)
    /// before the server listens, so no request waits for them.
    /// - Parameter onListening: called once with the port bound (useful with port 0).
    public func run(stopOnSignals: Bool = true, stop: ServerStop? = nil, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        var logger = Logger(label: "geoquery-serve")
        // Our one line per request replaces Hummingbird's log (which calls a closed channel at
        // shutdown an error); failures to start are thrown, not logged.
        logger.logLevel = .critical
        // No request pays for a catchment build: a mirror without its catchment file (ingested
        // by an older geoquery, or the file deleted) gets it now, before the server listens.
        let mirror = self.mirror, log = self.log
        do { _ = try await Blocking.run { try mirror.prepareCatchments() } } catch {
            log("catchments could not be built (\(error)); catchment requests will answer with that error")
        }
        let connections = OpenConnections(stallTimeout: .seconds(options.idleTimeoutSeconds))
        let app = Application(
            router: makeRouter(),
            server: .http1(configuration: .init(additionalChannelHandlers: [connections.handler(), MalformedRequestAnswer(), HTTP10Marker()],
                                                idleTimeout: .seconds(options.idleTimeoutSeconds),
                                                httpDecoderConfiguration: .init(maxHeaderListSize: MalformedRequestAnswer.headerLimitBytes))),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "geoquery/\(GeoQuery.version)"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: stopOnSignals ? [.sigterm, .sigint] : [], logger: logger))
        await stop?.attach(group)
        do {
            try await group.run()
        } catch let e as IOError where e.errnoCode == EADDRINUSE {
            // NIO says "bind(descriptor:ptr:bytes:): Address already in use) (errno: 98)".
            throw GeoQueryError.unreadableInput("port \(options.port) is already in use (another server listens there): choose another with --port, or --port 0 for a free one")
        }
        // Every request has been handled, but a long answer to a slow reader may still be on its
        // way out: returning now (and the process exiting) would cut it short.
        await connections.waitUntilClosed(atMost: .seconds(2 * options.idleTimeoutSeconds))
    }

    func makeRouter() -> Router<ServerContext> {
        let router = Router(context: ServerContext.self, options: .autoGenerateHeadEndpoints)  // HEAD is GET without the body (RFC 9110); monitors and clients probe with it
        router.middlewares.add(RequestLog(log: log))
        // Middleware comes before the routes it wraps; the routes it names are known only after.
        let known = KnownRoutes()
        router.middlewares.add(UnknownPath(known: known))
        if options.apiLimits { router.middlewares.add(APILimits()) }
        let source = MirrorSource(mirror, log: log)
        PoliceAPI.register(on: router, source: source, options: options)
        GeoQueryAPI.register(on: router, source: source, options: options)
        ReportPage.register(on: router, source: source, options: options)
        known.set(router.routes.map { ($0.path, $0.method) })
        return router
    }
}

/// Stops a running ``MirrorServer`` gracefully from another task: requests in flight finish.
/// (Cancelling the task that runs the server instead would tear connections down mid-answer.)
public final class ServerStop: @unchecked Sendable {
    private let lock = NSLock()
    private var group: ServiceGroup?
    private var requested = false

    public init() {}

    /// Asks the server to stop; returns at once (await the task running the server to see it end).
    public func stop() async {
        let g: ServiceGroup? = lock.withLock {
            requested = true
            return group
        }
        await g?.triggerGracefulShutdown()
    }

    func attach(_ g: ServiceGroup) async {
        let early = lock.withLock {
            group = g
            return requested
        }
        if early { await g.triggerGracefulShutdown() }
    }
}

/// One line per request: method, path, status, duration. An answer sent in parts (a long
/// listing) is logged when its last part has been written, with its size, or when the connection
/// closed before that, with what had been sent: its headers leave when the first part is ready.
struct RequestLog<Context: RequestContext>: RouterMiddleware {
    let log: @Sendable (String) -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let method = request.method, path = request.uri.path, log = self.log
        @Sendable func line(_ status: HTTPResponse.Status, _ more: String = "") {
            let d = ContinuousClock.now - start
            let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
            log("\(method) \(path) \(status.code) \(String(format: "%.1f", ms)) ms\(more)")
        }
        do {
            var response = try await next(request, context)
            guard response.body.contentLength == nil else {
                line(response.status)
                return response
            }
            let body = response.body, status = response.status, sent = SentBytes()
            response.body = ResponseBody { writer in
                do {
                    try await body.write(CountingWriter(parent: writer, sent: sent))
                    line(status, " (streamed \(sent.count) bytes)")
                } catch {
                    line(status, " (streamed; the connection closed after \(sent.count) bytes)")
                    throw error
                }
            }
            return response
        } catch let e as any HTTPResponseError {
            line(e.status)
            throw e
        } catch {
            line(.internalServerError)
            throw error
        }
    }
}

/// The body bytes of an answer in parts that its connection has taken.
final class SentBytes: Sendable {
    private let total = Mutex(0)
    func add(_ n: Int) { total.withLock { $0 += n } }
    var count: Int { total.withLock { $0 } }
}

/// Counts what each write of `parent` has taken, once it has.
struct CountingWriter: ResponseBodyWriter {
    var parent: any ResponseBodyWriter
    let sent: SentBytes

    mutating func write(_ buffer: ByteBuffer) async throws {
        try await parent.write(buffer)
        sent.add(buffer.readableBytes)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws { try await parent.finish(trailingHeaders) }
}

/// The router's paths and their methods, filled once when the routes are in place (before the
/// server starts), for telling a wrong method from a wrong path.
final class KnownRoutes: Sendable {
    private let routes = Mutex<[(path: RouterPath, method: HTTPRequest.Method)]>([])
    func set(_ list: [(RouterPath, HTTPRequest.Method)]) { routes.withLock { $0 = list.map { (path: $0.0, method: $0.1) } } }

    /// The methods a route takes at `path` (empty when no route has that path), HEAD with GET
    /// (the router makes those itself).
    func methods(at path: String) -> [HTTPRequest.Method] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        let methods = routes.withLock { list in
            list.filter { r in r.path.components.count == parts.count && zip(r.path.components, parts).allSatisfy { $0 ~= $1 } }.map(\.method)
        }
        return methods.contains(.get) ? methods + [.head] : methods
    }
}

/// A path no route takes answers 404 with one JSON line saying so, as every other error does
/// (the router's own 404 has an empty body, and no `Content-Type`); a HEAD gets its headers. A path a route takes with
/// other methods answers 405 with `Allow` (RFC 9110), as DELETE on an /api/ path.
struct UnknownPath<Context: RequestContext>: RouterMiddleware {
    let known: KnownRoutes

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as HTTPError where e.status == .notFound && e.body == nil {
            let methods = Set(known.methods(at: request.uri.path).map(\.rawValue)).sorted()
            guard methods.isEmpty else {
                let allowed = methods.joined(separator: ", ")
                return Answer.error("\(request.method) is not answered at \(request.uri.path): it takes \(allowed)", status: .methodNotAllowed, headers: [.allow: allowed])
            }
            return Answer.error("no endpoint for \(request.method) \(request.uri.path): geoquery serves data.police.uk's /api/ paths for street-level crimes, outcomes and forces (not stop and search or neighbourhoods, which it does not mirror) and /v1/ (described at /v1/openapi.json)", status: .notFound)
        }
    }
}

/// Answers: JSON text with its status, errors as `{"error": "..."}` with the status their kind gives.
enum Answer {
    static func json(_ text: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var h = headers
        h[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A listing: whole, with its length, when its first part is all of it; else a part at a
    /// time (each made on the worker pool) as the client takes them, so a client that reads
    /// slowly holds one part, not the whole list, and one that leaves stops the work.
    /// `whole`: sent whole regardless (a HEAD, whose `Content-Length` is the GET's; an HTTP/1.0
    /// client, which cannot read chunks).
    static func listing(_ listing: PoliceJSONListing, headers: HTTPFields, whole: Bool = false) async throws -> Response {
        var h = headers
        h[.contentType] = "application/json; charset=utf-8"
        let first = try await Blocking.run { try listing.next(minimumBytes: whole ? .max : listingPartBytes) } ?? []
        guard !listing.isFinished else { return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: first))) }
        return Response(status: .ok, headers: h, body: ResponseBody { writer in
            try await send(listing, first: first) { try await writer.write(ByteBuffer(bytes: $0)) }
            try await writer.finish(nil)
        })
    }

    /// Sends `first` and then the listing's other parts, each made when the one before has been
    /// taken; the first write that fails (the client has gone) ends it, and no more parts are made.
    static func send(_ listing: PoliceJSONListing, first: [UInt8], write: ([UInt8]) async throws -> Void) async throws {
        try await write(first)
        while let part = try await Blocking.run({ try listing.next(minimumBytes: listingPartBytes) }) {
            try await write(part)
        }
    }

    /// The least size of a listing's parts: a part is a few hundred crimes, made in about a millisecond.
    static let listingPartBytes = 256 << 10

    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func error(_ message: String, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        json("{\"error\":\(JSONWriter.quote(message))}\n", status: status, headers: headers)
    }

    static func status(for kind: GeoQueryError.Kind) -> HTTPResponse.Status {
        switch kind {
        case .badInput: return .badRequest
        case .notFound: return .notFound
        case .tooLarge: return .contentTooLarge
        case .internal: return .internalServerError
        }
    }

    /// Runs a handler and turns whatever it throws into an answer: never a crash for bad input.
    static func catching(_ body: () async throws -> Response) async -> Response {
        do { return try await body() }
        catch let e as GeoQueryError { return error(e.description, status: status(for: e.kind)) }
        catch let e as LimitExceeded { return error(e.message, status: e.status, headers: e.headers) }
        catch let e as any HTTPResponseError where e.status == .contentTooLarge {
            return error("the request body is too large", status: .contentTooLarge)
        }
        catch let e as HTTPParserError {
            // Met while reading the body (a chunk size that is not hex): the client's framing.
            // The connection cannot be read on, so the answer says it closes.
            return error(MalformedRequestAnswer.message(for: e), status: .badRequest, headers: [.connection: "close"])
        }
        catch let failure { return Answer.error("internal error: \(failure)", status: .internalServerError) }
    }
}

/// Library calls are synchronous and some take long (a first catchment build, a report, a
/// national crimes-street list): they run on threads of their own, so a slow answer never holds
/// the few cooperative threads that every connection's I/O needs.
///
/// More threads than cores, so long answers share the CPU with short ones rather than queue them:
/// on GCD's concurrent queue about one call ran per core, and a 1 ms query waited seconds (tens of
/// seconds behind two repairs) for two long calls to finish (an independent check).
enum Blocking {
    static let threads = max(8, 4 * ProcessInfo.processInfo.activeProcessorCount)
    private static let pool = WorkerPool(threads: threads, name: "geoquery.serve.work")

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { done in
            pool.submit { done.resume(with: Result { try body() }) }
        }
    }
}

/// A fixed set of threads taking jobs in the order given; they live as long as the process.
final class WorkerPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var first = 0

    init(threads: Int, name: String) {
        for i in 0..<threads {
            let thread = Thread { [self] in work() }
            thread.name = "\(name).\(i)"
            thread.start()
        }
    }

    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while first == jobs.count { condition.wait() }
            let job = jobs[first]
            first += 1
            // Taken jobs are dropped in one step once half the list is taken: no O(n) removal each time.
            if first == jobs.count { jobs.removeAll(keepingCapacity: true); first = 0 }
            else if first > 1024 && first * 2 > jobs.count { jobs.removeFirst(first); first = 0 }
            condition.unlock()
            job()
        }
    }
}

/// A limit the live service enforces (`--api-limits`), with its status.
struct LimitExceeded: Error {
    let status: HTTPResponse.Status
    let message: String
    var headers: HTTPFields = [:]
}

extension Request {
    /// The URL query and, for POST, a form-encoded body, as one set of parameters.
    func parameters(maxBodyBytes: Int) async throws -> FormParameters {
        var p = try FormParameters(formEncoded: Substring(uri.query ?? ""))
        if method == .post {
            let body = try await self.body.collect(upTo: maxBodyBytes)
            let type = headers[.contentType] ?? ""
            guard let text = String(validating: body.readableBytesView, as: UTF8.self) else {
                throw GeoQueryError.invalidQuery("the request body is not valid UTF-8")
            }
            if type.isEmpty || type.hasPrefix("application/x-www-form-urlencoded") {
                p.append(try FormParameters(formEncoded: Substring(text)))
            } else {
                p.body = text
            }
        }
        return p
    }
}

/// The server's open connections, so that a stopping server delivers the answers it is still
/// sending. Hummingbird (2.28) closes a connection the moment it has queued the last part of an
/// answer when it is told to stop, which drops what NIO has not yet written (a multi-megabyte
/// answer to a slow reader arrived cut short); and its run returns once requests are handled.
/// Each connection's ``Handler`` holds a close back until the writes before it are done, and
/// ``waitUntilClosed(atMost:)`` lets the server's run end only when the connections have closed.
final class OpenConnections: @unchecked Sendable {
    private let lock = NSLock()
    private var open = 0
    /// How long a connection may refuse to take what is written to it (its client not reading)
    /// before it is closed.
    let stallTimeout: TimeAmount

    init(stallTimeout: TimeAmount) { self.stallTimeout = stallTimeout }

    /// The socket send buffer of a connection sending an answer in parts (Linux doubles it: `ss`
    /// showed 512 KB): with the kernel's default (up to 4 MB) a slow reader let no write complete
    /// for longer than the stall timeout.
    static let streamSendBuffer: SocketOptionValue = 256 * 1024

    /// A handler for one connection's pipeline (after HTTP decoding), counted while it is there.
    func handler() -> Handler { Handler(self) }

    func waitUntilClosed(atMost limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while lock.withLock({ open }) > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Runs on its connection's event loop only, so its own state needs no lock.
    final class Handler: ChannelDuplexHandler, RemovableChannelHandler, @unchecked Sendable {
        typealias InboundIn = Any
        typealias OutboundIn = Any
        private let owner: OpenConnections
        private var writing = 0
        private var heldClose: (mode: CloseMode, promise: EventLoopPromise<Void>?)?
        /// An answer sent in parts (no `Content-Length`) is on its way: its writes are watched.
        private var watching = false, ended = false
        /// When a write last completed (its bytes went to the socket).
        private var lastProgress = NIODeadline.now()
        private var stallCheck: Scheduled<Void>?

        init(_ owner: OpenConnections) { self.owner = owner }
        func handlerAdded(context: ChannelHandlerContext) { owner.lock.withLock { owner.open += 1 } }
        func handlerRemoved(context: ChannelHandlerContext) {
            stallCheck?.cancel()
            owner.lock.withLock { owner.open -= 1 }
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            switch unwrapOutboundIn(data) as? HTTPResponsePart {
            case .head(let head)? where head.headerFields[.contentLength] == nil:
                (watching, ended) = (true, false)
                lastProgress = .now()
                // A write completes once the socket has taken it: behind the kernel's default
                // buffer (up to 4 MB) a slow reader's progress showed too late (a rule on the
                // channel's writability cut steady 30 KB/s readers at 30 s). A smaller buffer keeps
                // progress in view.
                _ = context.channel.setOption(ChannelOptions.socketOption(.so_sndbuf), value: OpenConnections.streamSendBuffer)
                checkForStall(context)
            case .end? where watching:
                ended = true
            default: break
            }
            let done = promise ?? context.eventLoop.makePromise()
            writing += 1
            // The write completes on the channel's event loop, where the context may be used.
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.futureResult.whenComplete { _ in
                self.writing -= 1
                self.lastProgress = .now()
                // The answer in parts is all out: later answers on this connection are not watched.
                if self.writing == 0 && self.ended { (self.watching, self.ended) = (false, false) }
                if self.writing == 0, let held = self.heldClose {
                    self.heldClose = nil
                    bound.value.close(mode: held.mode, promise: held.promise)
                }
            }
            context.write(data, promise: done)
        }

        /// A client that takes nothing of an answer sent in parts for the stall timeout is
        /// closed: the answer waits for it between parts, so its request never ended, the
        /// connection stayed, and a graceful shutdown waited for it for ever (an independent
        /// check). Progress is a write completing (its bytes taken by the socket, whose buffer is
        /// kept small, see ``streamSendBuffer``), so a reader that is slow but steady (1 KB/s was
        /// not cut in 80 s) or pauses for less than the timeout is not cut; an answer written
        /// whole (its length known) is left to the idle timeout, as before.
        private func checkForStall(_ context: ChannelHandlerContext) {
            guard stallCheck == nil else { return }
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            stallCheck = context.eventLoop.scheduleTask(deadline: lastProgress + owner.stallTimeout) {
                self.stallCheck = nil
                guard self.watching, bound.value.channel.isActive else { return }
                if self.writing > 0 && NIODeadline.now() >= self.lastProgress + self.owner.stallTimeout {
                    // Past this handler: a held close (see close(context:)) would wait for the writes.
                    bound.value.close(promise: nil)
                    return
                }
                self.checkForStall(bound.value)
            }
        }

        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            // A write that fails (the client went away) completes too, so a held close always runs.
            if mode == .all && writing > 0 && heldClose == nil {
                heldClose = (mode, promise)
                context.flush()
            } else {
                context.close(mode: mode, promise: promise)
            }
        }
    }
}

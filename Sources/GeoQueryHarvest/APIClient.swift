import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GeoQuery
import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

/// Requests at most `rate` a second, with bursts of at most `burst`, across every task that
/// shares it (a token bucket; a request waits for its token, tokens are never lent ahead beyond
/// the queue of waiters). It starts empty: a burst is saved up while requests wait for answers,
/// so a run started just after another (a resume), whose requests emptied the API's own bucket,
/// does not open with 30 requests at once and meet 429s (an independent check met 21).
public actor TokenBucket {
    let rate: Double
    let burst: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant

    public init(rate: Double = 15, burst: Int = 30) {
        self.rate = rate
        self.burst = Double(burst)
        tokens = 0
        last = .now
    }

    /// Reserves the next token and says how long to wait for it.
    func reserve() -> Duration {
        let now = ContinuousClock.now
        let elapsed = now - last
        last = now
        tokens = min(burst, tokens + (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * rate)
        tokens -= 1
        return tokens >= 0 ? .zero : .seconds(-tokens / rate)
    }

    /// Waits for a token.
    public func take() async throws {
        let wait = reserve()
        if wait > .zero { try await Task.sleep(for: wait) }
    }
}

/// Where requests go: HTTP (``HTTPTransport``), or anything that answers as the API does.
public protocol APITransport: Sendable {
    func data(for request: URLRequest) async throws -> (Data, URLResponse)
}

/// HTTP through AsyncHTTPClient's shared client (SwiftNIO), not URLSession: on Linux,
/// URLSession's libcurl loop keeps a core busy for as long as a request waits (two answers that
/// took 8 s each cost 12 s of CPU), and its task cancellation once hung a harvest.
public struct HTTPTransport: APITransport {
    /// The largest answer read: a crimes-street answer holds at most 10,000 crimes (a few MB).
    static let largestAnswer = 256 << 20

    public init() {}

    /// One client for the process (never shut down: it lives as long as the process, as
    /// `HTTPClient.shared` does). A connection that cannot be made fails the request at once
    /// (the shared client's pool would try again until the request's deadline, so a closed port
    /// waited out five 60 s timeouts); the harvest's own retries back off and say so.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// The answer to `request`, within its `timeoutInterval` (60 s when none is set). Cancelled
    /// (a sibling request failed, or the harvest stops), it throws `CancellationError`.
    public func data(for request: URLRequest) async throws -> (Data, URLResponse) {
        try Task.checkCancellation()
        guard let url = request.url else { throw URLError(.badURL) }
        var r = HTTPClientRequest(url: url.absoluteString)
        r.method = HTTPMethod(rawValue: request.httpMethod ?? "GET")
        for (name, value) in request.allHTTPHeaderFields ?? [:] { r.headers.add(name: name, value: value) }
        if let body = request.httpBody { r.body = .bytes(ByteBuffer(bytes: body)) }
        let seconds = request.timeoutInterval > 0 ? request.timeoutInterval : 60
        do {
            let response = try await Self.client.execute(r, timeout: .milliseconds(Int64(seconds * 1000)))
            let body = try await response.body.collect(upTo: Self.largestAnswer)
            var headers: [String: String] = [:]
            for (name, value) in response.headers { headers[name] = headers[name].map { $0 + ", " + value } ?? value }
            guard let answer = HTTPURLResponse(url: url, statusCode: Int(response.status.code), httpVersion: "HTTP/1.1", headerFields: headers) else {
                throw URLError(.badServerResponse)
            }
            return (Data(body.readableBytesView), answer)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw Self.failure(error, url: url)
        }
    }

    /// The client's error as the harvest reports it: a timeout as `URLError(.timedOut)` (said "no
    /// answer within 60 s"), anything else with a short reason (NIO's descriptions are structs).
    static func failure(_ error: any Error, url: URL) -> any Error {
        let place = "\(url.host ?? "the server") port \(url.port ?? (url.scheme == "https" ? 443 : 80))"
        if let e = error as? HTTPClientError {
            switch e {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout: return URLError(.timedOut)
            case .remoteConnectionClosed: return TransportFailure(reason: "the server closed the connection without an answer")
            default: return TransportFailure(reason: "\(e)")
            }
        }
        if let e = error as? NIOConnectionError {
            let why = e.connectionErrors.first.map { Self.reason($0.error) } ?? "no address to connect to"
            return TransportFailure(reason: "cannot connect to \(place): \(why)")
        }
        // After connecting: a reset, or an answer that is not HTTP.
        if let e = error as? IOError { return TransportFailure(reason: "the connection to \(place) failed: \(Self.reason(e))") }
        if let e = error as? HTTPParserError { return TransportFailure(reason: "the answer from \(place) is not readable HTTP (\(e))") }
        if error is URLError || error is CancellationError { return error }
        return TransportFailure(reason: "\(error)")
    }
}

extension HTTPTransport {
    /// A system error as the C library words it ("Connection refused"), not NIO's struct.
    static func reason(_ error: any Error) -> String {
        guard let e = error as? IOError else { return "\(error)" }
        return String(cString: strerror(e.errnoCode))
    }
}

/// A request that got no answer, with the reason the user reads.
struct TransportFailure: LocalizedError {
    let reason: String
    var errorDescription: String? { reason }
}

/// What happened to one request.
public enum APIAnswer: Sendable {
    /// `missing`: the forces the answering API says it holds no data for in the request's month
    /// (`X-GeoQuery-Coverage: partial; missing=force:month,...`, as `geoquery serve` answers
    /// crimes-street); empty from data.police.uk, which sends no such header.
    case crimes([APICrime], missing: [String] = [])
    /// An `outcomes-at-location` answer.
    case outcomes([APIOutcome])
    /// 503 on a street request: more crimes than the API returns at once; split the cell.
    case tooMany
}

/// Counters for the progress line and the summary, shared by the concurrent requests.
public final class HarvestCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var values = (done: 0, planned: 0, crimes: 0, tooMany: 0, retries: 0, splits: 0, rateLimited: 0)

    public struct Snapshot: Sendable {
        public var done, planned, crimes, tooMany, retries, splits, rateLimited: Int
    }
    public var snapshot: Snapshot {
        lock.lock(); defer { lock.unlock() }
        let v = values
        return Snapshot(done: v.done, planned: v.planned, crimes: v.crimes, tooMany: v.tooMany, retries: v.retries, splits: v.splits, rateLimited: v.rateLimited)
    }
    public init() {}

    func add(done: Int = 0, planned: Int = 0, crimes: Int = 0, tooMany: Int = 0, retries: Int = 0, splits: Int = 0, rateLimited: Int = 0) {
        lock.lock(); defer { lock.unlock() }
        values.done += done; values.planned += planned; values.crimes += crimes; values.tooMany += tooMany
        values.retries += retries; values.splits += splits; values.rateLimited += rateLimited
    }
}

/// A polite client of a data.police.uk-compatible API: one token bucket for every request,
/// `Retry-After` honoured on 429, exponential backoff with jitter on 5xx and timeouts, a bounded
/// number of tries, and a User-Agent that names geoquery.
public struct APIClient: Sendable {
    public static let liveAPI = URL(string: "https://data.police.uk/api/")!
    public static let userAgent = "geoquery/\(GeoQuery.version) (+https://github.com/geoquery/geoquery#harvest)"

    public var base: URL
    public var bucket: TokenBucket
    /// Tries per request for 5xx answers and timeouts (429s wait and do not count).
    public var tries = 5
    /// 429s tolerated for one request before giving up.
    public var rateLimitedTries = 30
    public var timeout: TimeInterval = 60
    /// First backoff; doubled each try, with up to 50% jitter.
    public var backoff: Double = 0.5
    /// Told, in a line for the user, each time a failed request (no answer: a timeout, a refused
    /// or dropped connection; a 5xx; an answer cut short) is about to be asked again, and why:
    /// those waits can add up to minutes, and a harvest on a non-terminal otherwise prints
    /// nothing until it gives up.
    public var retryNotice: (@Sendable (String) -> Void)?
    let counters: HarvestCounters
    let transport: any APITransport

    public init(base: URL, bucket: TokenBucket = TokenBucket(), counters: HarvestCounters = HarvestCounters(),
                transport: any APITransport = HTTPTransport()) {
        self.base = base
        self.bucket = bucket
        self.counters = counters
        self.transport = transport
    }

    /// Sends one request until it is answered, or throws a message naming it.
    public func send(_ request: HarvestRequest) async throws -> APIAnswer {
        let r = request.urlRequest(base: base, userAgent: Self.userAgent, timeout: timeout)
        var failures = 0, limited = 0
        while true {
            try await bucket.take()
            let data: Data, response: URLResponse
            do {
                (data, response) = try await transport.data(for: r)
            } catch {
                // Cancelled (a sibling request failed, or the harvest stops): not a failed try.
                if error is CancellationError || Task.isCancelled { throw CancellationError() }
                failures += 1
                guard failures < tries else {
                    throw GeoQueryError.unreadableInput("\(request.summary) failed \(failures) times (last: \(Self.reason(error, timeout: timeout))); is \(base.absoluteString) reachable? Re-run the same command to continue: completed requests are kept")
                }
                try await waitAfterFailure(failures, request.summary, why: Self.reason(error, timeout: timeout))
                continue
            }
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            switch status {
            case 200:
                do {
                    if request.kind == .outcomes { return .outcomes(try APIOutcome.decode(data)) }
                    let coverage = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: Coverage.headerName)
                    return .crimes(try APICrime.decode(data), missing: Self.missingForces(coverage, month: request.month))
                } catch {
                    failures += 1
                    guard failures < tries else {
                        throw GeoQueryError.unreadableInput("\(request.summary): the answer is not the API's \(request.kind == .outcomes ? "outcomes" : "crime") JSON (\(data.count) bytes: \(String(decoding: data.prefix(80), as: UTF8.self))); check --api names a data.police.uk-compatible API")
                    }
                    // Truncated answers happen: ask again.
                    try await waitAfterFailure(failures, request.summary, why: Self.cutShort(data))
                }
            case 503 where request.kind == .street || request.kind == .outcomes:
                return .tooMany
            case 429:
                limited += 1
                try await waitAfterRateLimit(response, limited, request.summary)
            case 500...599:
                failures += 1
                guard failures < tries else {
                    throw GeoQueryError.unreadableInput("\(request.summary): the API answered \(status) \(failures) times; try again later (re-running the same command continues)")
                }
                try await waitAfterFailure(failures, request.summary, why: "the API answered \(status)")
            case 404:
                throw GeoQueryError.unreadableInput("\(request.summary): the API answered 404 (not found) for \(r.url?.absoluteString.prefix(200) ?? ""): check --api (e.g. https://data.police.uk/api/) and that the month is one the API holds")
            default:
                throw GeoQueryError.unreadableInput("\(request.summary): the API answered \(status) (\(String(decoding: data.prefix(120), as: UTF8.self))); the request is wrong for this API")
            }
        }
    }

    /// The forces a coverage header says are missing in `month` (``Coverage/missingForces(inHeader:month:)``).
    static func missingForces(_ header: String?, month: String) -> [String] { Coverage.missingForces(inHeader: header, month: month) }

    /// Why a request got no answer, for the user: "NSURLErrorDomain error -1001" is what a
    /// timeout says otherwise.
    static func reason(_ error: any Error, timeout: TimeInterval) -> String {
        (error as? URLError)?.code == .timedOut ? "no answer within \(Format.decimal(timeout, places: 0)) s" : error.localizedDescription
    }

    /// The line ``retryNotice`` hears.
    static func retryLine(_ what: String, _ reason: String, wait: Double, try n: Int, of tries: Int) -> String {
        "\(what): \(reason); asking again in \(Format.decimal(wait, places: 1)) s (try \(n) of \(tries))"
    }

    /// Why a 200 answer is asked again: it is not the JSON asked for (most often cut short).
    static func cutShort(_ data: Data) -> String { "the answer was cut short or is not JSON (\(data.count) bytes)" }

    /// After the `failures`-th failed try of `what`: counts the retry, says `why`, and waits the backoff.
    private func waitAfterFailure(_ failures: Int, _ what: String, why: String) async throws {
        counters.add(retries: 1)
        let wait = delay(failures)
        retryNotice?(Self.retryLine(what, why, wait: wait, try: failures + 1, of: tries))
        try await Task.sleep(for: .seconds(wait))
    }

    /// A 429, the `limited`-th for one request: waits as its `Retry-After` says (else the backoff),
    /// not counted among the `tries`, or throws once `rateLimitedTries` are spent.
    private func waitAfterRateLimit(_ response: URLResponse, _ limited: Int, _ what: String) async throws {
        counters.add(rateLimited: 1)
        guard limited < rateLimitedTries else {
            throw GeoQueryError.unreadableInput("\(what): still refused with 429 (too many requests) after \(limited) waits; try again later")
        }
        let after = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Retry-After").flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        try await Task.sleep(for: .seconds(max(after ?? delay(limited), 0.05)))
    }

    /// Seconds to wait before try `n + 1`: doubling from `backoff`, plus up to half again at random.
    func delay(_ n: Int) -> Double {
        let d = backoff * pow(2, Double(n - 1))
        return min(60, d * (1 + Double.random(in: 0..<0.5)))
    }

    /// A GET of a small JSON document (`crimes-street-dates`, `crime-last-updated`), politely.
    public func document(_ path: String) async throws -> Data {
        let root = base.absoluteString.hasSuffix("/") ? base.absoluteString : base.absoluteString + "/"
        guard let url = URL(string: root + path) else { throw GeoQueryError.invalidQuery("--api \(base.absoluteString) is not a URL") }
        var r = URLRequest(url: url)
        r.timeoutInterval = timeout
        r.setValue(Self.userAgent, forHTTPHeaderField: "User-Agent")
        var failures = 0, limited = 0
        while true {
            try await bucket.take()
            let data: Data, response: URLResponse
            do {
                (data, response) = try await transport.data(for: r)
            } catch let e as GeoQueryError { throw e } catch {
                if error is CancellationError || Task.isCancelled { throw CancellationError() }
                failures += 1
                guard failures < tries else {
                    throw GeoQueryError.unreadableInput("cannot reach \(url.absoluteString) (\(Self.reason(error, timeout: timeout))): check --api and the network")
                }
                try await waitAfterFailure(failures, path, why: Self.reason(error, timeout: timeout))
                continue
            }
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            if status == 200 { return data }
            // As for the crimes: a 429 waits as told and is not a failed try.
            if status == 429 {
                limited += 1
                try await waitAfterRateLimit(response, limited, path)
                continue
            }
            guard status >= 500 else {
                throw GeoQueryError.unreadableInput("\(path): the API answered \(status): check --api \(base.absoluteString) is a data.police.uk-compatible API")
            }
            failures += 1
            guard failures < tries else { throw GeoQueryError.unreadableInput("\(path): the API kept failing (\(failures) tries); try again later") }
            try await waitAfterFailure(failures, path, why: "the API answered \(status)")
        }
    }

    /// Months the API holds (`crimes-street-dates`), oldest first.
    public func months() async throws -> [Month] { try await listedMonths().map(\.month) }

    /// `crimes-street-dates`, oldest first, with the forces each month holds when the API says
    /// (`forces`, geoquery serve's addition; nil from data.police.uk, which lists months only).
    public func listedMonths() async throws -> [(month: Month, forces: Set<String>?)] {
        struct Entry: Decodable { var date: String; var forces: [String]? }
        let data = try await document("crimes-street-dates")
        guard let entries = try? JSONDecoder().decode([Entry].self, from: data) else {
            throw GeoQueryError.unreadableInput("crimes-street-dates: the answer is not a list of {\"date\": \"YYYY-MM\"}")
        }
        return entries.compactMap { e in Month(e.date).map { ($0, e.forces.map(Set.init)) } }.sorted { $0.month < $1.month }
    }
}

import Foundation
import GeoQuery
import Hummingbird

/// Each request's context: Hummingbird's, plus the client's address for per-client limits.
struct ServerContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The client's IP address ("" when the socket has none, e.g. a Unix socket).
    let clientAddress: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? ""
    }
}

/// `--api-limits`: the live data.police.uk service's request limits, so clients and harvesters can
/// be tested against them. (The 10,000-crime 503 is the crimes-street handler's, which knows the count.)
struct APILimits: RouterMiddleware {
    /// GET URLs (path and query) longer than this are refused with 400, as the live service does.
    static let maxGETLength = 4_094
    /// 15 requests/s per client address, with bursts of 30.
    static let rate = 15.0, burst = 30.0

    let buckets = TokenBuckets(rate: APILimits.rate, burst: APILimits.burst)

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        let target = request.uri.description
        if request.method == .get, target.utf8.count > APILimits.maxGETLength {
            return Answer.error("the URL is \(target.utf8.count) characters, over the live API's limit of \(APILimits.maxGETLength): POST the parameters as a form instead", status: .badRequest)
        }
        if let wait = buckets.take(context.clientAddress) {
            return Answer.error("over \(Int(APILimits.rate)) requests per second (bursts of \(Int(APILimits.burst))): retry after \(wait) s",
                                status: .tooManyRequests, headers: [.retryAfter: "\(wait)"])
        }
        return try await next(request, context)
    }
}

/// One token bucket per client: `burst` tokens, refilled at `rate` per second; a request takes one.
final class TokenBuckets: @unchecked Sendable {
    private let rate: Double, burst: Double
    private let lock = NSLock()
    private var buckets: [String: (tokens: Double, at: ContinuousClock.Instant)] = [:]

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
    }

    /// Takes a token for `client`: nil when one was there, else whole seconds until one will be.
    func take(_ client: String, now: ContinuousClock.Instant = .now) -> Int? {
        lock.lock(); defer { lock.unlock() }
        var b = buckets[client] ?? (burst, now)
        let elapsed = now - b.at
        b.tokens = min(burst, b.tokens + (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * rate)
        b.at = now
        defer { buckets[client] = b }
        // Full buckets are forgotten, so memory holds only clients seen in the last two seconds.
        if buckets.count > 10_000 { buckets = buckets.filter { $0.value.tokens < burst } }
        guard b.tokens >= 1 else { return Int(((1 - b.tokens) / rate).rounded(.up)) }
        b.tokens -= 1
        return nil
    }
}

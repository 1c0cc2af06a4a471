import GeoQuery
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Gives a request NIO cannot parse the server's JSON error. Hummingbird answers one (a request
/// line and headers over the decoder's limit, a method HTTP does not define, broken framing) with
/// a bare 400 and no body; a client then sees an empty answer where every other refusal says why.
///
/// One per connection, after HTTP decoding: it notes the parser's error as the error passes
/// through, and rewrites only Hummingbird's bodiless 400 that follows (its exact form: status 400,
/// `Content-Length: 0`, `Connection: close`), so no other answer is ever touched.
final class MalformedRequestAnswer: ChannelDuplexHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The decoder's limit on a request's line and headers together (the server sets it; it is
    /// Hummingbird's and NIO's default).
    static let headerLimitBytes = 80 * 1024

    private var failure: HTTPParserError?
    private var body: ByteBuffer?

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let parse = error as? HTTPParserError { failure = parse }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard let failure else { return context.write(data, promise: promise) }
        switch unwrapOutboundIn(data) {
        case .head(var head) where head.status == .badRequest && head.headerFields[.contentLength] == "0":
            let text = "{\"error\":\(JSONWriter.quote(Self.message(for: failure)))}\n"
            let bytes = ByteBuffer(string: text)
            head.headerFields[.contentType] = "application/json; charset=utf-8"
            head.headerFields[.contentLength] = String(bytes.readableBytes)
            body = bytes
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end(let trailers):
            if let bytes = body {
                body = nil
                context.write(wrapOutboundOut(.body(bytes)), promise: nil)
            }
            context.write(wrapOutboundOut(.end(trailers)), promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }

    /// What the client is told, by the parser's error.
    static func message(for failure: HTTPParserError) -> String {
        switch failure {
        case .headerOverflow:
            return "the request line and headers exceed \(headerLimitBytes / 1024) KiB together: send a long poly by POST as a form (application/x-www-form-urlencoded), or fewer or shorter headers"
        case .invalidMethod:
            return "the request's method is not one HTTP defines: this server answers GET, HEAD and POST"
        case .invalidURL:
            return "the request's target is not a URL path"
        case .invalidVersion:
            return "the request is not HTTP/1.0 or HTTP/1.1"
        case .invalidChunkSize:
            return "the request's chunked body has a chunk size that is not a hexadecimal length"
        default:
            return "the request is not valid HTTP/1.1 (\(failure))"
        }
    }
}

import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Marks an HTTP/1.0 request with a header (``name``) the routes can read, and a request that
/// does not keep its connection with `Connection: close`. Hummingbird's request, in
/// version-independent HTTP types, says nothing of the version, and an HTTP/1.0
/// client cannot read a chunked body (a listing sent in parts went to one as chunks, the sizes
/// read as JSON; independent check). A client cannot set the header itself: it is removed from
/// every request first.
///
/// Listed among the server's channel handlers, which come after the conversion to HTTP types; it
/// puts a copy of itself before that conversion (where the version is known) and leaves.
final class HTTP10Marker: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    static let name = HTTPFields.Element.Name("X-GeoQuery-HTTP-1.0")!
    private let placed: Bool

    init() { placed = false }
    private init(placed: Bool) { self.placed = placed }

    func handlerAdded(context: ChannelHandlerContext) {
        guard !placed else { return }
        let pipeline = context.pipeline.syncOperations
        if let codec = try? pipeline.context(handlerType: HTTP1ToHTTPServerCodec.self) {
            try? pipeline.addHandler(HTTP10Marker(placed: true), position: .before(codec.handler))
        }
        pipeline.removeHandler(context: context, promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard placed, case .head(var head) = unwrapInboundIn(data) else { return context.fireChannelRead(data) }
        head.headers.remove(name: Self.name.rawName)
        if head.version == .http1_0 { head.headers.add(name: Self.name.rawName, value: "1") }
        // A request that does not keep the connection (HTTP/1.0 without `keep-alive`, or any
        // spelling of `close`) is closed once answered: Hummingbird looks for exactly `close`,
        // so an HTTP/1.0 client (ApacheBench) waited for the idle timeout, 30 s, after each answer.
        // A CONNECT (a proxy's tunnel, which this server is not) gets its 404 without a body
        // (NIO writes none to a CONNECT), so nothing would tell the client the answer ended.
        if !head.isKeepAlive || head.method == .CONNECT { head.headers.replaceOrAdd(name: "Connection", value: "close") }
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }
}

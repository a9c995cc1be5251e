import ContinuumJSON
import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Prometheus
import Synchronization

/// The limits one connection lives under (docs/security.md).
public struct ConnectionLimits: Sendable {
    /// Connections served at once. One more is answered 503 with `Retry-After` and closed;
    /// beyond `maxConnections + refusalHeadroom` the server stops accepting until some close, so
    /// idle sockets cannot take every file descriptor.
    public var maxConnections: Int
    /// How long a connection may sit without a request under way: before its first request's
    /// headers are complete (a slow or silent client), and between requests. Then it is closed.
    public var idleTimeout: Duration
    /// How long a request's body may take to arrive once its headers have: a stalled upload is
    /// answered 408 and closed.
    public var bodyTimeout: Duration

    public static let refusalHeadroom = 64

    public init(maxConnections: Int = 1024, idleTimeout: Duration = .seconds(30), bodyTimeout: Duration = .seconds(60)) {
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.bodyTimeout = bodyTimeout
    }
}

/// Counts the connections a server has open, for the cap and for `/metrics`.
final class ConnectionCounter: Sendable {
    private let open = Mutex(0)

    /// Adds one; returns the count with it.
    func opened() -> Int { open.withLock { $0 += 1; return $0 } }
    func closed() { open.withLock { $0 -= 1 } }
    var current: Int { open.withLock { $0 } }
}

/// One per connection, after HTTP decoding: refuses a connection over the cap with a 503,
/// closes one that is idle too long (no request under way, headers never completed), and
/// answers 408 and closes when a request's body stalls. Each close is counted in `/metrics`.
///
/// Hummingbird's own idle timeout is not used: it closes without saying so, and these closes
/// are worth counting (issue 22: 5,000 slowloris connections were held for 68 s).
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    private let counter: ConnectionCounter
    private let metrics: ServerMetrics
    private var counted = false
    private var refusing = false
    private var readingBody = false
    /// The current request has been answered (an early 413, say) while its body still comes.
    private var answered = false
    private var timer: Scheduled<Void>?

    init(limits: ConnectionLimits, counter: ConnectionCounter, metrics: ServerMetrics) {
        self.limits = limits
        self.counter = counter
        self.metrics = metrics
    }

    func handlerAdded(context: ChannelHandlerContext) {
        counted = true
        refusing = counter.opened() > limits.maxConnections
        metrics.connectionsOpen.set(Double(counter.current))
        if refusing {
            metrics.connectionClosed(reason: "refused")
            // A client that says nothing is not kept for its turn.
            schedule(context, after: limits.idleTimeout) { context in context.close(promise: nil) }
        } else {
            schedule(context, after: limits.idleTimeout) { [metrics] context in
                metrics.connectionClosed(reason: "idle")
                context.close(promise: nil)
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        if counted {
            counted = false
            counter.closed()
            metrics.connectionsOpen.set(Double(counter.current))
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if refusing {
            if case .head = part { refuse(context) }
            return
        }
        switch part {
        case .head:
            readingBody = true
            answered = false
            schedule(context, after: limits.bodyTimeout) { [weak self, metrics] context in
                guard let self, self.readingBody else { return }
                metrics.connectionClosed(reason: "slow-body")
                // One answer per request: if it was answered already, only close.
                if self.answered {
                    context.close(promise: nil)
                } else {
                    self.answer(context, .requestTimeout, "the request body did not arrive within \(self.limits.bodyTimeout); send it again")
                }
            }
        case .body:
            break
        case .end:
            readingBody = false
            timer?.cancel()
            timer = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            answered = true
            if !readingBody {
                schedule(context, after: limits.idleTimeout) { [metrics] context in
                    metrics.connectionClosed(reason: "idle")
                    context.close(promise: nil)
                }
            }
        }
        context.write(data, promise: promise)
    }

    private func refuse(_ context: ChannelHandlerContext) {
        answer(context, .serviceUnavailable, "the server has \(limits.maxConnections) connections open, its limit; retry shortly", retryAfter: 1)
    }

    /// Writes a complete problem+json answer and closes the connection.
    private func answer(_ context: ChannelHandlerContext, _ status: HTTPResponse.Status, _ detail: String, retryAfter: Int? = nil) {
        timer?.cancel()
        timer = nil
        let body = APIProblem(status, title: status.reasonPhrase, detail: detail).json.serializedBytes()
        var fields: HTTPFields = [.contentType: "application/problem+json", .connection: "close", .contentLength: String(body.count)]
        if let retryAfter { fields[.retryAfter] = String(retryAfter) }
        context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.close(promise: nil)
    }

    private func schedule(_ context: ChannelHandlerContext, after delay: Duration, _ action: @escaping (ChannelHandlerContext) -> Void) {
        timer?.cancel()
        let nanoseconds = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
        timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: .nanoseconds(nanoseconds)) {
            action(context)
        }
    }
}

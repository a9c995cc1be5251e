import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core storage, and the peer's address, which
/// rate-limits failed authentication per source (issue 22).
public struct ContinuumRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address as text ("unknown" when the socket has none, as in tests without one).
    var sourceAddress: String { remoteAddress?.ipAddress ?? "unknown" }
}

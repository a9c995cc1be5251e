import ContinuumAPI
import ContinuumCore
import ContinuumStore
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The router service: a Hummingbird 2 application over a ``CaseStore``.
///
/// ```swift
/// let server = ContinuumServer(store: store, pathway: surrey, configuration: .init(port: 8080), logger: logger)
/// try await server.run { port in print("listening on \(port)") }
/// ```
public struct ContinuumServer: Sendable {
    public let store: any CaseStore
    /// The pathway versions, each in force from its `effectiveFrom` (the store routes by them).
    public let pathways: PathwaySet
    public let configuration: ServerConfiguration
    public let logger: Logger

    public init(store: any CaseStore, pathways: PathwaySet, configuration: ServerConfiguration, logger: Logger) {
        self.store = store
        self.pathways = pathways
        self.configuration = configuration
        self.logger = logger
    }

    /// A server with a single pathway version.
    public init(store: any CaseStore, pathway: VerifiedPathway, configuration: ServerConfiguration, logger: Logger) {
        self.store = store
        self.pathways = PathwaySet(single: pathway)
        self.configuration = configuration
        self.logger = logger
    }

    /// The router with every route; exposed so tests can inspect it without a socket.
    func router(metrics: ServerMetrics) -> Router<ContinuumRequestContext> {
        let router = Router(context: ContinuumRequestContext.self)
        router.middlewares.add(RequestMiddleware(metrics: metrics, logger: logger))
        let access = Access(store: store, limiter: RateLimiter(rate: configuration.rateLimitPerSecond, burst: configuration.rateLimitBurst),
                            failures: RateLimiter(rate: configuration.failureRatePerSecond, burst: configuration.failureBurst),
                            concurrency: ConcurrencyLimiter(limit: configuration.concurrentRequestsPerToken))
        OperationalRoutes(store: store, metrics: metrics, configuration: configuration, pathways: pathways).register(on: router)
        PartnerRoutes(store: store, batchTurns: KeyedTurns(), access: access, configuration: configuration, metrics: metrics, logger: logger).register(on: router)
        StaffRoutes(store: store, access: access, configuration: configuration, logger: logger).register(on: router)
        AdminRoutes(store: store, access: access, configuration: configuration, logger: logger).register(on: router)
        Self.refuseOtherMethods(on: router)
        return router
    }

    /// Methods a client may try on any path: the router answers those a path does not take with
    /// 405 and `Allow` (RFC 9110 §15.5.6), not the 404 it gives by default, so a client that
    /// sent GET for POST learns what to fix. Unknown paths stay 404.
    static let methodsRefused: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete]

    static func refuseOtherMethods(on router: Router<ContinuumRequestContext>) {
        let byPath = Dictionary(grouping: router.routes, by: { $0.path.description })
        for (_, routes) in byPath.sorted(by: { $0.key < $1.key }) {
            let taken = Set(routes.map(\.method))
            let allowed = routes.map(\.method.rawValue).sorted()
            for method in methodsRefused where !taken.contains(method) {
                router.on(routes[0].path, method: method) { request, _ -> Response in
                    throw APIProblem.methodNotAllowed(method.rawValue, path: request.uri.path, allowed: allowed)
                }
            }
        }
    }

    /// Serves until the task is cancelled or the process gets SIGTERM / SIGINT (graceful shutdown).
    /// - Parameter onListening: called with the bound port once the server accepts connections.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let metrics = ServerMetrics()
        let watcher = ClockWatcher(store: store, interval: configuration.clockCheckInterval, now: configuration.now, logger: logger)
        var services: [any Service] = [watcher, WebhookDispatcher(store: store, settings: configuration.webhooks, now: configuration.now, logger: logger)]
        if let checkpoints = configuration.checkpoints {
            let problems = try await CheckpointWriter.check(store, checkpoints)
            guard problems.isEmpty else { throw ServerError.logBehindCheckpoint(problems) }
            services.append(CheckpointWriter(store: store, settings: checkpoints, now: configuration.now, logger: logger))
        }
        let limits = configuration.connections
        let counter = ConnectionCounter()
        let app = Application(
            router: router(metrics: metrics),
            server: .http1(configuration: .init(additionalChannelHandlers: [ConnectionGuard(limits: limits, counter: counter, metrics: metrics)])),
            // Past the cap plus room to say 503, stop accepting: idle sockets cannot take every descriptor.
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "continuum",
                                 availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections + ConnectionLimits.refusalHeadroom, logger: logger)),
            services: services,
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        do {
            try await app.runService()
        } catch let error as IOError {
            // Only the errors binding gives are start-up failures; any other goes up as it is.
            guard let reason = Self.listenFailure(errno: error.errnoCode) else { throw error }
            throw ServerError.cannotListen(host: configuration.host, port: configuration.port, reason: reason)
        } catch let error as SocketAddressError.UnknownHost {
            throw ServerError.cannotListen(host: error.host, port: configuration.port, reason: Self.unknownHost)
        } catch SocketAddressError.unknown(let host, _) {
            throw ServerError.cannotListen(host: host, port: configuration.port, reason: Self.unknownHost)
        }
    }

    static let unknownHost = "the host name is not known here; give an address such as 127.0.0.1 or 0.0.0.0"

    /// Why a socket could not be bound, in words an operator can act on (not NIO's `bind(…)`
    /// text); nil for an error binding does not give.
    static func listenFailure(errno code: Int32) -> String? {
        switch code {
        case EADDRINUSE: "the port is already in use (another continuum, or another program, listens there): stop it or give another --port"
        case EACCES: "not permitted to listen on this port (ports below 1024 need privileges): give a port of 1024 or more"
        case EADDRNOTAVAIL: "the address is not one of this machine's: give --host 127.0.0.1, 0.0.0.0 or one of its addresses"
        default: nil
        }
    }
}

/// Why the server would not start.
public enum ServerError: Error, Sendable, CustomStringConvertible {
    /// The log contradicts the latest checkpoint in the checkpoint folder.
    case logBehindCheckpoint([String])
    /// The address and port cannot be listened on (in use, not permitted, not this machine's).
    case cannotListen(host: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case .cannotListen(let host, let port, let reason):
            "cannot listen on \(host):\(port): \(reason)"
        case .logBehindCheckpoint(let problems):
            "the event log does not hold its latest checkpoint, so it will not be served: " + problems.joined(separator: "; ")
                + " (restore the database from a backup; `continuum audit verify --checkpoint` says more)"
        }
    }
}

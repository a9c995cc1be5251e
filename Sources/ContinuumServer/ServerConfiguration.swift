import ContinuumAPI
import ContinuumCore
import ContinuumStore
import Foundation

/// How a Continuum server runs: where it listens, its limits, and its clock.
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (tests); the bound port is reported by ``ContinuumServer/run(onListening:)``.
    public var port: Int
    /// Largest accepted body of `POST /v1/referrals` and the staff routes (413 above it).
    public var maxBodyBytes: Int
    /// Largest accepted body of `POST /v1/referrals/batch`.
    public var maxBatchBytes: Int
    /// Lines one batch may hold; the next is answered 413 and the rest is not read.
    public var maxBatchLines = 10_000
    /// Requests per second allowed to one token, sustained (429 above it); 0 turns the limit off.
    public var rateLimitPerSecond: Double
    /// Requests one token may send at once above the sustained rate.
    public var rateLimitBurst: Double
    /// How often running clocks are checked for breaches.
    public var clockCheckInterval: Duration
    /// The current time (tests move it; the service uses the system clock).
    public var now: @Sendable () -> Timestamp
    /// Targets for `GET /v1/indicators` (red / amber / green).
    public var indicatorTargets: IndicatorTargets = IndicatorTargets()
    /// The connection cap and the idle and body timeouts (docs/security.md).
    public var connections = ConnectionLimits()
    /// Failed authentications (401 and 403) allowed per source address per second, sustained;
    /// past it the address gets 429 before its token is looked up. 0 turns the limit off.
    public var failureRatePerSecond: Double = 5
    /// Failed authentications one source address may make at once above that rate.
    public var failureBurst: Double = 30
    /// Requests one token may have under way at once (429 beyond); 0 turns the limit off.
    public var concurrentRequestsPerToken = 16
    /// When set, `GET /metrics` needs `Authorization: Bearer` with this secret.
    public var metricsToken: String?
    /// Signed checkpoints of the log's head, written by the server (docs/security.md).
    public var checkpoints: CheckpointSettings?
    /// `/metrics` reads the queue and overdue-clock counts from the database at most this often;
    /// scrapes in between are answered from memory.
    public var gaugeRefreshInterval: Duration = .seconds(15)
    /// Partners' webhooks: how often the outbox is read, and how deliveries are retried.
    public var webhooks = WebhookSettings()

    public init(host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 1 << 20, maxBatchBytes: Int = 16 << 20,
                rateLimitPerSecond: Double = 50, rateLimitBurst: Double = 100, clockCheckInterval: Duration = .seconds(60),
                now: @escaping @Sendable () -> Timestamp = SystemClock.now) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxBatchBytes = maxBatchBytes
        self.rateLimitPerSecond = rateLimitPerSecond
        self.rateLimitBurst = rateLimitBurst
        self.clockCheckInterval = clockCheckInterval
        self.now = now
    }
}

/// Where and how often the server writes signed checkpoints of the log's head.
public struct CheckpointSettings: Sendable {
    public var key: CheckpointKey
    /// A folder off the database's disk where it can be (a backup mount, say).
    public var folder: String
    /// A checkpoint each time the log has grown by this many events (and one at start).
    public var every: Int64
    /// Also sent here (an HTTP POST of the checkpoint's JSON), to a store off this machine; one
    /// that fails is sent again at the next check.
    public var url: String?

    public init(key: CheckpointKey, folder: String, every: Int64, url: String? = nil) {
        self.key = key
        self.folder = folder
        self.every = max(1, every)
        self.url = url
    }
}

/// The system clock as a ``Timestamp`` (UTC, millisecond precision).
public enum SystemClock {
    @Sendable public static func now() -> Timestamp {
        let seconds = Date().timeIntervalSince1970
        let whole = seconds.rounded(.down)
        return Timestamp(secondsSinceEpoch: Int64(whole), milliseconds: min(999, Int((seconds - whole) * 1000)))
    }
}

/// How webhook deliveries are sent and retried (docs/partners.md).
public struct WebhookSettings: Sendable {
    /// How often the outbox is read for deliveries due.
    public var pollInterval: Duration = .seconds(1)
    /// The first retry's delay; each next one doubles it, up to ``maximumDelay``, with jitter.
    public var firstRetry: Duration = .seconds(30)
    public var maximumDelay: Duration = .seconds(3600)
    /// After this long a delivery still failing goes to the dead-letter list.
    public var giveUpAfter: Duration = .seconds(24 * 3600)
    /// One attempt's limit (connect, send, answer).
    public var timeout: Duration = .seconds(10)
    /// Off: deliveries wait in the outbox (a server that must not send).
    public var enabled = true

    public init() {}
}

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

/// The system clock as a ``Timestamp`` (UTC, millisecond precision).
public enum SystemClock {
    @Sendable public static func now() -> Timestamp {
        let seconds = Date().timeIntervalSince1970
        let whole = seconds.rounded(.down)
        return Timestamp(secondsSinceEpoch: Int64(whole), milliseconds: min(999, Int((seconds - whole) * 1000)))
    }
}

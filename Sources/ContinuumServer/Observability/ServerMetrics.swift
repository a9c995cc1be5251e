import Prometheus
import Synchronization

/// The service's Prometheus metrics, in a registry of its own (one per server, so tests can
/// run several servers in one process without a global metrics system).
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let queueLength: Gauge
    let overdueClocks: Gauge
    let connectionsOpen: Gauge
    let residentMemory: Gauge
    /// When the queue and clock gauges were last read from the store.
    let gaugesRead = Mutex<ContinuousClock.Instant?>(nil)

    static let latencyBuckets: [Duration] = [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                             .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)]

    init() {
        queueLength = registry.makeGauge(descriptor: .init(namespace: "continuum", metricName: "queue", unitName: "length",
                                                           helpText: "Referrals awaiting a front-door decision"))
        overdueClocks = registry.makeGauge(descriptor: .init(namespace: "continuum", metricName: "clocks_overdue", unitName: "count",
                                                             helpText: "Running statutory clocks past their due date"))
        connectionsOpen = registry.makeGauge(descriptor: .init(namespace: "continuum", metricName: "connections_open", unitName: "count",
                                                               helpText: "HTTP connections open"))
        residentMemory = registry.makeGauge(descriptor: .init(namespace: "continuum", metricName: "process_resident_memory", unitName: "bytes",
                                                              helpText: "Resident memory of the server process"))
    }

    /// A connection the server closed or refused: `refused` (over the cap), `idle` (no request
    /// under way for the idle timeout, headers never completed), `slow-body` (a stalled body).
    func connectionClosed(reason: String) {
        registry.makeCounter(descriptor: .init(namespace: "continuum", metricName: "connections_closed", unitName: "total",
                                               helpText: "Connections the server closed or refused, by reason"),
                             labels: [("reason", reason)]).increment()
    }

    /// Whether the store's gauges are due a read (at most once per `interval`); marks them read.
    func gaugesDue(every interval: Duration, now: ContinuousClock.Instant = .now) -> Bool {
        gaugesRead.withLock { last in
            if let last, now - last < interval { return false }
            last = now
            return true
        }
    }

    func request(method: String, route: String, status: Int, duration: Duration) {
        registry.makeCounter(descriptor: .init(namespace: "continuum", metricName: "http_requests", unitName: "total", helpText: "HTTP requests answered"),
                             labels: [("method", method), ("route", route), ("status", String(status))]).increment()
        registry.makeDurationHistogram(descriptor: .init(namespace: "continuum", metricName: "http_request_duration", unitName: "seconds",
                                                         helpText: "HTTP request latency"),
                                       labels: [("method", method), ("route", route)], buckets: Self.latencyBuckets).record(duration)
    }

    /// `outcome`: created, replayed, invalid, conflict; `level`: the recommended level when routed.
    func referral(outcome: String, level: String? = nil) {
        registry.makeCounter(descriptor: .init(namespace: "continuum", metricName: "referrals", unitName: "total",
                                               helpText: "Referrals received, by outcome and recommended level"),
                             labels: [("outcome", outcome), ("level", level ?? "none")]).increment()
    }
}
